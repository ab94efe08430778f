"""The store on a real PostgreSQL: the same Alembic migrations as SQLite, run by `db upgrade`;
two servers' apps on one database see each other's writes, escalate a notice once."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from deconfliction.app import App
from deconfliction.clock import SystemClock
from deconfliction.errors import Unavailable
from deconfliction.model import DeclarationKind
from deconfliction.store import Database, database_url, ledger_repo
from deconfliction.store.database import retryable

from ..serving import CLI, clean_env
from ..api.test_v1 import box
from .servers import upgrade


def test_db_upgrade_runs_the_migrations_and_the_servers_refuse_an_old_schema(pg_url: str) -> None:
    db = Database(database_url(pg_url))
    with pytest.raises(Unavailable):
        db.check_current()
    upgrade(pg_url)
    upgrade(pg_url)  # idempotent
    db.check_current()
    with db.read() as connection:
        tables = {r[0] for r in connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert {"declarations", "events", "ledger", "ledger_head", "cell_locks", "changes", "leases"} <= tables
    db.close()
    verified = subprocess.run([CLI, "ledger", "verify", "--db", pg_url], env=clean_env(), capture_output=True, text=True)
    assert verified.returncode == 0 and "ledger verified" in verified.stdout


def test_two_apps_on_one_database_decide_on_each_others_writes(pg_url: str) -> None:
    from deconfliction.app import usecases
    from deconfliction.geo import parse_volume4d

    upgrade(pg_url)
    dbs = [Database(database_url(pg_url)) for _ in range(2)]

    async def scenario() -> None:
        apps = [App(db, SystemClock()) for db in dbs]
        try:
            volumes = (parse_volume4d(box(10, 20, 0.01, start_in_s=3600), "volume"),)
            await apps[0].declare(party="blue", declaration_id="b1", kind=DeclarationKind.OPERATION, volumes=volumes)
            assert apps[1].state.declaration("b1") is None  # not read yet: the second decides on the database
            await apps[1].declare(party="red", declaration_id="r1", kind=DeclarationKind.OPERATION, volumes=volumes)
            await apps[0].writer.settled()
            assert set(apps[0].state.notices) == set(apps[1].state.notices) and len(apps[0].state.notices) == 2
            # both escalate every notice past its deadline, at once: each is escalated once
            passes = await asyncio.gather(*(app.writer.write(
                lambda state, now: usecases.escalate(state, now_s=now + 1e6)) for app in apps))
            assert sorted(len(o.result) for o in passes) == [0, 2]
        finally:
            for app in apps:
                app.writer.close()

    asyncio.run(scenario())
    with dbs[0].read() as connection:
        assert ledger_repo.verify(connection).ok
        kinds = [e.kind for e in ledger_repo.entries(connection)]
    assert kinds.count("escalated") == 2
    for db in dbs:
        db.close()


def test_serialization_failures_are_recognised() -> None:
    class Failure(Exception):
        sqlstate = "40001"

    assert retryable(Failure()) and not retryable(ValueError())
