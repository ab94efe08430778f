"""Bearer tokens: RS256 JWTs verified against configured keys, issuer and audience; the scopes
each operation accepts come from the F3548 OpenAPI file (see `scopes.py`).

401: no token, a token that fails verification, or one granting no scope at all (what the
InterUSS suite expects for a "missing scope"). 403: a valid token without an accepted scope.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import RSAAlgorithm

from ..engine.f3548 import Caller
from ..errors import InvalidInput, PermissionDenied, Unauthenticated
from .scopes import ALL_SCOPES

# Verified tokens, by their text: a USS reuses one token for many calls, and RS256
# verification is the costliest step of a request. Expiry is still checked on every use.
CACHE_SIZE = 4096
LEEWAY_S = 5.0


def load_keys(pem_files: Sequence[Path], jwks_file: Path | None) -> list[Any]:
    keys: list[Any] = []
    for path in pem_files:
        try:
            keys.append(load_pem_public_key(Path(path).read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            raise InvalidInput("public_keys", f"cannot read public key {path}: {exc}") from None
    if jwks_file is not None:
        try:
            document = json.loads(Path(jwks_file).read_text())
            keys.extend(RSAAlgorithm.from_jwk(json.dumps(k)) for k in document["keys"] if k.get("kty") == "RSA")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InvalidInput("jwks_file", f"cannot read JWKS {jwks_file}: {exc}") from None
    return keys


class TokenVerifier:
    def __init__(self, keys: list[Any], *, issuers: Sequence[str], audiences: Sequence[str]) -> None:
        if not keys:
            raise InvalidInput("public_keys", "no trusted key")
        self._keys = keys
        self._issuers = list(issuers)
        self._audiences = list(audiences)
        self._cache: OrderedDict[str, tuple[str, frozenset[str], float]] = OrderedDict()

    def verify(self, authorization: str | None) -> tuple[str, frozenset[str]]:
        """(subject, scopes) of a valid bearer token; raises Unauthenticated otherwise."""
        if not authorization:
            raise Unauthenticated("missing Authorization header with a bearer access token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        token = token.strip()
        cached = self._cache.get(token)
        if cached is not None:
            subject, scopes, exp = cached
            if exp + LEEWAY_S < time.time():
                del self._cache[token]
                raise Unauthenticated("the access token has expired")
            return subject, scopes
        claims = self._decode(token)
        sub_claim = claims.get("sub")
        if not isinstance(sub_claim, str) or not sub_claim:
            raise Unauthenticated("the access token has no subject (sub)")
        subject = sub_claim
        scope_claim = claims.get("scope", "")
        scopes = frozenset(scope_claim.split()) if isinstance(scope_claim, str) else frozenset()
        self._cache[token] = (subject, scopes, float(claims["exp"]))
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return subject, scopes

    def _decode(self, token: str) -> dict[str, Any]:
        last: Exception | None = None
        for key in self._keys:
            try:
                return jwt.decode(
                    token, key, algorithms=["RS256"], audience=self._audiences, issuer=self._issuers,
                    leeway=LEEWAY_S, options={"require": ["exp", "iss", "aud", "sub"]},
                )
            except jwt.InvalidSignatureError as exc:
                last = exc  # maybe another trusted key signed it
            except jwt.PyJWTError as exc:
                raise Unauthenticated(f"invalid access token: {exc}") from None
        raise Unauthenticated(f"invalid access token: {last}")

    def caller(self, authorization: str | None, operation: str) -> Caller:
        """The caller of `operation`, if the token grants one of the scope sets it accepts."""
        subject, scopes = self.verify(authorization)
        if not scopes:
            raise Unauthenticated("the access token grants no scope")
        alternatives = ALL_SCOPES[operation]
        if not any(required <= scopes for required in alternatives):
            wanted = " or ".join("+".join(sorted(r)) for r in alternatives)
            raise PermissionDenied(f"{operation} requires the scope {wanted}")
        return Caller(party=subject, scopes=scopes)


# -- the embedded local mode ----------------------------------------------------------------
LOCAL_KEY_FILE = "local-signing-key.pem"


def local_signing_key(key_dir: Path, *, create: bool) -> Any:
    """The local mode's RSA private key, made on first use (file mode 0600). For local use only:
    whoever can read this file can act as any party of this server."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = Path(key_dir) / LOCAL_KEY_FILE
    if path.is_file():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not create:
        raise InvalidInput("data_dir", f"no local signing key at {path}: start `deconfliction serve` "
                                       f"(local mode) with the same --db or --data-dir first")
    return _made_private(path, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _made_private(path: Path, key: Any) -> Any:
    """Write a key made here to `path` (PEM, PKCS#8, file mode 0600 before any byte lands)."""
    from cryptography.hazmat.primitives import serialization

    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key


LOG_KEY_FILE = "log-signing-key.pem"


def log_signing_key(path: Path | None, key_dir: Path) -> Any:
    """The Ed25519 key this server signs its transparency log's tree heads with: the PEM file
    `path` when given, else one made on first use in the data directory (mode 0600). Its public
    half is served at GET /v1/ledger/key; parties keep it with the heads they were shown."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path is not None:
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError) as error:
            raise InvalidInput("log_key", f"{path}: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput("log_key", f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
        return key
    made = Path(key_dir) / LOG_KEY_FILE
    if made.is_file():
        return serialization.load_pem_private_key(made.read_bytes(), password=None)
    return _made_private(made, Ed25519PrivateKey.generate())


PURPOSE_SECRET_FILE = "purpose-secret"


def purpose_secret(key_dir: Path) -> bytes:
    """The secret that keys the salts of purpose commitments (app.records.purpose_salt): 32
    random bytes made on first start in the data directory (mode 0600). Keep it with the
    database: without it no party can open an earlier commitment for an inquiry."""
    path = Path(key_dir) / PURPOSE_SECRET_FILE
    if path.is_file():
        secret = path.read_bytes()
        if len(secret) < 32:
            raise InvalidInput("data_dir", f"{path} holds {len(secret)} bytes, not a 32-byte secret")
        return secret
    secret = os.urandom(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(secret)
    return secret


def mint_token(key: Any, *, party: str, scopes: Sequence[str], issuer: str, audience: str,
               ttl_s: float = 12 * 3600) -> str:
    now = int(time.time())
    claims = {"sub": party, "iss": issuer, "aud": audience, "iat": now, "exp": now + int(ttl_s),
              "scope": " ".join(scopes)}
    return jwt.encode(claims, key, algorithm="RS256")
