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

from ..api.test_v1 import box
from ..serving import CLI, clean_env
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
    verified = subprocess.run([CLI, "ledger", "verify", "--db", pg_url], check=False, env=clean_env(),
                              capture_output=True, text=True)
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
            blue_stream = apps[0].broker.subscribe("blue")  # blue listens on the first server
            assert apps[1].state.declaration("b1") is None  # not read yet: the second decides on the database
            await apps[1].declare(party="red", declaration_id="r1", kind=DeclarationKind.OPERATION, volumes=volumes)
            await apps[0].writer.settled()
            assert set(apps[0].state.notices) == set(apps[1].state.notices) and len(apps[0].state.notices) == 2
            # the notice to blue was written by the second server: blue's stream on the first has it, once
            assert [e.kind.value for e in drain(blue_stream)] == ["notice", "conflict"]
            await apps[0].writer.settled()
            await apps[1].writer.settled()
            assert drain(blue_stream) == []
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


def drain(queue: asyncio.Queue) -> list:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def test_one_server_at_a_time_holds_the_webhook_lease(pg_url: str) -> None:
    from deconfliction.store import pool

    upgrade(pg_url)
    db = Database(database_url(pg_url))
    claim = lambda holder, now: db.retrying(lambda c: pool.claim_lease(c, "webhooks", holder, now, 6.0))
    assert claim("a", 100.0) and not claim("b", 101.0) and claim("a", 103.0)  # held, renewed
    assert not claim("b", 108.9) and claim("b", 109.1)  # taken over once a's lease ran out
    assert not claim("a", 110.0)
    db.close()


def test_serialization_failures_are_recognised() -> None:
    class Failure(Exception):
        sqlstate = "40001"

    assert retryable(Failure()) and not retryable(ValueError())


def test_a_server_behind_the_pruned_changes_reads_everything_again(pg_url: str, monkeypatch) -> None:
    from deconfliction.geo import parse_volume4d
    from deconfliction.store import pool

    monkeypatch.setattr(pool, "PRUNE_EVERY", 2)
    monkeypatch.setattr(pool, "KEEP_CHANGES", 2)
    upgrade(pg_url)
    dbs = [Database(database_url(pg_url)) for _ in range(2)]

    async def scenario() -> None:
        apps = [App(db, SystemClock()) for db in dbs]
        try:
            for i in range(7):
                volumes = (parse_volume4d(box(10 + i, 20, 0.01, start_in_s=3600), "volume"),)
                await apps[0].declare(party="blue", declaration_id=f"b{i}", kind=DeclarationKind.OPERATION,
                                      volumes=volumes)
            with dbs[0].read() as connection:
                assert connection.exec_driver_sql("SELECT MIN(seq) FROM changes").scalar_one() > 1
            await apps[1].writer.settled()
            assert sorted(d.id for d in apps[1].state.declarations) == [f"b{i}" for i in range(7)]
        finally:
            for app in apps:
                app.writer.close()

    asyncio.run(scenario())
    for db in dbs:
        db.close()


def test_without_the_turn_serializable_transactions_still_decide_correctly(pg_url: str, monkeypatch) -> None:
    """The turn only spares retries: with it bypassed, two servers' write transactions overlap,
    PostgreSQL fails one of each conflicting pair (40001) and it is decided again, so every
    overlapping pair of declarations of different parties still has its conflict notices."""
    from deconfliction.geo import parse_volume4d
    from deconfliction.store import pool

    monkeypatch.setattr(pool.Turn, "take", lambda self: None)
    upgrade(pg_url)
    dbs = [Database(database_url(pg_url)) for _ in range(2)]
    volumes = (parse_volume4d(box(10, 20, 0.01, start_in_s=3600), "volume"),)

    async def scenario() -> None:
        apps = [App(db, SystemClock()) for db in dbs]
        try:
            await asyncio.gather(*(apps[i % 2].declare(party=f"p{i % 4}", declaration_id=f"d{i}",
                                                       kind=DeclarationKind.OPERATION, volumes=volumes)
                                   for i in range(24)))
            assert sum(app.writer.retries for app in apps) > 0  # the transactions did overlap
            await apps[0].writer.settled()
            told = {(n.about, n.other) for n in apps[0].state.notices.values()}
            for i in range(24):
                for j in range(i + 1, 24):
                    if i % 4 != j % 4:  # different parties, same volume: each must have heard of the other
                        assert (f"d{i}", f"d{j}") in told or (f"d{j}", f"d{i}") in told, (i, j)
        finally:
            for app in apps:
                app.writer.close()

    asyncio.run(scenario())
    with dbs[0].read() as connection:
        assert ledger_repo.verify(connection).ok
    for db in dbs:
        db.close()


def test_a_signed_request_accepted_by_one_server_is_refused_as_a_replay_by_another(pg_url: str) -> None:
    """Replay keys travel with the changes: the second server refuses what the first accepted."""
    import time

    from deconfliction.app.usecases import SignedRequest
    from deconfliction.errors import Unauthenticated
    from deconfliction.geo import parse_volume4d

    upgrade(pg_url)
    dbs = [Database(database_url(pg_url)) for _ in range(2)]

    def signed(replay_key: str) -> SignedRequest:
        return SignedRequest("PUT", "/v1/declarations/s1", {}, {}, replay_key, time.time())

    async def scenario() -> None:
        apps = [App(db, SystemClock()) for db in dbs]
        try:
            volumes = (parse_volume4d(box(11, 21, 0.01, start_in_s=3600), "volume"),)
            create = signed("replay-key-create")
            await apps[0].declare(party="azure", declaration_id="s1", kind=DeclarationKind.OPERATION,
                                  volumes=volumes, signed=create)
            await apps[0].withdraw(party="azure", declaration_id="s1", version=1, signed=signed("replay-key-withdraw"))
            # the same signed creation, replayed to the other server: it would declare s1 again
            with pytest.raises(Unauthenticated):
                await apps[1].declare(party="azure", declaration_id="s1", kind=DeclarationKind.OPERATION,
                                      volumes=volumes, signed=create)
            assert apps[1].state.declaration("s1") is None
            # a fresh signature is accepted there
            await apps[1].declare(party="azure", declaration_id="s1", kind=DeclarationKind.OPERATION,
                                  volumes=volumes, signed=signed("replay-key-fresh"))
            assert apps[1].state.declaration("s1") is not None
        finally:
            for app in apps:
                app.writer.close()

    asyncio.run(scenario())
    for db in dbs:
        db.close()
