"""Exact 4D overlap of volumes: plan view in a local plane, open altitude and time intervals.

Whether two volumes overlap is exact and costs O(n log n) in their points; the area and the
region they share are exact unless the intersection is too intricate to build at a bounded cost
(geo/overlay.py), and then bounded: see `Overlap.area_exact` and `overlap_region`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.errors

from .bounds import footprint_cap
from .cache import GEOS_COORD_BYTES, GEOS_GEOMETRY_BYTES, PAIR_CACHE_BYTES, bounded_cache, footprint_nbytes, geometry_nbytes
from .lens import CirclePair
from .overlay import MAX_CROSSINGS, crossings_at_most, interiors_meet
from .plane import CIRCLE_SEGMENTS, WGS84, LocalPlane, centre_of, geodesic_area_m2, vertex_plane
from .volume import Circle, Footprint, Interval, LatLng, Polygon, Volume4D

# Below this, a plan intersection is rounding noise of the projection, not airspace.
NOISE_AREA_M2 = 1e-6
# Beyond this distance from the plane's centre, first make sure the footprints are near at all.
FAR_FROM_CENTRE_M = 5_000_000.0
# A pair is tested in the larger polygon's own plane when the other lies within this of its centre.
OWN_PLANE_REACH_M = 4_000_000.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """Where two volumes overlap: plan area on the ellipsoid, altitude band, time window."""

    area_m2: float
    altitude_m: Interval
    time_s: Interval
    # False when the plan intersection was too intricate to build at a bounded cost (geo/overlay.py):
    # `area_m2` is then an upper bound, the smaller footprint's area (`_PlanPair.area_bound_m2`).
    area_exact: bool = True


_NOT_BUILT = object()  # _PlanPair._intersection before it is asked for

# Two circles' rings cross at most 2 * CIRCLE_SEGMENTS times (_PlanPair.convex): within the limit.
assert 2 * CIRCLE_SEGMENTS <= MAX_CROSSINGS


@dataclass(frozen=True, slots=True)
class _PlanPair:
    """Two footprints projected into the plane centred on them, and whether their interiors meet.
    Made by `_plan_pair`, which keeps the recent pairs: their intersection is built once too."""

    plane: LocalPlane
    a: shapely.Geometry
    b: shapely.Geometry
    meet: bool
    # Both convex (two circles): their boundaries cross at most 2 * min(n, m) times (a segment
    # meets a convex ring at most twice), far below the limit, so there is nothing to count.
    convex: bool = False
    # `intersection()`'s answer, kept once asked (None is an answer: too intricate)
    _intersection: Any = field(default=_NOT_BUILT, repr=False, compare=False)
    # whether the boundaries cross at most `MAX_CROSSINGS` times, once counted (the same either order)
    _crossings_within: Any = field(default=_NOT_BUILT, repr=False, compare=False)

    @staticmethod
    def of(a: Footprint, b: Footprint) -> _PlanPair:
        centre = _pair_centre(a, b)
        found, other_order = _plan_pair.cache.lookup((b, a))
        if found and other_order is not None and other_order.plane.centre == centre:
            # the same plane either way (two polygons): the other order's shapes, whether they meet
            # and their crossings' count; the intersection is built in this order (its ring starts in `a`)
            return _PlanPair(other_order.plane, other_order.b, other_order.a, other_order.meet, other_order.convex,
                             _crossings_within=other_order._crossings_within)
        plane = LocalPlane(centre)
        shape_a, shape_b = plane.shape(a), plane.shape(b)
        meet = not _far_apart(a, b, shape_a, shape_b) and interiors_meet(shape_a, shape_b)
        return _PlanPair(plane, shape_a, shape_b, meet, isinstance(a, Circle) and isinstance(b, Circle))

    def intersection(self) -> shapely.Geometry | None:
        """The plan intersection, or None when it is too intricate to build at a bounded cost:
        more than `overlay.MAX_CROSSINGS` crossings of the boundaries (two combs whose teeth
        cross, n^2 / 16 of them), or a pair GEOS cannot overlay (possible only for polygons
        that never went through the parser; repairing them, `make_valid`, costs as much again).
        Built once per pair: the conflict measures it, the disclosure draws it."""
        if self._intersection is _NOT_BUILT:
            object.__setattr__(self, "_intersection", self._build_intersection())
        return self._intersection  # type: ignore[no-any-return]

    def _build_intersection(self) -> shapely.Geometry | None:
        if not self.meet:
            return shapely.Polygon()
        if not self.convex:
            if self._crossings_within is _NOT_BUILT:
                object.__setattr__(self, "_crossings_within", crossings_at_most(self.a, self.b))
            if not self._crossings_within:
                return None
        try:
            return shapely.intersection(self.a, self.b)
        except shapely.errors.GEOSException:
            return None

    def area_bound_m2(self) -> float:
        """An upper bound of the intersection's area: the smaller footprint's area in the plane.
        The azimuthal equidistant plane never shrinks an area (along rays its scale is 1, across
        them the geodesic distance over the reduced length, >= 1 where the Gaussian curvature is
        positive, as everywhere on the ellipsoid), so this bounds the area on the ellipsoid, and it
        costs O(n) where measuring on the ellipsoid costs a geodesic per point."""
        return min(float(self.a.area), float(self.b.area))


def _pair_centre(a: Footprint, b: Footprint) -> LatLng:
    """Where the pair's plane is centred: at a circle's centre (`centre_of`: a circle is exactly
    round there), else at the own centre of the polygon with more vertices, where they are
    projected already (`plane.vertex_plane`, kept by the parse's survey): a small footprint
    against a stored 10,000-vertex one then projects only its own few. The same for both orders
    (a tie goes to the greater centre). Only when the other polygon lies within `OWN_PLANE_REACH_M`
    of that centre, as two that overlap do (each reaches at most 2,000 km from its own): the
    projected edges' curvature bound holds within 5,000 km (plane.py). Else, as for two far apart,
    the plane is centred between them (`centre_of`)."""
    if not isinstance(a, Polygon) or not isinstance(b, Polygon):
        return centre_of(a, b)
    own_a, own_b = centre_of(a), centre_of(b)
    a_larger = (len(a.vertices), own_a) >= (len(b.vertices), own_b)
    smaller, larger_centre, smaller_centre = (b, own_a, own_b) if a_larger else (a, own_b, own_a)
    _, reach = vertex_plane(smaller)  # kept by its survey
    _, _, apart = WGS84.inv(larger_centre.lng, larger_centre.lat, smaller_centre.lng, smaller_centre.lat)
    if float(apart) + float(np.max(reach)) <= OWN_PLANE_REACH_M:
        return larger_centre
    return centre_of(a, b)


def _pair_nbytes(key: tuple[Footprint, Footprint], pair: _PlanPair) -> int:
    """What a kept pair holds: both footprints, both shapes, and room for the intersection it may
    build (at most both boundaries' points and one per crossing, of which it builds no more than
    `overlay.MAX_CROSSINGS`), charged when the pair is put so the budget holds whatever follows."""
    points = int(shapely.get_num_coordinates(pair.a)) + int(shapely.get_num_coordinates(pair.b))
    return (footprint_nbytes(key[0]) + footprint_nbytes(key[1]) + geometry_nbytes(pair.a) + geometry_nbytes(pair.b)
            + GEOS_GEOMETRY_BYTES + (points + MAX_CROSSINGS) * GEOS_COORD_BYTES)


# One write asks of one pair of footprints up to four times (its conflict's area, the region each
# party is shown, the advice's delay and altitude): each a projection of both and an exact predicate,
# ~100 ms for two crossing 10,000-vertex combs. Keyed by the ordered pair (the intersection's ring
# starts in `a`); a pair made in the other order takes that order's plane, shapes and answer
# (`_PlanPair.of`), and `footprints_overlap` reads either.
_plan_pair = bounded_cache("intersect.plan_pair", PAIR_CACHE_BYTES, _pair_nbytes)(_PlanPair.of)


def _far_apart(a: Footprint, b: Footprint, shape_a: shapely.Geometry, shape_b: shapely.Geometry) -> bool:
    """True when the footprints' bounding caps are disjoint, tested only when a projected point
    lies far from the plane's centre (two footprints far apart, up to antipodal): there the
    azimuthal plane is no longer trustworthy (near the centre's antipode it is not even a map)."""
    coords = shapely.get_coordinates([shape_a, shape_b])
    if float(np.max(np.hypot(coords[:, 0], coords[:, 1]))) <= FAR_FROM_CENTRE_M:
        return False
    cap_a, cap_b = footprint_cap(a), footprint_cap(b)
    between = math.acos(max(-1.0, min(1.0, float(cap_a.direction @ cap_b.direction))))
    return between > cap_a.angle_rad + cap_b.angle_rad


def footprints_overlap(a: Footprint, b: Footprint) -> bool:
    """True when the interiors of two footprints share some area.

    Exact in the plane: GEOS's RelateNG predicates (`overlay.interiors_meet`), which never build
    the intersection, so the cost stays O(n log n) however often the boundaries cross. Polygons
    that share an edge get bit-identical points there (geo/plane.py) and only touch."""
    if isinstance(a, Circle) and isinstance(b, Circle):
        return CirclePair.of(a, b).meet  # exact, by the distance between the centres
    found, pair = _plan_pair.cache.lookup((b, a))  # whether interiors meet does not depend on the order
    return pair.meet if found and pair is not None else _plan_pair(a, b).meet


def _small_circles(a: Footprint, b: Footprint) -> CirclePair | None:
    """Two circles the closed form takes (geo/lens.py), or None."""
    if isinstance(a, Circle) and isinstance(b, Circle):
        pair = CirclePair.of(a, b)
        return pair if pair.closed_form else None
    return None


def _area(pair: _PlanPair) -> tuple[float, bool]:
    """(area of the plan intersection in m2 on the ellipsoid, whether it is exact): an upper
    bound, `_PlanPair.area_bound_m2`, when the intersection is too intricate to build."""
    shape = pair.intersection()
    if shape is None:
        return pair.area_bound_m2(), False
    return (geodesic_area_m2(pair.plane, shape) if shape.area > NOISE_AREA_M2 else 0.0), True


def plan_overlap_area_m2(a: Footprint, b: Footprint) -> float:
    """The area the footprints share, m2 on the ellipsoid; an upper bound (the smaller footprint's
    area) when their intersection is too intricate to build (`_PlanPair.intersection`)."""
    circles = _small_circles(a, b)
    if circles is not None:
        return circles.area_m2() if circles.meet else 0.0
    return _area(_plan_pair(a, b))[0]


def plan_intersection(a: Footprint, b: Footprint) -> list[Footprint] | None:
    """The plan intersection of two footprints as lat/lng footprints (what a party may be shown),
    or None when it is too intricate to build at a bounded cost (more than
    `overlay.MAX_CROSSINGS` crossings: `_PlanPair.intersection`): what to show then is the
    caller's decision (engine/hotline/disclosure.py shows each side its own footprint)."""
    circles = _small_circles(a, b)
    if circles is not None:
        return circles.region()
    pair = _plan_pair(a, b)
    shape = pair.intersection()
    if shape is None:
        return None
    regions: list[Footprint] = []
    for part in getattr(shape, "geoms", [shape]):
        if part.geom_type != "Polygon" or part.area <= NOISE_AREA_M2:
            continue
        ring = np.asarray(part.exterior.coords)[:-1]
        lats, lngs = pair.plane.unproject(ring[:, 0], ring[:, 1])
        regions.append(Polygon(tuple(LatLng(float(la), float(lo)) for la, lo in zip(lats, lngs, strict=True))))
    return regions


def overlap_region(a: Footprint, b: Footprint) -> list[Footprint]:
    """`plan_intersection`, or, when it is too intricate to build, `[a]`, the first footprint
    whole: it holds the intersection, and whoever owns `a` learns from it only that the other is
    somewhere within its own footprint."""
    regions = plan_intersection(a, b)
    return [a] if regions is None else regions


def volumes_overlap(a: Volume4D, b: Volume4D) -> Overlap | None:
    """The overlap of two volumes, or None when they do not overlap in plan, altitude and time."""
    if not a.time_s.overlaps(b.time_s) or not a.altitude_m.overlaps(b.altitude_m):
        return None
    if isinstance(a.footprint, Circle) and isinstance(b.footprint, Circle):
        circles = CirclePair.of(a.footprint, b.footprint)
        if not circles.meet:
            return None  # decided by the distance, exactly
        # small circles: the lens in closed form; large ones: the plane (circumscribed polygons)
        area, exact = (circles.area_m2(), True) if circles.closed_form else _area(_plan_pair(a.footprint, b.footprint))
    else:
        pair = _plan_pair(a.footprint, b.footprint)
        if not pair.meet:
            return None
        area, exact = _area(pair)
    return Overlap(
        area_m2=area,
        altitude_m=a.altitude_m.intersection(b.altitude_m),
        time_s=a.time_s.intersection(b.time_s),
        area_exact=exact,
    )


def volumes_intersect(a: Volume4D, b: Volume4D) -> bool:
    """The cheap predicate of `volumes_overlap` (no area computed)."""
    return (
        a.time_s.overlaps(b.time_s)
        and a.altitude_m.overlaps(b.altitude_m)
        and footprints_overlap(a.footprint, b.footprint)
    )
