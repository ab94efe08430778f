"""The hash chain of the audit log, as pure functions over entries.

Each entry's hash covers its sequence number, time, actor, kind, canonical JSON payload and the
previous entry's hash, so editing, removing or reordering any entry breaks every hash after it.
Truncating the tail is caught by comparing against the head (seq and hash) that the store keeps
beside the log and that an inquiry can hold on to from an earlier export.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


_DIGITS = frozenset(b"0123456789")
_NUMBER_CHARS = frozenset(b"0123456789.-")
_BEFORE_NUMBER = frozenset(b":[,")
_MAX_E = 2_000  # beyond this many letters e, the standard library writes the text (no scan)


def _may_differ(text: bytes) -> bool:
    """Whether the standard library could write `text` (orjson's, compact) differently: non-ASCII
    (key order, escapes), a backslash (escapes), a number with an exponent (1e-9 against 1e-09;
    orjson writes a lowercase e) or one below 1e-4 (0.00001 against 1e-05). Byte searches, not a
    regular expression: a regex scan of a 10,000-vertex volume's text cost more (30 ms) than the
    standard library's whole encoding. (A `null` is `canonical_json`'s to judge: orjson also
    writes NaN and infinities so.)"""
    if not text.isascii() or b"\\" in text or text.count(b"e") > _MAX_E:
        return True
    at = text.find(b"e")
    while at != -1:
        if at > 0 and text[at - 1] in _DIGITS and _starts_number(text, at - 1):
            return True
        at = text.find(b"e", at + 1)
    at = text.find(b"0.0000")
    while at != -1:  # a number that starts 0.0000 (not one like 10.0000)
        if (at == 0 or text[at - 1] not in _DIGITS) and _starts_number(text, at):
            return True
        at = text.find(b"0.0000", at + 1)
    return False


def _starts_number(text: bytes, at: int) -> bool:
    """Whether the run of number characters around `at` follows `:`, `[`, `,` or starts the text
    (compact JSON: a number, not a string's characters)."""
    while at > 0 and text[at - 1] in _NUMBER_CHARS:
        at -= 1
    return at == 0 or text[at - 1] in _BEFORE_NUMBER


def canonical_json(payload: Any) -> str:
    """The text a ledger entry's hash covers: JSON with sorted keys, no spaces, raw UTF-8, no NaN,
    exactly as `json.dumps` writes it (every stored entry was hashed so). orjson writes the same
    text ~10x faster for the usual payload (ASCII, coordinates, times) and, unlike the standard
    library's encoder, does not hold the GIL for tens of ms on a 10,000-vertex volume; any text
    in which the two could differ is written by the standard library."""
    try:
        text = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                            | orjson.OPT_PASSTHROUGH_DATACLASS,
                            default=_not_plain)
    except (TypeError, orjson.JSONEncodeError):
        text = None
    if text is not None and not _may_differ(text) and (b"null" not in text or _finite_floats(payload)):
        return text.decode()
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _finite_floats(value: Any) -> bool:
    """Whether every float in a plain JSON value is finite: then each `null` orjson wrote is a
    None, as the standard library writes it (orjson writes NaN and infinities as null too, where
    the standard library refuses them). Lists of numbers, and lists of such lists (a polygon's
    vertices), are checked with C loops: before, any None in an entry (an unset OVN, an unbounded
    altitude) sent a 10,000-vertex payload to the standard library's encoder, ~21 ms holding the
    GIL; now ~4 ms in all. Called only on what orjson wrote, so no int is beyond 64 bits (orjson
    refuses those) and `math.isfinite` takes every int."""
    todo = [value]
    while todo:
        item = todo.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                return False
        elif kind is dict:
            todo.extend(item.values())
        elif kind is list or kind is tuple:
            numbers = _numbers_in(item)
            if numbers is None:
                todo.extend(item)
            elif not all(map(math.isfinite, numbers)):
                return False
    return True


def _numbers_in(items: list[Any] | tuple[Any, ...]) -> list[Any] | tuple[Any, ...] | None:
    """The numbers of a list of numbers, or of a list of lists of numbers (a polygon's vertices),
    found by C loops; None for any other list."""
    kinds = set(map(type, items))
    if kinds <= _NUMBERS:
        return items
    if kinds <= _SEQUENCES:
        flat = list(chain.from_iterable(items))
        if set(map(type, flat)) <= _NUMBERS:
            return flat
    return None


_NUMBERS = frozenset((int, float))
_SEQUENCES = frozenset((list, tuple))


def _not_plain(value: Any) -> Any:
    raise TypeError(f"not plain JSON: {type(value).__name__}")  # the standard library decides


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
    material = _strings_json([seq, repr(float(at_s)), actor, kind, payload_json, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _strings_json(items: list[int | str]) -> str:
    """`canonical_json` of a list of strings and integers, by orjson whenever it takes them: its
    text is the standard library's for every integer of 64 bits and for every string, as each code
    point is written alike (tests/ledger/test_canonical_text.py checks all 1,112,064). Here
    `canonical_json`'s scan would always send the text to the standard library, since the
    payload's text inside is full of escaped quotes, and that held the GIL for ~6 ms on a
    10,000-vertex payload. A lone surrogate or a larger integer: the standard library."""
    try:
        return orjson.dumps(items).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


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
