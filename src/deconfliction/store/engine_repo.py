"""Rows of the engine's entities: parties, declarations (and every version), conflicts, notices."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from sqlalchemy import Connection, delete, or_, select

from ..geo import dump_volume4d, parse_volume4d
from ..model import (
    Conflict, Declaration, DeclarationKind, LateNotice, Notice, NoticeReason, NoticeState, OperationState, Party,
)
from .schema import conflicts, declaration_versions, declarations, late_notices, notices, parties


def save_party(connection: Connection, party: Party) -> None:
    connection.execute(parties.insert().values(id=party.id, name=party.name))


def load_parties(connection: Connection) -> list[Party]:
    return [Party(r.id, r.name) for r in connection.execute(select(parties).order_by(parties.c.id))]


def _volumes_json(declaration: Declaration) -> str:
    return json.dumps([dump_volume4d(v) for v in declaration.volumes], separators=(",", ":"))


def save_declaration(connection: Connection, declaration: Declaration) -> None:
    """Insert or replace the current version, and keep every version for the record."""
    volumes = _volumes_json(declaration)
    values = dict(
        party=declaration.party, kind=declaration.kind.value, priority=declaration.priority,
        version=declaration.version, state=declaration.state.value, declared_at_s=declaration.declared_at_s,
        purpose=declaration.purpose, volumes=volumes,
    )
    if declaration.version == 1:
        connection.execute(declarations.insert().values(id=declaration.id, **values))
    else:
        connection.execute(declarations.update().where(declarations.c.id == declaration.id).values(**values))
    connection.execute(declaration_versions.insert().values(
        id=declaration.id, version=declaration.version, party=declaration.party, kind=declaration.kind.value,
        priority=declaration.priority, declared_at_s=declaration.declared_at_s, volumes=volumes,
    ))


def set_state(connection: Connection, declaration_id: str, state: OperationState) -> None:
    """A state change (Activated, Nonconforming, ...) keeps the version: the volumes are the same."""
    connection.execute(declarations.update().where(declarations.c.id == declaration_id).values(state=state.value))


def load_declarations(connection: Connection) -> list[Declaration]:
    out = []
    for r in connection.execute(select(declarations).order_by(declarations.c.id)):
        volumes = tuple(parse_volume4d(v, f"declarations[{r.id}]", check_shape=False) for v in json.loads(r.volumes))
        out.append(Declaration(
            r.id, r.party, DeclarationKind(r.kind), volumes, r.declared_at_s, r.priority, r.version,
            OperationState(r.state), r.purpose,
        ))
    return out


def replace_conflicts_of(connection: Connection, declaration_id: str, found: Iterable[Conflict], at_s: float) -> None:
    connection.execute(delete(conflicts).where(or_(conflicts.c.a == declaration_id, conflicts.c.b == declaration_id)))
    for conflict in found:
        connection.execute(conflicts.insert().values(
            a=conflict.a, b=conflict.b, a_version=conflict.a_version, b_version=conflict.b_version,
            detected_at_s=at_s, volumes=json.dumps(conflict_volumes_json(conflict)),
        ))


def _bound(value: float) -> float | None:
    """JSON has no infinity: an unbounded side is null."""
    return value if math.isfinite(value) else None


def conflict_volumes_json(conflict: Conflict) -> list[dict[str, object]]:
    return [
        {"i": v.i, "j": v.j, "area_m2": v.overlap.area_m2,
         "altitude_m": [_bound(v.overlap.altitude_m.lower), _bound(v.overlap.altitude_m.upper)],
         "time_s": [_bound(v.overlap.time_s.lower), _bound(v.overlap.time_s.upper)]}
        for v in conflict.volumes
    ]


def save_late_notice(connection: Connection, late: LateNotice) -> None:
    connection.execute(late_notices.insert().values(
        declaration_id=late.declaration_id, version=late.version, notice_s=late.notice_s, required_s=late.required_s,
    ))


def load_late_notices(connection: Connection) -> list[LateNotice]:
    rows = connection.execute(select(late_notices).order_by(late_notices.c.declaration_id, late_notices.c.version))
    return [LateNotice(r.declaration_id, r.version, r.notice_s, r.required_s) for r in rows]


def save_notice(connection: Connection, notice: Notice, *, new: bool) -> None:
    values = dict(
        to_party=notice.to_party, reason=notice.reason.value, about=notice.about, about_version=notice.about_version,
        other=notice.other, sent_at_s=notice.sent_at_s, deadline_s=notice.deadline_s, state=notice.state.value,
        acknowledged_at_s=notice.acknowledged_at_s, escalated_at_s=notice.escalated_at_s,
    )
    if new:
        connection.execute(notices.insert().values(id=notice.id, **values))
    else:
        connection.execute(notices.update().where(notices.c.id == notice.id).values(**values))


def load_notices(connection: Connection, *, to_party: str | None = None, about: str | None = None) -> list[Notice]:
    query = select(notices).order_by(notices.c.sent_at_s, notices.c.id)
    if to_party is not None:
        query = query.where(notices.c.to_party == to_party)
    if about is not None:
        query = query.where(notices.c.about == about)
    return [
        Notice(r.id, r.to_party, NoticeReason(r.reason), r.about, r.about_version, r.other, r.sent_at_s, r.deadline_s,
               NoticeState(r.state), r.acknowledged_at_s, r.escalated_at_s)
        for r in connection.execute(query)
    ]
