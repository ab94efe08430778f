"""Live aircraft states and conformance events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TrackState:
    """One observed state: WGS84 position, altitude in metres, ground speed, true track, climb."""

    id: str
    t_s: float
    lat: float
    lng: float
    alt_m: float
    gs_mps: float
    trk_deg: float
    vs_mps: float
    operation: str = ""  # the declared operation it flies for ("" when unknown)


class NonconformanceReason(StrEnum):
    OUTSIDE_FOOTPRINT = "outside_footprint"
    OUTSIDE_ALTITUDE = "outside_altitude"
    OUTSIDE_TIME = "outside_time"


@dataclass(frozen=True, slots=True)
class Nonconformance:
    """A track of `operation_id` was outside every volume that operation declared."""

    operation_id: str
    party: str
    track_id: str
    t_s: float
    reason: NonconformanceReason
