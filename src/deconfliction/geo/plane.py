"""Exact plan-view geometry in a local azimuthal equidistant plane.

Both footprints of a test are projected into one plane centred near them, using the
ellipsoidal geodesic from the centre (pyproj's Geod: x = d sin az, y = d cos az). Distances
from the centre are exact there, so a circle centred at the plane's origin is exactly a circle,
and neither the 180th meridian nor a pole is special. Circles become a circumscribed regular
polygon: it contains the true circle (no overlap is ever missed) and exceeds it by at most
1/cos(pi/n) - 1 of the radius (0.12% for n = 64).

Densification. A geodesic edge projects to a curve; its chords sag from it by at most
step^2 * curvature / 8. The curvature of a projected geodesic grows with its distance d from the
plane's centre, about (2/3) d / R^2 (measured, WGS84): 1.7e-8 /m at 1,000 km, 3.4e-8 /m at
2,000 km, 9e-8 /m at 5,000 km (`intersect.FAR_FROM_CENTRE_M`, beyond which a pair is first
checked for being far apart), so `CURVATURE_BOUND` = 1e-7 /m holds wherever a plane is used.
Edges of at least two steps get points every `DENSIFY_STEP_M` (1 km): chord sag <= 12.5 mm
(4 mm within a footprint's own 2,000 km), and two polygons sharing an edge get bit-identical
points (each edge is computed from its lower endpoint), so they touch without a sliver.

The cost of a ring is its number of points, so it has a budget, `MAX_RING_POINTS` (20,000),
whatever the edges are: when the 1 km step would exceed it, the step doubles (2, 4, 8 .. km)
until the ring fits, and a ring with more vertices than the budget is not densified at all.
Polygons that parse (`f3548.parse_footprint`) have at most 10,000 vertices
(`MAX_POLYGON_VERTICES`) and a perimeter of at most 20,000 km (`MAX_PERIMETER_M`), so the 2 km
step always fits them: 10,000 vertices + 20,000 km / 2 km = 20,000 points (the heaviest built in
tests/geo/heavy.py has 19,834, at 1 km). Worst-case chord sag
for an accepted polygon is therefore (2 km)^2 * 1e-7 / 8 = 5 cm (1.7 cm within its own 2,000
km), and only polygons with more than 10,000 km of perimeter (20,000 km less 1 km per vertex)
get the 2 km step at all; two such polygons sharing an edge touch without a sliver only if both
got the same step. Polygons that never went through the parser (read back from a store written
before these bounds) are still bounded in cost: max(vertices, 20,000) points, whatever their size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod

from .cache import RING_CACHE_BYTES, VERTEX_PLANE_CACHE_BYTES, array_nbytes, bounded_cache, footprint_nbytes, tuple_nbytes
from .volume import Circle, Footprint, LatLng, Polygon

WGS84 = Geod(ellps="WGS84")
DENSIFY_STEP_M = 1_000.0
CURVATURE_BOUND = 1e-7  # /m, of a projected geodesic within 5,000 km of the plane's centre
MAX_RING_POINTS = 20_000  # points of a densified ring, vertices included (unless they are more)
# The step doubles at most this often: from 2^14 km on, every geodesic (at most 20,004 km) is
# shorter than two steps, so the last levels densify nothing.
MAX_STEP_DOUBLINGS = 15
CIRCLE_SEGMENTS = 64
CIRCLE_EXCESS = 1.0 / math.cos(math.pi / CIRCLE_SEGMENTS) - 1.0
assert CIRCLE_EXCESS <= 0.005


def unit_vector(lat: np.ndarray | float, lng: np.ndarray | float) -> np.ndarray:
    lat_r = np.radians(lat)
    lng_r = np.radians(lng)
    cos_lat = np.cos(lat_r)
    return np.stack([cos_lat * np.cos(lng_r), cos_lat * np.sin(lng_r), np.sin(lat_r)], axis=-1)


def _from_unit_vector(v: np.ndarray) -> LatLng:
    lat = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
    lng = math.degrees(math.atan2(v[1], v[0]))
    return LatLng(lat, lng)


def anchor_points(footprint: Footprint) -> np.ndarray:
    """Points that characterise where a footprint is: vertices or the centre, as (n, 2) lat/lng."""
    if isinstance(footprint, Circle):
        return np.array([[footprint.center.lat, footprint.center.lng]])
    return footprint.coords


def centre_of(*footprints: Footprint) -> LatLng:
    """A plane centre for these footprints: a circle's centre if there is one, else the mean direction."""
    if len(footprints) == 1 and isinstance(footprints[0], Polygon):
        polygon = footprints[0]
        centre = polygon._centre
        if centre is None:
            centre = _centre_of(footprints)
            object.__setattr__(polygon, "_centre", centre)
        return centre
    return _centre_of(footprints)


def _centre_of(footprints: tuple[Footprint, ...]) -> LatLng:
    for footprint in footprints:
        if isinstance(footprint, Circle):
            return footprint.center
    polygons = [f for f in footprints if isinstance(f, Polygon)]  # all of them: no circle above
    if sum(len(p.vertices) for p in polygons) <= _FEW_POINTS:
        return _centre_of_few([v for p in polygons for v in p.vertices])
    points = np.concatenate([anchor_points(f) for f in footprints])
    return _mean_direction(unit_vector(points[:, 0], points[:, 1]), points[0])


def _mean_direction(units: np.ndarray, first: np.ndarray) -> LatLng:
    """The direction of the sum of these unit vectors, or `first` (lat, lng) when they cancel out."""
    mean = units.sum(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm < 1e-9:
        return LatLng(float(first[0]), float(first[1]))
    return _from_unit_vector(mean / norm)


# Below this many points, plain floats beat numpy: each numpy call costs microseconds of its own,
# and a small polygon's validation made ~25 of them (0.67 ms for a 4-vertex box).
_FEW_POINTS = 32


def _centre_of_few(points: list[LatLng]) -> LatLng:
    x = y = z = 0.0
    for point in points:
        lat_r, lng_r = math.radians(point.lat), math.radians(point.lng)
        cos_lat = math.cos(lat_r)
        x += cos_lat * math.cos(lng_r)
        y += cos_lat * math.sin(lng_r)
        z += math.sin(lat_r)
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-9:
        return points[0]
    return LatLng(math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x)))


@dataclass(frozen=True, slots=True)
class LocalPlane:
    """An azimuthal equidistant plane (metres) centred at `centre`."""

    centre: LatLng

    def project(self, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(lats)
        az, _, dist = WGS84.inv(
            np.full(n, self.centre.lng), np.full(n, self.centre.lat), np.asarray(lngs, float),
            np.asarray(lats, float),
        )
        az_r = np.radians(az)
        return dist * np.sin(az_r), dist * np.cos(az_r)

    def unproject(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plane metres back to (lats, lngs)."""
        n = len(xs)
        az = np.degrees(np.arctan2(xs, ys))
        dist = np.hypot(xs, ys)
        lngs, lats, _ = WGS84.fwd(np.full(n, self.centre.lng), np.full(n, self.centre.lat), az, dist)
        return np.asarray(lats), np.asarray(lngs)

    def shape(self, footprint: Footprint) -> shapely.Polygon:
        if isinstance(footprint, Circle):
            return self._circle(footprint)
        lats, lngs = densified_ring(footprint)
        if len(lats) == len(footprint.vertices) and self.centre == centre_of(footprint):
            xy, _ = vertex_plane(footprint)  # the ring is the vertices, in their own plane: kept
            return shapely.Polygon(xy)
        xs, ys = self.project(lats, lngs)
        return shapely.Polygon(np.column_stack([xs, ys]))

    def _circle(self, circle: Circle) -> shapely.Polygon:
        if circle.center == self.centre:
            cx = cy = 0.0
        else:
            (cx,), (cy,) = self.project(np.array([circle.center.lat]), np.array([circle.center.lng]))
        angles = np.linspace(0.0, 2 * math.pi, CIRCLE_SEGMENTS, endpoint=False)
        r = circle.radius_m * (1.0 + CIRCLE_EXCESS)
        return shapely.Polygon(np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)]))


def _ring_nbytes(polygon: Polygon, ring: tuple[np.ndarray, np.ndarray]) -> int:
    return footprint_nbytes(polygon) + tuple_nbytes(ring) + array_nbytes(ring[0]) + array_nbytes(ring[1])


@bounded_cache("densified_ring", RING_CACHE_BYTES, _ring_nbytes)
def densified_ring(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:
    """The polygon's vertices with points along each long geodesic edge, as (lats, lngs); at most
    max(vertices, `MAX_RING_POINTS`) points.

    Cached (validation, the index box and every exact test need the same ring); the arrays are
    read-only so that no caller can change what the next one gets."""
    return _read_only(*_densified_ring(polygon))


def _read_only(lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lats, lngs = np.array(lats), np.array(lngs)  # contiguous copies, never views of another's array
    lats.flags.writeable = False
    lngs.flags.writeable = False
    return lats, lngs


def densify_counts(lengths: np.ndarray, n_vertices: int) -> tuple[float, np.ndarray]:
    """(step, points to add inside each edge) for edges of these `lengths` (m): the smallest step
    `DENSIFY_STEP_M` * 2^k with which the ring keeps within `MAX_RING_POINTS`. An edge of at least
    two steps gets floor(length / step) points, spaced length / (count + 1) < step apart."""
    room = max(MAX_RING_POINTS - n_vertices, 0)
    for step in _STEPS:
        counts = _counts_at(lengths, step)
        if int(counts.sum()) <= room:
            return step, counts
    return math.inf, np.zeros(len(lengths), dtype=np.int64)


# The steps `densify_counts` tries, in order.
_STEPS = tuple(DENSIFY_STEP_M * 2.0**doubling for doubling in range(MAX_STEP_DOUBLINGS + 1))


def _counts_at(lengths: np.ndarray, step: float) -> np.ndarray:
    """Points inside each edge at this step: floor(length / step) for an edge of two steps or more."""
    return np.where(lengths >= 2 * step, np.floor(lengths / step), 0.0).astype(np.int64)


def _densified_ring(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:
    lats, lngs = polygon.coords[:, 0].copy(), polygon.coords[:, 1].copy()
    if len(lats) < 2:
        return lats, lngs
    edges = _Edges.of(lats, lngs, _next(lats), _next(lngs))
    azimuths, _, lengths = WGS84.inv(edges.low_lngs, edges.low_lats, edges.high_lngs, edges.high_lats)
    return _ring_along(lats, lngs, edges, np.asarray(azimuths), np.asarray(lengths))


@dataclass(frozen=True, slots=True)
class _Edges:
    """A ring's edges, each from its lower endpoint ((lat, lng) first) to the other, so that two
    polygons sharing an edge (in either direction) get bit-identical points along it and touch
    without a sliver. `swapped`: the edge runs from its vertex's successor back to the vertex."""

    swapped: np.ndarray
    low_lats: np.ndarray
    low_lngs: np.ndarray
    high_lats: np.ndarray
    high_lngs: np.ndarray

    @staticmethod
    def of(lats: np.ndarray, lngs: np.ndarray, next_lats: np.ndarray, next_lngs: np.ndarray) -> _Edges:
        swapped = (lats > next_lats) | ((lats == next_lats) & (lngs > next_lngs))
        return _Edges(swapped, np.where(swapped, next_lats, lats), np.where(swapped, next_lngs, lngs),
                      np.where(swapped, lats, next_lats), np.where(swapped, lngs, next_lngs))


def _points_to_add(lengths: np.ndarray) -> np.ndarray | None:
    """How many points `_ring_along` adds inside each edge of these lengths, or None: none at all."""
    if float(np.max(lengths)) < 2 * DENSIFY_STEP_M:
        return None  # no edge is two steps long (the usual, small polygon)
    _, counts = densify_counts(lengths, len(lengths))
    return counts if int(counts.sum()) > 0 else None


def _ring_along(lats: np.ndarray, lngs: np.ndarray, edges: _Edges, azimuths: np.ndarray,
                lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ring of these vertices with points along each long edge (`densify_counts`), from the
    edges' geodesics as measured from their lower ends (azimuths in degrees, lengths in m)."""
    n = len(lats)
    counts = _points_to_add(lengths)
    if counts is None:
        return lats, lngs
    added = int(counts.sum())
    edge = np.repeat(np.arange(n), counts)  # the edge of each added point
    first = np.cumsum(counts) - counts  # where each edge's points start among the added ones
    k = np.arange(added) - first[edge] + 1  # 1 .. count, walking from the edge's start vertex
    count = counts[edge]
    j = np.where(edges.swapped[edge], count + 1 - k, k)  # the same point counted from the lower end
    distances = lengths[edge] * j / (count + 1)
    added_lngs, added_lats, _ = WGS84.fwd(edges.low_lngs[edge], edges.low_lats[edge], azimuths[edge], distances)
    at_vertex = np.arange(n) + first  # vertex i, then the points of edge i
    out_lats, out_lngs = np.empty(n + added), np.empty(n + added)
    is_added = np.ones(n + added, dtype=bool)
    is_added[at_vertex] = False
    out_lats[at_vertex], out_lngs[at_vertex] = lats, lngs
    out_lats[is_added], out_lngs[is_added] = added_lats, added_lngs
    return out_lats, out_lngs


def _next(values: np.ndarray) -> np.ndarray:
    """values[(i + 1) % n] (np.roll, without its overhead on short arrays)."""
    return np.concatenate((values[1:], values[:1]))


@dataclass(frozen=True, slots=True)
class PolygonSurvey:
    """What validating a polygon needs, from one geodesic call: the centre validation projects
    around (`centre_of`), the distance of the farthest vertex from it and that vertex's index,
    the perimeter (m, along the ellipsoid) and, when no edge is long enough to be densified, the
    vertices in the plane at the centre, as `LocalPlane(centre).shape` would give them.

    `perimeter_exact` is False when no edge was measured, the ring surely gaining no point from its
    edges' bounds (`_edge_length_bounds`): `perimeter_m` is then an upper bound, at most 1.0102
    times the perimeter (`polygon_perimeter_m` measures it)."""

    centre: LatLng
    reach_m: float
    farthest: int
    perimeter_m: float
    plane_xy: np.ndarray | None
    perimeter_exact: bool = True


def _vertex_plane_nbytes(polygon: Polygon, value: tuple[np.ndarray, np.ndarray]) -> int:
    return footprint_nbytes(polygon) + tuple_nbytes(value) + array_nbytes(value[0]) + array_nbytes(value[1])


@bounded_cache("vertex_plane", VERTEX_PLANE_CACHE_BYTES, _vertex_plane_nbytes)
def vertex_plane(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:
    """(the vertices in the plane at `centre_of(polygon)` as an (n, 2) array, their distances
    from the centre in m): as `LocalPlane(centre_of(polygon)).project` gives them. Cached: the
    validation and the convex hull of notification relevance both need them."""
    centre = centre_of(polygon)
    n = len(polygon.vertices)
    azimuths, _, reach = WGS84.inv(np.full(n, centre.lng), np.full(n, centre.lat), polygon.coords[:, 1],
                                   polygon.coords[:, 0])
    xy = _plane_xy(azimuths, reach)
    xy.flags.writeable = False
    reach.flags.writeable = False
    return xy, reach


def _plane_xy(azimuths: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Plane metres (x = d sin az, y = d cos az) from the centre's azimuths and distances."""
    az_r = np.radians(azimuths)
    return np.column_stack((distances * np.sin(az_r), distances * np.cos(az_r)))


def polygon_survey(polygon: Polygon) -> PolygonSurvey:
    n = len(polygon.vertices)
    if n > _FEW_POINTS:
        return _surveys_of_many([polygon])[0]
    centre = centre_of(polygon)
    lats, lngs = polygon.coords[:, 0], polygon.coords[:, 1]
    # one geodesic call for both: centre -> each vertex, each vertex -> the next
    azimuths, _, lengths = WGS84.inv(np.concatenate((np.full(n, centre.lng), lngs)),
                                     np.concatenate((np.full(n, centre.lat), lats)),
                                     np.concatenate((lngs, _next(lngs))), np.concatenate((lats, _next(lats))))
    xy, reach, edges = _plane_xy(azimuths[:n], lengths[:n]), lengths[:n], lengths[n:]
    vertex_plane.cache.put(polygon, _read_only(xy, reach))  # exactly `vertex_plane`'s (Geod.inv is elementwise)
    # as `_densified_ring` decides (it measures each edge from its lower end: the same length
    # within nanometres, far inside this millimetre)
    densified = len(edges) >= 2 and float(np.max(edges)) >= _SURELY_UNDENSIFIED_M
    farthest = int(np.argmax(reach))
    return PolygonSurvey(centre, float(reach[farthest]), farthest, float(np.sum(edges)), None if densified else xy)


def polygon_perimeter_m(polygon: Polygon) -> float:
    """The perimeter along the ellipsoid (m): a geodesic per edge."""
    lats, lngs = polygon.coords[:, 0], polygon.coords[:, 1]
    return float(WGS84.line_length(np.append(lngs, lngs[:1]), np.append(lats, lats[:1])))


def polygon_surveys(polygons: Sequence[Polygon]) -> list[PolygonSurvey]:
    """`polygon_survey` of each polygon, with what costs a call per polygon made once for all of
    them (`_surveys_of_many`): one request may carry 100 polygons of 100 vertices, and each paid
    ~0.6 ms of numpy and pyproj call overhead on top of ~0.3 ms of geodesics. Polygons of at most
    `_FEW_POINTS` vertices, surveyed with plain floats, go one by one."""
    many = [i for i, p in enumerate(polygons) if len(p.vertices) > _FEW_POINTS]
    surveyed = dict(zip(many, _surveys_of_many([polygons[i] for i in many]), strict=True))
    return [surveyed[i] if i in surveyed else polygon_survey(p) for i, p in enumerate(polygons)]


def _surveys_of_many(polygons: Sequence[Polygon]) -> list[PolygonSurvey]:
    """The surveys of polygons of more than `_FEW_POINTS` vertices. Every batched step is
    elementwise (unit vectors, geodesic inverses, plane coordinates), and every reduction (the
    centre's sum, the perimeter, the farthest vertex) runs on the polygon's own slice, so a
    polygon's survey is the same bit for bit alone or among others.

    The edges are measured only in polygons that have one that may be two densifying steps long,
    as `_densified_ring` measures them (from their lower ends), so that the survey knows as it
    does whether points are added. A polygon to which surely no point is added (its edges' bounds,
    `_edge_length_bounds`, settle it: all shorter than two steps, or a comb of 10,000 vertices with
    3.8 km teeth) is its own ring, and its edges cost no geodesic; one to which measuring adds none
    is its own ring too."""
    if not polygons:
        return []
    coords = [p.coords for p in polygons]
    sizes = [len(c) for c in coords]
    ends = np.cumsum(np.asarray(sizes, dtype=np.intp))
    starts = ends - sizes
    lats = np.concatenate([c[:, 0] for c in coords])
    lngs = np.concatenate([c[:, 1] for c in coords])
    units = unit_vector(lats, lngs)
    centres = []
    for k, polygon in enumerate(polygons):
        centre = polygon._centre
        if centre is None:  # as `_centre_of` for one polygon of more than _FEW_POINTS vertices
            centre = _mean_direction(units[starts[k]:ends[k]], coords[k][0])
            object.__setattr__(polygon, "_centre", centre)
        centres.append(centre)
    following = np.arange(len(lats)) + 1  # each vertex's next within its own polygon
    following[ends - 1] = starts
    shortest, bounds = _edge_length_bounds(units, units[following])
    measured = [k for k in np.flatnonzero(np.maximum.reduceat(bounds, starts) >= _SURELY_UNDENSIFIED_M).tolist()
                if not _surely_adds_no_point(shortest[starts[k]:ends[k]], bounds[starts[k]:ends[k]])]
    bounded_perimeters = np.add.reduceat(bounds, starts)  # (reduced per polygon, as alone)
    edges = {k: _Edges.of(lats[starts[k]:ends[k]], lngs[starts[k]:ends[k]], lats[following[starts[k]:ends[k]]],
                          lngs[following[starts[k]:ends[k]]]) for k in measured}
    # one geodesic call: the centre to each vertex, then the edges measured
    total = len(lats)
    azimuths, _, lengths = WGS84.inv(
        np.concatenate((np.repeat([c.lng for c in centres], sizes), *(edges[k].low_lngs for k in measured))),
        np.concatenate((np.repeat([c.lat for c in centres], sizes), *(edges[k].low_lats for k in measured))),
        np.concatenate((lngs, *(edges[k].high_lngs for k in measured))),
        np.concatenate((lats, *(edges[k].high_lats for k in measured))))
    reach = lengths[:total]
    xy = _plane_xy(azimuths[:total], reach)
    perimeters, densified = {}, set()
    at = total
    for k in measured:
        length = np.asarray(lengths[at:at + sizes[k]])
        perimeters[k] = float(np.sum(length))
        if _points_to_add(length) is not None:
            densified.add(k)  # its ring is built when asked for (a refused polygon never is)
        at += sizes[k]
    surveys = []
    for k, (polygon, a, b) in enumerate(zip(polygons, starts, ends, strict=True)):
        vertex_plane.cache.put(polygon, _read_only(xy[a:b], reach[a:b]))  # exactly `vertex_plane`'s
        if k not in densified:  # its own ring: kept for the index box, the hull and every exact test
            densified_ring.cache.put(polygon, _read_only(lats[a:b], lngs[a:b]))
        farthest = int(np.argmax(reach[a:b]))
        surveys.append(PolygonSurvey(centres[k], float(reach[a + farthest]), farthest,
                                     perimeters.get(k, float(bounded_perimeters[k])),
                                     None if k in densified else xy[a:b], perimeter_exact=k in perimeters))
    return surveys


# An edge surely shorter than this is never densified (`_ring_along`: only edges of two steps are);
# the millimetre is far above the geodesics' nanometres.
_SURELY_UNDENSIFIED_M = 2 * DENSIFY_STEP_M - 1e-3
# The ellipsoid's largest and smallest radii of curvature, a^2 / b (at the poles) and b^2 / a (across
# the equator): see `_edge_length_bounds`.
_MAX_CURVATURE_RADIUS_M = WGS84.a**2 / WGS84.b
_MIN_CURVATURE_RADIUS_M = WGS84.b**2 / WGS84.a


def _surely_adds_no_point(shortest: np.ndarray, longest: np.ndarray) -> bool:
    """Whether `densify_counts` surely adds no point to a ring whose edges' lengths lie between
    these bounds: it takes the first step at which the points fit, so each step at which even the
    shortest lengths need more room than there is is surely passed, and at the first that is not,
    no point is added if even the longest lengths get none. (A comb of 10,000 vertices whose teeth
    are 3.8 km long: 15,000 points at 1 km do not fit, and at 2 km no edge is two steps long.)"""
    room = max(MAX_RING_POINTS - len(longest), 0)
    for step in _STEPS:
        if int(_counts_at(shortest, step).sum()) > room:
            continue  # the exact counts are no fewer: this step surely does not fit
        return not _counts_at(longest, step).any()
    return True  # no step fits: `densify_counts` adds nothing (a ring above the budget)


def _edge_length_bounds(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the geodesic lengths between points given by their unit normals
    (rows of `unit_vector`): the angle between the normals times b^2 / a and a^2 / b, with a
    margin for rounding.

    Why they bound: the Gauss map (a point to its normal, on the unit sphere) stretches every
    direction by at least the smallest principal curvature, b / a^2 (at the poles). So the curve on
    the ellipsoid whose normals run along the great circle arc between the two ends' normals is at
    most angle * a^2 / b long, and the geodesic, the shortest curve between them, no longer. It
    stretches by at most the largest, a / b^2, and the geodesic's image joins the two normals, so
    it is at least `angle` long: the geodesic is at least angle * b^2 / a. The two are
    (a / b)^3 = 1.014 % apart."""
    chords = np.linalg.norm(ends - starts, axis=1)
    angles = 2.0 * np.arcsin(np.minimum(0.5 * chords, 1.0))
    return angles * _MIN_CURVATURE_RADIUS_M * (1.0 - 1e-9) - 1e-6, angles * _MAX_CURVATURE_RADIUS_M * (1.0 + 1e-9) + 1e-6


def polygon_area_bound_m2(polygon: Polygon) -> float:
    """An upper bound of the polygon's area on the ellipsoid (`Polygon.area_m2`), from its vertices
    in their own plane (`vertex_plane`, kept by the parse's survey): O(n) arithmetic, no geodesic.
    A densified polygon, or one of a few vertices, gets its exact area.

    Why it bounds: the azimuthal equidistant plane never shrinks an area (`intersect`'s
    `area_bound_m2`: along rays its scale is 1, across them the distance over the reduced length,
    >= 1 where the curvature is positive), so the plane region bounded by the projected geodesic
    edges has at least the area. Each projected edge bows away from its chord by at most its sag,
    chord^2 * `CURVATURE_BOUND` / 8 (the module's docstring), so that region exceeds the chords'
    polygon by at most the sum of chord * sag (with 10 % on the chord for the arc's length). It
    exceeds the area by the plane's scale: 1 + (d / R)^2 / 6 at d from the centre, a millionth at
    20 km, 1.7 % at the 2,000 km a polygon may reach."""
    if len(polygon.vertices) <= _FEW_POINTS or len(densified_ring(polygon)[0]) != len(polygon.vertices):
        # a few vertices' geodesics cost less than the bound's numpy calls (17 against 40 us for
        # 4); a densified polygon's edges are not chords of the plane: measured
        return polygon.area_m2
    xy, _ = vertex_plane(polygon)
    x, y = xy[:, 0], xy[:, 1]
    next_x, next_y = _next(x), _next(y)
    cross = x * next_y - next_x * y
    chords = np.hypot(next_x - x, next_y - y)
    slivers = float(np.sum((1.1 * chords) ** 2 * chords)) * CURVATURE_BOUND / 8.0
    # rounding: each cross product is exact to a few units in the last place of its terms
    rounding = 1e-12 * float(np.sum(np.abs(x * next_y)) + np.sum(np.abs(next_x * y))) + 1e-6
    return abs(0.5 * float(np.sum(cross))) + slivers + rounding


def polygon_problem(polygon: Polygon, survey: PolygonSurvey | None = None) -> str | None:
    """Why this polygon is unusable (too few vertices, self-intersecting, no area), or None."""
    distinct = len(set(polygon.vertices))
    if len(polygon.vertices) < 3 or distinct < 3:
        return f"a polygon needs at least 3 distinct vertices, got {distinct}"
    if survey is not None and survey.plane_xy is not None:
        shape = shapely.Polygon(survey.plane_xy)
    else:
        shape = LocalPlane(survey.centre if survey is not None else centre_of(polygon)).shape(polygon)
    if not shapely.is_simple(shape.exterior):
        return "the polygon's edges cross each other (self-intersecting)"
    if shape.area <= 1e-6:
        return "the polygon has no area (its vertices are collinear)"
    return None


def geodesic_area_m2(plane: LocalPlane, shape: shapely.Geometry) -> float:
    """Area of a plane shape measured on the ellipsoid (the plane is not equal-area)."""
    total = 0.0
    for part in getattr(shape, "geoms", [shape]):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        xs, ys = np.asarray(part.exterior.coords).T
        lats, lngs = plane.unproject(xs, ys)
        area, _ = WGS84.polygon_area_perimeter(lngs, lats)
        holes = 0.0
        for ring in part.interiors:
            hx, hy = np.asarray(ring.coords).T
            hlats, hlngs = plane.unproject(hx, hy)
            holes += abs(WGS84.polygon_area_perimeter(hlngs, hlats)[0])
        total += abs(area) - holes
    return total
