"""The Alembic migrations build exactly the tables the code declares in store/schema.py, run only
when asked, and move a database of the two old worlds (engine and DSS) into the one model with
its ledger chain still valid."""

import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from deconfliction.errors import Unavailable
from deconfliction.model import DeclarationKind, OperationState
from deconfliction.store import Database, ledger_repo, repo, sqlite_url
from deconfliction.store.schema import metadata
from deconfliction.geo import dump_volume4d as f3548
from tests.builders import T0, box


def test_migrated_schema_matches_the_declared_tables(tmp_path):
    database = Database(sqlite_url(tmp_path / "m.db"))
    database.upgrade()
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        tables = set(inspect(connection).get_table_names())
    database.close()
    assert differences == []
    assert {"declarations", "subscriptions", "notices", "events", "webhooks", "ledger", "ledger_head"} <= tables
    assert not {t for t in tables if t.startswith("dss_")} and "conflicts" not in tables


def test_opening_migrates_nothing_and_upgrading_twice_keeps_data(tmp_path):
    path = tmp_path / "m.db"
    first = Database(sqlite_url(path))
    with pytest.raises(Unavailable, match="db upgrade"):
        first.check_current()
    first.upgrade()
    first.check_current()
    with first.write() as connection:
        ledger_repo.append(connection, at_s=1.0, actor="a", kind="k", payload={})
    first.close()
    second = Database(sqlite_url(path))
    second.upgrade()
    with second.read() as connection:
        assert ledger_repo.verify(connection).entries == 1
    second.close()


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(sqlite_url(tmp_path / "m.db"))
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    database.close()


def test_read_only_open_cannot_write(tmp_path):
    path = tmp_path / "m.db"
    Database(sqlite_url(path)).upgrade()
    reader = Database(sqlite_url(path), read_only=True)
    with pytest.raises(Exception, match="readonly"):
        with reader.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO parties (id, name) VALUES ('x', '')")
    reader.close()


def _old_database(path):
    """A database at revision 0002 holding both worlds: an engine declaration, a notice and its
    ledger entries, and the DSS's intent, constraint, subscription, availability and report."""
    database = Database(sqlite_url(path))
    config = database._alembic()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    volume = json.dumps([f3548(box(34, 33))])
    extents = json.dumps([{"polygon": [[37.2, -80.58], [37.2, -80.57], [37.21, -80.57]], "alt_m": [0, 120],
                           "t_s": [T0 + 0.123456, T0 + 1800.5]}])
    with database.write() as c:
        c.execute(text("INSERT INTO parties VALUES ('blue', 'Blue')"))
        c.execute(text("INSERT INTO declarations VALUES ('blue-1', 'blue', 'operation', 2, 1, 'Accepted', :t, 'secret', :v)"),
                  {"t": T0 - 3600, "v": volume})
        c.execute(text("INSERT INTO declaration_versions VALUES ('blue-1', 1, 'blue', 'operation', 2, :t, :v)"),
                  {"t": T0 - 3600, "v": volume})
        c.execute(text("INSERT INTO notices VALUES ('n1', 'red', 'conflict', 'blue-1', 1, NULL, :t, :d, 'sent', NULL, NULL)"),
                  {"t": T0 - 3600, "d": T0 - 3300})
        c.execute(text("INSERT INTO conflicts VALUES ('a', 'blue-1', 1, 1, :t, '[]')"), {"t": T0})
        c.execute(text("INSERT INTO dss_operational_intents VALUES ('oi-1', 'uss1', 3, 'Activated', 'OVN1', "
                       "'https://uss1/utm', 'sub-1', :e, :t)"), {"e": extents, "t": T0 - 60})
        c.execute(text("INSERT INTO dss_constraints VALUES ('cr-1', 'uss2', 1, 'OVN2', 'https://uss2/utm', :e, :t)"),
                  {"e": extents, "t": T0 - 30})
        c.execute(text("INSERT INTO dss_subscriptions VALUES ('sub-1', 'uss1', 'v1', 4, 'https://uss1/utm', 1, 0, 1, :e, :t)"),
                  {"e": extents, "t": T0 - 60})
        c.execute(text("INSERT INTO dss_uss_availability VALUES ('uss2', 'Down', 'av1')"))
        c.execute(text("INSERT INTO dss_reports VALUES ('r1', 'uss1', :t, '{\"x\": 1}')"), {"t": T0})
        for kind in ("declared", "dss.operational_intent.create"):
            ledger_repo.append(c, at_s=T0, actor="blue", kind=kind, payload={"k": kind})
    return database


def test_a_database_of_both_worlds_moves_into_one_model_and_its_ledger_stays_valid(tmp_path):
    database = _old_database(tmp_path / "old.db")
    database.upgrade()
    with database.read() as c:
        state = repo.load_state(c)
        verification = ledger_repo.verify(c)
        entries = list(ledger_repo.entries(c))
    database.close()
    assert verification.ok and verification.entries == 3
    assert entries[-1].kind == "migrated" and entries[-1].payload["operational_intents"] == 1
    engine = state.declaration("blue-1")
    assert engine.kind is DeclarationKind.OPERATION and engine.priority == 2 and engine.purpose == "secret"
    assert engine.volumes == (box(34, 33),) and len(engine.ovn) >= 16
    intent = state.operation("oi-1")
    assert (intent.party, intent.version, intent.state, intent.ovn) == ("uss1", 3, OperationState.ACTIVATED, "OVN1")
    assert intent.volumes[0].time_s.lower == T0 + 0.123456  # the lossless codec keeps microseconds
    assert intent.subscription_id == "sub-1" and intent.uss_base_url == "https://uss1/utm"
    constraint = state.constraint("cr-1")
    assert constraint.party == "uss2" and constraint.kind is DeclarationKind.CONSTRAINT
    assert state.subscriptions["sub-1"].notification_index == 4 and state.dependents("sub-1") == [intent]
    assert state.availability["uss2"].availability.value == "Down"
    assert set(state.parties) == {"blue", "uss1", "uss2"}
    assert state.notices["n1"].delivered_at_s is None


def test_a_write_commits_while_a_read_is_open(tmp_path) -> None:  # noqa: ANN001
    """Reads begin deferred (a WAL snapshot), never BEGIN IMMEDIATE: a long read, such as the
    ledger streamed to a slow client, must not hold the write lock the committer needs."""
    from deconfliction.store import Database, sqlite_url

    import sqlite3

    db = Database(sqlite_url(tmp_path / "r.db"))
    db.upgrade()
    with db.read() as reader:
        before = reader.exec_driver_sql("SELECT count(*) FROM parties").scalar()
        other = sqlite3.connect(tmp_path / "r.db", timeout=0.5, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # would raise 'database is locked' if the reader held the write lock
        other.execute("INSERT INTO parties (id, name) VALUES ('late', '')")
        other.execute("COMMIT")
        other.close()
        assert reader.exec_driver_sql("SELECT count(*) FROM parties").scalar() == before  # its own snapshot
    with db.read() as reader:
        assert reader.exec_driver_sql("SELECT count(*) FROM parties").scalar() == before + 1
    db.close()
