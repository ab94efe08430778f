"""The console's verification of the transparency log (js/transparency.js) in a real Chromium:
with WebCrypto (SHA-256, Ed25519) it gives the answers of the Python implementation
(engine/ledger/merkle.py, signing.py) for consistency and inclusion proofs of many sizes, tree
head signatures and receipts, including proofs with a flipped byte.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.engine.ledger.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from deconfliction.engine.ledger.signing import (
    Receipt,
    SignedTreeHead,
    encode_public_key,
    key_id,
    sign_tree_head,
    verify_consistency_between,
)

pytestmark = pytest.mark.browser


def _flip(hex_hash: str, at: int = 0) -> str:
    data = bytearray(bytes.fromhex(hex_hash))
    data[at] ^= 0x01
    return data.hex()


# --- the JS verification against the Python implementation ---

SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 31, 32, 33, 100)


def _proof_cases() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(consistency cases, inclusion cases), each with the Python verifier's answer."""
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(max(SIZES) + 1)]
    consistency: list[dict[str, Any]] = []
    inclusion: list[dict[str, Any]] = []

    def add_consistency(m: int, n: int, old: bytes, new: bytes, path: list[bytes], why: str) -> None:
        consistency.append({"m": m, "n": n, "old": old.hex(), "new": new.hex(), "path": [p.hex() for p in path],
                            "why": why, "python": verify_consistency(m, n, old, new, path)})

    def add_inclusion(leaf: bytes, i: int, n: int, path: list[bytes], root: bytes, why: str) -> None:
        inclusion.append({"leaf": leaf.hex(), "i": i, "n": n, "path": [p.hex() for p in path], "root": root.hex(),
                          "why": why, "python": verify_inclusion(leaf, i, n, path, root)})

    for n in SIZES:
        tree = MerkleTree(leaves[:n])
        new = tree.root()
        for m in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            old, path = tree.root(m), tree.consistency_proof(m)
            add_consistency(m, n, old, new, path, "valid")
            if path:
                flipped = [p.hex() for p in path]
                k = len(flipped) // 2
                flipped[k] = _flip(flipped[k], at=k % 32)
                add_consistency(m, n, old, new, [bytes.fromhex(p) for p in flipped], "a flipped byte in the proof")
                add_consistency(m, n, old, new, path[:-1], "the proof's last hash missing")
            if 0 < m:
                add_consistency(m, n, bytes.fromhex(_flip(old.hex(), 31)), new, path, "another old root")
                add_consistency(m, n, old, bytes.fromhex(_flip(new.hex(), 5)), path, "another new root")
            if 0 < m < n:
                add_consistency(m, n + 1, old, MerkleTree(leaves[:n + 1]).root(), path, "the proof for another size")
        for i in sorted({0, n // 2, n - 1}):
            path = tree.inclusion_proof(i)
            add_inclusion(leaves[i], i, n, path, new, "valid")
            if path:
                add_inclusion(leaves[i], i, n, [bytes.fromhex(_flip(path[0].hex(), 7))] + path[1:], new,
                              "a flipped byte in the path")
            if n > 1:
                other = (i + 1) % n
                add_inclusion(leaves[other], i, n, path, new, "another leaf")
                add_inclusion(leaves[i], other, n, path, new, "another index")
            add_inclusion(leaves[i], i, n, path, bytes.fromhex(_flip(new.hex(), 0)), "another root")
    return consistency, inclusion


JS_PROOFS = """async ({consistency, inclusion}) => {
  const T = await import('/console/js/transparency.js');
  const hx = (s) => T.hexToBytes(s), hxs = (a) => a.map(T.hexToBytes);
  const c = [], i = [];
  for (const x of consistency) c.push(await T.verifyConsistency(x.m, x.n, hx(x.old), hx(x.new), hxs(x.path)));
  for (const x of inclusion) i.push(await T.verifyInclusion(hx(x.leaf), x.i, x.n, hxs(x.path), hx(x.root)));
  return {c, i, empty: T.bytesToHex(await T.sha256(new Uint8Array(0))) === T.EMPTY_ROOT_HEX};
}"""


def test_js_proofs_give_the_answers_of_the_python_merkle_tree(open_console) -> None:  # noqa: ANN001
    consistency, inclusion = _proof_cases()
    page = open_console(None).page  # the sign-in page: the module is served by the real server
    got = page.evaluate(JS_PROOFS, {"consistency": consistency, "inclusion": inclusion})
    assert got["empty"]
    for case, js in zip(consistency, got["c"], strict=True):
        assert js is case["python"], f"consistency {case['m']} -> {case['n']} ({case['why']}): JS {js}, Python {case['python']}"
    for case, js in zip(inclusion, got["i"], strict=True):
        assert js is case["python"], f"inclusion {case['i']} of {case['n']} ({case['why']}): JS {js}, Python {case['python']}"
    # the cases are not all of one answer: each valid proof verifies, each altered one fails
    assert all(c["python"] is (c["why"] == "valid") for c in consistency)
    assert all(c["python"] is (c["why"] == "valid") for c in inclusion)
    assert sum(c["why"] != "valid" for c in consistency) > 50 and sum(c["why"] != "valid" for c in inclusion) > 30


JS_HEADS = """async ({key, heads, pairs, receipts, other}) => {
  const T = await import('/console/js/transparency.js');
  const logKey = await T.importLogKey(key);
  const otherKey = await T.importLogKey(other);
  const out = {kid: logKey && logKey.kid, refusedKid: await T.importLogKey({...key, kid: other.kid}), heads: [], pairs: [], receipts: [], otherKey: []};
  for (const h of heads) out.heads.push(await T.verifyTreeHead(h, logKey));
  for (const h of heads) out.otherKey.push(await T.verifyTreeHead(h, otherKey));
  for (const p of pairs) out.pairs.push(await T.verifyConsistencyBetween(p.old, p.new, p.proof, logKey));
  for (const r of receipts) out.receipts.push(await T.verifyReceipt(r.receipt, T.hexToBytes(r.leaf), logKey));
  return out;
}"""


def test_js_checks_tree_head_signatures_and_receipts_as_python_does(open_console) -> None:  # noqa: ANN001
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = key.public_key()
    leaves = [leaf_hash(f"e{i}".encode()) for i in range(11)]
    tree = MerkleTree(leaves)
    now = int(time.time() * 1000)
    signed = {n: sign_tree_head(key, tree_size=n, root_hash=tree.root(n), timestamp_ms=now + n) for n in (0, 1, 6, 8, 11)}
    valid = [h.as_json() for h in signed.values()]
    big = sign_tree_head(key, tree_size=2**40 + 3, root_hash=tree.root(), timestamp_ms=now).as_json()  # beyond 32 bits
    tampered = [
        {**valid[2], "tree_size": 7}, {**valid[2], "timestamp_ms": valid[2]["timestamp_ms"] + 1},
        {**valid[2], "root_hash": _flip(valid[2]["root_hash"], 3)},
        {**valid[2], "sig": signed[6].as_json()["sig"][:-2] + ("AA" if not signed[6].as_json()["sig"].endswith("AA") else "BA")},
        sign_tree_head(other, tree_size=6, root_hash=tree.root(6), timestamp_ms=now).as_json(),
        {**valid[2], "kid": key_id(other.public_key())},
        {**valid[2], "root_hash": valid[2]["root_hash"].upper()},  # the same root: Python reads hex either way
    ]
    heads = [*valid, big, *tampered]
    python_heads = [SignedTreeHead.from_json(h).verify(public) for h in heads]
    assert python_heads == [True] * 6 + [False] * 6 + [True]

    pairs, python_pairs = [], []
    for a, b in ((1, 6), (6, 8), (8, 11), (1, 11), (6, 6), (0, 11)):
        proof = [p.hex() for p in tree.consistency_proof(a, b)]
        pairs.append({"old": signed[a].as_json(), "new": signed[b].as_json(), "proof": proof})
    forged = sign_tree_head(key, tree_size=8, root_hash=hashlib.sha256(b"another history").digest(), timestamp_ms=now)
    pairs.append({"old": forged.as_json(), "new": signed[11].as_json(), "proof": [p.hex() for p in tree.consistency_proof(8, 11)]})
    pairs.append({"old": signed[11].as_json(), "new": signed[8].as_json(), "proof": []})  # shrinking
    pairs.append({"old": {**signed[6].as_json(), "timestamp_ms": 1}, "new": signed[8].as_json(),
                  "proof": [p.hex() for p in tree.consistency_proof(6, 8)]})  # the old head's signature broken
    for p in pairs:
        python_pairs.append(verify_consistency_between(SignedTreeHead.from_json(p["old"]), SignedTreeHead.from_json(p["new"]),
                                                       [bytes.fromhex(h) for h in p["proof"]], public))
    assert python_pairs == [True] * 6 + [False] * 3

    receipts, python_receipts = [], []
    for index, leaf in ((0, leaves[0]), (5, leaves[5]), (10, leaves[10]), (5, leaves[4])):
        receipt = Receipt(index, tuple(tree.inclusion_proof(index)), signed[11])
        receipts.append({"receipt": receipt.as_json(), "leaf": leaf.hex()})
        python_receipts.append(receipt.verify(leaf, public))
    unsigned = Receipt(5, tuple(tree.inclusion_proof(5)), SignedTreeHead.from_json({**signed[11].as_json(), "timestamp_ms": 2}))
    receipts.append({"receipt": unsigned.as_json(), "leaf": leaves[5].hex()})
    python_receipts.append(unsigned.verify(leaves[5], public))
    assert python_receipts == [True, True, True, False, False]

    page = open_console(None).page
    got = page.evaluate(JS_HEADS, {
        "key": {"alg": "Ed25519", "kid": key_id(public), "public_key": encode_public_key(public)},
        "other": {"alg": "Ed25519", "kid": key_id(other.public_key()), "public_key": encode_public_key(other.public_key())},
        "heads": heads, "pairs": pairs, "receipts": receipts})
    assert got["kid"] == key_id(public)  # RFC 7638 thumbprint, computed in the browser
    assert got["refusedKid"] is None  # a key whose kid is not its thumbprint is not imported
    assert got["heads"] == python_heads
    # with another key, only the head that key signed verifies
    assert got["otherKey"] == [SignedTreeHead.from_json(h).verify(other.public_key()) for h in heads]
    assert got["otherKey"].count(True) == 1
    assert got["pairs"] == python_pairs
    assert got["receipts"] == python_receipts
