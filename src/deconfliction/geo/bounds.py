"""Conservative bounding boxes for the broad phase, free of meridian and pole special cases.

A footprint is bounded by a spherical cap around the direction of its centre (geodetic
lat/lng taken as a direction on the unit sphere); the cap's axis-aligned box in 3D unit-vector
space is what an index stores, together with the altitude band and the time window. The margins
make the box contain the footprint whatever the ellipsoid does to geodesics: the index may
over-include, never under-include.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .plane import anchor_points, centre_of, densified_ring, unit_vector
from .volume import Circle, Footprint, Polygon, Volume4D

# The smallest radius of curvature of the WGS84 ellipsoid (meridional, at the equator):
# a geodesic of length d never turns the direction by more than d / this.
MIN_RADIUS_OF_CURVATURE_M = 6_335_439.0
ANGLE_MARGIN_RAD = 1e-6  # ~6 m
RELATIVE_MARGIN = 1e-3
# Finite stand-ins for unbounded altitude and time (the index wants finite boxes).
UNBOUNDED = 1e15


@dataclass(frozen=True, slots=True)
class Cap:
    direction: np.ndarray  # unit vector (3,)
    angle_rad: float


def footprint_cap(footprint: Footprint) -> Cap:
    centre = centre_of(footprint)
    direction = unit_vector(centre.lat, centre.lng)
    if isinstance(footprint, Circle):
        angle = footprint.radius_m / MIN_RADIUS_OF_CURVATURE_M
    else:
        lats, lngs = densified_ring(footprint)
        points = unit_vector(lats, lngs)
        angle = float(np.max(np.arccos(np.clip(points @ direction, -1.0, 1.0))))
    angle = angle * (1.0 + RELATIVE_MARGIN) + ANGLE_MARGIN_RAD
    return Cap(direction, min(angle, math.pi))


def cap_box(cap: Cap) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) corners of the axis-aligned box around a cap, in unit-vector space."""
    return _cap_corners(cap.direction, cap.angle_rad)


def _cap_corners(directions: np.ndarray, angles: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """`cap_box` of one cap ((3,), a float) or of m caps at once ((m, 3), (m, 1))."""
    theta = np.arccos(np.clip(directions, -1.0, 1.0))  # angle to each axis
    high = np.cos(np.maximum(0.0, theta - angles))
    low = np.cos(np.minimum(math.pi, theta + angles))
    return low, high


def _finite(value: float) -> float:
    return max(-UNBOUNDED, min(UNBOUNDED, value))


def volume_box(volume: Volume4D) -> tuple[float, ...]:
    """(x0, x1, y0, y1, z0, z1, alt0, alt1, t0, t1): the box of a volume for a 5-D index."""
    low, high = cap_box(footprint_cap(volume.footprint))
    return _box(low.tolist(), high.tolist(), volume)


def _box(low: Sequence[float], high: Sequence[float], volume: Volume4D) -> tuple[float, ...]:
    return (
        float(low[0]), float(high[0]), float(low[1]), float(high[1]), float(low[2]), float(high[2]),
        _finite(volume.altitude_m.lower), _finite(volume.altitude_m.upper),
        _finite(volume.time_s.lower), _finite(volume.time_s.upper),
    )


def polygon_volume_boxes(volumes: Sequence[Volume4D]) -> list[tuple[float, ...]]:
    """`volume_box` of each volume of a polygon footprint, with the numpy calls made once for all
    of them (a request of 100 polygons paid ~20 calls each). The same caps and boxes, but for
    rounding: a dot product may be summed in another order. Both hold the footprint, by the same
    margins, which are many orders above rounding (`ANGLE_MARGIN_RAD`, `RELATIVE_MARGIN`)."""
    if not volumes:
        return []
    polygons = [v.footprint for v in volumes]
    if not all(isinstance(p, Polygon) for p in polygons):
        raise TypeError("polygon_volume_boxes takes volumes of polygon footprints")
    rings = [densified_ring(p) for p in polygons]  # type: ignore[arg-type]
    sizes = np.array([len(lats) for lats, _ in rings])
    starts = np.cumsum(sizes) - sizes
    points = unit_vector(np.concatenate([lats for lats, _ in rings]), np.concatenate([lngs for _, lngs in rings]))
    centres = [centre_of(p) for p in polygons]
    directions = unit_vector(np.array([c.lat for c in centres]), np.array([c.lng for c in centres]))
    dots = np.einsum("ij,ij->i", points, np.repeat(directions, sizes, axis=0))
    angles = np.maximum.reduceat(np.arccos(np.clip(dots, -1.0, 1.0)), starts)
    angles = np.minimum(angles * (1.0 + RELATIVE_MARGIN) + ANGLE_MARGIN_RAD, math.pi)[:, None]
    lows, highs = _cap_corners(directions, angles)
    return [_box(low, high, v) for low, high, v in zip(lows.tolist(), highs.tolist(), volumes, strict=True)]


__all__ = ["Cap", "anchor_points", "cap_box", "footprint_cap", "polygon_volume_boxes", "volume_box"]
