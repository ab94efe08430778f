"""The transparency log's cost: append per entry (amortised), proofs, tree heads, verification.

    .venv/bin/python bench/merkle_bench.py [--sizes 1000 10000 100000 1000000] [--repeats 3]
        [--proofs 2000]

For each size N a `MerkleTree` is built by appending N leaf hashes (`--repeats` builds; the
median of the per-entry cost is shown). Then, on the tree of N leaves, `--proofs` inclusion
proofs of random leaves and consistency proofs from random earlier sizes to N are generated and
verified; each figure is the median over those calls, in microseconds. "write" is what a write
adds once wired: the leaf hash of a ~400-byte canonical entry, the append, the inclusion proof for
its receipt and an Ed25519 tree-head signature. Ed25519 sign and verify do not depend on N and
are measured once.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.engine.ledger.canonical import canonicalize
from deconfliction.engine.ledger.merkle import (
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from deconfliction.engine.ledger.signing import sign_tree_head

ENTRY = {
    "seq": 123456, "at_s": 1795000000.25, "actor": "crimson", "kind": "declared",
    "payload": {"id": "crimson-strike-1", "version": 2, "priority": 1, "purpose_commitment": "ab" * 32,
                "volumes": [{"lat": 34.05, "lng": 33.05, "alt_lower_m": 0, "alt_upper_m": 1500,
                             "start": "2026-11-23T08:00:00Z", "end": "2026-11-23T09:00:00Z"}]},
    "prev_hash": "cd" * 32,
}


def _us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def _timed(call: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(8, "big")) for i in range(n)]


def bench_size(n: int, repeats: int, proofs: int, rng: random.Random) -> dict[str, float]:
    leaves = _leaves(n)
    per_entry = []
    tree = MerkleTree()
    for _ in range(repeats):
        tree = MerkleTree()
        append = tree.append
        start = time.perf_counter()
        for leaf in leaves:
            append(leaf)
        per_entry.append((time.perf_counter() - start) / n)
    indices = [rng.randrange(n) for _ in range(proofs)]
    olds = [rng.randrange(1, n) for _ in range(proofs)]
    root = tree.root()
    inc_gen, inc_ver, con_gen, con_ver, root_t = [], [], [], [], []
    for index, old in zip(indices, olds, strict=True):
        start = time.perf_counter()
        path = tree.inclusion_proof(index)
        inc_gen.append(time.perf_counter() - start)
        start = time.perf_counter()
        ok = verify_inclusion(leaves[index], index, n, path, root)
        inc_ver.append(time.perf_counter() - start)
        assert ok
        start = time.perf_counter()
        old_root = tree.root(old)
        root_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        proof = tree.consistency_proof(old)
        con_gen.append(time.perf_counter() - start)
        start = time.perf_counter()
        ok = verify_consistency(old, n, old_root, root, proof)
        con_ver.append(time.perf_counter() - start)
        assert ok
    return {"append": _us(per_entry), "root": _us(root_t), "inc_gen": _us(inc_gen), "inc_ver": _us(inc_ver),
            "con_gen": _us(con_gen), "con_ver": _us(con_ver), "path_len": len(tree.inclusion_proof(0)),
            "mib": tree.nbytes / 2**20}


def bench_write(n: int, repeats: int) -> dict[str, float]:
    """What one write adds at size n: entry leaf hash + append + receipt proof + signed head."""
    key = Ed25519PrivateKey.generate()
    tree = MerkleTree(_leaves(n))
    canon, hashing, signing, writes = [], [], [], []
    for i in range(repeats):
        entry = {**ENTRY, "seq": n + i}
        start = time.perf_counter()
        data = canonicalize(entry)
        t1 = time.perf_counter()
        leaf = leaf_hash(data)
        index = tree.append(leaf)
        tree.inclusion_proof(index)
        t2 = time.perf_counter()
        sign_tree_head(key, tree_size=tree.size, root_hash=tree.root(), timestamp_ms=1_795_000_000_000 + i)
        t3 = time.perf_counter()
        canon.append(t1 - start)
        hashing.append(t2 - t1)
        signing.append(t3 - t2)
        writes.append(t3 - start)
    head = sign_tree_head(key, tree_size=tree.size, root_hash=tree.root(), timestamp_ms=0)
    verify = [_timed(head.verify, key.public_key()) for _ in range(repeats)]
    return {"canonical": _us(canon), "tree": _us(hashing), "sign": _us(signing), "write": _us(writes),
            "sth_verify": _us(verify), "entry_bytes": len(canonicalize(ENTRY))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--proofs", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(9162)
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print("| entries | append us/entry | root(m) us | inclusion gen us | inclusion verify us "
          "| consistency gen us | consistency verify us | path hashes | tree MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = bench_size(n, args.repeats, args.proofs, rng)
        print(f"| {n:,} | {r['append']:.2f} | {r['root']:.1f} | {r['inc_gen']:.1f} | {r['inc_ver']:.1f} "
              f"| {r['con_gen']:.1f} | {r['con_ver']:.1f} | {r['path_len']} | {r['mib']:.1f} |")
    n = max(args.sizes)
    w = bench_write(n, 500)
    print(f"\none write at {n:,} entries (median of 500): {w['write']:.1f} us = canonical entry "
          f"({w['entry_bytes']} B) {w['canonical']:.1f} + leaf hash, append and receipt proof "
          f"{w['tree']:.1f} + Ed25519 tree-head signature {w['sign']:.1f}; tree-head verify "
          f"{w['sth_verify']:.1f} us")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
