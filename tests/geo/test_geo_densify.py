"""A densified ring has a point budget whatever its edges: the step doubles when the 1 km step
would exceed it. Points stay on the geodesic, shared edges stay bit-identical, and the chord sag
at the largest step a parsed polygon gets is within the bound plane.py states."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from deconfliction.geo import (
    LatLng,
    Polygon,
    Volume4D,
    footprints_overlap,
    index,
    plane,
)

from .heavy import alternating, counting, regular

GEOD = Geod(ellps="WGS84")
# What one parse + index box + exact overlap test may cost, in projected points: the ring
# projected once to validate and once more in the pair's plane, plus the other footprint.
PROJECTED_BUDGET = 2 * plane.MAX_RING_POINTS + 1_000


@pytest.mark.parametrize("n", [2_000, 20_000])
def test_alternating_polygon_given_to_the_engine_unvalidated_stays_within_the_ring_budget(monkeypatch, n):
    # As if read back from a store written before the parser's bounds: the ring has a budget.
    polygon = Polygon(tuple(LatLng(*p) for p in alternating(n)))
    with counting(monkeypatch) as cost:
        index.box_of(Volume4D(polygon))
        if n == 2_000:  # (not at 20,000: GEOS on 20,000 self-crossing edges is slow, crossings not points)
            footprints_overlap(polygon, Polygon(tuple(LatLng(*p) for p in regular(4, 10_000.0))))
    attack, *others = cost.densified  # the attack's ring is built once, then read from the cache
    assert n <= attack <= max(n, plane.MAX_RING_POINTS)  # the old code: 4,002,000 points at n = 2,000
    assert sum(others) <= 100  # the small square
    assert cost.projected <= PROJECTED_BUDGET


# --- densification: budget, step, geometry -----------------------------------------------------


def test_step_is_one_km_when_the_ring_fits_and_doubles_until_it_does():
    step, counts = plane.densify_counts(np.array([10_500.0, 1_999.0, 3_000.0]), 3)
    assert step == 1_000.0 and counts.tolist() == [10, 0, 3]
    # 10 edges of 3,000 km: 30,000 points at 1 km, 15,000 at 2 km (+ 10 vertices) fit 20,000
    step, counts = plane.densify_counts(np.full(10, 3_000_000.0), 10)
    assert step == 2_000.0 and counts.sum() == 15_000
    # more vertices than the budget: nothing is added
    step, counts = plane.densify_counts(np.full(30_000, 5_000.0), 30_000)
    assert step == 4_000.0 and counts.sum() == 0
    # the loop is bounded: even the longest geodesics end up undensified
    step, counts = plane.densify_counts(np.full(19_999, 20_003_931.0), 19_999)
    assert counts.sum() == 0


def test_long_edges_are_densified_on_the_geodesic_without_a_per_edge_cap():
    # A 4,000 km edge (both ends within the 2,000 km bound) gets a point every km, all on it.
    a, b, c = (45.0, -18.0), (45.0, 33.0), (30.0, 7.0)
    polygon = Polygon(tuple(LatLng(*p) for p in (a, b, c)))
    lats, lngs = plane.densified_ring(polygon)
    _, _, ab = GEOD.inv(a[1], a[0], b[1], b[0])
    _, _, bc = GEOD.inv(b[1], b[0], c[1], c[0])
    _, _, ca = GEOD.inv(c[1], c[0], a[1], a[0])
    assert ab > 3_900_000
    assert len(lats) == 3 + sum(int(L // 1_000) for L in (ab, bc, ca))
    first = lats[1 : 1 + int(ab // 1_000)], lngs[1 : 1 + int(ab // 1_000)]
    _, _, from_a = GEOD.inv(np.full(len(first[0]), a[1]), np.full(len(first[0]), a[0]), first[1], first[0])
    _, _, to_b = GEOD.inv(first[1], first[0], np.full(len(first[0]), b[1]), np.full(len(first[0]), b[0]))
    assert np.max(np.abs(from_a + to_b - ab)) < 1e-6  # on the geodesic
    assert np.max(np.diff(from_a)) < 1_000.0 and np.all(np.diff(from_a) > 0)  # in order, < 1 km apart


def test_shared_edge_points_are_bit_identical_whatever_the_direction():
    p, q = (10.0, 10.0), (20.0, 15.0)
    one = plane.densified_ring(Polygon((LatLng(*p), LatLng(*q), LatLng(10.0, 20.0))))
    other = plane.densified_ring(Polygon((LatLng(*q), LatLng(*p), LatLng(15.0, 0.0))))
    shared = set(zip(one[0].tolist(), one[1].tolist(), strict=True)) & set(zip(other[0].tolist(), other[1].tolist(), strict=True))
    _, _, length = GEOD.inv(p[1], p[0], q[1], q[0])
    assert len(shared) == 2 + int(length // 1_000)


@pytest.mark.parametrize("from_centre_m", [2_000_000.0, 5_000_000.0])
def test_chord_sag_at_the_largest_step_is_within_the_stated_bound(from_centre_m):
    # plane.py: at a 2 km step (the largest a parsed polygon gets) chords sag by at most
    # (2 km)^2 * CURVATURE_BOUND / 8 = 5 cm wherever a plane is used (within 5,000 km of its centre).
    bound = 2_000.0**2 * plane.CURVATURE_BOUND / 8
    assert bound == pytest.approx(0.05)
    local = plane.LocalPlane(LatLng(45.0, 7.0))
    worst = 0.0
    for az0 in range(0, 360, 45):
        for turn in (5.0, 60.0, 170.0):
            lng1, lat1, _ = GEOD.fwd(7.0, 45.0, az0, from_centre_m)
            lng2, lat2, _ = GEOD.fwd(7.0, 45.0, az0 + turn, from_centre_m)
            az, _, _ = GEOD.inv(lng1, lat1, lng2, lat2)
            d = np.linspace(0.0, 2_000.0, 41)  # one 2 km chord, sampled along its geodesic
            lngs, lats, _ = GEOD.fwd(np.full(41, lng1), np.full(41, lat1), np.full(41, az), d)
            xs, ys = local.project(lats, lngs)
            chord = shapely.LineString([(xs[0], ys[0]), (xs[-1], ys[-1])])
            worst = max(worst, float(np.max(shapely.distance(shapely.points(np.column_stack([xs, ys])), chord))))
    assert worst <= bound
    assert worst > bound / 10  # and the bound is not vacuous
