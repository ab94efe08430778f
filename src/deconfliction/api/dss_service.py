"""The DSS shell: one registry in memory, one lock, one database, group commit.

A write is decided against the in-memory registry under the lock and applied to it at once,
so the next write decides on top of it: writes are serializable, and deciding reads memory,
not the database, so the lock is held for well under a millisecond. Writes decided in the same
turn of the event loop are then committed together in one BEGIN IMMEDIATE transaction, with
one ledger entry (the write's own when it is alone; a "dss.batch" entry listing each write's
actor, kind and change otherwise). A write is answered only after its transaction commits.

If a commit fails, the writes of that batch and of any batch decided on top of it fail, and
the registry is reloaded from the database: memory never keeps what the disk refused.
Readers wait for the batch pending when they start, so they do not see a write whose commit
is still to come (a write decided while the read waits may be visible; see `settled`).

SQLite's automatic WAL checkpoint would run inside a commit, on the event loop, and stall every
request for tens of milliseconds; a background thread checkpoints instead (PASSIVE: it never
blocks the writer) and the writer's own automatic checkpoint is turned off.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy import Connection

from ..engine.f3548 import Caller, Change, Outcome, RandomTokens, Registry, Tokens
from ..engine.f3548.registry import net_change
from ..engine.f3548.subscriptions import expire_subscriptions
from ..errors import InvalidInput
from ..store import Database, dss_repo, ledger_repo

T = TypeVar("T")
log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 0.5
EXPIRE_EVERY_S = 30.0
SYSTEM = Caller(manager="dss", scopes=frozenset())  # the DSS itself, as the actor of its own upkeep


@dataclass(frozen=True, slots=True)
class _Pending:
    kind: str
    actor: str
    at_s: float
    change: Change


class DssService:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time,
                 tokens: Tokens | None = None) -> None:
        self.db = db
        self.clock = clock
        self.tokens: Tokens = tokens or RandomTokens()
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._batch: asyncio.Future[None] | None = None
        with db.read() as connection:
            self._registry = dss_repo.load(connection)
        self._quiet_connections: set[int] = set()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if db.is_sqlite and ":memory:" not in db.url:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="dss-wal-checkpoint", daemon=True)
            self._checkpointer.start()

    async def expire(self) -> int:
        """Delete expired subscriptions (one ledger entry); the number deleted."""
        with self._lock:
            now_s = self.clock()
            if not any(s.expired(now_s) for s in self._registry.subscriptions.values()):
                return 0
        outcome = await self.write("dss.subscription.expire", SYSTEM, expire_subscriptions)
        return len(outcome.result)

    async def expire_forever(self, every_s: float = EXPIRE_EVERY_S) -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await self.expire()
            except Exception:  # a failed sweep is retried at the next one
                log.exception("expiring subscriptions failed")

    def close(self) -> None:
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)

    def _no_autocheckpoint(self, connection: Connection) -> None:
        """Turn SQLite's in-commit checkpoint off, once per pooled connection (ours runs apart)."""
        if not self.db.is_sqlite:
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

    @contextmanager
    def reading(self) -> Iterator[Registry]:
        """The registry, consistent for the duration of the block (await `settled` first)."""
        with self._lock:
            yield self._registry

    async def settled(self) -> None:
        """Wait until the writes decided so far are committed (or have failed)."""
        batch = self._batch
        if batch is not None:
            await asyncio.wait([batch])

    async def write(self, kind: str, caller: Caller, decide: Callable[[Registry, float], Outcome[T]]) -> Outcome[T]:
        """Decide and apply now; answer once committed with its ledger entry. Errors leave no trace."""
        with self._lock:
            now_s = self.clock()
            outcome = decide(self._registry, now_s)
            self._registry.apply(outcome.change)
            self._pending.append(_Pending(kind, caller.manager, now_s, outcome.change))
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
                with self.db.write() as connection:
                    self._no_autocheckpoint(connection)
                    dss_repo.write_rows(connection, net_change(p.change for p in pending))
                    _append_ledger(connection, pending)
            except Exception as exc:  # the disk refused: memory must forget these writes
                log.exception("DSS commit failed; reloading the registry from the database")
                with self.db.read() as connection:
                    self._registry = dss_repo.load(connection)
                batch.set_exception(exc)
                return
        batch.set_result(None)


def single_writer(db_path: Path) -> IO[bytes]:
    """Hold an exclusive lock beside the database for the life of the server (close to release).

    A second server on the same file would decide writes on its own stale registry, and two
    USSs could then both win the same airspace: refuse to start instead.
    """
    handle = open(f"{db_path}.lock", "ab")  # noqa: SIM115 (held open for the process's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise InvalidInput("db", f"another DSS server is already using {db_path}") from None
    return handle


def _append_ledger(connection: Any, pending: list[_Pending]) -> None:
    if len(pending) == 1:
        item = pending[0]
        ledger_repo.append(connection, at_s=item.at_s, actor=item.actor, kind=item.kind,
                           payload=dss_repo.ledger_payload(item.change))
        return
    writes = [{"actor": p.actor, "kind": p.kind, "at_s": p.at_s, **dss_repo.ledger_payload(p.change)}
              for p in pending]
    ledger_repo.append(connection, at_s=pending[-1].at_s, actor="dss", kind="dss.batch", payload={"writes": writes})
