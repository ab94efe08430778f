"""What the ledger and the event streams say about a write: payloads built in one place."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..engine.ledger.chain import canonical_json
from ..engine.ledger.signing import commit
from ..engine.state import Change
from ..geo import dump_volume4d
from ..model import Conflict, Declaration, LateNotice, Notice
from ..store.codec import encode_volume, finite_or_none


def report_digest(body: Any) -> str:
    """SHA-256 (hex) of a report body's canonical ledger text: a report is whatever JSON a USS
    sent (integers up to 64 bits included, which RFC 8785's form refuses), so its digest uses the
    form every ledger entry is hashed in."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def purpose_salt(secret: bytes, declaration_id: str, version: int) -> bytes:
    """The salt of a declaration version's purpose commitment: HMAC-SHA256 under this server's
    purpose secret, so it is unguessable without the secret, yet needs no storage; its owner
    reads it in its own view of the declaration, to reveal the purpose to an inquiry."""
    return hmac.new(secret, f"deconfliction/purpose-salt/v1\x00{declaration_id}\x00{version}".encode(),
                    hashlib.sha256).digest()


def declaration_payload(d: Declaration, purpose_secret: bytes = b"") -> dict[str, Any]:
    """The whole declaration, its purpose as a salted commitment only: whoever reads the ledger
    (an inquiry, an operator) learns the purpose only if its party reveals it with the salt,
    and then can check it was not changed after the fact (`engine.ledger.signing.reveal_matches`)."""
    return {"id": d.id, "party": d.party, "kind": d.kind.value, "version": d.version, "state": d.state.value,
            "priority": d.priority, "purpose_commitment": commit(d.purpose, purpose_salt(purpose_secret, d.id, d.version)),
            "ovn": d.ovn, "uss_base_url": d.uss_base_url,
            "subscription_id": d.subscription_id, "declared_at_s": d.declared_at_s,
            "volumes": [encode_volume(v) for v in d.volumes]}


def overlaps_json(conflict: Conflict) -> list[dict[str, Any]]:
    return [
        {"i": v.i, "j": v.j, "area_m2": round(v.overlap.area_m2, 3),
         "altitude_m": [finite_or_none(v.overlap.altitude_m.lower), finite_or_none(v.overlap.altitude_m.upper)],
         "time_s": [finite_or_none(v.overlap.time_s.lower), finite_or_none(v.overlap.time_s.upper)]}
        for v in conflict.volumes
    ]


def conflict_payload(conflict: Conflict) -> dict[str, Any]:
    return {"a": conflict.a, "b": conflict.b, "a_version": conflict.a_version, "b_version": conflict.b_version,
            "volumes": [[v.i, v.j] for v in conflict.volumes], "overlaps": overlaps_json(conflict)}


def notice_payload(n: Notice) -> dict[str, Any]:
    return {"notice": n.id, "to": n.to_party, "reason": n.reason.value, "about": n.about,
            "version": n.about_version, "other": n.other, "sent_at_s": n.sent_at_s, "deadline_s": n.deadline_s,
            "state": n.state.value, "acknowledged_at_s": n.acknowledged_at_s, "escalated_at_s": n.escalated_at_s,
            "delivered_at_s": n.delivered_at_s}


def late_notice_payload(late: LateNotice) -> dict[str, Any]:
    return {"declaration": late.declaration_id, "version": late.version, "notice_s": late.notice_s,
            "required_s": late.required_s}


def wire_volumes(volumes: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [dump_volume4d(v) for v in volumes]


def f3548_payload(change: Change, *, volumes_of: tuple[Any, ...] | None = None) -> dict[str, Any]:
    """An F3548 write's registry part: enough to reconstruct who declared what, where and when,
    and every table row it changes (subscriptions, notification indices, USS availability,
    reports), so that `app.projection` can rebuild those tables from the log.

    `volumes_of`: the volumes of the declaration logged in the same entry; a subscription whose
    volumes are those very volumes (a /v1 operation's own implicit subscription) is logged with
    `"volumes_of_declaration": true` instead of a second copy of a possibly large polygon."""
    payload: dict[str, Any] = {}
    if change.put_declarations:
        payload["declarations"] = [declaration_payload(d) for d in change.put_declarations]
    if change.del_declarations:
        payload["deleted_declarations"] = list(change.del_declarations)
    if change.put_subscriptions:
        payload["subscriptions"] = [
            {"id": s.id, "party": s.party, "version": s.version, "notification_index": s.notification_index,
             "implicit": s.implicit, "notify_for_operational_intents": s.notify_for_operational_intents,
             "notify_for_constraints": s.notify_for_constraints, "uss_base_url": s.uss_base_url,
             "updated_at_s": s.updated_at_s,
             **({"volumes_of_declaration": True} if volumes_of is not None and s.volumes is volumes_of
                else {"volumes": [encode_volume(v) for v in s.volumes]})}
            for s in change.put_subscriptions
        ]
    if change.notified:
        payload["notified"] = [[sub_id, index] for sub_id, index in change.notified]
    if change.del_subscriptions:
        payload["deleted_subscriptions"] = list(change.del_subscriptions)
    if change.put_availability:
        payload["uss_availability"] = [{"uss": a.uss, "availability": a.availability.value, "version": a.version}
                                       for a in change.put_availability]
    if change.put_reports:
        # the body as a digest: enough to detect an edited report, without copying into the log
        # (which inquiries read) whatever a USS put in it
        payload["reports"] = [{"id": r.id, "reporter": r.reporter, "at_s": r.at_s,
                               "body_digest": report_digest(r.body)} for r in change.put_reports]
    return payload


def v1_registry(change: Change, volumes_of: tuple[Any, ...] | None = None) -> dict[str, Any]:
    """The registry writes of a /v1 declaration or withdrawal (its own implicit subscription, the
    notification indices of the subscriptions it concerns, the subscription it deletes), logged
    in its entry under "registry". Always present, even empty: an entry without it was written
    before these writes were logged, which `app.projection` must tell apart."""
    return f3548_payload(change, volumes_of=volumes_of)
