"""The one writer under F3548 load: serializable writes under concurrency, group commit, the
state reloaded on a failed commit, expiry of subscriptions, hotline effects of DSS writes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from deconfliction.app import App
from deconfliction.clock import ManualClock, SystemClock
from deconfliction.engine.f3548 import Caller
from deconfliction.engine.f3548.oir import NewSubscription, PutOirRequest, delete_oir, put_oir
from deconfliction.errors import AirspaceConflict
from deconfliction.geo import Interval, LatLng, Polygon, Volume4D
from deconfliction.model import OperationState
from deconfliction.store import Database, ledger_repo, repo, sqlite_url

from ..api.helpers import new_id

SC = frozenset({"utm.strategic_coordination"})


def area(offset: float = 0.0, now: float | None = None) -> Volume4D:
    lat, lng = 37.2 + offset, -80.58
    now = time.time() if now is None else now
    return Volume4D(Polygon((LatLng(lat, lng), LatLng(lat, lng + 0.01), LatLng(lat + 0.01, lng + 0.01),
                             LatLng(lat + 0.01, lng))), Interval(0, 120), Interval(now + 60, now + 1800))


def request(key: frozenset[str] = frozenset(), offset: float = 0.0, now: float | None = None) -> PutOirRequest:
    return PutOirRequest((area(offset, now),), key, OperationState.ACCEPTED, "https://u.example",
                         new_subscription=NewSubscription("https://u.example"))


def open_app(path: Path, clock=None) -> App:  # noqa: ANN001
    db = Database(sqlite_url(path))
    db.upgrade()
    return App(db, clock or SystemClock())


@pytest.fixture
def core(tmp_path: Path):
    app = open_app(tmp_path / "dss.db")
    yield app
    app.writer.close()
    app.db.close()


def create(core: App, caller: Caller, req: PutOirRequest):
    oir_id = new_id()
    return core.f3548("dss.operational_intent.create", caller, lambda s, now: put_oir(
        s, caller, oir_id, None, req, now_s=now, tokens=core.tokens))


def test_racing_writers_never_both_win_without_seeing_each_other(core: App) -> None:
    """Twenty USSs race for the same airspace with empty keys: exactly one gets it."""
    async def race():
        return await asyncio.gather(*(create(core, Caller(f"uss{i}", SC), request()) for i in range(20)),
                                    return_exceptions=True)
    results = asyncio.run(race())
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, AirspaceConflict) for r in results if isinstance(r, Exception))


def test_group_commit_leaves_database_equal_to_memory_with_every_record_in_order(core: App) -> None:
    async def burst():
        made = await asyncio.gather(*(create(core, Caller(f"uss{i}", SC), request(offset=0.02 * i))
                                      for i in range(10)))
        first = made[0].result
        caller = Caller(first.party, SC)
        await core.f3548("dss.operational_intent.delete", caller, lambda s, now: delete_oir(
            s, caller, first.id, first.ovn, now_s=now))
    asyncio.run(burst())
    with core.db.read() as c:
        stored = repo.load_state(c)
        entries = list(ledger_repo.entries(c))
        assert ledger_repo.verify(c).ok
    with core.writer.reading() as state:
        assert {d.id: d for d in stored.declarations} == {d.id: d for d in state.declarations}
        assert len(list(state.declarations)) == 9
        assert stored.subscriptions == state.subscriptions
    creates = [e for e in entries if e.kind == "dss.operational_intent.create"]
    assert {e.actor for e in creates} == {f"uss{i}" for i in range(10)}
    assert [e.kind for e in entries][-2:] == ["dss.operational_intent.delete", "withdrawn"]


def test_failed_commit_forgets_the_write(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(repo, "write", refuse)
    with pytest.raises(OSError):
        asyncio.run(create(core, Caller("uss1", SC), request()))
    with core.writer.reading() as state:
        assert len(state.declarations) == 0 and state.subscriptions == {}
    monkeypatch.undo()
    assert asyncio.run(create(core, Caller("uss2", SC), request())).result.party == "uss2"


def test_expired_subscriptions_are_deleted_unless_an_intent_relies_on_them(tmp_path: Path) -> None:
    from deconfliction.engine.f3548.subscriptions import PutSubscriptionRequest, expire_subscriptions, put_subscription

    clock = ManualClock(time.time())
    core = open_app(tmp_path / "dss.db", clock)
    caller = Caller("uss1", SC)
    explicit = PutSubscriptionRequest(area(now=clock.now_s()), "https://u.example", notify_for_operational_intents=True)

    async def scenario() -> tuple[str, ...]:
        await core.f3548("s", caller, lambda s, t: put_subscription(s, caller, new_id(), None, explicit,
                                                                     now_s=t, tokens=core.tokens))
        await create(core, caller, request(offset=0.5, now=clock.now_s()))  # its implicit subscription has a dependent
        clock.advance(7200)  # both ended
        return (await core.f3548("dss.subscription.expire", Caller("dss", frozenset()), expire_subscriptions)).result

    try:
        assert len(asyncio.run(scenario())) == 1
        with core.writer.reading() as state:
            assert len(state.subscriptions) == 1 and next(iter(state.subscriptions.values())).implicit
        with core.db.read() as c:
            assert list(ledger_repo.entries(c))[-1].kind == "dss.subscription.expire"
    finally:
        core.writer.close()
        core.db.close()


def test_an_intent_written_by_a_uss_raises_the_hotline_like_a_party_declaration(core: App) -> None:
    """F3548 intents are declarations: overlapping intents of two USSs (the second knew the first's
    OVN) give a conflict, a notice to each side and advice, as /v1 declarations would."""
    async def two():
        first = (await create(core, Caller("uss1", SC), request())).result
        second = await create(core, Caller("uss2", SC), request(key=frozenset({first.ovn})))
        return first, second.result
    first, second = asyncio.run(two())
    state = core.state
    conflicts = state.declarations.all_conflicts()
    assert [c.key for c in conflicts] == [tuple(sorted((first.id, second.id)))]
    notices = sorted((n.reason.value, n.to_party) for n in state.notices.values())
    # starting in a minute, the second intent is also a late notice to the party it affects
    assert notices == [("conflict", "uss1"), ("conflict", "uss2"), ("late_notice", "uss1")]


def test_an_intent_its_uss_declares_nonconforming_tells_its_neighbours(core: App) -> None:
    cmsa = frozenset({"utm.strategic_coordination", "utm.conformance_monitoring_sa"})

    async def story():
        mine = (await create(core, Caller("uss1", cmsa), request())).result
        await create(core, Caller("uss2", SC), request(offset=0.05))  # ~5 km north, no overlap
        await create(core, Caller("uss3", SC), request(offset=1.0))  # ~110 km away
        stray = PutOirRequest(mine.volumes, frozenset(), OperationState.NONCONFORMING, "https://u.example",
                              subscription_id=mine.subscription_id)
        caller = Caller("uss1", cmsa)
        return await core.f3548("dss.operational_intent.update", caller, lambda s, now: put_oir(
            s, caller, mine.id, mine.ovn, stray, now_s=now, tokens=core.tokens))
    updated = asyncio.run(story()).result
    told = sorted(n.to_party for n in core.state.notices.values()
                  if n.reason.value == "nonconforming" and n.about == updated.id)
    assert told == ["uss1", "uss2"]
    with core.db.read() as c:
        assert "off_nominal" in [e.kind for e in ledger_repo.entries(c)]


def test_writes_decided_on_top_of_a_failing_commit_fail_with_it(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committer is writing batch 1 when batch 2 is decided on top of it; batch 1 fails,
    so batch 2 must fail too, and memory holds neither."""
    import threading
    release = threading.Event()
    real_write = repo.write
    calls = []

    def slow_then_refuse(connection, change, **kw):  # noqa: ANN001, ANN003
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            release.wait(5)
            raise OSError("disk full")
        real_write(connection, change, **kw)
    monkeypatch.setattr(repo, "write", slow_then_refuse)

    async def two_batches():
        first = asyncio.ensure_future(create(core, Caller("uss1", SC), request(offset=0.0)))
        await asyncio.sleep(0.05)  # batch 1 is now with the committer, blocked
        second = asyncio.ensure_future(create(core, Caller("uss2", SC), request(offset=0.05)))
        await asyncio.sleep(0.05)
        with core.writer.reading() as state:
            assert len(state.declarations) == 2  # both decided and applied, neither committed
        release.set()
        return await asyncio.gather(first, second, return_exceptions=True)

    results = asyncio.run(two_batches())
    assert [type(r) for r in results] == [OSError, OSError]
    assert calls[0].startswith("committer")  # the commit ran off the event loop
    with core.writer.reading() as state:
        assert len(state.declarations) == 0
    assert asyncio.run(create(core, Caller("uss3", SC), request())).result.party == "uss3"
    with core.db.read() as c:
        assert [d.party for d in repo.load_state(c).declarations] == ["uss3"]


def test_the_event_loop_runs_while_a_commit_waits_for_the_disk(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = repo.write

    def slow_disk(connection, change, **kw):  # noqa: ANN001, ANN003
        time.sleep(0.3)
        real_write(connection, change, **kw)
    monkeypatch.setattr(repo, "write", slow_disk)

    async def write_and_tick():
        ticks = 0
        task = asyncio.ensure_future(create(core, Caller("uss1", SC), request()))
        while not task.done():
            await asyncio.sleep(0.01)
            ticks += 1
        await task
        return ticks
    assert asyncio.run(write_and_tick()) >= 10  # on the loop, the commit would have allowed none


def test_a_query_waits_only_for_uncommitted_writes_it_could_see(core: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a write's commit is held, a query of its area waits for the commit (it must not
    show what may still fail), a query 0.5 degrees away answers at once, and a USS's changed
    availability (in every reference) makes every query wait."""
    import threading

    from deconfliction.engine.f3548.availability import set_availability
    from deconfliction.engine.f3548.common import AA
    from deconfliction.model import Availability

    release = threading.Event()
    real_write = repo.write

    def held_write(*args, **kwargs):
        assert release.wait(10)
        return real_write(*args, **kwargs)

    async def scenario() -> dict[str, bool]:
        monkeypatch.setattr(repo, "write", held_write)
        caller = Caller("uss1", SC)
        writing = asyncio.ensure_future(create(core, caller, request()))
        await asyncio.sleep(0.05)  # decided, and its commit is held
        here = asyncio.ensure_future(core.writer.settled_for((area(),)))
        away = asyncio.ensure_future(core.writer.settled_for((area(offset=0.5),)))
        await asyncio.sleep(0.05)
        seen = {"here": here.done(), "away": away.done(), "writing": writing.done()}
        release.set()
        await writing
        await here
        assert core.writer._committing is None and core.writer._batch is None
        release.clear()
        admin = Caller("uss1", SC | {AA})
        availability = asyncio.ensure_future(core.f3548("dss.availability", admin, lambda s, now: set_availability(
            s, admin, "uss1", availability=Availability.DOWN, old_version="", tokens=core.tokens)))
        await asyncio.sleep(0.05)
        away_again = asyncio.ensure_future(core.writer.settled_for((area(offset=0.5),)))
        await asyncio.sleep(0.05)
        seen["away while availability is uncommitted"] = away_again.done()
        release.set()
        await availability
        await away_again
        return seen

    assert asyncio.run(scenario()) == {"here": False, "away": True, "writing": False,
                                       "away while availability is uncommitted": False}
