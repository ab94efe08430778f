"""The ledger in the database: appended inside the caller's transaction, read back for verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from ..engine.ledger import LedgerEntry, Verification, verify_chain
from ..engine.ledger.chain import next_link
from .schema import ledger

# Plain SQL with bound parameters: the append sits on every write's path, and SQLAlchemy's
# statement construction cost several times the database work (~330 us against ~70 us).
_HEAD = "SELECT seq, hash FROM ledger_head WHERE id = 1"
_INSERT = "INSERT INTO ledger (seq, at_s, actor, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
_NEW_HEAD = "INSERT INTO ledger_head (id, seq, hash) VALUES (1, ?, ?)"
_MOVE_HEAD = "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1"


def paramstyle_sql(connection: Connection, statement: str) -> str:
    # pysqlite takes qmark parameters; psycopg and most others take format parameters
    return statement if connection.dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def executemany(connection: Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """Run one statement for many rows on the driver's own cursor, in the caller's transaction:
    even `exec_driver_sql` costs ~80 us a statement in SQLAlchemy's result machinery, several
    times the database's own work for rows this small, and a write runs about ten."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(paramstyle_sql(connection, statement), rows)
    finally:
        cursor.close()


def head(connection: Connection) -> tuple[int, str] | None:
    row = connection.exec_driver_sql(paramstyle_sql(connection, _HEAD)).first()
    return (int(row[0]), str(row[1])) if row else None


def append(connection: Connection, *, at_s: float, actor: str, kind: str, payload: dict[str, Any]) -> LedgerEntry:
    """Append one entry in the caller's (write) transaction, so it commits with the change it records."""
    current = head(connection)
    link = next_link(current, at_s=at_s, actor=actor, kind=kind, payload=payload)
    connection.exec_driver_sql(paramstyle_sql(connection, _INSERT), (
        link.seq, link.at_s, link.actor, link.kind, link.payload_json, link.prev_hash, link.hash))
    entry = LedgerEntry(link.seq, link.at_s, actor, kind, json.loads(link.payload_json), link.prev_hash, link.hash)
    if current is None:
        connection.exec_driver_sql(paramstyle_sql(connection, _NEW_HEAD), (entry.seq, entry.hash))
    else:
        connection.exec_driver_sql(paramstyle_sql(connection, _MOVE_HEAD), (entry.seq, entry.hash))
    return entry


def append_many(connection: Connection, records: list[tuple[float, str, str, dict[str, Any]]]) -> list[tuple[int, str]]:
    """Append (at_s, actor, kind, payload) records in order, reading the head once; the new
    entries' (seq, hash)."""
    if not records:
        return []
    current = head(connection)
    was_empty = current is None
    rows = []
    for at_s, actor, kind, payload in records:
        link = next_link(current, at_s=at_s, actor=actor, kind=kind, payload=payload)
        rows.append((link.seq, link.at_s, link.actor, link.kind, link.payload_json, link.prev_hash, link.hash))
        current = (link.seq, link.hash)
    executemany(connection, _INSERT, rows)
    assert current is not None
    executemany(connection, _NEW_HEAD if was_empty else _MOVE_HEAD, [current])
    return [(row[0], row[6]) for row in rows]


def hashes(connection: Connection, after_seq: int = 0) -> list[str]:
    """The hashes of the entries after `after_seq`, in seq order (the transparency log's leaves)."""
    rows = connection.exec_driver_sql(paramstyle_sql(connection, "SELECT hash FROM ledger WHERE seq > ? ORDER BY seq"),
                                      (after_seq,))
    return [str(row[0]) for row in rows]


def entries(connection: Connection) -> Iterator[LedgerEntry]:
    """Entries in storage order (by seq), as stored: verification must see what is there."""
    result = connection.execute(select(ledger).order_by(ledger.c.seq))
    for row in result:
        yield LedgerEntry(row.seq, row.at_s, row.actor, row.kind, json.loads(row.payload), row.prev_hash, row.hash)


def verify(connection: Connection) -> Verification:
    return verify_chain(entries(connection), expected_head=head(connection) or (0, "0" * 64))
