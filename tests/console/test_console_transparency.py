"""The console's watch over the transparency log (js/transparency.js, js/logwatch.js) in a real
Chromium against real servers.

- The browser's verification (WebCrypto: SHA-256, Ed25519) gives the answers of the Python
  implementation (engine/ledger/merkle.py, signing.py) for consistency and inclusion proofs of
  many sizes, tree head signatures and receipts, including proofs with a flipped byte.
- The console keeps the log's key and the last verified tree head in localStorage: on load, after
  a declaration (whose receipt's inclusion proof it checks) and on demand the kept head advances.
- A fork: the server is replaced, on the same address, by one with another database but the same
  log signing key. Its heads are signed by the pinned key, but the consistency proof from the
  kept head fails: a red banner says so, on every load, and the kept head stays as evidence; the
  evidence the console saves passes `ledger verify --export` against the first history and fails
  against the fork's.
- A kept head the server cannot extend (signed by its key by the test: another root at the same
  size, more entries than the log has) and a changed log key are caught the same way.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.engine.ledger.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from deconfliction.engine.ledger.signing import (
    Receipt,
    SignedTreeHead,
    encode_public_key,
    key_id,
    load_public_key,
    sign_tree_head,
    verify_consistency_between,
)

from ..serving import CLI, clean_env, free_port, start_serve, stop
from .conftest import Console, local_token, new_console, wait_js
from .test_console_browser import _box

pytestmark = pytest.mark.browser

STORE_KEY = "deconfliction.transparency.v1"
LOG_KEY_FILE = Path(".deconfliction") / "log-signing-key.pem"


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


# --- the console keeps the head; a fork is caught ---

def _open(browser: Any, base: str, party: str) -> Console:
    console = new_console(browser, base)
    page = console.page
    page.goto(f"{base}/#token={local_token(base, party)}")
    wait_js(page, "window.consoleState && window.consoleState.ready")
    return console


def _close(console: Console) -> None:
    console.assert_loopback_only()
    assert not console.errors, console.errors  # type: ignore[attr-defined]
    console.context.close()


def _kept(page: Any) -> dict[str, Any]:
    return dict(json.loads(page.evaluate(f"localStorage.getItem('{STORE_KEY}')")))


def _head(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/v1/ledger/tree-head", headers=_auth(base, "auditor"), timeout=10).json()["tree_head"])


def _auth(base: str, party: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(base, party)}"}


def _declare(base: str, party: str, name: str, lat: float) -> dict[str, Any]:
    answer = httpx.put(f"{base}/v1/declarations/{name}", headers=_auth(base, party), timeout=10,
                       json={"kind": "operation", "volumes": [_box(lat, 20, 0.2, 3600, 3600)]})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _reload(page: Any) -> None:
    page.reload()
    wait_js(page, "window.consoleState && window.consoleState.ready")


ALARM_SHOWN = "!document.querySelector('#log-alarm').hidden"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Where the servers' databases live: beside them, one .deconfliction folder holds the local
    token key and the log signing key, so every server started here signs with the same keys."""
    return tmp_path


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    started: list[Any] = []
    yield started
    for process in started:
        if process.poll() is None:
            stop(process)


def test_the_console_keeps_the_head_and_catches_a_fork(browser, data_dir: Path, servers: list[Any]) -> None:  # noqa: ANN001
    port = free_port()
    process, base = start_serve("--db", str(data_dir / "a.db"), port=port)
    servers.append(process)
    for i in range(3):
        _declare(base, "azure", f"az-{i}", 30 + i)
    console = _open(browser, base, "blue")
    page = console.page

    # on load: the key is pinned and the server's head kept, once verified
    head_a = _head(base)
    kept = _kept(page)
    assert kept["head"]["tree_size"] == head_a["tree_size"] and kept["head"]["root_hash"] == head_a["root_hash"]
    served_key = httpx.get(f"{base}/v1/ledger/key", headers=_auth(base, "blue")).json()
    assert kept["key"]["public_key"] == served_key["public_key"] and kept["alarm"] is None
    assert page.get_attribute("#log-status", "data-state") == "ok"
    assert page.get_attribute("#log-status", "data-size") == str(head_a["tree_size"])
    assert page.is_hidden("#log-alarm")

    # a declaration through the console: its receipt's head extends the kept one, its entry is included
    page.click("#tab-declare")
    page.fill("#d-id", "blue-receipt")
    page.fill("#d-vertices", "40.0,10.0; 40.0,10.2; 40.2,10.2; 40.2,10.0")
    page.click("#d-submit")
    wait_js(page, "['verified', 'refused', 'unchecked'].includes(document.querySelector('#result-receipt')?.dataset.state)")
    assert page.get_attribute("#result-receipt", "data-state") == "verified", page.inner_text("#result-receipt")
    assert "Inclusion proof verified" in page.inner_text("#receipt-inclusion")
    page.locator("#result-receipt").scroll_into_view_if_needed()
    console.screenshot("console-receipt.png")
    kept = _kept(page)
    receipt = kept["receipts"][-1]["receipt"]
    assert kept["receipts"][-1]["what"] == "declaration blue-receipt v1"
    assert kept["head"]["tree_size"] == receipt["tree_head"]["tree_size"] > head_a["tree_size"]
    assert SignedTreeHead.from_json(kept["head"]).verify(load_public_key(served_key["public_key"]))

    # another party writes; a check on demand moves the kept head to the server's
    _declare(base, "crimson", "cr-1", 35)
    page.click("#log-status")
    size_a = _head(base)["tree_size"]
    wait_js(page, f"document.querySelector('#log-status').dataset.size === '{size_a}'")
    held = _kept(page)["head"]
    assert held["tree_size"] == size_a
    _reload(page)  # a reload on the same history: no warning
    assert page.get_attribute("#log-status", "data-state") == "ok" and page.is_hidden("#log-alarm")

    # the fork: the same address, the same log key, another database with a longer history
    stop(process)
    process, base_b = start_serve("--db", str(data_dir / "b.db"), port=port)
    servers.append(process)
    assert base_b == base
    for i in range(size_a + 2):
        _declare(base, "crimson", f"cr-b{i}", 10 + i * 0.3)
    head_b = _head(base)
    assert head_b["kid"] == held["kid"] and head_b["tree_size"] > size_a
    assert SignedTreeHead.from_json(head_b).verify(load_public_key(served_key["public_key"]))  # signed by the pinned key
    proof = httpx.get(f"{base}/v1/ledger/consistency", params={"from": size_a, "to": head_b["tree_size"]},
                      headers=_auth(base, "blue")).json()["proof"]
    assert not verify_consistency_between(SignedTreeHead.from_json(held), SignedTreeHead.from_json(head_b),
                                          [bytes.fromhex(h) for h in proof], load_public_key(served_key["public_key"]))

    _reload(page)
    wait_js(page, ALARM_SHOWN)
    text = page.inner_text("#log-alarm")
    assert "The ledger shown to you is not consistent with the head kept on" in text
    assert f"size {size_a} → {head_b['tree_size']}" in text and "rewritten or forked" in text
    assert page.get_attribute("#log-status", "data-state") == "alarm"
    kept = _kept(page)
    assert kept["head"] == held  # the old head stays, as evidence
    assert kept["alarm"]["kind"] == "inconsistent" and kept["alarm"]["seen"]["root_hash"] == head_b["root_hash"]
    assert kept["alarm"]["proof"] == proof
    console.screenshot("console-log-fork.png")

    # persistent: shown on the next load, before and after the next check; a write does not clear it
    _reload(page)
    assert page.is_visible("#log-alarm") and _kept(page)["head"] == held
    page.click("#log-status")
    wait_js(page, "JSON.parse(localStorage.getItem('deconfliction.transparency.v1')).alarm.repeated >= 2")
    assert page.is_visible("#log-alarm") and _kept(page)["head"] == held

    # the evidence an inquiry is given: the kept head matches the history of the first database,
    # not the fork's (as `ledger verify --export FILE --receipts DIR` reads the saved file)
    evidence = page.evaluate("consoleDebug.logEvidence()")
    assert evidence["tree_head"] == held and evidence["seen_tree_head"] == head_b
    _close(console)
    stop(process)
    kept_dir, keys = data_dir / "kept", data_dir / "keys"
    kept_dir.mkdir()
    keys.mkdir()
    (kept_dir / "evidence.json").write_text(json.dumps(evidence))
    (keys / "log.pub").write_text(served_key["public_key"])
    for db, verified in (("a.db", True), ("b.db", False)):
        export = data_dir / f"{db}.jsonl"
        _cli("ledger", "export", "--db", str(data_dir / db), "--out", str(export))
        done = _cli("ledger", "verify", "--export", str(export), "--receipts", str(kept_dir), "--keys", str(keys))
        assert (done.returncode == 0) is verified, (db, done.stdout)
        assert ("ledger verified" in done.stdout) is verified and "1 receipts and tree heads" in done.stdout, done.stdout
        if not verified:
            assert "rewritten or forked" in done.stdout, done.stdout


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env={**clean_env(), "COLUMNS": "200"}, capture_output=True, text=True,
                          timeout=60, check=False)


def _tampered_console(browser: Any, base: str, change: str, arg: Any) -> tuple[Console, dict[str, Any]]:
    """A console that kept the server's head, whose record is then changed by `change` (JS, with
    `r` the record and `arg`), and reloaded."""
    console = _open(browser, base, "blue")
    page = console.page
    assert _kept(page)["head"]["tree_size"] == _head(base)["tree_size"]
    page.evaluate(f"""(arg) => {{ const r = JSON.parse(localStorage.getItem('{STORE_KEY}')); {change};
                     localStorage.setItem('{STORE_KEY}', JSON.stringify(r)); }}""", arg)
    record = _kept(page)
    _reload(page)
    wait_js(page, ALARM_SHOWN)
    return console, record


def test_a_kept_head_the_server_cannot_extend_is_shown_and_kept(browser, data_dir: Path, servers: list[Any]) -> None:  # noqa: ANN001
    process, base = start_serve("--db", str(data_dir / "t.db"))
    servers.append(process)
    for i in range(5):
        _declare(base, "azure", f"az-{i}", 30 + i)
    log_key = serialization.load_pem_private_key((data_dir / LOG_KEY_FILE).read_bytes(), password=None)
    assert isinstance(log_key, Ed25519PrivateKey)
    size = _head(base)["tree_size"]
    now = int(time.time() * 1000)

    # the same size, another root, signed with the server's own log key: a fork at the same size
    fork = sign_tree_head(log_key, tree_size=size, root_hash=hashlib.sha256(b"another history").digest(), timestamp_ms=now)
    console, record = _tampered_console(browser, base, "r.head = arg", fork.as_json())
    text = console.page.inner_text("#log-alarm")
    assert f"size {size} → {size}" in text and "not consistent with the head kept on" in text
    assert _kept(console.page)["head"] == fork.as_json() == record["head"]
    assert _kept(console.page)["alarm"]["kind"] == "inconsistent"
    _close(console)

    # a kept head with more entries than the log now holds: entries were removed
    longer = sign_tree_head(log_key, tree_size=size + 4, root_hash=hashlib.sha256(b"longer").digest(), timestamp_ms=now)
    console, _ = _tampered_console(browser, base, "r.head = arg", longer.as_json())
    assert f"size {size + 4} → {size}" in console.page.inner_text("#log-alarm")
    assert "fewer entries" in console.page.inner_text("#log-alarm")
    assert _kept(console.page)["alarm"]["kind"] == "smaller" and _kept(console.page)["head"] == longer.as_json()
    _close(console)

    # the kept head's own signature broken (edited in the browser's storage): not trusted either
    console, _ = _tampered_console(browser, base, "r.head.timestamp_ms += 1", None)
    assert _kept(console.page)["alarm"]["kind"] == "kept" and "own signature" in console.page.inner_text("#log-alarm")
    _close(console)

    # the server's log key is not the one pinned
    other = Ed25519PrivateKey.generate().public_key()
    pinned = {"alg": "Ed25519", "kid": key_id(other), "public_key": encode_public_key(other), "pinned_at": now}
    console, _ = _tampered_console(browser, base, "r.key = arg", pinned)
    assert "log key is now" in console.page.inner_text("#log-alarm")
    assert _kept(console.page)["alarm"]["kind"] == "key" and _kept(console.page)["key"] == pinned
    _close(console)

    # and the untouched record on the same server: no warning
    console = _open(browser, base, "blue")
    _reload(console.page)
    assert console.page.is_hidden("#log-alarm") and console.page.get_attribute("#log-status", "data-state") == "ok"
    _close(console)
