"""Exact 4D matching of extents, fast enough for a busy area.

The broad phase is the registry's VolumeIndex; this is the narrow phase. The authority is the
engine's exact test (`geo.footprints_overlap`, with open altitude and time intervals), but it
projects both footprints afresh for every pair (~0.2 ms). Here each footprint is projected once
into a shared azimuthal equidistant plane centred on a 0.25 degree grid point near the query,
cached, and compared in batches with shapely. Within `FAST_RADIUS_M` of the plane centre the
projection distorts shapes by millimetres, so the cached shapes decide only clear cases:

- farther apart than `MARGIN_M`: no overlap;
- overlapping after both are shrunk by `MARGIN_M` (a disc of that radius lies in both): overlap;
- anything closer to the edge, circles against circles, and footprints far from the grid point
  go to the engine's test, so a borderline answer is always the engine's.

Relevance for notifications is wider (`relevant`): convex hulls in plan, see its docstring.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import shapely

from . import Circle, Footprint, LatLng, Polygon, Volume4D, footprints_overlap, volumes_intersect, volumes_overlap
from .bounds import polygon_volume_boxes
from .cache import (
    HULL_CACHE_BYTES,
    LATLNG_BYTES,
    PLANAR_CACHE_BYTES,
    bounded_cache,
    footprint_nbytes,
    geometry_nbytes,
)
from .plane import LocalPlane, vertex_plane

GRID_DEG = 0.25
MARGIN_M = 0.5
FAST_RADIUS_M = 60_000.0
# A shape with more points than this gets no shrunk copy (its pairs go to the engine's test, which
# is O(n log n)): a negative buffer nodes its offset curves, and on an outline whose edges run
# close and parallel (a comb's teeth) that costs up to O(n^2): 8.5 s for a 10,000-vertex comb
# turned 45 degrees. Footprints of a busy area (4-64 points) are far below it.
INNER_MAX_POINTS = 1_000
_KEY_BYTES = sys.getsizeof((None, None)) + LATLNG_BYTES  # a (footprint, centre) key, less the footprint


def _grid_centre(footprint: Footprint) -> LatLng:
    anchor = footprint.center if isinstance(footprint, Circle) else footprint.vertices[0]
    lat = max(-89.75, min(89.75, round(anchor.lat / GRID_DEG) * GRID_DEG))
    return LatLng(lat, round(anchor.lng / GRID_DEG) * GRID_DEG)


def _planar_nbytes(key: tuple[Footprint, LatLng],
                   planar: tuple[shapely.Geometry, shapely.Geometry | None] | None) -> int:
    size = _KEY_BYTES + footprint_nbytes(key[0])
    if planar is not None:
        shape, inner = planar
        size += sys.getsizeof(planar) + geometry_nbytes(shape, prepared=True)
        size += geometry_nbytes(inner) if inner is not None else 0
    return size


@bounded_cache("matching.planar", PLANAR_CACHE_BYTES, _planar_nbytes)
def _planar(footprint: Footprint, centre: LatLng) -> tuple[shapely.Geometry, shapely.Geometry | None] | None:
    """(shape, shape shrunk by the margin, or None above `INNER_MAX_POINTS`) in the plane at
    `centre`; None when too far from it."""
    if abs(centre.lat) > 80:
        return None  # near the poles the grid cells are tiny in longitude: leave it to the engine
    shape = LocalPlane(centre).shape(footprint)
    coords = shapely.get_coordinates(shape)
    if float(np.max(np.hypot(coords[:, 0], coords[:, 1]))) > FAST_RADIUS_M:
        return None
    inner = shape.buffer(-MARGIN_M) if len(coords) <= INNER_MAX_POINTS else None
    shapely.prepare(shape)
    return shape, inner


def _many_vertices(footprint: Footprint) -> bool:
    """More vertices than `INNER_MAX_POINTS`: the shape gets no shrunk copy in `_planar`."""
    return isinstance(footprint, Polygon) and len(footprint.vertices) > INNER_MAX_POINTS


def overlapping(query: Volume4D, candidates: Sequence[Volume4D]) -> list[bool]:
    """For each candidate, whether it overlaps `query` in plan, altitude and time."""
    result = [False] * len(candidates)
    batch: list[int] = []
    for i, volume in enumerate(candidates):
        if not (query.time_s.overlaps(volume.time_s) and query.altitude_m.overlaps(volume.altitude_m)):
            continue
        if isinstance(query.footprint, Circle) and isinstance(volume.footprint, Circle):
            result[i] = footprints_overlap(query.footprint, volume.footprint)  # one geodesic distance
            continue
        batch.append(i)
    if _many_vertices(query.footprint):
        # two large shapes (no shrunk copies) could only be told far apart here: the engine's test
        # costs no more, and what it finds is kept for the decision's next questions about the pair
        large = {i for i in batch if _many_vertices(candidates[i].footprint)}
        for i in sorted(large):
            result[i] = footprints_overlap(query.footprint, candidates[i].footprint)
        batch = [i for i in batch if i not in large]
    if not batch:
        return result  # the projection of the query is only paid for when a plan test is needed
    centre = _grid_centre(query.footprint)
    mine = _planar(query.footprint, centre)
    fast: list[tuple[int, tuple[shapely.Geometry, shapely.Geometry | None]]] = []
    for i in batch:
        theirs = _planar(candidates[i].footprint, centre) if mine is not None else None
        if theirs is None:
            result[i] = footprints_overlap(query.footprint, candidates[i].footprint)
        else:
            fast.append((i, theirs))
    if not fast or mine is None:
        return result
    shape, inner = mine
    # dwithin, not distance: the prepared shape's dwithin stops at the first pair of segments
    # within the margin; distance ranks every close pair (0.8 s for two interleaved 10,000-vertex
    # combs, 0.04 s this way)
    far = ~shapely.dwithin(shape, [p[0] for _, p in fast], MARGIN_M)
    deep = shapely.intersects(inner, [p[1] for _, p in fast])  # a missing shrunk copy (None): False
    for (i, _), is_far, is_deep in zip(fast, far, deep, strict=True):
        if not is_far:
            result[i] = True if is_deep else footprints_overlap(query.footprint, candidates[i].footprint)
    return result


def extents_intersect(a: Sequence[Volume4D], b: Sequence[Volume4D]) -> bool:
    """Whether any volume of `a` overlaps any volume of `b`."""
    return any(any(overlapping(va, b)) for va in a)


def _hull_nbytes(footprint: Footprint, hull: Footprint) -> int:
    return footprint_nbytes(footprint) + (0 if hull is footprint else footprint_nbytes(hull))


@bounded_cache("matching.convex_hull", HULL_CACHE_BYTES, _hull_nbytes)
def convex_hull(footprint: Footprint) -> Footprint:
    """The footprint's convex hull in plan: a polygon of the vertices on it (a circle is its own)."""
    if isinstance(footprint, Circle):
        return footprint
    vertices = footprint.vertices
    points, _ = vertex_plane(footprint)  # the plane it was validated in
    if _turns_one_way_once(points):
        return footprint  # convex: its own hull (most are; GEOS's hull and the corner search cost ~0.2 ms)
    # of the vertices as one line: GEOS builds it in half the time of as many points
    ring = shapely.get_coordinates(shapely.convex_hull(shapely.linestrings(points)))
    # the hull's corners are input points (GEOS copies them exactly), found in O(n) or O(n log n)
    # (a nearest search per corner was O(n * corners): seconds for a 10,000-gon); in a simple
    # polygon they come in the ring's own order, and a repeated vertex counts once, at its first
    # place. A set of tuples for few points (numpy's set operations cost ~100 us a call), numpy's
    # sorted search for many (a Python pass over 10,000 points costs 13 ms against 4).
    on_hull = _first_places(points, ring) if len(points) <= _FEW_POINTS else _first_places_sorted(points, ring)
    return footprint if len(on_hull) == len(vertices) else Polygon(tuple(vertices[i] for i in on_hull))


_FEW_POINTS = 256


def _turns_one_way_once(points: np.ndarray) -> bool:
    """Whether the ring, its repeated points dropped, turns the same way at every vertex and goes
    around once: then it is convex and its own hull (`_rings_turning_once`)."""
    edges = np.roll(points, -1, axis=0) - points
    edges = edges[np.any(edges != 0.0, axis=1)]  # a repeated point's empty edge turns nothing
    return len(edges) >= 3 and bool(_rings_turning_once(edges, np.array([len(edges)]))[0])


def _rings_turning_once(edges: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For rings given by their edges (each ring's `sizes[k]` >= 3 edges in a row, none empty),
    whether each turns the same way at every vertex and goes around once. A concave ring turns
    both ways; a star that turns one way goes around twice (4 pi); a spike (an edge doubling back
    on itself) turns by pi."""
    ends = np.cumsum(sizes)
    starts = ends - sizes
    following = np.arange(len(edges)) + 1  # each edge's next within its own ring
    following[ends - 1] = starts
    after = edges[following]
    cross = edges[:, 0] * after[:, 1] - edges[:, 1] * after[:, 0]
    dot = edges[:, 0] * after[:, 0] + edges[:, 1] * after[:, 1]
    one_way = (np.minimum.reduceat(cross, starts) >= 0.0) | (np.maximum.reduceat(cross, starts) <= 0.0)
    spike = np.logical_or.reduceat((cross == 0.0) & (dot < 0.0), starts)
    once = np.abs(np.add.reduceat(np.arctan2(cross, dot), starts)) < 3 * np.pi  # 2 pi once around, 4 pi twice
    return one_way & ~spike & once


def _first_places(points: np.ndarray, corners_xy: np.ndarray) -> list[int]:
    corners = set(map(tuple, corners_xy.tolist()))
    places: list[int] = []
    seen: set[tuple[float, float]] = set()
    for i, point in enumerate(map(tuple, points.tolist())):
        if point in corners and point not in seen:
            seen.add(point)
            places.append(i)
    return places if len(seen) == len(corners) else _with_nearest(points, corners_xy, places)


def _first_places_sorted(points: np.ndarray, corners_xy: np.ndarray) -> list[int]:
    as_complex = points[:, 0] + 1j * points[:, 1]
    corners = corners_xy[:, 0] + 1j * corners_xy[:, 1]
    _, first = np.unique(as_complex, return_index=True)
    on = np.zeros(len(points), dtype=bool)
    on[first[np.isin(as_complex[first], corners)]] = True
    places = np.flatnonzero(on).tolist()
    return places if bool(np.isin(corners, as_complex).all()) else _with_nearest(points, corners_xy, places)


def _with_nearest(points: np.ndarray, corners_xy: np.ndarray, places: list[int]) -> list[int]:
    """`places` and, for each corner not among the points (not expected), the nearest vertex."""
    found = set(map(tuple, points[places].tolist())) if places else set()
    nearest = {int(np.argmin(np.hypot(*(points - corner).T))) for corner in corners_xy if tuple(corner) not in found}
    return sorted(set(places) | nearest)


def _keep_convex_hulls(polygons: Sequence[Polygon]) -> None:
    """`convex_hull`'s answer for each of these polygons that is convex (itself), found for all of
    them at once (`_rings_turning_once`) rather than with ~15 numpy calls each; the others, and
    those with a repeated point in a row (their empty edges are dropped one polygon at a time),
    are left to `convex_hull`."""
    todo = [p for p in polygons if p not in convex_hull.cache and len(p.vertices) >= 3]
    if not todo:
        return
    planes = [vertex_plane(p)[0] for p in todo]
    sizes = np.array([len(xy) for xy in planes])
    ends = np.cumsum(sizes)
    points = np.concatenate(planes)
    following = np.arange(len(points)) + 1  # each point's next within its own ring
    following[ends - 1] = ends - sizes
    edges = points[following] - points
    whole = ~np.logical_or.reduceat(np.all(edges == 0.0, axis=1), ends - sizes)  # no empty edge
    if not whole.any():
        return
    convex = _rings_turning_once(edges[np.repeat(whole, sizes)], sizes[whole])
    for polygon, is_convex in zip((p for p, w in zip(todo, whole.tolist(), strict=True) if w), convex.tolist(),
                                  strict=True):
        if is_convex:
            convex_hull.cache.put(polygon, polygon)


def hulled(volume: Volume4D) -> Volume4D:
    """The volume with its footprint's convex hull; altitude and time unchanged."""
    return Volume4D(convex_hull(volume.footprint), volume.altitude_m, volume.time_s)


def relevant(a: Sequence[Volume4D], b: Sequence[Volume4D]) -> bool:
    """Whether a change in `a` concerns a subscription to `b`: convex hulls overlap in plan,
    altitude and time overlap exactly (open intervals).

    F3548 leaves "relevant" to the DSS; the InterUSS suite (notification and data-exchange
    scenarios) expects two intents whose footprints are ~10 m apart, one concave and wrapped
    around the other, to be told of each other because their convex hulls overlap (the
    reference DSS, matching coarse S2 cells, is wider still). Both sides are hulled: the
    suite's convex intent must reach the concave one's implicit subscription too. A missed
    notification leaves a USS unaware; an extra one costs a message. The key and queries stay
    exact (`extents_intersect`): they decide who may plan where and must not demand OVNs of
    intents a plan does not touch.
    """
    return extents_intersect([hulled(v) for v in a], [hulled(v) for v in b])


def matching_keys(query: Sequence[Volume4D], entries: Sequence[tuple[str, Volume4D]]) -> set[str]:
    """Keys of the (key, volume) entries that overlap any query volume."""
    found: set[str] = set()
    for volume in query:
        todo = [(k, v) for k, v in entries if k not in found]
        if not todo:
            break
        hits = overlapping(volume, [v for _, v in todo])
        found.update(k for (k, _), hit in zip(todo, hits, strict=True) if hit)
    return found


__all__ = ["GRID_DEG", "MARGIN_M", "convex_hull", "extents_intersect", "hulled", "matching_keys", "overlapping",
           "relevant"]


def prepare_pairs(volumes: Sequence[Volume4D], stored: Sequence[Volume4D], *, where: bool = True) -> None:
    """Compute now what a decision about `volumes` against these stored ones will ask of each pair
    with a shape above `INNER_MAX_POINTS`: whether they overlap and, with `where`, where
    (`volumes_overlap`: the pair and its intersection, or that it is too intricate, are kept; a
    query asks only whether). The routes call this off the event loop for a heavy body, with the
    stored volumes near it, so that the serialized decision finds them (two crossing 10,000-vertex
    combs cost the event loop ~30 ms)."""
    for volume in volumes:
        for other in stored:
            if _many_vertices(volume.footprint) or _many_vertices(other.footprint):
                if where:
                    volumes_overlap(volume, other)
                else:
                    volumes_intersect(volume, other)


def prepare(volumes: Sequence[Volume4D], *, hulls: bool = True) -> None:
    """Compute now what deciding on these volumes will look up: each one's index box and its
    convex hull with the hull's box. The routes call this where they parse a heavy body, off the
    event loop, so that the serialized decision finds them in the caches (a 10,000-vertex hull
    costs tens of milliseconds, which every other writer would otherwise wait for) and the bound
    of a polygon's area that the area limits ask for (`Polygon.area_bound_m2`)."""
    from .index import box_of  # index sits beside matching; imported here to keep geo's init order

    polygons = [v for v in volumes if isinstance(v.footprint, Polygon) and v not in box_of.cache]
    for volume, box in zip(polygons, polygon_volume_boxes(polygons), strict=True):
        box_of.cache.put(volume, box)
    if hulls:
        _keep_convex_hulls([v.footprint for v in polygons])  # type: ignore[misc]
    for volume in volumes:
        box_of(volume)
        if hulls:  # a query matches exactly: only what is stored is told by hulls
            box_of(hulled(volume))
        if isinstance(volume.footprint, Polygon):
            volume.footprint.area_bound_m2  # noqa: B018  (computed once, kept on the polygon for the area limit)
