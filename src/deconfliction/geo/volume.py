"""Footprints and 4D volumes, in SI units and WGS84 degrees.

A polygon's edges are geodesics (the shortest path between its vertices, as F3548 says);
a circle is every point within `radius_m` of its centre along the ellipsoid.
Altitude bands and time windows are open intervals: volumes that only touch do not overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import InvalidInput

INF = math.inf


@dataclass(frozen=True, slots=True)
class LatLng:
    lat: float
    lng: float

    @classmethod
    def checked(cls, lat: object, lng: object, field_prefix: str) -> LatLng:
        lat_f = finite_number(lat, f"{field_prefix}.lat")
        lng_f = finite_number(lng, f"{field_prefix}.lng")
        if not -90.0 <= lat_f <= 90.0:
            raise InvalidInput(f"{field_prefix}.lat", f"latitude {lat_f} outside [-90, 90]")
        if not -180.0 <= lng_f <= 180.0:
            raise InvalidInput(f"{field_prefix}.lng", f"longitude {lng_f} outside [-180, 180]")
        return cls(lat_f, lng_f)


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon with geodesic edges; vertices in either winding, not closed."""

    vertices: tuple[LatLng, ...]
    # The hash, once computed: a polygon keys several geometry caches (geo/cache.py), each lookup
    # hashes it, and hashing 10,000 vertices costs milliseconds of Python every time.
    _hash: int | None = field(default=None, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(self.vertices))
        return self._hash  # type: ignore[return-value]  # set just above


@dataclass(frozen=True, slots=True)
class Circle:
    center: LatLng
    radius_m: float


Footprint = Polygon | Circle


@dataclass(frozen=True, slots=True)
class Interval:
    """An open interval; infinite ends stand for an unbounded side."""

    lower: float = -INF
    upper: float = INF

    def overlaps(self, other: Interval) -> bool:
        return max(self.lower, other.lower) < min(self.upper, other.upper)

    def intersection(self, other: Interval) -> Interval:
        return Interval(max(self.lower, other.lower), min(self.upper, other.upper))

    @property
    def length(self) -> float:
        return self.upper - self.lower


@dataclass(frozen=True, slots=True)
class Volume4D:
    """Footprint x altitude band (metres above the WGS84 ellipsoid) x time window (POSIX s)."""

    footprint: Footprint
    altitude_m: Interval = field(default_factory=Interval)
    time_s: Interval = field(default_factory=Interval)

    def shifted(self, *, dt_s: float = 0.0, dalt_m: float = 0.0) -> Volume4D:
        return Volume4D(
            self.footprint,
            Interval(self.altitude_m.lower + dalt_m, self.altitude_m.upper + dalt_m),
            Interval(self.time_s.lower + dt_s, self.time_s.upper + dt_s),
        )


def finite_number(value: object, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(field_name, f"expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any double (a scenario file may hold one)
        raise InvalidInput(field_name, f"expected a finite number, got an integer of {len(str(value))} digits") from None
    if not math.isfinite(number):
        raise InvalidInput(field_name, f"expected a finite number, got {value!r}")
    return number
