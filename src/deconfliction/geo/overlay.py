"""Predicates and overlays of two plane shapes whose cost is bounded before it is paid.

Why: the overlay of two polygons (`shapely.intersection`) costs O((n + k) log n) for k crossings
of their boundaries, and k is bounded not by the vertices but by their product. Two combs that
pass every input limit (10,000 vertices, 2,000 km from the centre, 20,000 km around) whose teeth
cross cross (n / 4)^2 times: the intersection of two 4,000-vertex combs is a million squares, and
GEOS took 114 s to build it; its full relate (`relate_pattern`, the old overlap test) did the same
work in 28 s. So:

- whether the interiors meet is asked of GEOS's named predicates `intersects` and `touches`
  (`interiors_meet`): since GEOS 3.13 they are RelateNG, which stops at the first point where
  the interiors cross and finds it with its segment index (milliseconds on those combs), exactly,
  without building anything;
- before them, two large shapes are searched for two edges that surely cross (each orientation
  beyond its rounding error): that alone settles that the interiors meet;
- an overlay is built only once the crossings are counted and found to be at most
  `MAX_CROSSINGS` (`crossings_at_most`): the count stops as soon as it passes that, having looked
  at no more than a few chunks of segments beyond it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely

# Crossings of two boundaries past which their overlay is not built: it has at most about this
# many pieces (plus the parts of one wholly inside the other), each measured on the ellipsoid.
MAX_CROSSINGS = 1_000
# The boundaries are cut into runs of this many segments for the count: 1/8 as many boxes to
# index as segments, 64 segment pairs tested per pair of runs whose boxes meet.
CHUNK_SEGMENTS = 8
# Runs of one shape looked up in the index of the other's at a time.
QUERY_RUNS = 32
# Pairs of runs whose segments are tested (all against all, in numpy) before the count is checked:
# the count stops at most BATCH_PAIRS * CHUNK_SEGMENTS^2 = 16,384 meetings past the limit.
BATCH_PAIRS = 256


def interiors_meet(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """True when the interiors of two areal shapes share a point (DE-9IM II non-empty): RelateNG's
    named predicates, never an overlay; fast even when the boundaries cross n^2 times. Two large
    shapes are first searched for a pair of edges that surely cross (`_surely_cross`): where two
    simple rings cross, each interior lies on one side of each edge, so near the crossing a quadrant
    lies in both. Two crossing 10,000-vertex combs cost RelateNG ~20 ms (two passes), the search ~6 ms."""
    if min(shapely.get_num_coordinates(a), shapely.get_num_coordinates(b)) >= SEARCH_CROSSING_POINTS \
            and _surely_cross(a, b):
        return True
    return bool(shapely.intersects(a, b)) and not bool(shapely.touches(a, b))


# Two shapes of this many points or more each are searched for a crossing before RelateNG is asked
# (a small shape's predicates cost RelateNG little, and it lies inside a large one more often than
# it crosses it: the search would be paid for nothing).
SEARCH_CROSSING_POINTS = 1_000
# Pairs of runs tested for a sure crossing before the search gives up (then RelateNG decides),
# and runs looked up at a time (fewer than the count's: the search hopes to stop at the first).
SEARCH_BATCHES = 4
SEARCH_QUERY_RUNS = 8
# Shewchuk's bound on the rounding of an orientation's sign, as a multiple of its terms' sum
# ((3 + 16 eps) eps, "Adaptive Precision Floating-Point Arithmetic", 1997), with room to spare.
_ORIENTATION_ERROR = 1e-15


def _surely_cross(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Whether a segment of `a`'s rings crosses one of `b`'s at a point inside both, each of the
    four orientations decided beyond its rounding error (so the answer is exact when True; False
    may only mean none was found within `SEARCH_BATCHES` batches of run pairs)."""
    for batch, (mine, theirs) in enumerate(_run_pairs(a, b, SEARCH_QUERY_RUNS)):
        if batch >= SEARCH_BATCHES:
            return False
        if _any_sure_crossing(mine, theirs):
            return True
    return False


def _run_pairs(a: shapely.Geometry, b: shapely.Geometry, query_runs: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs of runs (of `a`, of `b`) whose boxes meet, `BATCH_PAIRS` at a time: the runs of `b`
    meeting `query_runs` runs of `a` at a time are found with an index (by chunks: two combs' runs
    can all meet each other, (n / 8)^2 pairs)."""
    mine, theirs = runs(a), runs(b)
    mine_boxes, tree = _boxes(mine), shapely.STRtree(_boxes(theirs))
    for first in range(0, len(mine), query_runs):
        left, right = tree.query(mine_boxes[first:first + query_runs])
        left += first
        for start in range(0, len(left), BATCH_PAIRS):
            yield mine[left[start:start + BATCH_PAIRS]], theirs[right[start:start + BATCH_PAIRS]]


def _any_sure_crossing(p: np.ndarray, q: np.ndarray) -> bool:
    """Whether any segment pair of the run pairs (p[i], q[i]) crosses properly, surely."""
    a, b = p[:, :, None, :], q[:, None, :, :]

    def sure_sign(ox: np.ndarray, oy: np.ndarray, ux: np.ndarray, uy: np.ndarray, px: np.ndarray,
                  py: np.ndarray) -> np.ndarray:
        """The orientation's sign where rounding cannot have changed it, else 0."""
        left, right = (ux - ox) * (py - oy), (uy - oy) * (px - ox)
        det = left - right
        return np.where(np.abs(det) > _ORIENTATION_ERROR * (np.abs(left) + np.abs(right)), np.sign(det), 0.0)

    with np.errstate(invalid="ignore"):  # the NaN padding meets nothing
        d1 = sure_sign(b[..., 0], b[..., 1], b[..., 2], b[..., 3], a[..., 0], a[..., 1])
        d2 = sure_sign(b[..., 0], b[..., 1], b[..., 2], b[..., 3], a[..., 2], a[..., 3])
        d3 = sure_sign(a[..., 0], a[..., 1], a[..., 2], a[..., 3], b[..., 0], b[..., 1])
        d4 = sure_sign(a[..., 0], a[..., 1], a[..., 2], a[..., 3], b[..., 2], b[..., 3])
        return bool(np.any((d1 * d2 < 0) & (d3 * d4 < 0)))


def runs(shape: shapely.Geometry, size: int = CHUNK_SEGMENTS) -> np.ndarray:
    """The segments of the shape's rings, `size` at a time: (runs, size, 4) as x0, y0, x1, y1,
    the last run of each ring padded with NaN (which meets nothing)."""
    rings = shapely.get_rings(shapely.get_parts(shape))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    out = []
    for ring in range(len(rings)):
        points = coords[ring_of == ring]
        segs = np.hstack([points[:-1], points[1:]])
        padded = np.full((-(-len(segs) // size) * size, 4), np.nan)
        padded[:len(segs)] = segs
        out.append(padded.reshape(-1, size, 4))
    return np.concatenate(out) if out else np.empty((0, size, 4))


def _boxes(run_segments: np.ndarray) -> np.ndarray:
    xs = run_segments[:, :, 0::2].reshape(len(run_segments), -1)
    ys = run_segments[:, :, 1::2].reshape(len(run_segments), -1)
    # fmin / fmax skip the NaN padding as nanmin / nanmax do, without their copies (half the time)
    return shapely.box(np.fmin.reduce(xs, axis=1), np.fmin.reduce(ys, axis=1),
                       np.fmax.reduce(xs, axis=1), np.fmax.reduce(ys, axis=1))


def _meetings(p: np.ndarray, q: np.ndarray) -> int:
    """How many segment pairs of the run pairs (p[i], q[i]) meet (cross, touch or overlap), in
    floating point: this only predicts what an overlay would cost, it decides nothing."""
    a, b = p[:, :, None, :], q[:, None, :, :]

    def orient(ox: np.ndarray, oy: np.ndarray, ux: np.ndarray, uy: np.ndarray, px: np.ndarray,
               py: np.ndarray) -> np.ndarray:
        return np.sign((ux - ox) * (py - oy) - (uy - oy) * (px - ox))

    with np.errstate(invalid="ignore"):
        boxes = ((np.minimum(a[..., 0], a[..., 2]) <= np.maximum(b[..., 0], b[..., 2]))
                 & (np.minimum(b[..., 0], b[..., 2]) <= np.maximum(a[..., 0], a[..., 2]))
                 & (np.minimum(a[..., 1], a[..., 3]) <= np.maximum(b[..., 1], b[..., 3]))
                 & (np.minimum(b[..., 1], b[..., 3]) <= np.maximum(a[..., 1], a[..., 3])))
        d1 = orient(b[..., 0], b[..., 1], b[..., 2], b[..., 3], a[..., 0], a[..., 1])
        d2 = orient(b[..., 0], b[..., 1], b[..., 2], b[..., 3], a[..., 2], a[..., 3])
        d3 = orient(a[..., 0], a[..., 1], a[..., 2], a[..., 3], b[..., 0], b[..., 1])
        d4 = orient(a[..., 0], a[..., 1], a[..., 2], a[..., 3], b[..., 2], b[..., 3])
        return int(np.count_nonzero(boxes & (d1 * d2 <= 0) & (d3 * d4 <= 0)))


def crossings_at_most(a: shapely.Geometry, b: shapely.Geometry, limit: int = MAX_CROSSINGS) -> bool:
    """Whether the boundaries of `a` and `b` meet at most `limit` times (segment pairs that cross,
    touch or overlap), counted run against run and stopped past the limit: the runs of `b` whose
    boxes meet those of `QUERY_RUNS` runs of `a` at a time are found with an index, and their
    segments tested `BATCH_PAIRS` pairs of runs at a time."""
    if shapely.get_num_coordinates(a) * shapely.get_num_coordinates(b) <= limit:
        return True  # fewer segment pairs than the limit: nothing to count
    found = 0
    for mine, theirs in _run_pairs(a, b, QUERY_RUNS):
        found += _meetings(mine, theirs)
        if found > limit:
            return False
    return True
