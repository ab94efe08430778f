"""An independent oracle for plan-view overlap, sharing no code with deconfliction.geo.plane.

- Geodesic edges are sampled with pyproj's Geod.npts (the ellipsoidal geodesic itself).
- Distance from a point to a polygon boundary: geodesic distance (Geod.inv) to dense samples of
  every edge, refined around the best sample of each edge.
- Point in polygon: winding number of the densely sampled boundary, counted with the geodesic
  azimuths seen from the point (no projection, no shapely).
- Polygon against polygon: both rings, densely sampled along their geodesics, are put through a
  *spherical gnomonic* projection (PROJ '+proj=gnom', a different map from our azimuthal
  equidistant plane) centred on the pair and intersected with shapely there; the intersection
  is mapped back to lat/lng and measured on the ellipsoid with Geod.polygon_area_perimeter.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import Geod, Proj

GEOD = Geod(ellps="WGS84")
SAMPLE_STEP_M = 2_000.0
MAX_SAMPLES_PER_EDGE = 400


def geodesic_distance(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    return float(GEOD.inv(lng1, lat1, lng2, lat2)[2])


def sample_edge(lat1: float, lng1: float, lat2: float, lng2: float, step_m: float) -> list[tuple[float, float]]:
    """(lat, lng) points along the geodesic from 1 to 2, start included, end excluded."""
    length = geodesic_distance(lat1, lng1, lat2, lng2)
    n = min(MAX_SAMPLES_PER_EDGE * 10, int(length // step_m))
    inner = GEOD.npts(lng1, lat1, lng2, lat2, n) if n > 0 else []
    return [(lat1, lng1)] + [(la, lo) for lo, la in inner]


def sample_ring(vertices: list[tuple[float, float]], step_m: float = SAMPLE_STEP_M,
                max_per_edge: int = MAX_SAMPLES_PER_EDGE) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i, (lat1, lng1) in enumerate(vertices):
        lat2, lng2 = vertices[(i + 1) % len(vertices)]
        length = geodesic_distance(lat1, lng1, lat2, lng2)
        step = max(step_m, length / max_per_edge)
        out.extend(sample_edge(lat1, lng1, lat2, lng2, step))
    return out


def distance_to_boundary(lat: float, lng: float, vertices: list[tuple[float, float]]) -> float:
    """Geodesic distance from a point to the nearest point of a polygon's geodesic boundary."""
    best = math.inf
    for i, (lat1, lng1) in enumerate(vertices):
        lat2, lng2 = vertices[(i + 1) % len(vertices)]
        # Coarse pass, then two refinements around the best sample: each pass samples the
        # same geodesic between the neighbours of the best point found so far.
        a, b = (lat1, lng1), (lat2, lng2)
        for _ in range(4):
            pts = [a] + [(la, lo) for lo, la in GEOD.npts(a[1], a[0], b[1], b[0], 200)] + [b]
            arr = np.array(pts)
            _, _, d = GEOD.inv(np.full(len(arr), lng), np.full(len(arr), lat), arr[:, 1], arr[:, 0])
            k = int(np.argmin(d))
            best = min(best, float(d[k]))
            a, b = pts[max(0, k - 1)], pts[min(len(pts) - 1, k + 1)]
            if geodesic_distance(a[0], a[1], b[0], b[1]) < 1e-3:
                break
    return best


def winding_number(lat: float, lng: float, vertices: list[tuple[float, float]]) -> int:
    """How many times the geodesic boundary winds around the point, from geodesic azimuths."""
    ring = np.array(sample_ring(vertices, step_m=500.0, max_per_edge=2_000))
    az, _, _ = GEOD.inv(np.full(len(ring), lng), np.full(len(ring), lat), ring[:, 1], ring[:, 0])
    az = np.radians(np.append(az, az[0]))
    turn = np.diff(az)
    turn = (turn + math.pi) % (2 * math.pi) - math.pi
    return int(round(float(turn.sum()) / (2 * math.pi)))


def point_in_polygon(lat: float, lng: float, vertices: list[tuple[float, float]]) -> bool:
    return winding_number(lat, lng, vertices) != 0


def circle_polygon_clearance(lat: float, lng: float, radius_m: float,
                             vertices: list[tuple[float, float]]) -> tuple[bool, float]:
    """(centre inside the polygon, geodesic distance from the centre to the boundary)."""
    return point_in_polygon(lat, lng, vertices), distance_to_boundary(lat, lng, vertices)


def _mean_direction(points: list[tuple[float, float]]) -> tuple[float, float]:
    arr = np.radians(np.array(points))
    v = np.stack([np.cos(arr[:, 0]) * np.cos(arr[:, 1]), np.cos(arr[:, 0]) * np.sin(arr[:, 1]),
                  np.sin(arr[:, 0])], axis=-1).sum(axis=0)
    return math.degrees(math.atan2(v[2], math.hypot(v[0], v[1]))), math.degrees(math.atan2(v[1], v[0]))


class Gnomonic:
    """Spherical gnomonic map centred at (lat0, lng0): great circles are straight lines."""

    def __init__(self, lat0: float, lng0: float) -> None:
        self.proj = Proj(f"+proj=gnom +lat_0={lat0} +lon_0={lng0} +R=6371008.8 +no_defs")

    def ring(self, vertices: list[tuple[float, float]]) -> shapely.Polygon:
        pts = np.array(sample_ring(vertices))
        xs, ys = self.proj(pts[:, 1], pts[:, 0])
        assert np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)), "outside the gnomonic hemisphere"
        return shapely.Polygon(np.column_stack([xs, ys]))

    def ellipsoidal_area(self, shape: shapely.Geometry) -> float:
        total = 0.0
        for part in getattr(shape, "geoms", [shape]):
            if part.is_empty or part.geom_type != "Polygon":
                continue
            part = shapely.segmentize(part, 1_000.0)
            xs, ys = np.asarray(part.exterior.coords).T
            lngs, lats = self.proj(xs, ys, inverse=True)
            total += abs(GEOD.polygon_area_perimeter(lngs, lats)[0])
            for hole in part.interiors:
                hx, hy = np.asarray(hole.coords).T
                hlngs, hlats = self.proj(hx, hy, inverse=True)
                total -= abs(GEOD.polygon_area_perimeter(hlngs, hlats)[0])
        return total


def polygon_pair(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(intersection area m2, area of a m2, area of b m2, gap in metres ~ gnomonic distance)."""
    lat0, lng0 = _mean_direction(a + b)
    gnom = Gnomonic(lat0, lng0)
    sa, sb = gnom.ring(a), gnom.ring(b)
    if not (sa.is_valid and sb.is_valid):
        raise ValueError("oracle: ring not simple in the gnomonic map")
    inter = shapely.intersection(sa, sb)
    area = gnom.ellipsoidal_area(inter) if inter.area > 0 else 0.0
    # The gnomonic scale is >= 1 everywhere (1/cos^2 radially), so a plane gap over-states the
    # true gap by at most that factor; callers only use the gap as a margin.
    gap = float(shapely.distance(sa, sb))
    return area, gnom.ellipsoidal_area(sa), gnom.ellipsoidal_area(sb), gap
