"""The hash chain of the audit log, as pure functions over entries.

Each entry's hash covers its sequence number, time, actor, kind, canonical JSON payload and the
previous entry's hash, so editing, removing or reordering any entry breaks every hash after it.
Truncating the tail is caught by comparing against the head (seq and hash) that the store keeps
beside the log and that an inquiry can hold on to from an earlier export.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    at_s: float
    actor: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "at_s": self.at_s, "actor": self.actor, "kind": self.kind,
            "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash,
        }


def entry_hash(seq: int, at_s: float, actor: str, kind: str, payload_json: str, prev_hash: str) -> str:
    material = canonical_json([seq, repr(float(at_s)), actor, kind, payload_json, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Link:
    """An entry as it is stored: its payload as the canonical JSON text its hash covers."""

    seq: int
    at_s: float
    actor: str
    kind: str
    payload_json: str
    prev_hash: str
    hash: str


def next_link(head: tuple[int, str] | None, *, at_s: float, actor: str, kind: str, payload: dict[str, Any]) -> Link:
    """The stored form of the entry that follows `head` (seq, hash); None starts the chain. The
    payload is serialized once: the text hashed is the text stored (a large volume's payload is
    the dearest part of a commit)."""
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    payload_json = canonical_json(payload)
    return Link(seq, float(at_s), actor, kind, payload_json, prev_hash,
                entry_hash(seq, at_s, actor, kind, payload_json, prev_hash))


def next_entry(
    head: tuple[int, str] | None, *, at_s: float, actor: str, kind: str, payload: dict[str, Any]
) -> LedgerEntry:
    """The entry that follows `head` (seq, hash); None starts the chain."""
    link = next_link(head, at_s=at_s, actor=actor, kind=kind, payload=payload)
    return LedgerEntry(link.seq, link.at_s, actor, kind, json.loads(link.payload_json), link.prev_hash, link.hash)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[LedgerEntry], expected_head: tuple[int, str] | None = None) -> Verification:
    """Check every link; `expected_head` (seq, hash) catches a truncated tail."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return Verification(False, count, prev_hash, entry.seq,
                                f"entry {entry.seq} found where {expected_seq} was expected (removed or reordered)")
        if entry.prev_hash != prev_hash:
            return Verification(False, count, prev_hash, entry.seq, f"entry {entry.seq} does not link to its predecessor")
        recomputed = entry_hash(entry.seq, entry.at_s, entry.actor, entry.kind, canonical_json(entry.payload), entry.prev_hash)
        if recomputed != entry.hash:
            return Verification(False, count, prev_hash, entry.seq, f"entry {entry.seq} was edited (hash mismatch)")
        prev_hash, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    if expected_head is not None and expected_head != (count, prev_hash if count else GENESIS_HASH):
        head_seq = expected_head[0]
        if head_seq > count:
            return Verification(False, count, prev_hash, count + 1, f"the log ends at {count} but its head says {head_seq} (entries removed)")
        return Verification(False, count, prev_hash, head_seq, "the log's head does not match its last entry")
    return Verification(True, count, prev_hash)
