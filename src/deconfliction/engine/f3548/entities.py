"""The DSS's entities (F3548-21 names): values only, times in POSIX seconds, volumes in SI.

An operational intent or constraint reference, a subscription, a USS's availability. What the
DSS stores is references (extents, OVN, manager, base URL), never details; details travel USS
to USS. Entities are frozen: a write builds new values and the registry swaps them in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from ...geo import Volume4D

# F3548's OperationalIntentReference.subscription_id is required; an intent without a
# subscription reports this placeholder (the one the reference DSS and the suite expect).
NULL_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000000"


class OpIntentState(StrEnum):
    ACCEPTED = "Accepted"
    ACTIVATED = "Activated"
    NONCONFORMING = "Nonconforming"
    CONTINGENT = "Contingent"

    @property
    def requires_key(self) -> bool:
        """Nominal states must prove knowledge of the airspace; off-nominal ones may not be able to."""
        return self in (OpIntentState.ACCEPTED, OpIntentState.ACTIVATED)

    @property
    def off_nominal(self) -> bool:
        return self in (OpIntentState.NONCONFORMING, OpIntentState.CONTINGENT)


class Availability(StrEnum):
    UNKNOWN = "Unknown"
    NORMAL = "Normal"
    DOWN = "Down"


def time_bounds(extents: tuple[Volume4D, ...]) -> tuple[float, float]:
    """(earliest start, latest end) over extents; infinite when a side is open."""
    return (min(v.time_s.lower for v in extents), max(v.time_s.upper for v in extents))


def altitude_bounds(extents: tuple[Volume4D, ...]) -> tuple[float, float]:
    return (min(v.altitude_m.lower for v in extents), max(v.altitude_m.upper for v in extents))


class _Extended:
    """Time bounds of an entity's extents (a mixin for the slotted dataclasses below)."""

    __slots__ = ()
    extents: tuple[Volume4D, ...]

    @property
    def time_start_s(self) -> float:
        return time_bounds(self.extents)[0]

    @property
    def time_end_s(self) -> float:
        return time_bounds(self.extents)[1]


@dataclass(frozen=True, slots=True)
class OpIntentRef(_Extended):
    id: str
    manager: str
    version: int
    state: OpIntentState
    ovn: str
    extents: tuple[Volume4D, ...]
    uss_base_url: str
    subscription_id: str | None
    updated_at_s: float


@dataclass(frozen=True, slots=True)
class ConstraintRef(_Extended):
    id: str
    manager: str
    version: int
    ovn: str
    extents: tuple[Volume4D, ...]
    uss_base_url: str
    updated_at_s: float


@dataclass(frozen=True, slots=True)
class Subscription(_Extended):
    """An area of interest. Explicit ones have one volume; an implicit one covers its intents."""

    id: str
    manager: str
    version: str
    notification_index: int
    extents: tuple[Volume4D, ...]
    uss_base_url: str
    notify_for_operational_intents: bool
    notify_for_constraints: bool
    implicit: bool
    updated_at_s: float

    def notified(self, notification_index: int) -> Subscription:
        """The same subscription at another notification index (its version stays: a
        notification is not a change of the subscription)."""
        return replace(self, notification_index=notification_index)

    def expired(self, now_s: float) -> bool:
        end = self.time_end_s
        return math.isfinite(end) and end < now_s


@dataclass(frozen=True, slots=True)
class UssAvailability:
    uss: str
    availability: Availability
    version: str


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    subscription_id: str
    notification_index: int


@dataclass(frozen=True, slots=True)
class SubscriberToNotify:
    uss_base_url: str
    subscriptions: tuple[SubscriptionState, ...]


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    reporter: str
    at_s: float
    body: dict[str, object]
