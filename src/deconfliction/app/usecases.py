"""The use cases as decisions: each reads the `State` and returns an `Outcome` whose change
the one writer applies and commits with its ledger records and events. No I/O here.

Every door ends in these: /v1 (`declare`, `withdraw`, `acknowledge`, tracks), /dss/v1 (the
F3548 decisions of `engine.f3548` followed by `hotline_effects`, so an intent written by a USS
raises the same conflicts, late-notice flag, notices and advice as a declaration over /v1),
the scheduler (`escalate`) and scenario replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.f3548 import Outcome, Tokens
from ..engine.f3548.common import area_above, notify, subscription_writes
from ..engine.hotline import (
    acknowledge as acknowledge_notice,
)
from ..engine.hotline import (
    conflict_extents,
    conflict_notices,
    escalate_due,
    late_notice_notices,
    nonconformance_notices,
    superseded_by,
)
from ..engine.ledger.signing import Receipt, content_digest
from ..engine.state import Change, State
from ..engine.strategic import advise, late_notice, yielding_side
from ..errors import InvalidInput, NotFound, PermissionDenied, PriorityConflict, Unauthenticated, VersionMismatch
from ..geo import Volume4D, dump_volume4d
from ..model import (
    Advice,
    Conflict,
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    LateNotice,
    LedgerRecord,
    Nonconformance,
    Notice,
    OperationState,
    Party,
    SubscriberToNotify,
    Subscription,
    Webhook,
)
from .records import conflict_payload, declaration_payload, late_notice_payload, notice_payload, v1_registry
from .views import conflict_view, disclosure, notice_view, own_declaration_view, when

SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Rules:
    """The hotline's rules: lead time an operation needs, time to acknowledge a notice, who hears
    of a stray aircraft (declarations within `nearby_m` and `nearby_s`), and whether a lower
    priority that conflicts with a higher one is refused (F3548 SCD0015) or only flagged."""

    min_notice_s: float = 15 * 60.0
    ack_deadline_s: float = 5 * 60.0
    nearby_m: float = 10_000.0
    nearby_s: float = 900.0
    refuse_lower_priority: bool = False
    max_area_m2: float | None = None
    max_duration_s: float | None = None
    max_horizon_s: float | None = None  # how far ahead of now a volume may end
    # keys the salts of purpose commitments in the ledger (app.records.purpose_salt); a server
    # keeps one in its data directory, replays and tests use the empty default
    purpose_secret: bytes = field(default=b"", repr=False)


def rules_of(settings: Any, *, door: str = "v1") -> Rules:
    """The rules a door applies, from the Settings (`door` "dss": F3548's own limits apply)."""
    common = {"min_notice_s": settings.seconds("min_notice"), "ack_deadline_s": settings.seconds("ack_deadline"),
              "nearby_m": settings.nearby_radius_m, "nearby_s": settings.seconds("nearby_window")}
    if door == "dss":
        return Rules(**common)
    return Rules(**common, refuse_lower_priority=settings.refuse_lower_priority,
                 max_area_m2=settings.v1_max_area_km2 * 1e6, max_duration_s=settings.seconds("v1_max_duration"),
                 max_horizon_s=settings.seconds("v1_max_horizon"))


@dataclass(frozen=True, slots=True)
class DeclarationOutcome:
    declaration: Declaration
    conflicts: tuple[Conflict, ...] = ()
    late_notice: LateNotice | None = None
    notices: tuple[Notice, ...] = ()
    advice: tuple[Advice, ...] = ()
    created: bool = True
    unchanged: bool = False  # an idempotent retry: nothing was written
    subscribers: tuple[SubscriberToNotify, ...] = field(default=())
    receipt: Receipt | None = None  # for the write's last ledger entry, once committed (transparency log)


def _event(party: str, kind: EventKind, at_s: float, payload: dict[str, object], deadline_s: float | None = None) -> Event:
    return Event(party, 0, kind, at_s, payload, deadline_s)


def register_party(state: State, party: str, now_s: float, name: str = "") -> Change:
    """A party is registered the first time it acts (its token's `sub` is its id)."""
    if party in state.parties:
        return Change()
    return Change(put_parties=(Party(party, name),),
                  ledger=(LedgerRecord(party, "party_registered", {"party": party, "name": name}),))


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A /v1 request its party signed (verified at the edge with the party's registered key):
    what was signed, the detached signature, and the key that refuses it a second time."""

    method: str
    path: str  # the request target, query included
    body: Any  # the JSON body as sent (None for none)
    signature: dict[str, str]  # engine.ledger.signing.RequestSignature, as JSON
    replay_key: str
    signed_at_s: float


def signed_record(state: State, party: str, signed: SignedRequest | None) -> Change:
    """The ledger record of a signed request (so that an inquiry can check the signature with the
    party's key, without the server), refused if the same signed request was accepted before."""
    if signed is None:
        return Change()
    if signed.replay_key in state.replays:
        raise Unauthenticated("this signed request was accepted before (a replay): sign it again with a new nonce")
    return Change(ledger=(LedgerRecord(party, "signed_request", {
        "method": signed.method, "path": signed.path, "body": signed.body, "signature": signed.signature,
        "replay_key": signed.replay_key, "signed_at_s": signed.signed_at_s}),),
        replays=((signed.replay_key, signed.signed_at_s),))


def register_key(state: State, *, party: str, public_key: str, kid: str, now_s: float,
                 signed: SignedRequest | None) -> Outcome[Party]:
    """A party's Ed25519 public key (base64url). Replacing one needs a request signed with the key
    it replaces (checked at the edge: `signed` is then not None)."""
    current = state.parties.get(party)
    if current is not None and current.public_key and signed is None:
        raise Unauthenticated("a key is registered for this party: sign the request that replaces it with that key")
    registered = Party(party, current.name if current else "", public_key)
    change = register_party(state, party, now_s) + Change(put_parties=(registered,), ledger=(
        LedgerRecord(party, "party_key_registered", {"party": party, "kid": kid, "public_key": public_key}),))
    return Outcome(change + signed_record(state, party, signed), registered)


def shown_digest(state: State, notice: Notice, version: int) -> str | None:
    """The digest a read-back signs: SHA-256 of the canonical JSON of what the party was shown
    (the declaration, its version and the extent disclosed to it, as GET /v1/notices gives
    them); None when that version is no longer the one in force."""
    current = state.declaration(notice.about)
    if current is None or current.version != version:
        return None
    return content_digest({"about": current.id, "about_version": version,
                           "disclosed": [dump_volume4d(v) for v in disclosure(state, notice, current)]})


def hotline_effects(state: State, declaration: Declaration, *, now_s: float, rules: Rules,
                    registry: Change | None = None) -> tuple[Change, DeclarationOutcome]:
    """What a new version of `declaration` causes: conflicts, the notice rule, notices to each
    affected party (pushed as events with what each may see), supersession of notices about
    its older version, and advice for whoever should give way.

    `registry`: the subscription writes of a /v1 declaration, logged in its entry (the F3548
    door logs its own in the dss.* entry before it, and passes None)."""
    found = state.declarations.conflicts_of(declaration)
    late = late_notice(declaration, rules.min_notice_s)
    others = [state.declaration(c.other(declaration.id)) for c in found]
    fresh: list[Notice] = []
    shown: dict[tuple[str, str], list[Volume4D]] = {}  # (receiving, subject declaration) -> its disclosure
    for conflict, other in zip(found, others, strict=True):
        assert other is not None
        a, b = (declaration, other) if conflict.a == declaration.id else (other, declaration)
        fresh += conflict_notices(conflict, a, b, now_s=now_s, ack_deadline_s=rules.ack_deadline_s)
        extents = conflict_extents(a, b, conflict)
        shown[(a.id, b.id)], shown[(b.id, a.id)] = extents[a.id], extents[b.id]
    if late is not None:
        fresh += late_notice_notices(late, declaration, [o for o in others if o is not None], now_s=now_s,
                                     ack_deadline_s=rules.ack_deadline_s)
    fresh = [n for n in fresh if n.id not in state.notices]
    stale = superseded_by(state.notices.values(), declaration) if declaration.version > 1 else []
    advice: tuple[Advice, ...] = ()
    events: list[Event] = []
    if found or fresh:  # most declarations conflict with nothing: skip re-indexing for them
        with state.declarations.including(declaration):
            advice = _advice(state, found)
            def disclosed(n: Notice) -> list[Volume4D]:
                known = shown.get((n.other, n.about)) if n.other is not None else None
                return known if known is not None else disclosure(
                    state, n, declaration if n.about == declaration.id else None)
            events = [_event(n.to_party, EventKind.NOTICE, now_s, {"notice": notice_view(n, disclosed(n), late)},
                             n.deadline_s) for n in fresh]
    for conflict in found:
        for party in sorted({declaration.party} | {o.party for o in others if o is not None and o.id in conflict.key}):
            events.append(_event(party, EventKind.CONFLICT, now_s, {"conflict": conflict_view(conflict)}))
    for n in stale:
        events.append(_event(n.to_party, EventKind.STATE_CHANGE, now_s, {
            "notice": n.id, "state": n.state.value, "about": n.about, "version": declaration.version}))
    payload = declaration_payload(declaration, rules.purpose_secret)
    if registry is not None:
        payload["registry"] = v1_registry(registry, declaration.volumes)
    ledger = [LedgerRecord(declaration.party, "declared" if declaration.version == 1 else "revised", payload)]
    ledger += [LedgerRecord(SYSTEM, "conflict_detected", conflict_payload(c)) for c in found]
    if late is not None:
        ledger.append(LedgerRecord(SYSTEM, "late_notice", late_notice_payload(late)))
    ledger += [LedgerRecord(SYSTEM, "notice_superseded", notice_payload(n)) for n in stale]
    ledger += [LedgerRecord(SYSTEM, "notice_sent", notice_payload(n)) for n in fresh]
    change = Change(put_notices=tuple(stale) + tuple(fresh), late_notices=(late,) if late else (),
                    events=tuple(events), ledger=tuple(ledger))
    return change, DeclarationOutcome(declaration, tuple(found), late, tuple(fresh), advice)


def _advice(state: State, found: list[Conflict]) -> tuple[Advice, ...]:
    """Advice for every operation that should give way in these conflicts, weighed against every
    declaration in force (the state must hold the declaration being written)."""
    yielding: dict[str, Declaration] = {}
    for conflict in found:
        a, b = state.declaration(conflict.a), state.declaration(conflict.b)
        if a is None or b is None:
            continue
        side = yielding_side(conflict, a, b)
        if side.is_operation:
            yielding[side.id] = side
    return tuple(advise(d, state.declarations) for _, d in sorted(yielding.items()))


def advice_in_force(state: State) -> tuple[Advice, ...]:
    return _advice(state, state.declarations.all_conflicts())


def _check_volumes(kind: DeclarationKind, volumes: tuple[Volume4D, ...], rules: Rules, now_s: float) -> None:
    if not volumes:
        raise InvalidInput("volumes", "at least one volume is required")
    for i, v in enumerate(volumes):
        if rules.max_horizon_s is not None and now_s + rules.max_horizon_s < v.time_s.upper < float("inf"):
            raise InvalidInput(f"volumes[{i}].time_end", f"ends more than {rules.max_horizon_s / 86_400:g} days ahead")
        if kind is DeclarationKind.OPERATION:
            if v.time_s.lower == float("-inf"):
                raise InvalidInput(f"volumes[{i}].time_start", "an operation's volumes need time_start and time_end")
            if v.time_s.upper == float("inf"):
                raise InvalidInput(f"volumes[{i}].time_end", "an operation's volumes need time_start and time_end")
            if rules.max_duration_s is not None and v.time_s.length > rules.max_duration_s:
                raise InvalidInput(f"volumes[{i}].time_end", f"a volume may last at most {rules.max_duration_s / 3600:g} h")
        if rules.max_area_m2 is not None:
            area = area_above(v, rules.max_area_m2)
            if area is not None:
                raise InvalidInput(f"volumes[{i}].volume", f"area {area / 1e6:.0f} km^2 exceeds the limit of "
                                                           f"{rules.max_area_m2 / 1e6:.0f} km^2")


def declare(state: State, *, party: str, declaration_id: str, kind: DeclarationKind, volumes: tuple[Volume4D, ...],
            priority: int, purpose: str, version: int | None, now_s: float, rules: Rules, tokens: Tokens,
            signed: SignedRequest | None = None) -> Outcome[DeclarationOutcome]:
    """Create (version None) or revise (version = the current one) a declaration made by a party.

    Conflicts are accepted, flagged, notified and advised (each party keeps its freedom of
    action) unless `rules.refuse_lower_priority`. The same content again is an idempotent retry.
    """
    subject = f"declaration {declaration_id}"
    try:
        _check_volumes(kind, volumes, rules, now_s)
    except InvalidInput as error:
        raise error.within(subject) from None
    current = state.declaration(declaration_id)
    if current is not None and current.party != party:
        raise PermissionDenied(f"{declaration_id} is declared by another party")
    if current is not None and (current.kind, current.volumes, current.priority, current.purpose) == (
            kind, volumes, priority, purpose) and version in (None, current.version, current.version - 1):
        return _unchanged(state, current, rules)
    if current is None and version is not None:
        raise NotFound(f"no declaration {declaration_id!r} to revise (omit version to create it)")
    if current is not None and version is None:
        raise VersionMismatch(f"{declaration_id} exists at version {current.version}: revise it with that version")
    if current is not None and version != current.version:
        raise VersionMismatch(f"version {version} of {declaration_id} is stale: the current version is {current.version}")
    if current is not None and current.kind is not kind:
        raise InvalidInput("kind", f"{declaration_id} is a {current.kind.value}; its kind cannot change", subject)
    own = _own_subscription(state, current, party, kind, volumes, now_s=now_s, tokens=tokens)
    if current is None:
        declaration = Declaration(declaration_id, party, kind, volumes, now_s, priority, purpose=purpose,
                                  ovn=tokens.ovn(), subscription_id=own.id if own else None)
    else:
        declaration = current.revised(volumes=volumes, declared_at_s=now_s, priority=priority, purpose=purpose,
                                      ovn=tokens.ovn())
    mine = {own.id: own} if own else {}
    bumped, subscribers = notify(state, volumes + (current.volumes if current else ()),
                                 for_constraints=not declaration.is_operation, now_s=now_s, changed=mine)
    puts, notified = subscription_writes(tuple(mine.values()), bumped)
    registry = Change(put_subscriptions=puts, notified=notified)
    change, outcome = hotline_effects(state, declaration, now_s=now_s, rules=rules, registry=registry)
    if rules.refuse_lower_priority:
        _refuse_lower_priority(state, declaration, outcome.conflicts)
    change = register_party(state, party, now_s) + Change(put_declarations=(declaration,)) + registry + change
    change += signed_record(state, party, signed)
    return Outcome(change, replace(outcome, created=current is None, subscribers=subscribers), subscribers)


def dry_run(state: State, *, party: str, declaration_id: str, kind: DeclarationKind, volumes: tuple[Volume4D, ...],
            priority: int, purpose: str, version: int | None, now_s: float, rules: Rules, tokens: Tokens
            ) -> DeclarationOutcome:
    """What `declare` with these arguments would answer now (conflicts, the notice rule, the
    notices it would send, advice), with nothing applied: the decision's change is discarded, so
    no row, ledger entry or event comes of it. Refuses what `declare` refuses."""
    return declare(state, party=party, declaration_id=declaration_id, kind=kind, volumes=volumes, priority=priority,
                   purpose=purpose, version=version, now_s=now_s, rules=rules, tokens=tokens).result


def _own_subscription(state: State, current: Declaration | None, party: str, kind: DeclarationKind,
                      volumes: tuple[Volume4D, ...], *, now_s: float, tokens: Tokens) -> Subscription | None:
    """An operation declared over /v1 is, to F3548 USSs, an intent this service manages with an
    implicit subscription of its own (base URL "" = this service) covering its volumes, so USSs
    that write near it notify this service's /uss/v1 as F3548 asks."""
    if kind is not DeclarationKind.OPERATION:
        return None
    old = state.subscriptions.get(current.subscription_id) if current and current.subscription_id else None
    return Subscription(
        id=old.id if old else tokens.uuid(), party=party, version=tokens.version(),
        notification_index=old.notification_index if old else 0, volumes=volumes, uss_base_url="",
        notify_for_operational_intents=True, notify_for_constraints=False, implicit=True, updated_at_s=now_s)


def _refuse_lower_priority(state: State, declaration: Declaration, conflicts: tuple[Conflict, ...]) -> None:
    for conflict in conflicts:
        other = state.declaration(conflict.other(declaration.id))
        if other is not None and other.is_operation and declaration.is_operation and other.priority > declaration.priority:
            raise PriorityConflict(f"{declaration.id} (priority {declaration.priority}) conflicts with {other.id} "
                                   f"of priority {other.priority}, and this service refuses lower priorities")


def _unchanged(state: State, current: Declaration, rules: Rules) -> Outcome[DeclarationOutcome]:
    """The answer to a retry: the declaration's findings as they stand, nothing written."""
    found = tuple(state.declarations.conflicts_of(current))
    about = tuple(n for n in state.notices.values() if n.about == current.id and n.about_version == current.version)
    late = late_notice(current, rules.min_notice_s)
    return Outcome(Change(), DeclarationOutcome(current, found, late, about, _advice(state, list(found)),
                                                created=False, unchanged=True))


def withdraw(state: State, *, party: str, declaration_id: str, version: int, now_s: float,
             signed: SignedRequest | None = None) -> Outcome[Declaration]:
    """Withdraw a declaration: it leaves the airspace; open notices about it are superseded and
    their receivers told."""
    current = state.declaration(declaration_id)
    if current is None:
        raise NotFound(f"no declaration {declaration_id!r}")
    if current.party != party:
        raise PermissionDenied(f"{declaration_id} is declared by another party")
    if version != current.version:
        raise VersionMismatch(f"version {version} of {declaration_id} is stale: the current version is {current.version}")
    own, subscribers = withdraw_own(state, current, now_s=now_s)
    change = (withdrawal_effects(state, current, now_s=now_s, actor=party, registry=own) + own
              + signed_record(state, party, signed))
    return Outcome(change, current, subscribers)


def withdrawal_effects(state: State, declaration: Declaration, *, now_s: float, actor: str,
                       registry: Change | None = None) -> Change:
    """`registry`: the subscription writes of a /v1 withdrawal, logged in its entry (as for
    `hotline_effects`; the F3548 door passes None)."""
    stale = [n.superseded() for n in state.notices.values() if n.about == declaration.id and n.open]
    told = sorted({n.to_party for n in stale} | {declaration.party})
    events = [_event(p, EventKind.STATE_CHANGE, now_s, {"declaration": declaration.id, "state": "Withdrawn",
                                                          "version": declaration.version}) for p in told]
    payload: dict[str, Any] = {"id": declaration.id, "version": declaration.version}
    if registry is not None:
        payload["registry"] = v1_registry(registry)
    ledger = [LedgerRecord(actor, "withdrawn", payload)]
    ledger += [LedgerRecord(SYSTEM, "notice_superseded", notice_payload(n)) for n in stale]
    return Change(del_declarations=(declaration.id,), put_notices=tuple(stale), events=tuple(events), ledger=tuple(ledger))


def withdraw_own(state: State, declaration: Declaration, *, now_s: float
                 ) -> tuple[Change, tuple[SubscriberToNotify, ...]]:
    """A /v1 withdrawal: the declaration's effects, its own implicit subscription deleted, and the
    USSs watching the area notified (their notification indices move; returned to be told)."""
    sub = state.subscriptions.get(declaration.subscription_id or "")
    gone = (sub.id,) if sub is not None and sub.implicit and sub.uss_base_url == "" and \
        all(d.id == declaration.id for d in state.dependents(sub.id)) else ()
    bumped, subscribers = notify(state, declaration.volumes, for_constraints=not declaration.is_operation,
                                 now_s=now_s, changed={}, excluded=gone)
    _, notified = subscription_writes((), bumped)
    return Change(notified=notified, del_subscriptions=gone), subscribers


def acknowledge(state: State, *, party: str, notice_id: str, declaration_id: str, version: int,
                now_s: float, digest: str | None = None, signed: SignedRequest | None = None
                ) -> Outcome[Notice | Exception]:
    """The read-back: accepted only for the current version and, when the party gives the
    `digest` of what it was shown (`shown_digest`), only if that is what is in force. A refusal
    is itself recorded (the result is then the error to raise once the record is committed)."""
    notice = state.notices.get(notice_id)
    if notice is None or notice.to_party != party:
        raise NotFound(f"no notice {notice_id!r} for {party}")
    current = state.declaration(notice.about)
    current_version = current.version if current is not None else -1
    try:
        done = acknowledge_notice(notice, party=party, declaration_id=declaration_id, version=version,
                                  current_version=current_version, at_s=now_s)
        if digest is not None and digest.lower() != shown_digest(state, notice, version):
            raise VersionMismatch(f"the digest read back is not that of {declaration_id} version {version} "
                                  "as disclosed to you: fetch the notice again and read back what it shows")
    except (VersionMismatch, InvalidInput, PermissionDenied) as refused:
        record = LedgerRecord(party, "acknowledgement_refused", {
            "notice": notice_id, "declaration": declaration_id, "version": version, "reason": refused.message})
        return Outcome(Change(ledger=(record,)), refused)
    if done is notice:
        return Outcome(Change(), done)
    record = LedgerRecord(party, "acknowledged", {**notice_payload(done), "read_back_version": version,
                                                  **({"read_back_digest": digest.lower()} if digest else {})})
    subject_party = current.party if current is not None else None
    events = [_event(party, EventKind.STATE_CHANGE, now_s, {"notice": done.id, "state": done.state.value})]
    if subject_party and subject_party != party:
        events.append(_event(subject_party, EventKind.STATE_CHANGE, now_s, {
            "acknowledged_by": party, "declaration": done.about, "version": version, "at": when(now_s)}))
    return Outcome(Change(put_notices=(done,), ledger=(record,), events=tuple(events)) +
                   signed_record(state, party, signed), done)


def acknowledge_about(state: State, *, party: str, declaration_id: str, version: int | None,
                      now_s: float) -> Outcome[list[Notice] | Exception]:
    """Acknowledge every open notice to `party` about `declaration_id` (the scenario files' form;
    None reads back the version in force)."""
    current = state.declaration(declaration_id)
    if current is None:
        raise NotFound(f"no declaration {declaration_id!r}")
    pending = sorted((n for n in state.notices.values() if n.to_party == party and n.about == declaration_id and n.open),
                     key=lambda n: n.id)
    if not pending:
        raise NotFound(f"{party} has no open notice about {declaration_id}")
    read_back = current.version if version is None else version
    change, done = Change(), []
    for notice in pending:
        outcome = acknowledge(state, party=party, notice_id=notice.id, declaration_id=declaration_id,
                              version=read_back, now_s=now_s)
        if isinstance(outcome.result, Exception):
            return Outcome(outcome.change, outcome.result)
        change += outcome.change
        done.append(outcome.result)
    return Outcome(change, done)


def escalate(state: State, *, now_s: float) -> Outcome[list[Notice]]:
    """Escalate every notice silent past its deadline: pushed to the silent party and to the
    party whose declaration it is about, and logged."""
    due = escalate_due(state.notices.values(), now_s)
    events, ledger = [], []
    for n in due:
        subject = state.declaration(n.about)
        view = notice_view(n, disclosure(state, n))
        for party in sorted({n.to_party} | ({subject.party} if subject is not None else set())):
            events.append(_event(party, EventKind.ESCALATION, now_s, {"notice": view if party == n.to_party else {
                "id": n.id, "to": n.to_party, "about": n.about, "about_version": n.about_version,
                "state": n.state.value, "deadline": when(n.deadline_s)}}))
        ledger.append(LedgerRecord(SYSTEM, "escalated", notice_payload(n)))
    return Outcome(Change(put_notices=tuple(due), events=tuple(events), ledger=tuple(ledger)), due)


def report_nonconformance(state: State, event: Nonconformance, *, now_s: float, rules: Rules) -> Outcome[list[Notice]]:
    """A track left its operation's volumes: the operation becomes Nonconforming and its own party
    and every party with a declaration near it are told."""
    operation = state.operation(event.operation_id)
    if operation is None:
        raise NotFound(f"no operation {event.operation_id!r}")
    nearby = state.declarations.near(operation, event.t_s, margin_m=rules.nearby_m, margin_s=rules.nearby_s)
    fresh = [n for n in nonconformance_notices(operation, nearby, now_s=now_s, ack_deadline_s=rules.ack_deadline_s)
             if n.id not in state.notices]
    changed = replace(operation, state=OperationState.NONCONFORMING)
    payload = {"operation": event.operation_id, "party": event.party, "track": event.track_id, "t_s": event.t_s,
               "reason": event.reason.value, "version": operation.version}
    events = [_event(n.to_party, EventKind.NOTICE, now_s, {"notice": notice_view(n, disclosure(state, n)),
                                                           "nonconformance": payload}, n.deadline_s) for n in fresh]
    events += [_event(p, EventKind.STATE_CHANGE, now_s, {"declaration": operation.id, "state": changed.state.value})
               for p in sorted({n.to_party for n in fresh} | {operation.party})]
    ledger = [LedgerRecord(SYSTEM, "nonconforming", payload)]
    ledger += [LedgerRecord(SYSTEM, "notice_sent", notice_payload(n)) for n in fresh]
    change = Change(put_declarations=(changed,) if operation.state is not changed.state else (),
                    put_notices=tuple(fresh), events=tuple(events), ledger=tuple(ledger))
    return Outcome(change, fresh)


def off_nominal_effects(state: State, declaration: Declaration, *, now_s: float, rules: Rules) -> Change:
    """An operation its manager declares Nonconforming or Contingent (an F3548 state change):
    its own party and every party with a declaration near it are told, as for a stray track."""
    nearby = state.declarations.near(declaration, now_s, margin_m=rules.nearby_m, margin_s=rules.nearby_s)
    fresh = [n for n in nonconformance_notices(declaration, nearby, now_s=now_s, ack_deadline_s=rules.ack_deadline_s)
             if n.id not in state.notices]
    payload = {"operation": declaration.id, "party": declaration.party, "state": declaration.state.value,
               "version": declaration.version}
    events = [_event(n.to_party, EventKind.NOTICE, now_s, {"notice": notice_view(n, disclosure(state, n, declaration)),
                                                           "off_nominal": payload}, n.deadline_s) for n in fresh]
    ledger = [LedgerRecord(declaration.party, "off_nominal", payload)]
    ledger += [LedgerRecord(SYSTEM, "notice_sent", notice_payload(n)) for n in fresh]
    return Change(put_notices=tuple(fresh), events=tuple(events), ledger=tuple(ledger))


def alert(state: State, *, parties: Iterable[str], payload: dict[str, object], now_s: float) -> Outcome[None]:
    """A predicted loss of separation between tracks of different parties, pushed to each."""
    events = tuple(_event(p, EventKind.ALERT, now_s, payload) for p in sorted(set(parties)))
    return Outcome(Change(events=events, ledger=(LedgerRecord(SYSTEM, "alert", payload),)), None)


def set_webhook(state: State, *, party: str, url: str, secret: str, now_s: float) -> Outcome[Webhook]:
    old = state.webhooks.get(party)
    # Events already in the stream when the hook is set are not replayed to it: SSE resumes those.
    hook = Webhook(party, url, secret, old.delivered_seq if old else state.event_seq.get(party, 0))
    record = LedgerRecord(party, "webhook_set", {"party": party, "url": url})
    return Outcome(register_party(state, party, now_s) + Change(put_webhooks=(hook,), ledger=(record,)), hook)


def delivered(state: State, *, party: str, notice_ids: Iterable[str], now_s: float, via: str,
              webhook_seq: int | None = None) -> Outcome[None]:
    """Record when notices first reached their party (and how far a webhook got)."""
    reached = [state.notices[i].delivered(now_s) for i in notice_ids
               if i in state.notices and state.notices[i].delivered_at_s is None]
    ledger = tuple(LedgerRecord(SYSTEM, "notice_delivered", {"notice": n.id, "to": n.to_party, "via": via,
                                                             "delivered_at_s": now_s}) for n in reached)
    hooks: tuple[Webhook, ...] = ()
    hook = state.webhooks.get(party)
    if webhook_seq is not None and hook is not None and webhook_seq > hook.delivered_seq:
        hooks = (replace(hook, delivered_seq=webhook_seq),)
    return Outcome(Change(put_notices=tuple(reached), put_webhooks=hooks, ledger=ledger), None)


__all__ = [
    "DeclarationOutcome", "Rules", "acknowledge", "acknowledge_about", "advice_in_force", "alert", "declare",
    "delivered", "dry_run", "escalate", "hotline_effects", "own_declaration_view", "register_party", "report_nonconformance",
    "set_webhook", "withdraw", "withdrawal_effects",
]
