"""The ledger in the database: appended inside the caller's transaction, read back for verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from ..ledger import LedgerEntry, Verification, canonical_json, next_entry, verify_chain
from .schema import ledger, ledger_head


def head(connection: Connection) -> tuple[int, str] | None:
    row = connection.execute(select(ledger_head.c.seq, ledger_head.c.hash).where(ledger_head.c.id == 1)).first()
    return (row.seq, row.hash) if row else None


def append(connection: Connection, *, at_s: float, actor: str, kind: str, payload: dict[str, Any]) -> LedgerEntry:
    """Append one entry in the caller's (write) transaction, so it commits with the change it records."""
    current = head(connection)
    entry = next_entry(current, at_s=at_s, actor=actor, kind=kind, payload=payload)
    connection.execute(ledger.insert().values(
        seq=entry.seq, at_s=entry.at_s, actor=entry.actor, kind=entry.kind,
        payload=canonical_json(entry.payload), prev_hash=entry.prev_hash, hash=entry.hash,
    ))
    if current is None:
        connection.execute(ledger_head.insert().values(id=1, seq=entry.seq, hash=entry.hash))
    else:
        connection.execute(ledger_head.update().where(ledger_head.c.id == 1).values(seq=entry.seq, hash=entry.hash))
    return entry


def entries(connection: Connection) -> Iterator[LedgerEntry]:
    """Entries in storage order (by seq), as stored: verification must see what is there."""
    result = connection.execute(select(ledger).order_by(ledger.c.seq))
    for row in result:
        yield LedgerEntry(row.seq, row.at_s, row.actor, row.kind, json.loads(row.payload), row.prev_hash, row.hash)


def verify(connection: Connection) -> Verification:
    return verify_chain(entries(connection), expected_head=head(connection) or (0, "0" * 64))
