"""What every DSS decision shares: the caller, fresh tokens, limits, notification of subscribers.

Decisions are functions of (state as read, caller, request, now) returning an `Outcome`:
the change to commit and what to answer. They raise the package's errors and touch no I/O.
"""

from __future__ import annotations

import math
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from ...errors import AreaTooLarge, InvalidInput, NotFound, PermissionDenied, VersionMismatch
from ...geo import Circle, Volume4D
from ...geo.matching import relevant
from ...model import Declaration, DeclarationKind, SubscriberToNotify, Subscription, SubscriptionState
from ..state import Change, State

T = TypeVar("T")

# F3548's OperationalIntentReference.subscription_id is required; an intent without a
# subscription reports this placeholder (the one the reference DSS and the suite expect).
NULL_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000000"

# Scopes of F3548-21 (the OpenAPI file's `Authority` scheme).
SC = "utm.strategic_coordination"
CM = "utm.constraint_management"
CP = "utm.constraint_processing"
CMSA = "utm.conformance_monitoring_sa"
AA = "utm.availability_arbitration"

# Limits. F3548 leaves their values to the DSS; these match what the InterUSS suite expects
# (24 h subscriptions) and keep a query from sweeping a whole region.
MAX_SUBSCRIPTION_DURATION_S = 24 * 3600.0
DURATION_TOLERANCE_S = 1.0
MAX_HORIZON_S = 30 * 86_400.0  # F3548: an intent or constraint reaches at most 30 days ahead
MAX_AREA_M2 = 2_500e6  # 2,500 km^2: a 50 km square; the suite's "too big" area is ~10,000 km^2


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the token's `sub` (the party, F3548 manager, of what it writes) and its scopes."""

    party: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class Tokens(Protocol):
    def ovn(self) -> str: ...
    def version(self) -> str: ...
    def uuid(self) -> str: ...


class RandomTokens:
    """Unpredictable OVNs and versions: a stale client cannot guess the current one."""

    def ovn(self) -> str:
        return secrets.token_urlsafe(24)  # 32 characters; F3548 wants 16..128

    def version(self) -> str:
        return secrets.token_urlsafe(9)

    def uuid(self) -> str:
        return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    change: Change
    result: T
    subscribers: tuple[SubscriberToNotify, ...] = field(default=())


def require(caller: Caller, scope: str, what: str) -> None:
    if not caller.has(scope):
        raise PermissionDenied(f"{what} requires the scope {scope}")


class _Managed(Protocol):
    @property
    def party(self) -> str: ...


M = TypeVar("M", bound=_Managed)


def owned_current(old: M | None, caller: Caller, *, label: str, presented: str, token: str = "ovn") -> M:
    """`old` if it exists, belongs to the caller and `presented` is its current OVN (or version)."""
    if old is None:
        raise NotFound(f"{label} does not exist")
    if old.party != caller.party:
        raise PermissionDenied(f"{label} is managed by another USS")
    if getattr(old, token) != presented:
        name = "OVN" if token == "ovn" else token
        raise VersionMismatch(f"{name} {presented!r} is not the current {name} of {label}")
    return old


def of_kind(state: State, entity_id: str, kind: DeclarationKind) -> Declaration | None:
    """The declaration of this id if it is of this kind; an id in use by the other kind is refused."""
    found = state.declaration(entity_id)
    if found is not None and found.kind is not kind:
        raise VersionMismatch(f"{entity_id} is the id of {'an operational intent' if found.is_operation else 'a constraint'}"
                              f", not of {'an operational intent' if kind is DeclarationKind.OPERATION else 'a constraint'}")
    return found


def area_above(volume: Volume4D, limit_m2: float) -> float | None:
    """The footprint's area (m2) when it is above `limit_m2`, else None. A polygon's bound
    (`Polygon.area_bound_m2`, microseconds) settles it unless it is above the limit; only then is
    the exact area measured (a geodesic per vertex: ~8 ms for 10,000)."""
    footprint = volume.footprint
    if isinstance(footprint, Circle):
        area = math.pi * footprint.radius_m ** 2
    elif footprint.area_bound_m2 <= limit_m2:
        return None
    else:
        area = footprint.area_m2
    return area if area > limit_m2 else None


def check_area(volumes: Iterable[Volume4D], field_name: str) -> None:
    for i, volume in enumerate(volumes):
        area = area_above(volume, MAX_AREA_M2)
        if area is not None:
            raise AreaTooLarge(f"{field_name}[{i}]" if field_name.endswith("extents") else field_name,
                               f"area {area / 1e6:.0f} km^2 exceeds the limit of {MAX_AREA_M2 / 1e6:.0f} km^2")


def check_bounded_extents(extents: tuple[Volume4D, ...], now_s: float, field_name: str = "extents") -> None:
    """Entity extents need start and end times and both altitudes, and may not end in the past."""
    if not extents:
        raise InvalidInput(field_name, "at least one volume is required")
    for i, v in enumerate(extents):
        where = f"{field_name}[{i}]"
        if not math.isfinite(v.time_s.lower):
            raise InvalidInput(f"{where}.time_start", "missing (required for each volume)")
        if not math.isfinite(v.time_s.upper):
            raise InvalidInput(f"{where}.time_end", "missing (required for each volume)")
        if not math.isfinite(v.altitude_m.lower):
            raise InvalidInput(f"{where}.volume.altitude_lower", "missing (required for each volume)")
        if not math.isfinite(v.altitude_m.upper):
            raise InvalidInput(f"{where}.volume.altitude_upper", "missing (required for each volume)")
    if max(v.time_s.upper for v in extents) < now_s:
        raise InvalidInput(f"{field_name}.time_end", "the end time may not be in the past")
    for i, v in enumerate(extents):
        if v.time_s.upper > now_s + MAX_HORIZON_S:
            raise InvalidInput(f"{field_name}[{i}].time_end",
                               f"ends more than {MAX_HORIZON_S / 86_400:.0f} days ahead (F3548 plans at most that far)")
    check_area(extents, field_name)


def notify(state: State, volumes: tuple[Volume4D, ...], *, for_constraints: bool, now_s: float,
           changed: dict[str, Subscription], excluded: tuple[str, ...] = ()
           ) -> tuple[tuple[Subscription, ...], tuple[SubscriberToNotify, ...]]:
    """Subscriptions to notify of a change in `volumes`, each with its notification index bumped.

    Relevance is by convex hulls in plan, wider than the exact matching of the key and queries
    (`matching.relevant` says why).

    `changed` holds the subscriptions this same write puts, new or modified: each is judged as
    it will be, so a writer's new or grown implicit subscription is among the subscribers (as in
    the reference DSS, which stores it before looking for subscribers). `excluded` holds those
    this write deletes. Returns (bumped subscriptions, subscribers).
    """
    after = [s for s in state.subscriptions_relevant_to(volumes) if s.id not in changed]
    # a subscription this write shapes from the very volumes it writes (an implicit one) is
    # relevant without a geometric test, which costs the most for the largest footprints
    after += [s for s in changed.values()
              if any(mine is theirs for mine in s.volumes for theirs in volumes) or relevant(volumes, s.volumes)]
    bumped = [s.notified(s.notification_index + 1) for s in sorted(after, key=lambda s: s.id)
              if s.id not in excluded and not s.expired(now_s)
              and (s.notify_for_constraints if for_constraints else s.notify_for_operational_intents)]
    by_url: dict[str, list[SubscriptionState]] = {}
    for sub in bumped:
        by_url.setdefault(sub.uss_base_url, []).append(SubscriptionState(sub.id, sub.notification_index))
    subscribers = tuple(SubscriberToNotify(url, tuple(states)) for url, states in sorted(by_url.items()))
    return tuple(bumped), subscribers


def subscription_writes(modified: Iterable[Subscription], bumped: Iterable[Subscription]
                        ) -> tuple[tuple[Subscription, ...], tuple[tuple[str, int], ...]]:
    """(subscriptions to put, (id, notification index) of subscriptions only notified).

    A notification rewrites one integer, not the subscription: kept apart so the store can
    update one column and the ledger record one pair.
    """
    bumped_by_id = {b.id: b for b in bumped}
    puts = tuple(bumped_by_id.pop(s.id, s) for s in modified)
    return puts, tuple((b.id, b.notification_index) for b in bumped_by_id.values())
