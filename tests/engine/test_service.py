"""The service on a real SQLite file: one transaction per change, ledger with it, fast time."""

import pytest
from sqlalchemy import func, select

from deconfliction.clock import ManualClock
from deconfliction.errors import InvalidInput, VersionMismatch
from deconfliction.model import DeclarationKind, NoticeState, Party
from deconfliction.service import Deconfliction, Rules
from deconfliction.store import Database, sqlite_url
from deconfliction.store.schema import declarations, ledger, notices
from tests.builders import T0, box


@pytest.fixture
def service(tmp_path):
    database = Database(sqlite_url(tmp_path / "d.db"))
    clock = ManualClock(T0 - 7200)
    svc = Deconfliction(database, clock, Rules(min_notice_s=900, ack_deadline_s=300))
    for party in ("blue", "red"):
        svc.add_party(Party(party))
    yield svc
    database.close()


def _count(svc, table):
    with svc.db.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_declaring_a_conflict_notifies_both_sides_and_logs_it_all(service):
    service.declare(declaration_id="a", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    outcome = service.declare(declaration_id="b", party="red", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    assert [c.key for c in outcome.conflicts] == [("a", "b")]
    assert {n.to_party for n in outcome.notices} == {"blue", "red"}
    assert [a.declaration_id for a in outcome.advice] == ["b"]  # equal priority: the later one gives way
    assert _count(service, notices) == 2
    kinds = [e.kind for e in _entries(service)]
    assert kinds.count("declared") == 2 and kinds.count("notice_sent") == 2 and "conflict_detected" in kinds
    assert service.verify_ledger().ok


def _entries(service):
    from deconfliction.store import ledger_repo
    with service.db.read() as connection:
        return list(ledger_repo.entries(connection))


def test_a_failed_write_leaves_nothing_behind(service, monkeypatch):
    from deconfliction.store import engine_repo
    service.declare(declaration_id="a", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    before = (_count(service, declarations), _count(service, ledger), _count(service, notices))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine_repo, "save_notice", explode)
    with pytest.raises(RuntimeError):
        service.declare(declaration_id="b", party="red", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    assert (_count(service, declarations), _count(service, ledger), _count(service, notices)) == before
    assert "b" not in [d.id for d in service.declarations]
    assert service.verify_ledger().ok


def test_invalid_declarations_are_refused_with_the_field_named(service):
    with pytest.raises(InvalidInput, match="party: unknown party 'green'"):
        service.declare(declaration_id="x", party="green", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    service.declare(declaration_id="x", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    with pytest.raises(InvalidInput, match="id: duplicate id 'x'"):
        service.declare(declaration_id="x", party="red", kind=DeclarationKind.OPERATION, volumes=(box(35, 33),))


def test_acknowledging_a_superseded_version_is_refused_and_logged(service):
    service.declare(declaration_id="a", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    service.declare(declaration_id="b", party="red", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    service.clock.advance(60)
    service.revise(declaration_id="a", party="blue", volumes=(box(34.01, 33.01),))
    with pytest.raises(VersionMismatch):
        service.acknowledge(party="red", declaration_id="a", version=1)
    assert _entries(service)[-1].kind == "acknowledgement_refused"
    done = service.acknowledge(party="red", declaration_id="a", version=2)
    assert [n.about_version for n in done] == [2]
    states = {n.id: n.state for n in service.notices(to_party="red")}
    assert sorted(states.values()) == [NoticeState.ACKNOWLEDGED, NoticeState.SUPERSEDED]


def test_state_survives_a_restart(service, tmp_path):
    service.declare(declaration_id="a", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    service.declare(declaration_id="b", party="red", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    reopened = Deconfliction(Database(service.db.url), ManualClock(T0), service.rules)
    assert [c.key for c in reopened.conflicts()] == [("a", "b")]
    assert len(reopened.notices()) == 2
    escalated = reopened.escalate_due()
    assert len(escalated) == 2 and reopened.verify_ledger().ok


def test_a_stray_aircraft_makes_its_operation_nonconforming_and_tells_its_neighbours(service):
    from deconfliction.model import Nonconformance, NonconformanceReason, OperationState
    service.add_party(Party("green"))
    service.declare(declaration_id="a", party="blue", kind=DeclarationKind.OPERATION, volumes=(box(34, 33),))
    # red's is 0.15 deg (~14 km) east of a's east edge: beyond the 10 km margin; green's is 5 km away
    service.declare(declaration_id="far", party="red", kind=DeclarationKind.OPERATION, volumes=(box(34, 33.25),))
    service.declare(declaration_id="near", party="green", kind=DeclarationKind.OPERATION, volumes=(box(34, 33.155),))
    service.clock.set(T0 + 600)
    event = Nonconformance("a", "blue", "blue-1", T0 + 600, NonconformanceReason.OUTSIDE_FOOTPRINT)
    sent = service.report_nonconformance(event)
    assert sorted(n.to_party for n in sent) == ["blue", "green"]
    assert service.declaration("a").state is OperationState.NONCONFORMING
    with service.db.read() as connection:
        state = connection.execute(select(declarations.c.state).where(declarations.c.id == "a")).scalar_one()
    assert state == "Nonconforming"
    assert _entries(service)[-3].kind == "nonconforming"
    assert service.report_nonconformance(event) == []  # one notice per party and version, not one per report
