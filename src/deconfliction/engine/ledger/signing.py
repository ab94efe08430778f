"""Ed25519 keys and signatures, signed tree heads, receipts and salted commitments (pure: every
key is passed in; no clock, no store).

Encodings: keys and signatures are unpadded base64url (as in JOSE, RFC 8037); hashes (roots,
proof nodes, digests, commitments) are lowercase hex, as in the hash chain. A key's id (`kid`) is
its RFC 7638 JWK thumbprint (RFC 8037 section 2), so anyone holding the public key computes it.

Every signed message is the RFC 8785 canonical form of a JSON object whose `ctx` names what it is
(`deconfliction/request/v1`, `deconfliction/tree-head/v1`): a signature made for one kind of
message never verifies as another.

**Signed requests.** A party signs a write (declare, revise, withdraw, acknowledge) with a
detached signature sent beside the body, e.g. as the JSON of `RequestSignature.as_json()`:

    {"alg": "Ed25519", "kid": "<thumbprint>", "signed_at": "<RFC 3339>",
     "nonce": "<base64url, 16..64 random bytes>", "sig": "<base64url, 64 bytes>"}

`sig` covers canonical({"ctx", "alg", "kid", "party", "method", "path", "signed_at", "nonce",
"body"}), where `method` is upper case, `path` is the URL path without the query, and `body` is
the JSON body as parsed from the request bytes (not as re-serialised by a model; None when there
is none). A replay is refused twice over: `verify_request` refuses a `signed_at` more than
`window_s` (default 300 s) away from the server's clock, and returns a `replay_key`
("<kid>:<nonce>") that the caller records, unique, in the same transaction as the write and keeps
for at least 2 x window_s; a second request with the same key is the same request again. (A
revision also names the version it revises, so even a request replayed after its nonce was
forgotten would meet a stale version.) An acknowledgement puts `content_digest` of the exact
declaration version it was shown in its body, so a read-back binds content, not a number.

**Tree heads and receipts.** The server signs canonical({"ctx", "tree_size", "root_hash",
"timestamp_ms"}) with its own key (`sign_tree_head`); a `Receipt` is a leaf index, its inclusion
path and a signed tree head. A party keeps the heads it sees and checks each new head against the
last with `verify_consistency_between` (a fork shown to one party fails there). The map console
checks the same bytes in the browser (`console/js/transparency.js`, with WebCrypto).

**Commitments.** A purpose is logged as SHA-256(salt || canonical(purpose)) with a 32-byte
salt the owner keeps; revealing (salt, purpose) lets an inquiry check it (`reveal_matches`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ...errors import InvalidInput, Unauthenticated
from ...geo.instants import parse_instant
from .canonical import canonicalize
from .merkle import HASH_SIZE, verify_consistency, verify_inclusion

__all__ = [
    "ALG", "COMMITMENT_SALT_SIZE", "Receipt", "RequestSignature", "SignedTreeHead", "VerifiedRequest",
    "b64url_decode", "b64url_encode", "commit", "content_digest", "encode_public_key", "key_id",
    "load_private_key", "load_public_key", "request_signing_input", "reveal_matches", "sign_request",
    "sign_tree_head", "verify_consistency_between", "verify_request", "verify_signature",
]

ALG = "Ed25519"
REQUEST_CTX = "deconfliction/request/v1"
TREE_HEAD_CTX = "deconfliction/tree-head/v1"
COMMITMENT_SALT_SIZE = 32
SIGNATURE_SIZE = 64
_NONCE_BYTES = (16, 64)


# --- encodings and keys ---

def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, field: str = "value") -> bytes:
    """Strict unpadded (or padded) base64url; anything else is InvalidInput."""
    if not isinstance(text, str) or not text.isascii():
        raise InvalidInput(field, "not base64url text")
    stripped = text.rstrip("=")
    try:
        data = base64.b64decode(stripped + "=" * (-len(stripped) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(field, "not base64url") from None
    if b64url_encode(data) != stripped:  # non-canonical trailing bits
        raise InvalidInput(field, "not canonical base64url")
    return data


def load_public_key(text: str | bytes, field: str = "public_key") -> Ed25519PublicKey:
    """A party's Ed25519 public key from PEM (SubjectPublicKeyInfo) or base64url of the raw 32
    bytes (a JWK's `x`)."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    if raw.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(raw)
        except ValueError:
            raise InvalidInput(field, "not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(field, f"an Ed25519 key is required, not {type(key).__name__}")
        return key
    data = b64url_decode(raw.decode("ascii", "replace").strip(), field)
    if len(data) != 32:
        raise InvalidInput(field, f"a raw Ed25519 public key is 32 bytes, not {len(data)}")
    return Ed25519PublicKey.from_public_bytes(data)


def load_private_key(text: str | bytes, field: str = "private_key") -> Ed25519PrivateKey:
    """An Ed25519 private key from unencrypted PEM (PKCS#8) or base64url of the 32-byte seed."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    if raw.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(raw, password=None)
        except (ValueError, TypeError):
            raise InvalidInput(field, "not an unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(field, f"an Ed25519 key is required, not {type(key).__name__}")
        return key
    data = b64url_decode(raw.decode("ascii", "replace").strip(), field)
    if len(data) != 32:
        raise InvalidInput(field, f"a raw Ed25519 private key is 32 bytes, not {len(data)}")
    return Ed25519PrivateKey.from_private_bytes(data)


def encode_public_key(key: Ed25519PublicKey) -> str:
    """base64url of the raw 32 bytes (a JWK's `x`)."""
    return b64url_encode(key.public_bytes_raw())


def key_id(key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint of the key (RFC 8037 section 2)."""
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": encode_public_key(key)}
    return b64url_encode(hashlib.sha256(canonicalize(jwk)).digest())


def verify_signature(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    if len(signature) != SIGNATURE_SIZE:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def content_digest(value: Any) -> str:
    """SHA-256 (hex) of a JSON value's canonical form: what an acknowledgement signs of the
    declaration version it was shown."""
    return hashlib.sha256(canonicalize(value)).hexdigest()


# --- signed requests ---

@dataclass(frozen=True, slots=True)
class RequestSignature:
    """The detached signature a party sends beside a request body."""

    kid: str
    signed_at: str
    nonce: str
    sig: str
    alg: str = ALG

    def as_json(self) -> dict[str, str]:
        return {"alg": self.alg, "kid": self.kid, "signed_at": self.signed_at, "nonce": self.nonce,
                "sig": self.sig}

    @classmethod
    def from_json(cls, value: Any, field: str = "signature") -> RequestSignature:
        if not isinstance(value, dict):
            raise InvalidInput(field, "expected an object {alg, kid, signed_at, nonce, sig}")
        keys = {"alg", "kid", "signed_at", "nonce", "sig"}
        if set(value) != keys:
            raise InvalidInput(field, f"expected exactly the members {sorted(keys)}")
        for key in keys:
            if not isinstance(value[key], str):
                raise InvalidInput(f"{field}.{key}", "must be a string")
        return cls(kid=value["kid"], signed_at=value["signed_at"], nonce=value["nonce"],
                   sig=value["sig"], alg=value["alg"])


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    kid: str
    signed_at_s: float
    replay_key: str
    """`<kid>:<nonce>`: record it, unique, with the write; a second use is a replay."""


def request_signing_input(
    *, kid: str, party: str, method: str, path: str, signed_at: str, nonce: str, body: Any
) -> bytes:
    """The bytes a request signature covers."""
    return canonicalize({
        "ctx": REQUEST_CTX, "alg": ALG, "kid": kid, "party": party, "method": method.upper(),
        "path": path, "signed_at": signed_at, "nonce": nonce, "body": body,
    })


def sign_request(
    key: Ed25519PrivateKey, *, party: str, method: str, path: str, body: Any, signed_at: str,
    nonce: bytes,
) -> RequestSignature:
    """What a client sends (the caller picks the time and the random nonce)."""
    if not _NONCE_BYTES[0] <= len(nonce) <= _NONCE_BYTES[1]:
        raise InvalidInput("nonce", f"a nonce is {_NONCE_BYTES[0]} to {_NONCE_BYTES[1]} bytes")
    kid, nonce_text = key_id(key.public_key()), b64url_encode(nonce)
    message = request_signing_input(kid=kid, party=party, method=method, path=path,
                                    signed_at=signed_at, nonce=nonce_text, body=body)
    return RequestSignature(kid=kid, signed_at=signed_at, nonce=nonce_text,
                            sig=b64url_encode(key.sign(message)))


def verify_request(
    signature: RequestSignature, key: Ed25519PublicKey, *, party: str, method: str, path: str,
    body: Any, now_s: float, window_s: float = 300.0,
) -> VerifiedRequest:
    """Check a party's request signature with the key registered for `party`; raise
    Unauthenticated saying why not. The caller still refuses a replay_key it has seen."""
    if signature.alg != ALG:
        raise Unauthenticated(f"signature algorithm {signature.alg!r} is not {ALG}")
    if signature.kid != key_id(key):
        raise Unauthenticated(f"signature key {signature.kid!r} is not the key registered for {party!r}")
    try:
        signed_at_s = parse_instant(signature.signed_at, "signature.signed_at")
        nonce = b64url_decode(signature.nonce, "signature.nonce")
        sig = b64url_decode(signature.sig, "signature.sig")
    except InvalidInput as error:
        raise Unauthenticated(f"bad signature: {error.message}") from None
    if not _NONCE_BYTES[0] <= len(nonce) <= _NONCE_BYTES[1]:
        raise Unauthenticated(f"signature nonce must be {_NONCE_BYTES[0]} to {_NONCE_BYTES[1]} bytes")
    if abs(now_s - signed_at_s) > window_s:
        raise Unauthenticated(f"signature made at {signature.signed_at}, more than {window_s:g} s "
                              "from the server's time (stale or replayed)")
    message = request_signing_input(kid=signature.kid, party=party, method=method, path=path,
                                    signed_at=signature.signed_at, nonce=signature.nonce, body=body)
    if not verify_signature(key, sig, message):
        raise Unauthenticated(f"signature does not verify for {party!r} over this request")
    return VerifiedRequest(kid=signature.kid, signed_at_s=signed_at_s,
                           replay_key=f"{signature.kid}:{signature.nonce}")


# --- signed tree heads and receipts ---

@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    kid: str
    signature: bytes

    def signing_input(self) -> bytes:
        return _tree_head_input(self.tree_size, self.root_hash, self.timestamp_ms)

    def verify(self, key: Ed25519PublicKey) -> bool:
        """Signed by `key` (the log's), over this size, root and time."""
        return (self.kid == key_id(key) and len(self.root_hash) == HASH_SIZE
                and verify_signature(key, self.signature, self.signing_input()))

    def as_json(self) -> dict[str, Any]:
        return {"tree_size": self.tree_size, "root_hash": self.root_hash.hex(),
                "timestamp_ms": self.timestamp_ms, "kid": self.kid, "sig": b64url_encode(self.signature)}

    @classmethod
    def from_json(cls, value: Any, field: str = "tree_head") -> SignedTreeHead:
        if not isinstance(value, dict):
            raise InvalidInput(field, "expected an object {tree_size, root_hash, timestamp_ms, kid, sig}")
        return cls(
            tree_size=_int(value, "tree_size", field), root_hash=_hex_hash(value.get("root_hash"), f"{field}.root_hash"),
            timestamp_ms=_int(value, "timestamp_ms", field), kid=_str(value, "kid", field),
            signature=b64url_decode(_str(value, "sig", field), f"{field}.sig"),
        )


def _tree_head_input(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    return canonicalize({"ctx": TREE_HEAD_CTX, "tree_size": tree_size, "root_hash": root_hash.hex(),
                         "timestamp_ms": timestamp_ms})


def sign_tree_head(key: Ed25519PrivateKey, *, tree_size: int, root_hash: bytes,
                   timestamp_ms: int, kid: str | None = None) -> SignedTreeHead:
    """The log's signature over its size, root and the time (ms since the epoch); `kid` is the
    key's id when the caller keeps it (computing it costs a fifth of the signature)."""
    if tree_size < 0 or len(root_hash) != HASH_SIZE:
        raise InvalidInput("tree_head", "a tree head needs a size >= 0 and a 32-byte root")
    signature = key.sign(_tree_head_input(tree_size, root_hash, timestamp_ms))
    return SignedTreeHead(tree_size, bytes(root_hash), timestamp_ms, kid or key_id(key.public_key()), signature)


def verify_consistency_between(
    old: SignedTreeHead, new: SignedTreeHead, proof: Sequence[bytes], key: Ed25519PublicKey
) -> bool:
    """Both heads signed by the log's key and `new` extends `old` (RFC 9162 2.1.4.2): what a party
    checks for each new head it sees against the last it kept."""
    return (old.verify(key) and new.verify(key)
            and verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof))


@dataclass(frozen=True, slots=True)
class Receipt:
    """The answer to a write: where its ledger entry sits and the signed head that holds it."""

    leaf_index: int
    inclusion_path: tuple[bytes, ...]
    tree_head: SignedTreeHead

    def verify(self, leaf: bytes, key: Ed25519PublicKey) -> bool:
        """`leaf` (the entry's leaf hash) is in the signed tree at `leaf_index`."""
        head = self.tree_head
        return head.verify(key) and verify_inclusion(leaf, self.leaf_index, head.tree_size,
                                                     self.inclusion_path, head.root_hash)

    def as_json(self) -> dict[str, Any]:
        return {"leaf_index": self.leaf_index, "inclusion_path": [h.hex() for h in self.inclusion_path],
                "tree_head": self.tree_head.as_json()}

    @classmethod
    def from_json(cls, value: Any, field: str = "receipt") -> Receipt:
        if not isinstance(value, dict) or not isinstance(value.get("inclusion_path"), list):
            raise InvalidInput(field, "expected an object {leaf_index, inclusion_path, tree_head}")
        path = tuple(_hex_hash(h, f"{field}.inclusion_path[{i}]") for i, h in enumerate(value["inclusion_path"]))
        return cls(_int(value, "leaf_index", field), path,
                   SignedTreeHead.from_json(value.get("tree_head"), f"{field}.tree_head"))


def _int(value: dict[str, Any], key: str, field: str) -> int:
    item = value.get(key)
    if not isinstance(item, int) or isinstance(item, bool) or item < 0:
        raise InvalidInput(f"{field}.{key}", "must be an integer >= 0")
    return item


def _str(value: dict[str, Any], key: str, field: str) -> str:
    item = value.get(key)
    if not isinstance(item, str):
        raise InvalidInput(f"{field}.{key}", "must be a string")
    return item


def _hex_hash(text: Any, field: str) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * HASH_SIZE:
        raise InvalidInput(field, f"must be {2 * HASH_SIZE} hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidInput(field, f"must be {2 * HASH_SIZE} hex digits") from None


# --- salted commitments ---

def commit(purpose: Any, salt: bytes) -> str:
    """SHA-256(salt || canonical(purpose)), hex; the salt is 32 random bytes the owner keeps."""
    if len(salt) != COMMITMENT_SALT_SIZE:
        raise InvalidInput("salt", f"a commitment salt is {COMMITMENT_SALT_SIZE} bytes, not {len(salt)}")
    return hashlib.sha256(bytes(salt) + canonicalize(purpose)).hexdigest()


def reveal_matches(commitment: str, purpose: Any, salt: bytes) -> bool:
    """Whether (purpose, salt), revealed by the owner, is what `commitment` was made of."""
    if len(salt) != COMMITMENT_SALT_SIZE:
        return False
    try:
        expected = commit(purpose, salt)
    except InvalidInput:
        return False
    return hmac.compare_digest(expected, commitment.lower())
