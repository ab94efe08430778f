"""What a party is shown: its notices with the disclosed extent, others' declarations only as
the extent that touches its own (need to know), never another party's purpose."""

from __future__ import annotations

import math
from typing import Any

from ..engine.hotline import disclosed_extent
from ..engine.ledger.signing import b64url_encode
from ..engine.state import State
from ..engine.strategic import can_conflict
from ..geo import Volume4D, dump_volume4d, format_instant
from ..model import Declaration, LateNotice, Notice, NoticeReason
from .records import overlaps_json, purpose_salt


def when(seconds: float | None) -> str | None:
    return format_instant(seconds) if seconds is not None and math.isfinite(seconds) else None


def disclosure(state: State, notice: Notice, subject: Declaration | None = None) -> list[Volume4D]:
    """What the notice's receiver may see of the declaration it is about: only where it touches
    the receiver's own declarations (the one named by the notice, or for a late or
    nonconformance notice every one of the receiver's that could conflict with it)."""
    subject = subject or state.declaration(notice.about)
    if subject is None or subject.party == notice.to_party:
        return list(subject.volumes) if subject is not None else []
    if notice.other is not None:
        mine_one = state.declaration(notice.other)
        mine = [mine_one] if mine_one is not None else []
    else:
        mine = [d for d in state.declarations.candidates(subject)
                if d.party == notice.to_party and can_conflict(d, subject)]
    return [volume for receiver in mine for volume in disclosed_extent(receiver, subject)]


def notice_view(notice: Notice, disclosed: list[Volume4D], late: LateNotice | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": notice.id, "to": notice.to_party, "about": notice.about, "about_version": notice.about_version,
        "reason": notice.reason.value, "other": notice.other, "sent_at": when(notice.sent_at_s),
        "delivered_at": when(notice.delivered_at_s), "deadline": when(notice.deadline_s),
        "state": notice.state.value, "acknowledged_at": when(notice.acknowledged_at_s),
        "escalated_at": when(notice.escalated_at_s), "disclosed": [dump_volume4d(v) for v in disclosed],
    }
    if late is not None and notice.reason is NoticeReason.LATE_NOTICE:
        body["notice_s"] = late.notice_s
        body["required_s"] = late.required_s
    return body


def own_declaration_view(d: Declaration, purpose_secret: bytes | None = None) -> dict[str, Any]:
    """A party's own declaration in full; with the server's purpose secret, also the salt that
    opens the purpose's commitment in the ledger (for the party to reveal to an inquiry)."""
    view = {"id": d.id, "party": d.party, "kind": d.kind.value, "version": d.version, "state": d.state.value,
            "priority": d.priority, "purpose": d.purpose, "ovn": d.ovn, "declared_at": when(d.declared_at_s),
            "volumes": [dump_volume4d(v) for v in d.volumes]}
    if purpose_secret is not None:
        view["purpose_salt"] = b64url_encode(purpose_salt(purpose_secret, d.id, d.version))
    return view


def others_declaration_view(state: State, viewer: str, d: Declaration) -> dict[str, Any] | None:
    """Another party's declaration as `viewer` may see it: id, party, kind, version, state and
    the extent inside the viewer's own declarations; None when it touches none of them."""
    shown: list[Volume4D] = []
    for mine in state.declarations.candidates(d):
        if mine.party == viewer and can_conflict(mine, d):
            shown += disclosed_extent(mine, d)
    if not shown:
        return None
    return {"id": d.id, "party": d.party, "kind": d.kind.value, "version": d.version, "state": d.state.value,
            "disclosed": [dump_volume4d(v) for v in shown]}


def conflict_view(conflict: Any) -> dict[str, Any]:
    return {"a": conflict.a, "b": conflict.b, "a_version": conflict.a_version, "b_version": conflict.b_version,
            "volumes": [[v.i, v.j] for v in conflict.volumes], "overlaps": overlaps_json(conflict)}


def others_in_view(state: State, viewer: str) -> list[dict[str, Any]]:
    """Every other party's declaration that touches one of `viewer`'s, each as
    `others_declaration_view` shows it (the extent inside the viewer's own), sorted by id."""
    seen: dict[str, Declaration] = {}
    for mine in state.declarations:
        if mine.party != viewer:
            continue
        for other in state.declarations.candidates(mine):
            if other.party != viewer and can_conflict(mine, other):
                seen.setdefault(other.id, other)
    views = (others_declaration_view(state, viewer, seen[k]) for k in sorted(seen))
    return [v for v in views if v is not None]
