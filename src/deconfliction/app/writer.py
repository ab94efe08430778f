"""The one serialized writer: every entry point's writes go through `Writer.write`.

A write is decided against the in-memory state under a lock and applied to it at once, so the
next write decides on top of it: writes are serializable, and deciding reads memory, not the
database, so the lock is held briefly. Writes decided while the previous batch is being
committed are committed together in the next transaction (group commit): their rows (net),
every ledger record and every event (the outbox), in order. A write is answered only after its
transaction commits; then its events are published to the live streams.

The commit itself (SQL and the fsync that makes it durable) runs on one committer thread, so
the event loop goes on parsing and deciding requests while the disk works; the database
driver releases the GIL for both. Batches commit one at a time, in the order they were
decided. (An in-memory SQLite database is one connection shared by every thread: it commits
on the event loop instead.)

If a commit fails, the writes of that batch and every write decided on top of it fail and the
state is reloaded from the database: memory never keeps what the disk refused.

SQLite's automatic WAL checkpoint would run inside a commit and stall the writer; a background
thread checkpoints instead (PASSIVE: it never blocks the writer).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlalchemy import Connection

from ..clock import Clock
from ..engine.f3548 import Outcome
from ..engine.state import Change, State, net_change
from ..geo import Volume4D
from ..geo.index import boxes_meet
from ..store import Database, repo

T = TypeVar("T")
log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 0.5


@dataclass(frozen=True, slots=True)
class _Pending:
    at_s: float
    change: Change
    # the volumes of the declarations it puts or drops, before and after; None when it may change
    # how any declaration is shown (a USS's availability): see `Writer.settled_for`
    reach: tuple[Volume4D, ...] | None
    seqs: list[int] = field(default_factory=list)  # its ledger entries, filled in by the commit


class Writer:
    def __init__(self, db: Database, clock: Clock, *, on_commit: Callable[[Change], None] | None = None,
                 on_ledger: Callable[[list[tuple[int, str]]], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.on_commit = on_commit
        self.on_ledger = on_ledger  # told each batch's new ledger entries (seq, hash) before it is answered
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._batch: asyncio.Future[None] | None = None  # the writes decided since the last commit began
        self._committing: asyncio.Future[None] | None = None  # the batch the committer is writing
        self._in_flight: list[_Pending] = []  # its writes
        with db.read() as connection:
            self.state = repo.load_state(connection)
        self._quiet_connections: set[int] = set()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self._committer: ThreadPoolExecutor | None = None
        if db.is_sqlite and ":memory:" not in db.url:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()
        if ":memory:" not in db.url:
            self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="committer")

    def close(self) -> None:
        self._stop.set()
        if self._committer is not None:
            self._committer.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)

    @contextmanager
    def reading(self) -> Iterator[State]:
        """The state, consistent for the duration of the block (await `settled` first)."""
        with self._lock:
            yield self.state

    async def settled(self) -> None:
        """Wait until the writes decided so far are committed (or have failed)."""
        batch = self._batch or self._committing  # the pending batch commits after the one in flight
        if batch is not None:
            await asyncio.wait([batch])

    async def settled_for(self, volumes: Sequence[Volume4D]) -> None:
        """`settled`, for a query of the declarations that meet `volumes`: it waits only when a
        write not yet committed could change that answer (its declarations' volumes, before or
        after, meet these, or it changes how declarations are shown). So a query never shows what
        may still fail to commit, and does not wait for commits elsewhere (a heavy intent's, whose
        commit takes tens of milliseconds)."""
        if self._batch is None and self._committing is None:
            return
        with self._lock:
            uncommitted = [*self._in_flight, *self._pending]
        if any(p.reach is None or boxes_meet(p.reach, volumes) for p in uncommitted):
            await self.settled()

    def _decide(self, decide: Callable[[State, float], Outcome[T]]) -> tuple[Outcome[T], float, tuple[Volume4D, ...] | None]:
        now_s = self.clock.now_s()
        outcome = decide(self.state, now_s)
        if outcome.change.events:
            outcome = replace(outcome, change=replace(outcome.change, events=self.state.numbered(outcome.change.events)))
        reach = _reach(self.state, outcome.change)  # before the change: the volumes it replaces
        self.state.apply(outcome.change)
        return outcome, now_s, reach

    async def write(self, decide: Callable[[State, float], Outcome[T]]) -> Outcome[T]:
        """Decide and apply now; answer once committed. A decision that raises leaves no trace."""
        outcome, _ = await self.write_logged(decide)
        return outcome

    async def write_logged(self, decide: Callable[[State, float], Outcome[T]]) -> tuple[Outcome[T], tuple[int, ...]]:
        """`write`, also giving the sequence numbers of the ledger entries the write made."""
        with self._lock:
            outcome, now_s, reach = self._decide(decide)
            if outcome.change.empty:
                return outcome, ()
            pending = _Pending(now_s, outcome.change, reach)
            self._pending.append(pending)
            if self._batch is None:
                self._batch = asyncio.get_running_loop().create_future()
                if self._committing is None:
                    asyncio.get_running_loop().call_soon(self._flush)
            batch = self._batch
        # shielded: a cancelled caller must not cancel the batch its neighbours wait on
        await asyncio.shield(batch)
        return outcome, tuple(pending.seqs)

    def _flush(self) -> None:
        """Hand the pending batch to the committer (on the event loop, one batch at a time)."""
        with self._lock:
            if self._batch is None or self._committing is not None:
                return
            pending, batch = self._pending, self._batch
            self._pending, self._batch = [], None
            self._committing, self._in_flight = batch, pending
        if self._committer is None:
            try:
                committed = self._commit(pending)
            except Exception as exc:
                self._failed(batch, exc)
            else:
                self._committed(batch, committed)
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._committer, self._commit, pending)
        future.add_done_callback(lambda done: self._committed(batch, done.result()) if done.exception() is None
                                 else self._failed(batch, done.exception()))

    def _committed(self, batch: asyncio.Future[None], committed: tuple[Change, list[tuple[int, str]]]) -> None:
        change, entries = committed
        with self._lock:
            self._committing, self._in_flight = None, []
            more = self._batch is not None
        if self.on_ledger is not None and entries:
            self.on_ledger(entries)
        if not batch.done():
            batch.set_result(None)
        if self.on_commit is not None:
            self.on_commit(change)
        if more:
            self._flush()

    def _failed(self, batch: asyncio.Future[None], exc: BaseException | None) -> None:
        """The disk refused a batch: it and every write decided on top of it fail; memory forgets them."""
        log.error("commit failed; reloading the state from the database", exc_info=exc)
        with self._lock:
            later, self._batch, self._pending = self._batch, None, []
            self._committing, self._in_flight = None, []
            with self.db.read() as connection:
                self.state = repo.load_state(connection)
        error = exc if isinstance(exc, Exception) else RuntimeError("commit failed")
        for failed in (batch, later):
            if failed is not None and not failed.done():
                failed.set_exception(error)

    def _commit(self, pending: list[_Pending]) -> tuple[Change, list[tuple[int, str]]]:
        change = net_change(p.change for p in pending)
        records = [(p.at_s, r.actor, r.kind, r.payload) for p in pending for r in p.change.ledger]
        with self.db.write() as connection:
            self._no_autocheckpoint(connection)
            repo.write(connection, change, versions=[d for p in pending for d in p.change.put_declarations])
            entries = repo.append_ledger(connection, records)
        position = 0
        for p in pending:  # each write's own entries, in the order its records were appended
            p.seqs.extend(seq for seq, _ in entries[position:position + len(p.change.ledger)])
            position += len(p.change.ledger)
        return change, entries

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


def _reach(state: State, change: Change) -> tuple[Volume4D, ...] | None:
    """What a declaration query could see of this change: the volumes of the declarations it puts
    or drops, as they were and as they will be; None when it changes how every declaration is
    shown (a USS's availability is in every reference)."""
    if change.put_availability:
        return None
    volumes: list[Volume4D] = []
    for declaration in change.put_declarations:
        volumes += declaration.volumes
    for declaration_id in (*(d.id for d in change.put_declarations), *change.del_declarations):
        old = state.declaration(declaration_id)
        if old is not None:
            volumes += old.volumes
    return tuple(volumes)
