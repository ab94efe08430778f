"""The one serialized writer: every entry point's writes go through `Writer.write`.

A write is decided against the in-memory state under a lock and applied to it at once, so the
next write decides on top of it: writes are serializable, and deciding reads memory, not the
database, so the lock is held briefly. Writes decided in the same turn of the event loop are
committed together in one transaction (group commit): their rows (net), every ledger record
and every event (the outbox), in order. A write is answered only after its transaction
commits; then its events are published to the live streams.

If a commit fails, the writes of that batch (and any decided on top of it) fail and the state
is reloaded from the database: memory never keeps what the disk refused.

SQLite's automatic WAL checkpoint would run inside a commit, on the event loop, and stall every
request; a background thread checkpoints instead (PASSIVE: it never blocks the writer).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import Connection

from ..clock import Clock
from ..engine.f3548 import Outcome
from ..engine.state import Change, State, net_change
from ..store import Database, repo

T = TypeVar("T")
log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 0.5


@dataclass(frozen=True, slots=True)
class _Pending:
    at_s: float
    change: Change


class Writer:
    def __init__(self, db: Database, clock: Clock, *, on_commit: Callable[[Change], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.on_commit = on_commit
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._batch: asyncio.Future[None] | None = None
        with db.read() as connection:
            self.state = repo.load_state(connection)
        self._quiet_connections: set[int] = set()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if db.is_sqlite and ":memory:" not in db.url:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()

    def close(self) -> None:
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)

    @contextmanager
    def reading(self) -> Iterator[State]:
        """The state, consistent for the duration of the block (await `settled` first)."""
        with self._lock:
            yield self.state

    async def settled(self) -> None:
        """Wait until the writes decided so far are committed (or have failed)."""
        batch = self._batch
        if batch is not None:
            await asyncio.wait([batch])

    def _decide(self, decide: Callable[[State, float], Outcome[T]]) -> tuple[Outcome[T], float]:
        now_s = self.clock.now_s()
        outcome = decide(self.state, now_s)
        if outcome.change.events:
            outcome = replace(outcome, change=replace(outcome.change, events=self.state.numbered(outcome.change.events)))
        self.state.apply(outcome.change)
        return outcome, now_s

    async def write(self, decide: Callable[[State, float], Outcome[T]]) -> Outcome[T]:
        """Decide and apply now; answer once committed. A decision that raises leaves no trace."""
        with self._lock:
            outcome, now_s = self._decide(decide)
            if outcome.change.empty:
                return outcome
            self._pending.append(_Pending(now_s, outcome.change))
            if self._batch is None:
                loop = asyncio.get_running_loop()
                self._batch = loop.create_future()
                loop.call_soon(self._flush)
            batch = self._batch
        await batch
        return outcome

    def _flush(self) -> None:
        with self._lock:
            pending, batch = self._pending, self._batch
            self._pending, self._batch = [], None
            if batch is None:
                return
            try:
                change = self._commit(pending)
            except Exception as exc:  # the disk refused: memory must forget these writes
                log.exception("commit failed; reloading the state from the database")
                with self.db.read() as connection:
                    self.state = repo.load_state(connection)
                batch.set_exception(exc)
                return
        batch.set_result(None)
        if self.on_commit is not None:
            self.on_commit(change)

    def _commit(self, pending: list[_Pending]) -> Change:
        change = net_change(p.change for p in pending)
        records = [(p.at_s, r.actor, r.kind, r.payload) for p in pending for r in p.change.ledger]
        with self.db.write() as connection:
            self._no_autocheckpoint(connection)
            repo.write(connection, change)
            repo.append_ledger(connection, records)
        return change

    def _no_autocheckpoint(self, connection: Connection) -> None:
        """Turn SQLite's in-commit checkpoint off, once per pooled connection (ours runs apart)."""
        if not self.db.is_sqlite or self._checkpointer is None:
            return
        raw = connection.connection.dbapi_connection
        if id(raw) not in self._quiet_connections:
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            self._quiet_connections.add(id(raw))

    def _checkpoint_loop(self) -> None:
        raw = self.db.engine.raw_connection()  # autocommit (no BEGIN): never takes the write lock
        try:
            while not self._stop.wait(CHECKPOINT_EVERY_S):
                try:
                    cursor = raw.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                    cursor.close()
                except Exception:  # a busy database now is a checkpoint later
                    log.debug("WAL checkpoint skipped", exc_info=True)
        finally:
            raw.close()
