"""The database handle: one engine, serialized write transactions, migrations on demand.

SQLite (the default, one file in WAL mode) takes one writer at a time: every write transaction
starts with BEGIN IMMEDIATE, so two writers never both read a stale view and then both commit.
A PostgreSQL adapter implements the same `Database` with SERIALIZABLE transactions and retry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import StaticPool

from ..errors import Unavailable

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: str | Path) -> str:
    return "sqlite:///:memory:" if str(path) == ":memory:" else f"sqlite:///{Path(path)}"


class Database:
    """A SQLAlchemy engine with the project's transaction discipline."""

    def __init__(self, url: str, *, read_only: bool = False, durability: str = "full") -> None:
        """Opens the database; it migrates nothing (see `upgrade`). `read_only` opens a SQLite
        file so that nothing can be written (what an inquiry's verification wants)."""
        self.url = url
        self.read_only = read_only
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if url == "sqlite:///:memory:":
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
            yield connection

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


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
