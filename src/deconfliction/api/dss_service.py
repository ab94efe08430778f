"""The DSS shell: one registry in memory, one lock, one database.

Every write runs under the lock: decide against the registry, commit the change and its
ledger entry in one BEGIN IMMEDIATE transaction, then apply it to the registry. Holding the
lock across decide-and-commit makes writes serializable (no two writers decide on the same
view), and since deciding reads memory, not the database, the lock is held for well under a
millisecond: a busy area does not turn into retries, as it does with optimistic transactions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from ..dss import Caller, Outcome, RandomTokens, Registry, Tokens
from ..store import Database, dss_repo

T = TypeVar("T")


class DssService:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time,
                 tokens: Tokens | None = None) -> None:
        self.db = db
        self.clock = clock
        self.tokens: Tokens = tokens or RandomTokens()
        self._lock = threading.Lock()
        with db.read() as connection:
            self._registry = dss_repo.load(connection)

    @contextmanager
    def reading(self) -> Iterator[Registry]:
        """The registry, consistent for the duration of the block."""
        with self._lock:
            yield self._registry

    def write(self, kind: str, caller: Caller, decide: Callable[[Registry, float], Outcome[T]]) -> Outcome[T]:
        """Decide, commit (rows + ledger entry), apply; an error anywhere leaves no trace."""
        with self._lock:
            now_s = self.clock()
            outcome = decide(self._registry, now_s)
            with self.db.write() as connection:
                dss_repo.commit(connection, outcome.change, at_s=now_s, actor=caller.manager, kind=kind)
            self._registry.apply(outcome.change)
            return outcome
