"""The application on a real SQLite file: one transaction per write with its ledger records and
events, read-back acknowledgements, escalation, nonconformance, restart, fast time."""

import asyncio

import pytest
from sqlalchemy import func, select

from deconfliction.app import Rules
from deconfliction.clock import ManualClock
from deconfliction.errors import PermissionDenied, VersionMismatch
from deconfliction.model import DeclarationKind, EventKind, Nonconformance, NonconformanceReason, NoticeState, OperationState
from deconfliction.store import ledger_repo, repo
from deconfliction.store.schema import declarations, events, ledger, notices
from tests.builders import T0, box

from .conftest import open_app

OP = DeclarationKind.OPERATION


def _count(h, table):
    with h.app.db.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _entries(h):
    with h.app.db.read() as connection:
        return list(ledger_repo.entries(connection))


def _verified(h):
    with h.app.db.read() as connection:
        return ledger_repo.verify(connection).ok


def declare(h, declaration_id, party, volume, **kw):
    return h.declare(party=party, declaration_id=declaration_id, kind=OP, volumes=(volume,), **kw)


def test_declaring_a_conflict_notifies_both_sides_and_logs_it_all(harness):
    declare(harness, "a", "blue", box(34, 33))
    outcome = declare(harness, "b", "red", box(34, 33))
    assert [c.key for c in outcome.conflicts] == [("a", "b")]
    assert {n.to_party for n in outcome.notices} == {"blue", "red"}
    assert [a.declaration_id for a in outcome.advice] == ["b"]  # equal priority: the later one gives way
    assert _count(harness, notices) == 2
    kinds = [e.kind for e in _entries(harness)]
    assert kinds.count("declared") == 2 and kinds.count("notice_sent") == 2 and "conflict_detected" in kinds
    assert _verified(harness)
    # each party's stream holds its notice (with what it may see) and the conflict, numbered 1, 2, ...
    with harness.app.db.read() as connection:
        red = repo.events_after(connection, "red", 0)
    assert [e.seq for e in red] == list(range(1, len(red) + 1))
    notice = next(e for e in red if e.kind is EventKind.NOTICE).payload["notice"]
    assert notice["about"] == "a" and notice["disclosed"] and "purpose" not in str(notice)


def test_a_failed_write_leaves_nothing_behind(harness, monkeypatch):
    declare(harness, "a", "blue", box(34, 33))
    before = (_count(harness, declarations), _count(harness, ledger), _count(harness, notices), _count(harness, events))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(repo, "append_ledger", explode)
    with pytest.raises(RuntimeError):
        declare(harness, "b", "red", box(34, 33))
    after = (_count(harness, declarations), _count(harness, ledger), _count(harness, notices), _count(harness, events))
    assert after == before
    assert harness.app.state.declaration("b") is None and len(harness.app.state.notices) == 0
    monkeypatch.undo()
    assert _verified(harness)


def test_ids_belong_to_their_party_and_revisions_name_the_current_version(harness):
    declare(harness, "x", "blue", box(34, 33))
    with pytest.raises(PermissionDenied):
        declare(harness, "x", "red", box(35, 33))
    with pytest.raises(VersionMismatch, match="revise it with that version"):
        declare(harness, "x", "blue", box(35, 33))
    with pytest.raises(VersionMismatch, match="stale"):
        declare(harness, "x", "blue", box(35, 33), version=7)
    again = declare(harness, "x", "blue", box(34, 33))  # the same body again: a retry, nothing written
    assert again.unchanged and again.declaration.version == 1
    assert declare(harness, "x", "blue", box(35, 33), version=1).declaration.version == 2


def test_acknowledging_a_superseded_version_is_refused_and_logged(harness):
    declare(harness, "a", "blue", box(34, 33))
    declare(harness, "b", "red", box(34, 33))
    first = next(n for n in harness.app.state.notices.values() if n.to_party == "red")
    harness.clock.advance(60)
    declare(harness, "a", "blue", box(34.01, 33.01), version=1)
    with pytest.raises(VersionMismatch):
        harness.acknowledge(party="red", notice_id=first.id, declaration_id="a", version=1)
    assert _entries(harness)[-1].kind == "acknowledgement_refused"
    done = harness.acknowledge_about(party="red", declaration_id="a", version=2)
    assert [n.about_version for n in done] == [2]
    states = sorted(n.state for n in harness.app.state.notices.values() if n.to_party == "red")
    assert states == [NoticeState.ACKNOWLEDGED, NoticeState.SUPERSEDED]
    with pytest.raises(Exception, match="no notice"):
        harness.acknowledge(party="blue", notice_id=first.id, declaration_id="a", version=2)  # not blue's notice


def test_state_survives_a_restart_and_silence_is_escalated(harness, tmp_path):
    declare(harness, "a", "blue", box(34, 33))
    declare(harness, "b", "red", box(34, 33))
    seq = harness.app.state.event_seq["red"]
    clock = ManualClock(T0)
    reopened = open_app(tmp_path / "d.db", clock, Rules(min_notice_s=900, ack_deadline_s=300))
    try:
        assert [c.key for c in reopened.state.declarations.all_conflicts()] == [("a", "b")]
        assert len(reopened.state.notices) == 2 and reopened.state.event_seq["red"] == seq
        escalated = harness.run(reopened.escalate_due())
        assert len(escalated) == 2
        with reopened.db.read() as connection:
            assert ledger_repo.verify(connection).ok
            red = repo.events_after(connection, "red", seq)
        assert [e.kind for e in red] == [EventKind.ESCALATION, EventKind.ESCALATION]  # its silence, and blue's
    finally:
        reopened.writer.close()
        reopened.db.close()


def test_a_stray_aircraft_makes_its_operation_nonconforming_and_tells_its_neighbours(harness):
    declare(harness, "a", "blue", box(34, 33))
    # red's is 0.15 deg (~14 km) east of a's east edge: beyond the 10 km margin; green's is 5 km away
    declare(harness, "far", "red", box(34, 33.25))
    declare(harness, "near", "green", box(34, 33.155))
    harness.clock.set(T0 + 600)
    from deconfliction.app import usecases
    event = Nonconformance("a", "blue", "blue-1", T0 + 600, NonconformanceReason.OUTSIDE_FOOTPRINT)
    sent = harness.run(harness.app.writer.write(lambda s, now: usecases.report_nonconformance(
        s, event, now_s=now, rules=harness.app.rules))).result
    assert sorted(n.to_party for n in sent) == ["blue", "green"]
    assert harness.app.state.declaration("a").state is OperationState.NONCONFORMING
    with harness.app.db.read() as connection:
        state = connection.execute(select(declarations.c.state).where(declarations.c.id == "a")).scalar_one()
    assert state == "Nonconforming"
    again = harness.run(harness.app.writer.write(lambda s, now: usecases.report_nonconformance(
        s, event, now_s=now, rules=harness.app.rules))).result
    assert again == []  # one notice per party and version, not one per report


def test_a_declaration_written_twice_in_one_batch_keeps_both_versions_in_its_history(harness):
    """Writes decided together are committed as one net change, which holds only the last version
    of a declaration (none of one withdrawn in the same batch); `declaration_versions` is the
    history the ledger records, so it keeps every version all the same."""
    from deconfliction.store.schema import declaration_versions

    async def batch():  # decided in one turn of the event loop: one group commit
        return await asyncio.gather(
            harness.app.declare(party="blue", declaration_id="x", kind=OP, volumes=(box(34, 33),)),
            harness.app.declare(party="blue", declaration_id="x", kind=OP, volumes=(box(34.5, 33),), version=1),
            harness.app.declare(party="blue", declaration_id="y", kind=OP, volumes=(box(36, 33),)),
            harness.app.withdraw(party="blue", declaration_id="y", version=1))

    harness.run(batch())
    with harness.app.db.read() as connection:
        kept = sorted((r.id, r.version) for r in connection.execute(select(declaration_versions)))
    assert kept == [("x", 1), ("x", 2), ("y", 1)]
    assert [d.id for d in harness.app.state.declarations] == ["x"]
