"""F3548 subscriptions, USS availability and DSS reports: values only, times in POSIX seconds."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from ..geo import Volume4D


class Availability(StrEnum):
    UNKNOWN = "Unknown"
    NORMAL = "Normal"
    DOWN = "Down"


@dataclass(frozen=True, slots=True)
class Subscription:
    """An area of interest. Explicit ones have one volume; an implicit one covers its intents."""

    id: str
    party: str
    version: str
    notification_index: int
    volumes: tuple[Volume4D, ...]
    uss_base_url: str
    notify_for_operational_intents: bool
    notify_for_constraints: bool
    implicit: bool
    updated_at_s: float

    @property
    def start_s(self) -> float:
        return min(v.time_s.lower for v in self.volumes)

    @property
    def end_s(self) -> float:
        return max(v.time_s.upper for v in self.volumes)

    def notified(self, notification_index: int) -> Subscription:
        """The same subscription at another notification index (its version stays: a
        notification is not a change of the subscription)."""
        return replace(self, notification_index=notification_index)

    def expired(self, now_s: float) -> bool:
        end = self.end_s
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
