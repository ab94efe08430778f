"""Two circles in closed form (geo/lens.py) against an independent oracle: true geodesic circles
drawn as 4,096-gons (every point `Geod.fwd` from its centre), intersected by GEOS in the plane
at one centre and measured on the ellipsoid."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import shapely

from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, overlap_region, volumes_overlap
from deconfliction.geo.intersect import plan_overlap_area_m2
from deconfliction.geo.lens import MAX_RADIUS_M, CirclePair, lens_area
from deconfliction.geo.plane import WGS84, LocalPlane, geodesic_area_m2

ORACLE_POINTS = 4096


def true_circle(plane: LocalPlane, circle: Circle) -> shapely.Polygon:
    azimuths = np.linspace(0.0, 360.0, ORACLE_POINTS, endpoint=False)
    n = len(azimuths)
    lngs, lats, _ = WGS84.fwd(np.full(n, circle.center.lng), np.full(n, circle.center.lat), azimuths,
                              np.full(n, circle.radius_m))
    xs, ys = plane.project(lats, lngs)
    return shapely.Polygon(np.column_stack([xs, ys]))


def oracle(a: Circle, b: Circle) -> tuple[LocalPlane, shapely.Geometry, float]:
    plane = LocalPlane(a.center)
    shape = shapely.intersection(true_circle(plane, a), true_circle(plane, b))
    return plane, shape, geodesic_area_m2(plane, shape)


def in_plane(plane: LocalPlane, footprint) -> shapely.Polygon:
    if isinstance(footprint, Circle):
        return true_circle(plane, footprint)
    xs, ys = plane.project(footprint.coords[:, 0], footprint.coords[:, 1])
    return shapely.Polygon(np.column_stack([xs, ys]))


def pairs(seed: int, count: int, max_radius: float):
    rng = random.Random(seed)
    for _ in range(count):
        lat, lng = rng.uniform(-85, 85), rng.uniform(-180, 180)
        ra, rb = rng.uniform(10, max_radius), rng.uniform(10, max_radius)
        distance = rng.uniform(0, 1.2 * (ra + rb))
        lng_b, lat_b, _ = WGS84.fwd(lng, lat, rng.uniform(0, 360), distance)
        yield Circle(LatLng(lat, lng), ra), Circle(LatLng(float(lat_b), float(lng_b)), rb)


@pytest.mark.parametrize("max_radius", [200.0, 5_000.0, MAX_RADIUS_M])
def test_lens_area_and_meeting_agree_with_the_oracle(max_radius):
    met = 0
    for a, b in pairs(7, 150, max_radius):
        pair = CirclePair.of(a, b)
        _, shape, area = oracle(a, b)
        smaller = math.pi * min(a.radius_m, b.radius_m) ** 2
        if area > 1e-4 * smaller:
            met += 1
            assert pair.meet
            assert pair.area_m2() == pytest.approx(area, rel=2e-4, abs=1e-6 * smaller)
            assert plan_overlap_area_m2(a, b) == pytest.approx(pair.area_m2())
            assert plan_overlap_area_m2(b, a) == pytest.approx(pair.area_m2(), rel=1e-9)
        elif shape.is_empty and pair.distance_m > a.radius_m + b.radius_m + 1e-6:
            assert not pair.meet and plan_overlap_area_m2(a, b) == 0.0
    assert met > 60  # the draw exercises the lens, not only misses


def test_region_holds_the_true_lens_and_little_more():
    checked = 0
    for a, b in pairs(11, 120, 2_000.0):
        plane, true_lens, _ = oracle(a, b)
        regions = overlap_region(a, b)
        if true_lens.area < 1e-3 * math.pi * min(a.radius_m, b.radius_m) ** 2:
            continue
        assert len(regions) == 1
        drawn = in_plane(plane, regions[0])
        # the true lens, less 1 cm of rounding, lies inside what a party is shown
        assert drawn.buffer(0.01).contains(true_lens), (a, b)
        # and the drawn lens is the circumscribed circles' one: wider by at most 0.12 % of a radius
        slack = 2 * 1.3e-3 * max(a.radius_m, b.radius_m) * true_lens.length
        assert drawn.area <= true_lens.area + slack + 1e-6
        assert regions[0] is not a and regions[0] is not b
        checked += 1
    assert checked > 40


def test_region_of_a_circle_inside_another_is_the_inner_circle_and_of_apart_ones_nothing():
    big = Circle(LatLng(34.0, 33.0), 1_000.0)
    lng, lat, _ = WGS84.fwd(33.0, 34.0, 45.0, 300.0)
    small = Circle(LatLng(float(lat), float(lng)), 200.0)
    for first, second in [(big, small), (small, big)]:
        (region,) = overlap_region(first, second)
        assert region == small and region is not small
    assert volumes_overlap(Volume4D(big), Volume4D(small)).area_m2 == pytest.approx(math.pi * 200.0**2)
    far = Circle(LatLng(34.0, 33.1), 1_000.0)  # ~9.2 km away
    assert overlap_region(big, far) == [] and volumes_overlap(Volume4D(big), Volume4D(far)) is None


def test_the_lens_polygon_runs_around_once():
    a = Circle(LatLng(-33.9, 151.2), 120.0)
    lng, lat, _ = WGS84.fwd(151.2, -33.9, 200.0, 150.0)
    b = Circle(LatLng(float(lat), float(lng)), 90.0)
    (region,) = overlap_region(a, b)
    assert isinstance(region, Polygon)
    drawn = in_plane(LocalPlane(a.center), region)
    assert drawn.is_valid and drawn.exterior.is_simple
    assert len(region.vertices) <= 2 * 64


def test_large_circles_take_the_general_path():
    a = Circle(LatLng(10.0, 10.0), MAX_RADIUS_M * 3)
    b = Circle(LatLng(10.0, 11.0), MAX_RADIUS_M * 3)
    assert not CirclePair.of(a, b).closed_form
    overlap = volumes_overlap(Volume4D(a, Interval(0, 1)), Volume4D(b, Interval(0, 1)))
    _, _, area = oracle(a, b)
    # the general path measures the circumscribed 64-gons: a little more than the true lens
    assert area <= overlap.area_m2 <= area * 1.01


def test_lens_area_limits():
    assert lens_area(100.0, 50.0, 150.0) == 0.0
    assert lens_area(100.0, 50.0, 10.0) == pytest.approx(math.pi * 2500.0)
    assert lens_area(100.0, 100.0, 0.0) == pytest.approx(math.pi * 1e4)
    # two unit discs with centres 1 apart share 2 pi / 3 - sqrt(3) / 2
    assert lens_area(1.0, 1.0, 1.0) == pytest.approx(2 * math.pi / 3 - math.sqrt(3) / 2)
