import pytest

from deconfliction.errors import PermissionDenied, VersionMismatch
from deconfliction.engine.hotline import acknowledge, conflict_notices, escalate_due, late_notice_notices, superseded_by
from deconfliction.model import NoticeState
from deconfliction.engine.strategic import conflict_between, late_notice
from tests.builders import T0, box, operation


def _pair():
    a = operation("a", "blue", box(34, 33, t=(T0, T0 + 3600)))
    b = operation("b", "red", box(34, 33, t=(T0 + 600, T0 + 4200)))
    return a, b, conflict_between(a, b)


def test_each_side_is_told_about_the_other_sides_declaration():
    a, b, conflict = _pair()
    notices = conflict_notices(conflict, a, b, now_s=T0 - 3600, ack_deadline_s=300)
    assert {(n.to_party, n.about, n.other) for n in notices} == {("blue", "b", "a"), ("red", "a", "b")}
    assert all(n.deadline_s == T0 - 3300 for n in notices)


def test_deadline_is_never_after_the_overlap_starts():
    a, b, conflict = _pair()
    notices = conflict_notices(conflict, a, b, now_s=T0 + 500, ack_deadline_s=300)
    assert all(n.deadline_s == T0 + 600 for n in notices)  # overlap starts at T0+600


def test_late_notice_goes_once_to_each_affected_party():
    late_op = operation("late", "red", box(34, 33), declared_at=T0 - 60)
    affected = [operation("x", "blue", box(34, 33)), operation("y", "blue", box(34, 33)),
                operation("z", "green", box(34, 33))]
    notices = late_notice_notices(late_notice(late_op, 900), late_op, affected, now_s=T0 - 60, ack_deadline_s=300)
    assert sorted(n.to_party for n in notices) == ["blue", "green"]
    assert all(n.deadline_s == T0 for n in notices)


def test_acknowledgement_reads_back_the_current_version_only():
    a, b, conflict = _pair()
    notice = next(n for n in conflict_notices(conflict, a, b, now_s=T0 - 3600, ack_deadline_s=300) if n.to_party == "red")
    with pytest.raises(VersionMismatch):
        acknowledge(notice, party="red", declaration_id="a", version=1, current_version=2, at_s=T0)
    with pytest.raises(PermissionDenied):
        acknowledge(notice, party="blue", declaration_id="a", version=1, current_version=1, at_s=T0)
    done = acknowledge(notice, party="red", declaration_id="a", version=1, current_version=1, at_s=T0 - 3500)
    assert done.state is NoticeState.ACKNOWLEDGED and done.acknowledged_at_s == T0 - 3500


def test_silence_is_escalated_at_the_deadline_and_stays_escalated_until_acknowledged():
    a, b, conflict = _pair()
    notices = conflict_notices(conflict, a, b, now_s=T0 - 3600, ack_deadline_s=300)
    assert escalate_due(notices, T0 - 3301) == []
    escalated = escalate_due(notices, T0 - 3300)
    assert len(escalated) == 2 and all(n.state is NoticeState.ESCALATED for n in escalated)
    assert escalate_due(escalated, T0) == []  # not escalated twice
    assert all(n.open for n in escalated)
    done = acknowledge(escalated[0], party=escalated[0].to_party, declaration_id=escalated[0].about, version=1,
                       current_version=1, at_s=T0)
    assert done.state is NoticeState.ACKNOWLEDGED and done.escalated_at_s == T0 - 3300


def test_revision_supersedes_open_notices_about_older_versions():
    a, b, conflict = _pair()
    notices = conflict_notices(conflict, a, b, now_s=T0 - 3600, ack_deadline_s=300)
    revised_a = a.revised(volumes=a.volumes, declared_at_s=T0 - 3000)
    stale = superseded_by(notices, revised_a)
    assert [(n.to_party, n.state) for n in stale] == [("red", NoticeState.SUPERSEDED)]
