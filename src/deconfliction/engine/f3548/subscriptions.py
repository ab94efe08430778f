"""Subscriptions: create, update, delete (F3548-21 DSS0005,5; DSS0015 duration limit)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import InvalidInput, PermissionDenied, VersionMismatch
from ...geo import Interval, Volume4D
from ...model import Declaration, Subscription
from ..state import Change, State
from .common import (
    CP,
    DURATION_TOLERANCE_S,
    MAX_SUBSCRIPTION_DURATION_S,
    SC,
    Caller,
    Outcome,
    Tokens,
    check_area,
    owned_current,
)
from .coverage import extents_cover


@dataclass(frozen=True, slots=True)
class PutSubscriptionRequest:
    volume: Volume4D
    uss_base_url: str
    notify_for_operational_intents: bool = False
    notify_for_constraints: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionWritten:
    subscription: Subscription
    operational_intent_references: tuple[Declaration, ...]
    constraint_references: tuple[Declaration, ...]


def _normalized_extents(volume: Volume4D, now_s: float) -> Volume4D:
    """Open start means now; open end means the longest a subscription may last."""
    start = volume.time_s.lower if math.isfinite(volume.time_s.lower) else now_s
    end = volume.time_s.upper if math.isfinite(volume.time_s.upper) else start + MAX_SUBSCRIPTION_DURATION_S
    if end <= start:
        raise InvalidInput("extents.time_end", "the end time is not after the start time")
    if end < now_s:
        raise InvalidInput("extents.time_end", "the end time may not be in the past")
    if end - start > MAX_SUBSCRIPTION_DURATION_S + DURATION_TOLERANCE_S:
        raise InvalidInput("extents.time_end",
                           f"a subscription may last at most {MAX_SUBSCRIPTION_DURATION_S / 3600:.0f} h, "
                           f"this one lasts {(end - start) / 3600:.2f} h")
    check_area((volume,), "extents")
    return Volume4D(volume.footprint, volume.altitude_m, Interval(start, end))


def _check_flags(caller: Caller, request: PutSubscriptionRequest) -> None:
    if not (request.notify_for_operational_intents or request.notify_for_constraints):
        raise InvalidInput("notify_for_operational_intents",
                           "at least one of notify_for_operational_intents and notify_for_constraints must be true")
    if request.notify_for_operational_intents and not caller.has(SC):
        raise PermissionDenied(f"notifications for operational intents require the scope {SC}")
    if request.notify_for_constraints and not caller.has(CP):
        raise PermissionDenied(f"notifications for constraints require the scope {CP}")


def put_subscription(state: State, caller: Caller, subscription_id: str, version: str | None,
                     request: PutSubscriptionRequest, *, now_s: float,
                     tokens: Tokens) -> Outcome[SubscriptionWritten]:
    """Create (version None) or update (version given) a subscription."""
    if not (caller.has(SC) or caller.has(CP)):
        raise PermissionDenied(f"subscriptions require the scope {SC} or {CP}")
    old = state.subscriptions.get(subscription_id)
    if version is None and old is not None:
        raise VersionMismatch(f"subscription {subscription_id} already exists")
    if version is not None:
        owned_current(old, caller, label=f"subscription {subscription_id}", presented=version, token="version")
    _check_flags(caller, request)
    extents = (_normalized_extents(request.volume, now_s),)
    if old is not None:
        dependents = state.dependents(old.id)
        if dependents and not request.notify_for_operational_intents:
            raise InvalidInput("notify_for_operational_intents",
                               "operational intents rely on this subscription for their notifications")
        for oir in dependents:
            if not extents_cover(extents, oir.volumes):
                raise InvalidInput("extents", f"the subscription would no longer cover operational intent {oir.id}")
    sub = Subscription(
        id=subscription_id, party=caller.party, version=tokens.version(),
        notification_index=old.notification_index if old else 0, volumes=extents,
        uss_base_url=request.uss_base_url, notify_for_operational_intents=request.notify_for_operational_intents,
        notify_for_constraints=request.notify_for_constraints, implicit=old.implicit if old else False,
        updated_at_s=now_s,
    )
    oirs = tuple(state.operations_in(extents)) if sub.notify_for_operational_intents else ()
    crs = tuple(state.constraints_in(extents)) if sub.notify_for_constraints else ()
    return Outcome(Change(put_subscriptions=(sub,)), SubscriptionWritten(sub, oirs, crs))


def delete_subscription(state: State, caller: Caller, subscription_id: str, version: str,
                        *, now_s: float) -> Outcome[Subscription]:
    if not (caller.has(SC) or caller.has(CP)):
        raise PermissionDenied(f"subscriptions require the scope {SC} or {CP}")
    old = owned_current(state.subscriptions.get(subscription_id), caller, label=f"subscription {subscription_id}",
                        presented=version, token="version")
    dependents = state.dependents(old.id)
    if dependents:
        raise InvalidInput("subscriptionid", f"operational intents rely on this subscription: "
                                             f"{', '.join(o.id for o in dependents)}")
    return Outcome(Change(del_subscriptions=(subscription_id,)), old)


def expire_subscriptions(state: State, now_s: float) -> Outcome[tuple[str, ...]]:
    """Delete subscriptions that ended before `now_s` (F3548: a subscription not refreshed by its
    end time is deleted), except those an intent still relies on (they go with the intent)."""
    gone = tuple(sorted(s.id for s in state.subscriptions.values()
                        if s.expired(now_s) and not state.dependents(s.id)))
    return Outcome(Change(del_subscriptions=gone), gone)
