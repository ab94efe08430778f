"""The database handle: one engine, serialized write transactions, migrations on demand.

SQLite (the default, one file in WAL mode) takes one writer at a time: every write transaction
starts with BEGIN IMMEDIATE, so two writers never both read a stale view and then both commit.

PostgreSQL (`postgresql://...`, psycopg 3) is the pool's database: several server processes
share it, every write transaction is SERIALIZABLE and `retrying` runs it again on a
serialization failure or deadlock (SQLSTATE 40001, 40P01) with bounded, jittered backoff.
Reads take a REPEATABLE READ snapshot (consistent, and outside the serializable conflict
tracking). Only SQL that CockroachDB and YugabyteDB also run is used (see docs/deployment.md).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import StaticPool

from ..errors import Unavailable

T = TypeVar("T")
log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
RETRYABLE = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
MAX_ATTEMPTS = 12
FIRST_BACKOFF_S = 0.002
MAX_BACKOFF_S = 0.25


def sqlite_url(path: str | Path) -> str:
    return "sqlite:///:memory:" if str(path) == ":memory:" else f"sqlite:///{Path(path)}"


def is_postgres_url(text: str | Path) -> bool:
    return str(text).startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def database_url(db: str | Path) -> str:
    """The SQLAlchemy URL of `--db`: a PostgreSQL URL (driven by psycopg 3) or a SQLite file."""
    text = str(db)
    if is_postgres_url(text):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return sqlite_url(db)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (or of the driver error SQLAlchemy wraps)."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None)


def retryable(exc: BaseException) -> bool:
    return sqlstate(exc) in RETRYABLE


def backoff_s(attempt: int) -> float:
    """Full jitter: uniform in [0, min(cap, first * 2^attempt)]."""
    return random.uniform(0, min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** attempt))


class Database:
    """A SQLAlchemy engine with the project's transaction discipline."""

    def __init__(self, url: str, *, read_only: bool = False, durability: str = "full") -> None:
        """Opens the database; it migrates nothing (see `upgrade`). `read_only` opens a SQLite
        file so that nothing can be written (what an inquiry's verification wants)."""
        self.url = url
        self.read_only = read_only
        self.is_sqlite = url.startswith("sqlite")
        self.is_pool = url.startswith("postgresql")
        kwargs: dict[str, Any] = {}
        if self.is_pool:
            kwargs = {"isolation_level": "SERIALIZABLE", "pool_size": 8, "max_overflow": 8, "pool_pre_ping": True}
        elif url == "sqlite:///:memory:":
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif self.is_sqlite and read_only:
            path = url.removeprefix("sqlite:///")
            kwargs = {"creator": lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)}
        elif self.is_sqlite:
            kwargs = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite and not read_only:
            synchronous = {"full": "FULL", "normal": "NORMAL"}[durability]
            event.listen(self.engine, "connect", lambda raw, record: _sqlite_on_connect(raw, record, synchronous))
            event.listen(self.engine, "begin", _sqlite_on_begin)

    def _alembic(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def upgrade(self) -> None:
        """Run the migrations up to the newest schema (`deconfliction db upgrade`)."""
        config = self._alembic()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def check_current(self) -> None:
        """Refuse to run on a schema older (or newer) than this code's."""
        head = ScriptDirectory.from_config(self._alembic()).get_current_head()
        current = self.revision()
        if current != head:
            raise Unavailable(f"the database is at schema {current or 'none'}, this version needs {head}: "
                              f"run `deconfliction db upgrade --db ...` first")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A serialized read-write transaction: everything inside commits together or not at all."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            if self.is_pool:
                connection.execution_options(isolation_level="REPEATABLE READ")
            # SQLite: a deferred BEGIN. A reader must not take the write lock (BEGIN IMMEDIATE):
            # in WAL it reads a snapshot beside the writer; holding the lock, a long read (a
            # ledger export streaming to a slow client) would stall every commit.
            connection.info[_READ_ONLY] = True
            try:
                yield connection
            finally:  # the pooled connection goes back to writers, whose BEGIN must be IMMEDIATE
                connection.info.pop(_READ_ONLY, None)

    def retrying(self, work: Callable[[Connection], T]) -> T:
        """`work` in a write transaction, run again on 40001/40P01 (bounded, jittered backoff).
        `work` must have no effect outside its transaction until it returns."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.write() as connection:
                    return work(connection)
            except Exception as exc:
                if not retryable(exc) or attempt == MAX_ATTEMPTS - 1:
                    raise
                log.debug("serialization failure (%s); retrying", sqlstate(exc))
                time.sleep(backoff_s(attempt))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, synchronous: str = "FULL") -> None:
    # Take transaction control from pysqlite so that BEGIN IMMEDIATE is ours to emit.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it is acknowledged (WAL: one fsync per commit; group
    # commit shares it between the writes of a batch).
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_READ_ONLY = "deconfliction.read_only"


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN" if connection.info.pop(_READ_ONLY, False) else "BEGIN IMMEDIATE")
