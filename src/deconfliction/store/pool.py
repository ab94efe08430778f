"""The pool's SQL: several servers on one PostgreSQL database, none of whose memory is the authority.

- `Turn`: a server's own connection that takes the lock row (`SELECT ... FOR UPDATE` on
  `cell_locks`) before each write transaction and holds it until that transaction has
  committed, so write transactions of the pool queue for their turn and each starts its
  snapshot after the previous one committed (no serialization failure from a lock wait).
- `record_change` / `catch_up`: every write transaction appends the keys it changed to
  `changes`; before deciding, a server reads what others committed since its last seen seq
  and reloads those rows into its cache (`State`).
- `claim_lease`: work one server at a time does (webhook delivery), claimed for a while.

Correctness does not rest on the turn: the write transactions are SERIALIZABLE and all read
and move the ledger head, so two that overlapped would fail one with 40001 (and be retried).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from ..engine.state import Change, State
from ..model import Event
from .ledger_repo import paramstyle_sql
from .repo import (
    availability_of, declaration_of, event_of, late_notice_of, load_state, notice_of, party_of, subscription_of, webhook_of,
)
from .schema import (
    declarations,
    events,
    late_notices,
    notices,
    parties,
    subscriptions,
    uss_availability,
    webhooks,
)

WORLD = "*"
_TURN = "SELECT cell FROM cell_locks WHERE cell = %s FOR UPDATE"
_LAST = "SELECT COALESCE(MAX(seq), 0) FROM changes"
_SINCE = "SELECT seq, keys FROM changes WHERE seq > ? ORDER BY seq"
_RECORD = "INSERT INTO changes (seq, at_s, keys) VALUES (?, ?, ?)"
_PRUNE = "DELETE FROM changes WHERE seq <= ?"
KEEP_CHANGES = 20_000  # a server further behind than this many write transactions reloads everything
PRUNE_EVERY = 1_000


class Turn:
    """A connection of its own that holds the pool's lock row across one write transaction."""

    def __init__(self, conninfo: str) -> None:
        import psycopg

        # A server stopped while holding the turn loses it (and its session) after a while; the
        # others wait at most that long.
        self._connect = lambda: psycopg.connect(conninfo, autocommit=False, options="-c idle_in_transaction_session_timeout=10000")
        self._connection: Any = None

    def take(self) -> None:
        """Wait for the turn (a connection that broke or timed out is replaced once)."""
        for attempt in (1, 2):
            if self._connection is None or self._connection.closed:
                self._connection = self._connect()
            try:
                self._connection.execute(_TURN, (WORLD,))
                return
            except Exception:
                self._connection.close()
                if attempt == 2:
                    raise

    def give_back(self) -> None:
        if self._connection is not None and not self._connection.closed:
            try:
                self._connection.rollback()
            except Exception:  # noqa: BLE001 (a broken connection releases its lock by closing)
                self._connection.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def keys_of(change: Change) -> dict[str, list[Any]]:
    """The rows a change touched, by table, as `catch_up` reloads them."""
    return {
        "p": [p.id for p in change.put_parties],
        "d": [d.id for d in change.put_declarations] + list(change.del_declarations),
        "s": [s.id for s in change.put_subscriptions] + list(change.del_subscriptions) + [k for k, _ in change.notified],
        "a": [a.uss for a in change.put_availability],
        "n": [n.id for n in change.put_notices],
        "l": [[n.declaration_id, n.version] for n in change.late_notices],
        "w": [w.party for w in change.put_webhooks],
        "e": sorted({e.party for e in change.events}),
        # replay keys of accepted signed requests, with their times: another server must refuse them too
        "r": [[key, signed_at_s] for key, signed_at_s in change.replays],
    }


def last_seq(connection: Connection) -> int:
    return int(connection.exec_driver_sql(_LAST).scalar_one())


def record_change(connection: Connection, seq: int, at_s: float, change: Change) -> None:
    """Append the change's keys at `seq`; every PRUNE_EVERY seqs, forget those older than KEEP_CHANGES."""
    connection.exec_driver_sql(paramstyle_sql(connection, _RECORD), (seq, at_s, orjson.dumps(keys_of(change)).decode()))
    if seq % PRUNE_EVERY == 0 and seq > KEEP_CHANGES:
        connection.exec_driver_sql(paramstyle_sql(connection, _PRUNE), (seq - KEEP_CHANGES,))


def load(connection: Connection) -> tuple[State, int]:
    """The whole state and the seq of the last change it includes (one snapshot)."""
    return load_state(connection), last_seq(connection)


@dataclass(frozen=True, slots=True)
class CaughtUp:
    seq: int
    change: Change  # the rows others changed, as puts (and deletes of rows now gone)
    event_seq: dict[str, int]
    events: tuple[Event, ...]  # events others wrote, to publish to this server's live streams
    state: State | None = None  # the whole state, read again: the changes since `seen` were pruned


def catch_up(connection: Connection, state: State, seen: int) -> CaughtUp | None:
    """What other servers committed after `seen`, read from the database (None: nothing)."""
    rows = connection.exec_driver_sql(paramstyle_sql(connection, _SINCE), (seen,)).all()
    if not rows:
        return None
    if int(rows[0][0]) != seen + 1:  # pruned past what this server saw: read everything again
        return CaughtUp(int(rows[-1][0]), Change(), {}, (), load_state(connection))
    keys: dict[str, set[Any]] = {}
    for _, text in rows:
        for name, values in orjson.loads(text).items():
            keys.setdefault(name, set()).update(tuple(v) if isinstance(v, list) else v for v in values)
    return _reload(connection, state, int(rows[-1][0]), keys)


def _in(connection: Connection, table: Any, column: Any, ids: Iterable[Any]) -> list[Any]:
    wanted = sorted(ids)
    return list(connection.execute(select(table).where(column.in_(wanted)))) if wanted else []


def _reload(connection: Connection, state: State, seq: int, keys: dict[str, set[Any]]) -> CaughtUp:
    found_d = [declaration_of(r) for r in _in(connection, declarations, declarations.c.id, keys.get("d", ()))]
    found_s = [subscription_of(r) for r in _in(connection, subscriptions, subscriptions.c.id, keys.get("s", ()))]
    late = []
    for declaration_id, version in sorted(keys.get("l", ())):
        r = connection.execute(select(late_notices).where(late_notices.c.declaration_id == declaration_id,
                                                          late_notices.c.version == version)).first()
        if r is not None:
            late.append(late_notice_of(r))
    change = Change(
        put_parties=tuple(party_of(r) for r in _in(connection, parties, parties.c.id, keys.get("p", ()))),
        put_declarations=tuple(found_d),
        del_declarations=tuple(sorted(set(keys.get("d", ())) - {d.id for d in found_d})),
        put_subscriptions=tuple(found_s),
        del_subscriptions=tuple(sorted(set(keys.get("s", ())) - {s.id for s in found_s})),
        put_availability=tuple(availability_of(r)
                               for r in _in(connection, uss_availability, uss_availability.c.uss, keys.get("a", ()))),
        put_notices=tuple(notice_of(r) for r in _in(connection, notices, notices.c.id, keys.get("n", ()))),
        late_notices=tuple(late),
        put_webhooks=tuple(webhook_of(r) for r in _in(connection, webhooks, webhooks.c.party, keys.get("w", ()))),
        replays=tuple((str(key), float(signed_at_s)) for key, signed_at_s in sorted(keys.get("r", ()))),
    )
    new_events: list[Event] = []
    event_seq: dict[str, int] = {}
    for party in sorted(keys.get("e", ())):
        for r in connection.execute(select(events).where(events.c.party == party,
                                                         events.c.seq > state.event_seq.get(party, 0))
                                    .order_by(events.c.seq)):
            new_events.append(event_of(r))
            event_seq[party] = r.seq
    return CaughtUp(seq, change, event_seq, tuple(new_events))


def apply(state: State, caught: CaughtUp) -> State:
    """The state caught up (the same object, or the one read again)."""
    if caught.state is not None:
        return caught.state
    state.apply(caught.change)
    for party, seq in caught.event_seq.items():
        state.event_seq[party] = max(state.event_seq.get(party, 0), seq)
    return state


_CLAIM = ("UPDATE leases SET holder = ?, until_s = ? WHERE name = ? AND (holder = ? OR until_s < ?)")
_NEW_LEASE = "INSERT INTO leases (name, holder, until_s) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"


def claim_lease(connection: Connection, name: str, holder: str, now_s: float, ttl_s: float) -> bool:
    """Hold (or renew) the lease `name` until now + ttl unless another holder's is still running."""
    connection.exec_driver_sql(paramstyle_sql(connection, _NEW_LEASE), (name, holder, now_s + ttl_s))
    connection.exec_driver_sql(paramstyle_sql(connection, _CLAIM), (holder, now_s + ttl_s, name, holder, now_s))
    row = connection.exec_driver_sql(paramstyle_sql(connection, "SELECT holder FROM leases WHERE name = ?"),
                                     (name,)).first()
    return row is not None and row[0] == holder
