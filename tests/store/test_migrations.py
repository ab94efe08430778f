"""The Alembic migrations build exactly the tables the code declares in store/schema.py."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from deconfliction.store import Database, sqlite_url
from deconfliction.store.schema import metadata


def test_migrated_schema_matches_the_declared_tables(tmp_path):
    database = Database(sqlite_url(tmp_path / "m.db"))
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        tables = set(inspect(connection).get_table_names())
    database.close()
    assert differences == []
    assert {"declarations", "notices", "ledger", "ledger_head"} <= tables


def test_opening_twice_migrates_once_and_keeps_data(tmp_path):
    from deconfliction.store import ledger_repo
    path = tmp_path / "m.db"
    first = Database(sqlite_url(path))
    with first.write() as connection:
        ledger_repo.append(connection, at_s=1.0, actor="a", kind="k", payload={})
    first.close()
    second = Database(sqlite_url(path))
    with second.read() as connection:
        assert ledger_repo.verify(connection).entries == 1
    second.close()


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(sqlite_url(tmp_path / "m.db"))
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    database.close()
