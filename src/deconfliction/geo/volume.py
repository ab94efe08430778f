"""Footprints and 4D volumes, in SI units and WGS84 degrees.

A polygon's edges are geodesics (the shortest path between its vertices, as F3548 says);
a circle is every point within `radius_m` of its centre along the ellipsoid.
Altitude bands and time windows are open intervals: volumes that only touch do not overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..errors import InvalidInput

INF = math.inf


class LatLng(NamedTuple):
    """A position, WGS84 degrees. A named tuple rather than a dataclass: a polygon may hold 10,000
    of them, and a tuple is made, hashed and compared in C (a frozen dataclass's own methods cost
    ~1 us a vertex each: 10 ms to build a polygon, 6 ms to find an equal one in a cache)."""

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
    # Hashed once: the geometry caches look a polygon up many times per request, and hashing
    # 10,000 vertices anew (a Python call each) cost ~10 ms every time.
    _hash: int = field(init=False, repr=False, compare=False, default=0)
    _coords: np.ndarray | None = field(init=False, repr=False, compare=False, default=None)
    _area_m2: float | None = field(init=False, repr=False, compare=False, default=None)
    _area_bound_m2: float | None = field(init=False, repr=False, compare=False, default=None)
    # plane.centre_of(polygon), kept by it: validation, the index box and the hull each ask
    _centre: LatLng | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self.vertices))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def with_coords(cls, vertices: tuple[LatLng, ...], coords: np.ndarray) -> Polygon:
        """A polygon whose (n, 2) lat, lng array the caller already has (a parser that checked
        the vertices as an array): kept rather than built again from the vertices."""
        polygon = cls(vertices)
        if coords.shape != (len(vertices), 2):
            raise ValueError(f"coords of shape {coords.shape} for {len(vertices)} vertices")
        coords = np.array(coords, dtype=float)  # its own copy, never a view of the caller's
        coords.flags.writeable = False
        object.__setattr__(polygon, "_coords", coords)
        return polygon

    @property
    def coords(self) -> np.ndarray:
        """The vertices as an (n, 2) array of lat, lng degrees, built once (read-only): the
        geometry works on arrays, and a Python loop over 10,000 vertices costs ~3 ms a time."""
        coords = self._coords
        if coords is None:
            coords = np.array([(v.lat, v.lng) for v in self.vertices], dtype=float).reshape(-1, 2)
            coords.flags.writeable = False
            object.__setattr__(self, "_coords", coords)
        return coords

    @property
    def area_m2(self) -> float:
        """The area on the ellipsoid (m2), computed once (a geodesic per vertex: ~8 ms for 10,000).
        An area limit asks `area_bound_m2` first, and this only when the bound is above it."""
        area = self._area_m2
        if area is None:
            from .plane import WGS84  # plane builds on this module

            signed, _ = WGS84.polygon_area_perimeter(self.coords[:, 1], self.coords[:, 0])
            area = abs(float(signed))
            object.__setattr__(self, "_area_m2", area)
        return area

    @property
    def area_bound_m2(self) -> float:
        """An upper bound of `area_m2`, within 2 % of it (within a millionth for a polygon tens of
        kilometres across), computed once: what an area limit asks first, in microseconds where
        the exact area costs a geodesic per vertex (`plane.polygon_area_bound_m2`)."""
        bound = self._area_bound_m2
        if bound is None:
            from .plane import polygon_area_bound_m2  # plane builds on this module

            bound = polygon_area_bound_m2(self)
            object.__setattr__(self, "_area_bound_m2", bound)
        return bound


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
    # Hashed once, when first asked (many volumes are made and never hashed: shifted for advice,
    # read back): the geometry caches are keyed by volumes, and a write of 100 volumes hashed each
    # ~15 times (a lookup and its move to the end hash twice), three Python calls every time.
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __hash__(self) -> int:
        hashed = self._hash
        if hashed == 0:  # not yet (or a hash of 0, computed again each time: harmless)
            hashed = hash((self.footprint, self.altitude_m, self.time_s))
            object.__setattr__(self, "_hash", hashed)
        return hashed

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
