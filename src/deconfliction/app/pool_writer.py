"""The writer of a pool server (PostgreSQL): several servers share one database and none's
memory is the authority.

The in-memory `State` is a cache. Writes queue on the event loop; one worker thread takes
every queued write as a batch and, for each batch:

1. takes the pool's turn (`store.pool.Turn`: the lock row, `SELECT ... FOR UPDATE`), so write
   transactions of the whole pool run one at a time, each after the previous committed;
2. opens a SERIALIZABLE transaction and catches the cache up with what other servers
   committed (`changes` since the last seq seen; those rows are reloaded);
3. decides each write on the current state, in order (a write that raises leaves no trace);
4. writes the net rows, the ledger records (the one chain, its head read and moved in this
   transaction), the events (the outbox) and the change's keys; commits; gives the turn back.

A serialization failure or deadlock (40001, 40P01) or a duplicate key (another server's write
that overlapped, were the turn ever bypassed) reloads the cache and runs the batch again,
with bounded, jittered backoff. Writes are answered after the commit; then their events, and
the events other servers wrote that the catch-up found, are published to the live streams.

Reads (`settled`) catch up too, on the same worker, so a server answers with what the pool
has committed, not only what it wrote itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError

from ..clock import Clock
from ..engine.f3548 import Outcome
from ..engine.state import Change, State, net_change
from ..errors import Unavailable
from ..geo import Volume4D
from ..model import Event
from ..store import Database, pool, repo
from ..store.database import MAX_ATTEMPTS, backoff_s, retryable, sqlstate

T = TypeVar("T")
log = logging.getLogger(__name__)
Decide = Callable[[State, float], Outcome[Any]]


@dataclass(slots=True)
class _Done:
    results: list[Outcome[Any] | Exception] = field(default_factory=list)
    seqs: dict[int, tuple[int, ...]] = field(default_factory=dict)  # by item: its ledger entries' numbers
    change: Change = field(default_factory=Change)
    others: tuple[Event, ...] = ()  # events other servers committed, found by the catch-up


def _again(exc: BaseException) -> bool:
    return retryable(exc) or sqlstate(exc) == "23505"


def _unreachable(exc: BaseException) -> bool:
    """A lost or refused connection (not a decision the database made)."""
    import psycopg

    return not _again(exc) and isinstance(exc, (OperationalError, psycopg.OperationalError))


class PoolWriter:
    """The same interface as `Writer` (state, reading, settled, write, close)."""

    def __init__(self, db: Database, clock: Clock, *, on_commit: Callable[[Change], None] | None = None,
                 on_others: Callable[[tuple[Event, ...]], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.on_commit = on_commit
        self.on_others = on_others
        self._lock = threading.Lock()  # held while the worker changes the state
        with db.read() as connection:
            self.state, self._seen = pool.load(connection)
        self._turn = pool.Turn(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool-writer")
        self._queue: list[tuple[Decide, asyncio.Future[Any]]] = []
        self._readers: list[asyncio.Future[None]] = []
        self._busy = False
        self._stale = False  # the state could not be read again after a failure
        self.retries = 0

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._turn.close()

    @contextmanager
    def reading(self) -> Iterator[State]:
        with self._lock:
            yield self.state

    async def settled(self) -> None:
        """Wait until the state holds every write committed in the pool before this call."""
        waiter = asyncio.get_running_loop().create_future()
        self._readers.append(waiter)
        self._kick()
        await asyncio.shield(waiter)

    async def settled_for(self, volumes: Sequence[Volume4D]) -> None:
        """`settled`: in a pool the state must first hold what the other servers committed."""
        await self.settled()

    async def write(self, decide: Callable[[State, float], Outcome[T]]) -> Outcome[T]:
        """Decide on the pool's current state inside a serializable transaction; answer once committed."""
        outcome, _ = await self.write_logged(decide)
        return outcome

    async def write_logged(self, decide: Callable[[State, float], Outcome[T]]) -> tuple[Outcome[T], tuple[int, ...]]:
        """`write`, also giving the sequence numbers of the ledger entries the write made."""
        future: asyncio.Future[tuple[Outcome[T], tuple[int, ...]]] = asyncio.get_running_loop().create_future()
        self._queue.append((decide, future))
        self._kick()
        # shielded: a cancelled caller must not cancel the batch its neighbours wait on
        return await asyncio.shield(future)

    # -- on the event loop ----------------------------------------------------------------
    def _kick(self) -> None:
        if self._busy or not (self._queue or self._readers):
            return
        self._busy = True
        items, self._queue = self._queue, []
        readers, self._readers = self._readers, []
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._worker, self._job, [d for d, _ in items])
        job.add_done_callback(lambda done: self._finished(done, items, readers))

    def _finished(self, done: asyncio.Future[_Done], items: list[tuple[Decide, asyncio.Future[Any]]],
                  readers: list[asyncio.Future[None]]) -> None:
        self._busy = False
        exc = done.exception()
        if exc is not None:
            log.error("pool write failed", exc_info=exc)
        result = done.result() if exc is None else _Done(results=[exc] * len(items))  # type: ignore[list-item]
        for i, ((_, future), outcome) in enumerate(zip(items, result.results, strict=True)):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result((outcome, result.seqs.get(i, ())))
        for reader in readers:  # a read that could not catch up is not answered from the cache
            if reader.done():
                continue
            if exc is None:
                reader.set_result(None)
            else:
                reader.set_exception(exc if isinstance(exc, Unavailable) else Unavailable(
                    f"the pool's database is unavailable ({type(exc).__name__})"))
        if result.others and self.on_others is not None:
            self.on_others(result.others)
        if result.change.events and self.on_commit is not None:
            self.on_commit(result.change)
        self._kick()

    # -- on the worker thread -------------------------------------------------------------
    def _job(self, items: list[Decide]) -> _Done:
        if self._stale:
            try:
                self._reload()
            except Exception as exc:
                raise Unavailable(f"the pool's database is unavailable ({type(exc).__name__})") from exc
            self._stale = False
        if not items:
            return self._catch_up()
        for attempt in range(MAX_ATTEMPTS):
            try:
                self._turn.take()
                try:
                    return self._transaction(items)
                finally:
                    self._turn.give_back()
            except Exception as exc:
                try:
                    self._reload()
                except Exception:  # noqa: BLE001 (the database is down: read everything again before the next job)
                    self._stale = True
                if _unreachable(exc):
                    raise Unavailable(f"the pool's database is unavailable ({type(exc).__name__})") from exc
                if not _again(exc) or attempt == MAX_ATTEMPTS - 1:
                    raise
                self.retries += 1
                # rare while servers take the turn: worth an operator's eye when frequent
                log.warning("pool write retried (%s)", sqlstate(exc))
                time.sleep(backoff_s(attempt))
        raise AssertionError("unreachable")

    def _catch_up(self) -> _Done:
        with self.db.read() as connection:
            caught = pool.catch_up(connection, self.state, self._seen)
        if caught is None:
            return _Done()
        with self._lock:
            self.state = pool.apply(self.state, caught)
            self._seen = caught.seq
        return _Done(others=caught.events)

    def _transaction(self, items: list[Decide]) -> _Done:
        done = _Done()
        with self.db.write() as connection:
            caught = pool.catch_up(connection, self.state, self._seen)
            seq = caught.seq if caught is not None else self._seen
            pending: list[tuple[float, Change, int]] = []
            with self._lock:
                if caught is not None:
                    self.state = pool.apply(self.state, caught)
                    done.others = caught.events
                for index, decide in enumerate(items):
                    now_s = self.clock.now_s()
                    try:
                        outcome = decide(self.state, now_s)
                    except Exception as exc:  # noqa: BLE001 (this write's answer; its neighbours go on)
                        done.results.append(exc)
                        continue
                    if outcome.change.events:
                        outcome = replace(outcome, change=replace(
                            outcome.change, events=self.state.numbered(outcome.change.events)))
                    self.state.apply(outcome.change)
                    done.results.append(outcome)
                    if not outcome.change.empty:
                        pending.append((now_s, outcome.change, index))
            if pending:
                done.change = net_change(c for _, c, _ in pending)
                repo.write(connection, done.change, versions=[d for _, c, _ in pending for d in c.put_declarations])
                entries = repo.append_ledger(connection, [(at_s, r.actor, r.kind, r.payload)
                                                          for at_s, c, _ in pending for r in c.ledger])
                position = 0
                for _, c, index in pending:  # each write's own entries, in the order they were appended
                    done.seqs[index] = tuple(seq for seq, _ in entries[position:position + len(c.ledger)])
                    position += len(c.ledger)
                seq += 1
                pool.record_change(connection, seq, pending[-1][0], done.change)
        self._seen = seq
        return done

    def _reload(self) -> None:
        """Forget what the failed transaction decided: the database's state, read afresh."""
        with self.db.read() as connection:
            state, seen = pool.load(connection)
        with self._lock:
            self.state, self._seen = state, seen
