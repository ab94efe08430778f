"""Party keys, signed requests, signed tree heads, receipts and purpose commitments.

Key vectors: RFC 8037 Appendix A (A.1 the Ed25519 private and public key, A.3 the JWK thumbprint
of the public key, A.4 the signature over the JWS signing input of "Example of Ed25519 signing").
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.engine.ledger.canonical import canonicalize
from deconfliction.engine.ledger.merkle import MerkleTree, leaf_hash
from deconfliction.engine.ledger.signing import (
    Receipt,
    RequestSignature,
    SignedTreeHead,
    b64url_decode,
    b64url_encode,
    commit,
    content_digest,
    encode_public_key,
    key_id,
    load_private_key,
    load_public_key,
    request_signing_input,
    reveal_matches,
    sign_request,
    sign_tree_head,
    verify_consistency_between,
    verify_request,
    verify_signature,
)
from deconfliction.errors import InvalidInput, Unauthenticated
from deconfliction.geo.instants import parse_instant

RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC8037_SIG = ("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")

PARTY_KEY = load_private_key(RFC8037_D)
SERVER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"server").digest())
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"other").digest())
NOW = "2026-11-23T07:00:00Z"
NOW_S = parse_instant(NOW, "now")
BODY = {"id": "crimson-strike-1", "kind": "operation", "version": 2, "volumes": [{"alt_m": 1500.5}]}


def test_rfc8037_key_thumbprint_and_signature():
    public = PARTY_KEY.public_key()
    assert encode_public_key(public) == RFC8037_X
    assert key_id(public) == RFC8037_KID
    assert b64url_encode(PARTY_KEY.sign(RFC8037_INPUT)) == RFC8037_SIG
    assert verify_signature(load_public_key(RFC8037_X), b64url_decode(RFC8037_SIG), RFC8037_INPUT)
    assert not verify_signature(public, b64url_decode(RFC8037_SIG), RFC8037_INPUT + b".")
    assert not verify_signature(public, b"short", RFC8037_INPUT)


def test_public_keys_load_from_pem_or_raw():
    public = PARTY_KEY.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for text in (pem, pem.decode(), RFC8037_X, RFC8037_X + "=", f"  {RFC8037_X}\n"):
        assert key_id(load_public_key(text)) == RFC8037_KID
    private_pem = PARTY_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
    assert key_id(load_private_key(private_pem).public_key()) == RFC8037_KID


@pytest.mark.parametrize("text", [
    "", "not base64!", RFC8037_X[:-2], RFC8037_X.replace("_", "/"), "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----\n",
    # an RSA-sized blob is no Ed25519 key
    b64url_encode(b"x" * 64),
])
def test_bad_public_keys_are_refused(text):
    with pytest.raises(InvalidInput) as caught:
        load_public_key(text)
    assert caught.value.field == "public_key"


def test_non_ed25519_pem_is_refused():
    from cryptography.hazmat.primitives.asymmetric import ec
    pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidInput, match="Ed25519 key is required"):
        load_public_key(pem)


def _signed(body=BODY, *, at=NOW, nonce=b"n" * 16, method="PUT", path="/v1/declarations/crimson-strike-1"):
    return sign_request(PARTY_KEY, party="crimson", method=method, path=path, body=body,
                        signed_at=at, nonce=nonce)


def _verify(signature, *, body=BODY, method="PUT", path="/v1/declarations/crimson-strike-1",
            party="crimson", key=None, now_s=NOW_S):
    return verify_request(signature, key or PARTY_KEY.public_key(), party=party, method=method,
                          path=path, body=body, now_s=now_s)


def test_a_signed_request_verifies_and_names_its_replay_key():
    signature = _signed()
    verified = _verify(RequestSignature.from_json(signature.as_json()))
    assert verified.kid == RFC8037_KID and verified.signed_at_s == NOW_S
    assert verified.replay_key == f"{RFC8037_KID}:{b64url_encode(b'n' * 16)}"
    # the signature covers the canonical form, so member order and number spelling do not matter
    reordered = {"volumes": [{"alt_m": 1500.50}], "version": 2, "kind": "operation", "id": "crimson-strike-1"}
    assert _verify(signature, body=reordered).kid == RFC8037_KID
    assert _verify(signature, now_s=NOW_S + 299).kid == RFC8037_KID


def test_the_signing_input_is_the_canonical_object_documented():
    signature = _signed()
    assert request_signing_input(kid=RFC8037_KID, party="crimson", method="put",
                                 path="/v1/declarations/crimson-strike-1", signed_at=NOW,
                                 nonce=signature.nonce, body=BODY) == canonicalize({
        "ctx": "deconfliction/request/v1", "alg": "Ed25519", "kid": RFC8037_KID, "party": "crimson",
        "method": "PUT", "path": "/v1/declarations/crimson-strike-1", "signed_at": NOW,
        "nonce": signature.nonce, "body": BODY})


@pytest.mark.parametrize(("change", "message"), [
    ({"body": {**BODY, "version": 3}}, "does not verify"),
    ({"body": {**BODY, "volumes": [{"alt_m": 1500.6}]}}, "does not verify"),
    ({"method": "DELETE"}, "does not verify"),
    ({"path": "/v1/declarations/azure-patrol"}, "does not verify"),
    ({"party": "azure"}, "does not verify"),
    ({"key": OTHER_KEY.public_key()}, "not the key registered"),
    ({"now_s": NOW_S + 301}, "stale or replayed"),
    ({"now_s": NOW_S - 301}, "stale or replayed"),
])
def test_a_changed_request_or_an_old_signature_is_refused(change, message):
    with pytest.raises(Unauthenticated, match=message):
        _verify(_signed(), **change)


@pytest.mark.parametrize("field", ["alg", "kid", "signed_at", "nonce", "sig"])
def test_tampered_signature_fields_are_refused(field):
    signature = _signed()
    bad = {"alg": "EdDSA", "kid": key_id(OTHER_KEY.public_key()), "signed_at": "2026-11-23T07:00:01Z",
           "nonce": b64url_encode(b"m" * 16), "sig": signature.sig[:-4] + "AAAA"}[field]
    with pytest.raises(Unauthenticated):
        _verify(replace(signature, **{field: bad}))


@pytest.mark.parametrize(("field", "value"), [
    ("signed_at", "yesterday"), ("nonce", "short"), ("nonce", "!!"), ("sig", "AAAA"),
])
def test_malformed_signature_fields_are_unauthenticated_not_crashes(field, value):
    with pytest.raises(Unauthenticated):
        _verify(replace(_signed(), **{field: value}))


def test_a_forged_signature_made_with_another_key_is_refused():
    forged = sign_request(OTHER_KEY, party="crimson", method="PUT", path="/v1/declarations/crimson-strike-1",
                          body=BODY, signed_at=NOW, nonce=b"n" * 16)
    with pytest.raises(Unauthenticated):
        _verify(replace(forged, kid=RFC8037_KID))


def test_signature_json_must_have_exactly_its_members():
    good = _signed().as_json()
    for bad in ({**good, "extra": "x"}, {k: v for k, v in good.items() if k != "nonce"}, {**good, "sig": 1}, []):
        with pytest.raises(InvalidInput):
            RequestSignature.from_json(bad)
    with pytest.raises(InvalidInput):
        _signed(nonce=b"short")


def test_an_acknowledgement_binds_the_declaration_content():
    shown = {"id": "crimson-strike-1", "version": 2, "volumes": [{"alt_m": 1500.5}]}
    digest = content_digest(shown)
    assert digest == hashlib.sha256(canonicalize(shown)).hexdigest()
    assert content_digest({"volumes": [{"alt_m": 1500.5}], "version": 2, "id": "crimson-strike-1"}) == digest
    assert content_digest({**shown, "volumes": [{"alt_m": 1600}]}) != digest
    ack = {"declaration": "crimson-strike-1", "version": 2, "digest": digest}
    signature = sign_request(PARTY_KEY, party="azure", method="POST", path="/v1/notices/7/ack", body=ack,
                             signed_at=NOW, nonce=b"a" * 16)
    verify_request(signature, PARTY_KEY.public_key(), party="azure", method="POST", path="/v1/notices/7/ack",
                   body=ack, now_s=NOW_S)
    with pytest.raises(Unauthenticated):
        verify_request(signature, PARTY_KEY.public_key(), party="azure", method="POST",
                       path="/v1/notices/7/ack", body={**ack, "digest": "0" * 64}, now_s=NOW_S)


# --- tree heads and receipts ---

def _log(n):
    tree = MerkleTree()
    for i in range(n):
        tree.append(leaf_hash(canonicalize({"seq": i + 1})))
    return tree


def test_a_signed_tree_head_verifies_and_round_trips():
    tree = _log(10)
    head = sign_tree_head(SERVER_KEY, tree_size=10, root_hash=tree.root(), timestamp_ms=1_795_000_000_000)
    assert head.verify(SERVER_KEY.public_key())
    again = SignedTreeHead.from_json(head.as_json())
    assert again == head and again.verify(SERVER_KEY.public_key())
    assert head.signing_input() == canonicalize({"ctx": "deconfliction/tree-head/v1", "tree_size": 10,
                                                 "root_hash": tree.root().hex(),
                                                 "timestamp_ms": 1_795_000_000_000})


@pytest.mark.parametrize("change", [
    {"tree_size": 9}, {"root_hash": b"\x00" * 32}, {"timestamp_ms": 1}, {"signature": b"\x00" * 64},
    {"kid": "someone-else"},
])
def test_an_edited_tree_head_fails(change):
    tree = _log(10)
    head = sign_tree_head(SERVER_KEY, tree_size=10, root_hash=tree.root(), timestamp_ms=5)
    assert not replace(head, **change).verify(SERVER_KEY.public_key())
    assert not head.verify(OTHER_KEY.public_key())


def test_a_request_signature_is_never_a_tree_head_signature():
    # Domain separation: the same key signing both kinds of message cannot be confused.
    tree = _log(3)
    head = sign_tree_head(PARTY_KEY, tree_size=3, root_hash=tree.root(), timestamp_ms=5)
    with pytest.raises(Unauthenticated):
        verify_request(RequestSignature(kid=head.kid, signed_at=NOW, nonce=b64url_encode(b"n" * 16),
                                        sig=b64url_encode(head.signature)),
                       PARTY_KEY.public_key(), party="crimson", method="PUT", path="/", body=None, now_s=NOW_S)


def test_receipts_prove_inclusion_under_a_signed_head():
    tree = _log(37)
    head = sign_tree_head(SERVER_KEY, tree_size=37, root_hash=tree.root(), timestamp_ms=5)
    for index in (0, 17, 36):
        receipt = Receipt(index, tuple(tree.inclusion_proof(index)), head)
        receipt = Receipt.from_json(receipt.as_json())
        assert receipt.verify(tree.leaf(index), SERVER_KEY.public_key())
        assert not receipt.verify(tree.leaf((index + 1) % 37), SERVER_KEY.public_key())
        assert not receipt.verify(tree.leaf(index), OTHER_KEY.public_key())
        assert not replace(receipt, leaf_index=index ^ 1).verify(tree.leaf(index), SERVER_KEY.public_key())


def test_a_fork_shown_to_one_party_fails_the_consistency_check():
    tree = _log(20)
    old = sign_tree_head(SERVER_KEY, tree_size=12, root_hash=tree.root(12), timestamp_ms=1)
    new = sign_tree_head(SERVER_KEY, tree_size=20, root_hash=tree.root(), timestamp_ms=2)
    assert verify_consistency_between(old, new, tree.consistency_proof(12, 20), SERVER_KEY.public_key())
    # the operator rewrote entry 5 and shows this party a head built on the rewritten log
    forked = MerkleTree([tree.leaf(i) if i != 5 else leaf_hash(b"rewritten") for i in range(20)])
    fork_head = sign_tree_head(SERVER_KEY, tree_size=20, root_hash=forked.root(), timestamp_ms=2)
    for proof in (forked.consistency_proof(12, 20), tree.consistency_proof(12, 20)):
        assert not verify_consistency_between(old, fork_head, proof, SERVER_KEY.public_key())
    # a truncated tail with a rewritten head: the new head is smaller than one already seen
    short = sign_tree_head(SERVER_KEY, tree_size=10, root_hash=tree.root(10), timestamp_ms=3)
    assert not verify_consistency_between(old, short, [], SERVER_KEY.public_key())


@pytest.mark.parametrize("bad", [
    {"tree_size": -1}, {"root_hash": "zz" * 32}, {"root_hash": "00"}, {"kid": 3}, {"sig": "!"}, {"timestamp_ms": True},
])
def test_malformed_tree_heads_are_invalid_input(bad):
    head = sign_tree_head(SERVER_KEY, tree_size=1, root_hash=b"\x00" * 32, timestamp_ms=5).as_json()
    with pytest.raises(InvalidInput):
        SignedTreeHead.from_json({**head, **bad})
    with pytest.raises(InvalidInput):
        Receipt.from_json({"leaf_index": 0, "inclusion_path": ["00"], "tree_head": head})


# --- commitments ---

SALT = bytes(range(32))


def test_a_purpose_commitment_reveals_only_with_its_salt_and_text():
    purpose = "strike package against the bridge at Jisr al-Shughur"
    commitment = commit(purpose, SALT)
    assert commitment == hashlib.sha256(SALT + canonicalize(purpose)).hexdigest()
    assert reveal_matches(commitment, purpose, SALT)
    assert reveal_matches(commitment.upper(), purpose, SALT)
    assert not reveal_matches(commitment, purpose + ".", SALT)  # changed after the fact
    assert not reveal_matches(commitment, purpose, bytes(32))
    assert not reveal_matches(commitment, purpose, SALT[:16])
    assert commit({"b": 1, "a": [1.0]}, SALT) == commit({"a": [1], "b": 1}, SALT)  # canonical


def test_commitments_need_a_32_byte_salt():
    with pytest.raises(InvalidInput, match="32 bytes"):
        commit("x", b"short")
