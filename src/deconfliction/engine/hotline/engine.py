"""The hotline as pure functions: who is told what, read-back acknowledgements, escalation.

Every conflict tells each side about the other side's declaration; a late notice tells every
party the late operation conflicts with. A notice names the version it is about; the receiver
acknowledges by reading back that declaration id and version, which is refused unless it is the
current version. Acknowledging says "seen", not "approved". A notice silent past its deadline is
escalated and stays so until acknowledged. The deadline is `ack_deadline_s` after sending, but
never later than the start of the overlap it warns about (an acknowledgement after the fact is
worthless), and never before the notice was sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from ...errors import InvalidInput, PermissionDenied, VersionMismatch
from ...model import Conflict, Declaration, LateNotice, Notice, NoticeReason, NoticeState


def notice_id(reason: NoticeReason, to_party: str, about: str, version: int, other: str | None) -> str:
    """The same notice always gets the same id (sending it twice is sending it once); the id is
    safe in a URL path whatever the declaration ids hold."""
    digest = hashlib.sha256(json.dumps([reason.value, to_party, about, version, other]).encode()).hexdigest()
    return f"{reason.value.replace('_', '-')}-{digest[:20]}"


def _deadline(now_s: float, ack_deadline_s: float, must_know_by_s: float) -> float:
    return max(now_s, min(now_s + ack_deadline_s, must_know_by_s))


def conflict_notices(
    conflict: Conflict, a: Declaration, b: Declaration, *, now_s: float, ack_deadline_s: float
) -> list[Notice]:
    """One notice to each side's party, about the other side's declaration."""
    starts = min(v.overlap.time_s.lower for v in conflict.volumes)
    deadline = _deadline(now_s, ack_deadline_s, starts)
    notices = []
    for receiver, subject in ((a, b), (b, a)):
        notices.append(Notice(
            notice_id(NoticeReason.CONFLICT, receiver.party, subject.id, subject.version, receiver.id),
            receiver.party, NoticeReason.CONFLICT, subject.id, subject.version, receiver.id, now_s, deadline,
        ))
    return notices


def late_notice_notices(
    late: LateNotice, operation: Declaration, affected: Iterable[Declaration], *, now_s: float, ack_deadline_s: float
) -> list[Notice]:
    """Tell each party whose declarations the late operation conflicts with, once per party."""
    parties = {other.party for other in affected} - {operation.party}
    deadline = _deadline(now_s, ack_deadline_s, operation.start_s)
    return _notices_about(operation, late.version, NoticeReason.LATE_NOTICE, parties, now_s, deadline)


def _notices_about(operation: Declaration, version: int, reason: NoticeReason, parties: set[str], now_s: float,
                   deadline_s: float) -> list[Notice]:
    return [
        Notice(notice_id(reason, party, operation.id, version, None), party, reason, operation.id, version, None,
               now_s, deadline_s)
        for party in sorted(parties)
    ]


def nonconformance_notices(
    operation: Declaration, nearby: Iterable[Declaration], *, now_s: float, ack_deadline_s: float
) -> list[Notice]:
    """Tell the operation's own party and every party with a declaration near it that one of its
    aircraft has left its declared volumes. One notice per party and operation version."""
    parties = {operation.party} | {d.party for d in nearby}
    return _notices_about(operation, operation.version, NoticeReason.NONCONFORMING, parties, now_s, now_s + ack_deadline_s)


def acknowledge(
    notice: Notice, *, party: str, declaration_id: str, version: int, current_version: int, at_s: float
) -> Notice:
    """The notice acknowledged, or an error when the read-back does not match what is in force."""
    if party != notice.to_party:
        raise PermissionDenied(f"notice {notice.id} was sent to {notice.to_party}, not {party}")
    if declaration_id != notice.about:
        raise InvalidInput("declaration_id", f"notice {notice.id} is about {notice.about}, not {declaration_id}")
    if version != current_version or version != notice.about_version:
        raise VersionMismatch(
            f"acknowledgement of {declaration_id} version {version} refused: the current version is "
            f"{current_version} and the notice is about version {notice.about_version}"
        )
    if notice.state is NoticeState.ACKNOWLEDGED:
        return notice
    return notice.acknowledged(at_s)


def escalate_due(notices: Iterable[Notice], now_s: float) -> list[Notice]:
    """Notices whose deadline has passed unacknowledged, now escalated."""
    return [n.escalated(now_s) for n in notices if n.state is NoticeState.SENT and n.deadline_s <= now_s]


def superseded_by(notices: Iterable[Notice], declaration: Declaration) -> list[Notice]:
    """Open notices about an older version of `declaration`, now superseded."""
    return [n.superseded() for n in notices if n.about == declaration.id and n.about_version < declaration.version and n.open]
