"""Operational intent references: create, update, delete (F3548-21 DSS0005,1 and DSS0010..0020).

A write is decided against the state as it stands; the caller holds the write lock, so
what was read is what the write commits on top of (serializable by construction).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import AirspaceConflict, InvalidInput, PermissionDenied, UssDown, VersionMismatch
from ...geo import Volume4D
from ...model import Availability, Declaration, DeclarationKind, OperationState, Subscription
from ..state import Change, State
from .common import (
    of_kind,
    CMSA,
    CP,
    SC,
    Caller,
    Outcome,
    Tokens,
    check_bounded_extents,
    notify,
    owned_current,
    subscription_writes,
)
from .coverage import extents_cover


@dataclass(frozen=True, slots=True)
class NewSubscription:
    uss_base_url: str
    notify_for_constraints: bool = False


@dataclass(frozen=True, slots=True)
class PutOirRequest:
    volumes: tuple[Volume4D, ...]
    key: frozenset[str]
    state: OperationState
    uss_base_url: str
    subscription_id: str | None = None
    new_subscription: NewSubscription | None = None


def _check_scope_for_state(caller: Caller, state: OperationState) -> None:
    if state.off_nominal and not caller.has(CMSA):
        raise PermissionDenied(f"an operational intent in state {state} requires the scope {CMSA}")
    if not state.off_nominal and not caller.has(SC):
        raise PermissionDenied(f"an operational intent in state {state} requires the scope {SC}")


def _check_not_down(state: State, manager: str) -> None:
    status = state.availability.get(manager)
    if status is not None and status.availability == Availability.DOWN:
        raise UssDown(f"USS {manager} is marked Down in the DSS and may not make this change")


def put_oir(state: State, caller: Caller, entity_id: str, ovn: str | None, request: PutOirRequest,
            *, now_s: float, tokens: Tokens) -> Outcome[Declaration]:
    """Create (ovn None) or update (ovn given) an operational intent reference."""
    _check_scope_for_state(caller, request.state)
    old = of_kind(state, entity_id, DeclarationKind.OPERATION)
    if ovn is None and old is not None:
        raise VersionMismatch(f"operational intent {entity_id} already exists; update it with its OVN")
    if ovn is not None:
        owned_current(old, caller, label=f"operational intent {entity_id}", presented=ovn)
    check_bounded_extents(request.volumes, now_s)
    if request.state.requires_key:
        _check_not_down(state, caller.party)

    subscription, new_subs, del_subs = _resolve_subscription(state, caller, entity_id, old, request,
                                                             now_s=now_s, tokens=tokens)
    if request.state.requires_key:
        _check_key(state, caller, entity_id, request, subscription)

    oir = Declaration(
        id=entity_id, party=caller.party, kind=DeclarationKind.OPERATION, volumes=request.volumes,
        declared_at_s=now_s, priority=old.priority if old else 0, purpose=old.purpose if old else "",
        version=(old.version + 1) if old else 1, state=request.state,
        ovn=tokens.ovn(), uss_base_url=request.uss_base_url,
        subscription_id=subscription.id if subscription else None,
    )
    touched = request.volumes + (old.volumes if old else ())
    bumped, subscribers = notify(state, touched, for_constraints=False, now_s=now_s,
                                 changed={s.id: s for s in new_subs},
                                 excluded=del_subs)
    puts, notified = subscription_writes(new_subs, bumped)
    change = Change(put_declarations=(oir,), put_subscriptions=puts, notified=notified, del_subscriptions=del_subs)
    return Outcome(change, oir, subscribers)


def _resolve_subscription(
    state: State, caller: Caller, entity_id: str, old: Declaration | None, request: PutOirRequest,
    *, now_s: float, tokens: Tokens,
) -> tuple[Subscription | None, tuple[Subscription, ...], tuple[str, ...]]:
    """The subscription the intent will rely on, subscriptions to put, subscriptions to delete."""
    previous = state.subscriptions.get(old.subscription_id) if old and old.subscription_id else None
    others = [o for o in state.dependents(previous.id) if o.id != entity_id] if previous else []
    chosen: Subscription | None = None
    puts: list[Subscription] = []
    if request.subscription_id:
        sub = state.subscriptions.get(request.subscription_id)
        if sub is None:
            raise InvalidInput("subscription_id", f"subscription {request.subscription_id} does not exist")
        if sub.party != caller.party:
            raise PermissionDenied(f"subscription {sub.id} is managed by another USS")
        if sub.implicit:
            # An implicit subscription grows to cover every intent that relies on it.
            extents = tuple(v for o in state.dependents(sub.id) if o.id != entity_id for v in o.volumes)
            chosen = _with_extents(sub, extents + request.volumes, now_s=now_s, tokens=tokens)
            puts.append(chosen)
        else:
            if not sub.notify_for_operational_intents:
                raise InvalidInput("subscription_id", f"subscription {sub.id} does not notify for operational intents")
            if not extents_cover(sub.volumes, request.volumes):
                raise InvalidInput("subscription_id",
                                   f"subscription {sub.id} does not cover the extents of the operational intent")
            chosen = sub
    elif request.new_subscription is not None:
        params = request.new_subscription
        if params.notify_for_constraints and not caller.has(CP):
            raise PermissionDenied(f"notifications for constraints require the scope {CP}")
        if previous is not None and previous.implicit and not others:
            # Reuse the intent's own implicit subscription, reshaped to the new extents.
            chosen = replace(_with_extents(previous, request.volumes, now_s=now_s, tokens=tokens),
                             uss_base_url=params.uss_base_url, notify_for_operational_intents=True,
                             notify_for_constraints=params.notify_for_constraints, implicit=True)
        else:
            chosen = Subscription(
                id=tokens.uuid(), party=caller.party, version=tokens.version(), notification_index=0,
                volumes=request.volumes, uss_base_url=params.uss_base_url, notify_for_operational_intents=True,
                notify_for_constraints=params.notify_for_constraints, implicit=True, updated_at_s=now_s,
            )
        puts.append(chosen)
    elif request.state in (OperationState.ACTIVATED, OperationState.NONCONFORMING, OperationState.CONTINGENT):
        raise InvalidInput("subscription_id",
                           f"an operational intent in state {request.state} needs subscription_id or new_subscription")
    deletes: tuple[str, ...] = ()
    if previous is not None and previous.implicit and (chosen is None or chosen.id != previous.id):
        if others:
            # The intent leaves an implicit subscription others still rely on: shrink it to them.
            puts.append(_with_extents(previous, tuple(v for o in others for v in o.volumes), now_s=now_s,
                                      tokens=tokens))
        else:
            deletes = (previous.id,)
    return chosen, tuple(puts), deletes


def _with_extents(sub: Subscription, extents: tuple[Volume4D, ...], *, now_s: float, tokens: Tokens) -> Subscription:
    return replace(sub, version=tokens.version(), volumes=extents, updated_at_s=now_s)


def _check_key(state: State, caller: Caller, entity_id: str, request: PutOirRequest,
               subscription: Subscription | None) -> None:
    """Refuse the write unless the key holds the OVN of every entity it would overlap."""
    missing_oirs = tuple(o for o in state.operations_in(request.volumes)
                         if o.id != entity_id and o.ovn not in request.key and _requires_key(state, o))
    missing_crs: tuple = ()
    if subscription is not None and subscription.notify_for_constraints:
        missing_crs = tuple(c for c in state.constraints_in(request.volumes) if c.ovn not in request.key)
    if missing_oirs or missing_crs:
        ids = [o.id for o in missing_oirs] + [c.id for c in missing_crs]
        raise AirspaceConflict(
            f"the key lacks the current OVNs of {len(ids)} overlapping entities: {', '.join(ids)}",
            missing_operational_intents=missing_oirs, missing_constraints=missing_crs,
        )


def _requires_key(state: State, oir: Declaration) -> bool:
    """Whether others must hold this intent's OVN to plan over it. Not an Accepted intent of a
    USS marked Down: nobody can get its OVN from that USS, and SCD0005 lets others plan over it
    (as the reference DSS does; its Activated and off-nominal intents still count)."""
    status = state.availability.get(oir.party)
    return not (oir.state == OperationState.ACCEPTED and status is not None
                and status.availability == Availability.DOWN)


def delete_oir(state: State, caller: Caller, entity_id: str, ovn: str, *, now_s: float) -> Outcome[Declaration]:
    if not (caller.has(SC) or caller.has(CMSA)):
        raise PermissionDenied(f"deleting an operational intent requires the scope {SC}")
    old = owned_current(state.operation(entity_id), caller, label=f"operational intent {entity_id}", presented=ovn)
    _check_not_down(state, caller.party)
    deletes: tuple[str, ...] = ()
    sub = state.subscriptions.get(old.subscription_id) if old.subscription_id else None
    if sub is not None and sub.implicit and all(o.id == entity_id for o in state.dependents(sub.id)):
        deletes = (sub.id,)
    bumped, subscribers = notify(state, old.volumes, for_constraints=False, now_s=now_s, changed={},
                                 excluded=deletes)
    _, notified = subscription_writes((), bumped)
    change = Change(del_declarations=(entity_id,), notified=notified, del_subscriptions=deletes)
    return Outcome(change, old, subscribers)
