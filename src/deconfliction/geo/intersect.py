"""Exact 4D overlap of volumes: plan view in a local plane, open altitude and time intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.errors

from .bounds import footprint_cap
from .plane import WGS84, LocalPlane, centre_of, geodesic_area_m2
from .volume import Circle, Footprint, Interval, LatLng, Polygon, Volume4D

# Below this, a plan intersection is rounding noise of the projection, not airspace.
NOISE_AREA_M2 = 1e-6
# Beyond this distance from the plane's centre, first make sure the footprints are near at all.
FAR_FROM_CENTRE_M = 5_000_000.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """Where two volumes overlap: plan area on the ellipsoid, altitude band, time window."""

    area_m2: float
    altitude_m: Interval
    time_s: Interval


def geodesic_distance_m(a: LatLng, b: LatLng) -> float:
    return float(WGS84.inv(a.lng, a.lat, b.lng, b.lat)[2])


def _intersection(shape_a: shapely.Geometry, shape_b: shapely.Geometry) -> shapely.Geometry:
    try:
        return shapely.intersection(shape_a, shape_b)
    except shapely.errors.GEOSException:
        # Validated footprints are simple; this guards rounding at near-coincident edges.
        return shapely.intersection(shapely.make_valid(shape_a), shapely.make_valid(shape_b))


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


def _plan_intersection(a: Footprint, b: Footprint) -> tuple[LocalPlane, shapely.Geometry]:
    plane = LocalPlane(centre_of(a, b))
    shape_a, shape_b = plane.shape(a), plane.shape(b)
    if _far_apart(a, b, shape_a, shape_b):
        return plane, shapely.Polygon()
    return plane, _intersection(shape_a, shape_b)


def footprints_overlap(a: Footprint, b: Footprint) -> bool:
    """True when the interiors of two footprints share some area."""
    if isinstance(a, Circle) and isinstance(b, Circle):
        # Exact in any geodesic metric: a common interior point exists iff d < r1 + r2.
        return geodesic_distance_m(a.center, b.center) < a.radius_m + b.radius_m
    plane = LocalPlane(centre_of(a, b))
    shape_a, shape_b = plane.shape(a), plane.shape(b)
    if _far_apart(a, b, shape_a, shape_b):
        return False
    if not shapely.relate_pattern(shape_a, shape_b, "T********"):
        return False
    return _intersection(shape_a, shape_b).area > NOISE_AREA_M2


def plan_overlap_area_m2(a: Footprint, b: Footprint) -> float:
    plane, shape = _plan_intersection(a, b)
    return geodesic_area_m2(plane, shape) if shape.area > NOISE_AREA_M2 else 0.0


def overlap_region(a: Footprint, b: Footprint) -> list[Polygon]:
    """The plan intersection of two footprints as lat/lng polygons (what a party may be shown)."""
    plane, shape = _plan_intersection(a, b)
    regions: list[Polygon] = []
    for part in getattr(shape, "geoms", [shape]):
        if part.geom_type != "Polygon" or part.area <= NOISE_AREA_M2:
            continue
        ring = np.asarray(part.exterior.coords)[:-1]
        lats, lngs = plane.unproject(ring[:, 0], ring[:, 1])
        regions.append(Polygon(tuple(LatLng(float(la), float(lo)) for la, lo in zip(lats, lngs, strict=True))))
    return regions


def volumes_overlap(a: Volume4D, b: Volume4D) -> Overlap | None:
    """The overlap of two volumes, or None when they do not overlap in plan, altitude and time."""
    if not a.time_s.overlaps(b.time_s) or not a.altitude_m.overlaps(b.altitude_m):
        return None
    if not footprints_overlap(a.footprint, b.footprint):
        return None
    return Overlap(
        area_m2=plan_overlap_area_m2(a.footprint, b.footprint),
        altitude_m=a.altitude_m.intersection(b.altitude_m),
        time_s=a.time_s.intersection(b.time_s),
    )


def volumes_intersect(a: Volume4D, b: Volume4D) -> bool:
    """The cheap predicate of `volumes_overlap` (no area computed)."""
    return (
        a.time_s.overlaps(b.time_s)
        and a.altitude_m.overlaps(b.altitude_m)
        and footprints_overlap(a.footprint, b.footprint)
    )
