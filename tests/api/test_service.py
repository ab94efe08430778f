"""The DSS shell: serializable writes under concurrency, group commit, rollback of memory on a failed commit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from deconfliction.api.dss_service import DssService
from deconfliction.engine.f3548 import Caller, OpIntentState
from deconfliction.engine.f3548.errors import AirspaceConflict
from deconfliction.engine.f3548.oir import NewSubscription, PutOirRequest, delete_oir, put_oir
from deconfliction.geo import Interval, LatLng, Polygon, Volume4D
from deconfliction.store import Database, dss_repo, ledger_repo, sqlite_url

from .helpers import new_id

SC = frozenset({"utm.strategic_coordination"})


def area(offset: float = 0.0) -> Volume4D:
    lat, lng = 37.2 + offset, -80.58
    now = time.time()
    return Volume4D(Polygon((LatLng(lat, lng), LatLng(lat, lng + 0.01), LatLng(lat + 0.01, lng + 0.01),
                             LatLng(lat + 0.01, lng))), Interval(0, 120), Interval(now + 60, now + 1800))


def request(key: frozenset[str] = frozenset(), offset: float = 0.0) -> PutOirRequest:
    return PutOirRequest((area(offset),), key, OpIntentState.ACCEPTED, "https://u.example",
                         new_subscription=NewSubscription("https://u.example"))


@pytest.fixture
def service(tmp_path: Path):
    db = Database(sqlite_url(tmp_path / "dss.db"))
    svc = DssService(db)
    yield svc
    svc.close()
    db.close()


def create(service: DssService, caller: Caller, req: PutOirRequest):
    oir_id = new_id()
    return service.write("dss.operational_intent.create", caller, lambda r, now: put_oir(
        r, caller, oir_id, None, req, now_s=now, tokens=service.tokens))


def test_racing_writers_never_both_win_without_seeing_each_other(service: DssService) -> None:
    """Twenty USSs race for the same airspace with empty keys: exactly one gets it."""
    async def race():
        return await asyncio.gather(*(create(service, Caller(f"uss{i}", SC), request()) for i in range(20)),
                                    return_exceptions=True)
    results = asyncio.run(race())
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, AirspaceConflict) for r in results if isinstance(r, Exception))


def test_group_commit_leaves_database_equal_to_memory_and_one_ledger_entry_per_batch(service: DssService) -> None:
    async def burst():
        made = await asyncio.gather(*(create(service, Caller(f"uss{i}", SC), request(offset=0.02 * i))
                                      for i in range(10)))
        first = made[0].result
        caller = Caller(first.manager, SC)
        await service.write("dss.operational_intent.delete", caller, lambda r, now: delete_oir(
            r, caller, first.id, first.ovn, now_s=now))
    asyncio.run(burst())
    with service.db.read() as c:
        stored = dss_repo.load(c)
        entries = list(ledger_repo.entries(c))
        assert ledger_repo.verify(c).ok
    with service.reading() as registry:
        assert stored.oirs == registry.oirs and len(registry.oirs) == 9
        assert stored.subscriptions == registry.subscriptions
    batch = [e for e in entries if e.kind == "dss.batch"]
    assert batch and len(batch[0].payload["writes"]) == 10
    assert {w["actor"] for w in batch[0].payload["writes"]} == {f"uss{i}" for i in range(10)}
    assert entries[-1].kind == "dss.operational_intent.delete"


def test_failed_commit_forgets_the_write(service: DssService, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(dss_repo, "write_rows", refuse)
    with pytest.raises(OSError):
        asyncio.run(create(service, Caller("uss1", SC), request()))
    with service.reading() as registry:
        assert registry.oirs == {} and registry.subscriptions == {}
    monkeypatch.undo()
    assert asyncio.run(create(service, Caller("uss2", SC), request())).result.manager == "uss2"


def test_expired_subscriptions_are_deleted_unless_an_intent_relies_on_them(tmp_path: Path) -> None:
    from deconfliction.engine.f3548.subscriptions import PutSubscriptionRequest, put_subscription

    now = [time.time()]
    db = Database(sqlite_url(tmp_path / "dss.db"))
    service = DssService(db, clock=lambda: now[0])
    caller = Caller("uss1", SC)
    explicit = PutSubscriptionRequest(area(), "https://u.example", notify_for_operational_intents=True)

    async def scenario() -> int:
        await service.write("s", caller, lambda r, t: put_subscription(r, caller, new_id(), None, explicit,
                                                                          now_s=t, tokens=service.tokens))
        await create(service, caller, request(offset=0.5))  # its implicit subscription has a dependent
        assert await service.expire() == 0
        now[0] += 7200  # both ended
        return await service.expire()

    try:
        assert asyncio.run(scenario()) == 1
        with service.reading() as registry:
            assert len(registry.subscriptions) == 1 and next(iter(registry.subscriptions.values())).implicit
        with db.read() as c:
            assert list(ledger_repo.entries(c))[-1].kind == "dss.subscription.expire"
    finally:
        service.close()
        db.close()
