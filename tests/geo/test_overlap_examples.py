"""The named cases of issue 2, item 1, one example each (and its near miss)."""

from __future__ import annotations

import math

import pytest
from pyproj import Geod

from deconfliction.geo import (
    Circle, Interval, LatLng, Polygon, Volume4D, footprints_overlap, volumes_intersect, volumes_overlap,
)
from deconfliction.geo.intersect import plan_overlap_area_m2
from deconfliction.geo.plane import CIRCLE_EXCESS

from .independent import distance_to_boundary, geodesic_distance, point_in_polygon

GEOD = Geod(ellps="WGS84")
T10 = 1_795_428_000.0  # 2026-11-23T10:00:00Z
HOUR = 3600.0


def poly(*pts: tuple[float, float]) -> Polygon:
    return Polygon(tuple(LatLng(lat, lng) for lat, lng in pts))


def square(lat: float, lng: float, d: float) -> Polygon:
    return poly((lat, lng), (lat, lng + d), (lat + d, lng + d), (lat + d, lng))


SQ = square(34.0, 33.0, 0.1)


# --- altitude and time: open intervals ---------------------------------------------------------


def test_touching_altitude_layers_do_not_conflict():
    low = Volume4D(SQ, Interval(0, 1000), Interval(T10, T10 + HOUR))
    high = Volume4D(SQ, Interval(1000, 2000), Interval(T10, T10 + HOUR))
    assert not volumes_intersect(low, high)
    assert volumes_overlap(low, high) is None
    assert volumes_overlap(high, low) is None


def test_altitude_layers_overlapping_by_one_metre_conflict():
    low = Volume4D(SQ, Interval(0, 1000), Interval(T10, T10 + HOUR))
    high = Volume4D(SQ, Interval(999, 2000), Interval(T10, T10 + HOUR))
    overlap = volumes_overlap(low, high)
    assert overlap is not None and volumes_intersect(low, high)
    assert (overlap.altitude_m.lower, overlap.altitude_m.upper) == (999, 1000)


def test_back_to_back_windows_do_not_conflict():
    first = Volume4D(SQ, Interval(0, 1000), Interval(T10, T10 + HOUR))  # 10:00-11:00
    second = Volume4D(SQ, Interval(0, 1000), Interval(T10 + HOUR, T10 + 2 * HOUR))  # 11:00-12:00
    assert not volumes_intersect(first, second)
    assert volumes_overlap(second, first) is None


def test_windows_overlapping_by_one_second_conflict():
    first = Volume4D(SQ, Interval(0, 1000), Interval(T10, T10 + HOUR))
    second = Volume4D(SQ, Interval(0, 1000), Interval(T10 + HOUR - 1, T10 + 2 * HOUR))
    overlap = volumes_overlap(first, second)
    assert overlap is not None
    assert overlap.time_s.length == 1.0


def test_unbounded_sides_overlap_everything_on_that_axis():
    assert volumes_intersect(Volume4D(SQ), Volume4D(SQ, Interval(5e4, 6e4), Interval(0, 1)))


# --- the 180th meridian ------------------------------------------------------------------------

# A 0.4 x 0.4 degree box centred on the antimeridian at 10 S (edges are short geodesics, so the
# shortest path from 179.8 E to 179.8 W crosses the meridian, not the long way round).
ACROSS_180 = poly((-10.2, 179.8), (-10.2, -179.8), (-9.8, -179.8), (-9.8, 179.8))


def test_polygon_across_antimeridian_overlaps_small_one_on_the_other_side():
    east_side = square(-10.05, -179.95, 0.05)  # entirely at negative longitudes
    west_side = square(-10.05, 179.9, 0.05)  # entirely at positive longitudes
    assert footprints_overlap(ACROSS_180, east_side)
    assert footprints_overlap(east_side, ACROSS_180)
    assert footprints_overlap(ACROSS_180, west_side)
    overlap = volumes_overlap(Volume4D(ACROSS_180), Volume4D(east_side))
    assert overlap is not None
    # all of the small square: ~5.5 km x 5.5 km
    area = abs(GEOD.polygon_area_perimeter([-179.95, -179.9, -179.9, -179.95], [-10.05, -10.05, -10.0, -10.0])[0])
    assert overlap.area_m2 == pytest.approx(area, rel=1e-3)


def test_polygon_across_antimeridian_misses_one_beyond_its_far_edge():
    beyond = square(-10.05, -179.7, 0.05)  # starts 0.1 degree east of the box's east edge
    assert not footprints_overlap(ACROSS_180, beyond)
    assert not footprints_overlap(beyond, ACROSS_180)
    # and one that straddles the box's edge at 179.8 E on the far side of the world from 0
    straddling = square(-10.05, 179.75, 0.1)
    assert footprints_overlap(ACROSS_180, straddling)


def test_circle_on_the_antimeridian():
    circle = Circle(LatLng(-10.0, 180.0), 5_000.0)
    assert footprints_overlap(circle, ACROSS_180)
    assert footprints_overlap(circle, Circle(LatLng(-10.0, -179.97), 1_000.0))  # ~3.3 km apart
    assert not footprints_overlap(circle, square(-10.05, -179.9, 0.05))  # > 10 km away


# --- around a pole -----------------------------------------------------------------------------


def polar_cap(lat: float, n: int = 12) -> Polygon:
    return poly(*[(lat, -180.0 + i * 360.0 / n) for i in range(n)])


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_polygon_around_a_pole_contains_a_small_circle_near_the_pole(pole):
    sign = 1 if pole > 0 else -1
    cap = polar_cap(85.0 * sign)
    near_pole = Circle(LatLng(88.0 * sign, 123.0), 2_000.0)
    at_pole = Circle(LatLng(pole, 0.0), 500.0)
    assert footprints_overlap(cap, near_pole)
    assert footprints_overlap(near_pole, cap)
    assert footprints_overlap(cap, at_pole)
    overlap = volumes_overlap(Volume4D(cap), Volume4D(near_pole))
    assert overlap is not None
    # the circle is entirely inside: the overlap is the (circumscribed) circle's area
    assert 3.14159e6 * 4 <= overlap.area_m2 <= 3.14159e6 * 4 * (1 + CIRCLE_EXCESS) ** 2 * 1.001


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_polygon_around_a_pole_misses_a_circle_outside_it(pole):
    sign = 1 if pole > 0 else -1
    cap = polar_cap(85.0 * sign)
    outside = Circle(LatLng(80.0 * sign, 17.0), 20_000.0)  # ~ 5 degrees = 550 km from the ring
    assert not footprints_overlap(cap, outside)
    assert not footprints_overlap(outside, cap)
    # and a polygon on the far side of the same parallel, which a lat/lng box would confuse
    assert not footprints_overlap(cap, square(80.0 * sign - 0.5 * (1 - sign), 170.0, 0.5))


def test_polygon_around_a_pole_against_one_crossing_its_ring():
    cap = polar_cap(85.0)
    crossing = square(84.5, -60.0, 1.0)  # 84.5..85.5 N: crosses the ring's edge near 60 W
    assert footprints_overlap(cap, crossing)


def test_two_caps_around_the_same_pole_overlap():
    assert footprints_overlap(polar_cap(85.0, 12), polar_cap(89.0, 5))


@pytest.mark.parametrize("n_south", [12, 3])
def test_caps_around_opposite_poles_do_not_overlap(n_south):
    # Regression: the pair's mean direction is null (or points at one pole), so the local
    # plane was centred where the other footprint lies around its antipode and the projection
    # there is garbage; both used to report an overlap of ~1e12 m2.
    north, south = polar_cap(85.0, 12), polar_cap(-85.0, n_south)
    assert not footprints_overlap(north, south)
    assert not footprints_overlap(south, north)
    assert volumes_overlap(Volume4D(north), Volume4D(south)) is None
    assert plan_overlap_area_m2(north, south) == 0.0


def test_nearly_antipodal_circle_and_square_do_not_overlap():
    assert not footprints_overlap(square(10.0, 10.0, 1.0), Circle(LatLng(-10.5, -170.0), 5_000.0))
    assert not footprints_overlap(Circle(LatLng(-10.5, -170.0), 5_000.0), square(10.0, 10.0, 1.0))


# --- concave polygons ---------------------------------------------------------------------------

# A U open to the north: outer 0..0.3 x 0..0.3 degrees near 45 N 7 E, notch 0.1..0.2 x 0.1..0.3.
U_SHAPE = poly(
    (45.0, 7.0), (45.0, 7.3), (45.3, 7.3), (45.3, 7.2), (45.1, 7.2), (45.1, 7.1), (45.3, 7.1), (45.3, 7.0),
)


def test_polygon_in_the_notch_of_a_u_does_not_overlap_though_the_boxes_do():
    in_notch = poly((45.15, 7.12), (45.15, 7.18), (45.25, 7.18), (45.25, 7.12))
    assert not footprints_overlap(U_SHAPE, in_notch)
    assert not footprints_overlap(in_notch, U_SHAPE)
    assert volumes_overlap(Volume4D(U_SHAPE), Volume4D(in_notch)) is None


def test_polygon_poking_into_an_arm_of_the_u_overlaps():
    poking = poly((45.15, 7.12), (45.15, 7.22), (45.25, 7.22), (45.25, 7.12))
    assert footprints_overlap(U_SHAPE, poking)
    assert footprints_overlap(poking, U_SHAPE)


def test_circle_in_the_notch_of_a_u():
    centre = LatLng(45.2, 7.15)
    # the notch is 0.1 degree of longitude wide at 45 N: ~7.9 km, so each wall is ~3.93 km away
    clear = distance_to_boundary(centre.lat, centre.lng, [(v.lat, v.lng) for v in U_SHAPE.vertices])
    assert 3_900 < clear < 3_960
    assert not footprints_overlap(U_SHAPE, Circle(centre, clear * 0.99))
    assert footprints_overlap(U_SHAPE, Circle(centre, clear * 1.01))


def test_l_shape_and_a_square_in_its_corner():
    l_shape = poly((0.0, 0.0), (0.0, 1.0), (0.2, 1.0), (0.2, 0.2), (1.0, 0.2), (1.0, 0.0))
    in_corner = square(0.3, 0.3, 0.5)
    assert not footprints_overlap(l_shape, in_corner)
    assert footprints_overlap(l_shape, square(0.15, 0.3, 0.5))


# --- circles against polygon corners ------------------------------------------------------------


def corner_case(polygon: Polygon, corner: int, distance_m: float, radius_m: float) -> Circle:
    """A circle whose centre lies `distance_m` from a convex corner of `polygon`, outward along
    the corner's bisector (the diagonal of a square)."""
    v = polygon.vertices
    c, prev, nxt = v[corner], v[corner - 1], v[(corner + 1) % len(v)]
    az_prev, _, _ = GEOD.inv(c.lng, c.lat, prev.lng, prev.lat)
    az_next, _, _ = GEOD.inv(c.lng, c.lat, nxt.lng, nxt.lat)
    inward = math.degrees(math.atan2(math.sin(math.radians(az_prev)) + math.sin(math.radians(az_next)),
                                     math.cos(math.radians(az_prev)) + math.cos(math.radians(az_next))))
    lng, lat, _ = GEOD.fwd(c.lng, c.lat, inward + 180.0, distance_m)
    return Circle(LatLng(lat, lng), radius_m)


CORNER_CASES = [
    # (polygon, index of a convex corner, radius)
    (square(34.0, 33.0, 0.1), 2, 1_000.0),
    (square(34.0, 33.0, 0.1), 0, 250.0),
    (square(34.0, 33.0, 0.1), 1, 100.0),
    (square(-60.0, 179.95, 0.1), 1, 2_000.0),  # across the antimeridian, far south
    (square(70.0, -20.0, 2.0), 3, 25_000.0),
    (poly((0.0, 0.0), (0.0, 0.5), (0.5, 0.5)), 0, 5_000.0),  # a 45-degree corner of a triangle
    (U_SHAPE, 2, 800.0),  # an outer corner of the concave U
]


@pytest.mark.parametrize("polygon,corner,radius", CORNER_CASES)
def test_circle_just_reaching_past_a_corner_overlaps(polygon, corner, radius):
    v = polygon.vertices[corner]
    circle = corner_case(polygon, corner, radius * (1 - 0.01), radius)
    assert geodesic_distance(circle.center.lat, circle.center.lng, v.lat, v.lng) == pytest.approx(radius * 0.99)
    assert footprints_overlap(polygon, circle)
    assert footprints_overlap(circle, polygon)
    assert volumes_overlap(Volume4D(polygon), Volume4D(circle)) is not None


@pytest.mark.parametrize("polygon,corner,radius", CORNER_CASES)
def test_circle_short_of_a_corner_by_more_than_the_bound_does_not_overlap(polygon, corner, radius):
    circle = corner_case(polygon, corner, radius * (1 + 0.006), radius)
    # the corner is the nearest point of the polygon to the centre, and the centre is outside
    ring = [(p.lat, p.lng) for p in polygon.vertices]
    assert distance_to_boundary(circle.center.lat, circle.center.lng, ring) == pytest.approx(radius * 1.006, rel=1e-6)
    assert not point_in_polygon(circle.center.lat, circle.center.lng, ring)
    assert not footprints_overlap(polygon, circle)
    assert not footprints_overlap(circle, polygon)
    assert volumes_overlap(Volume4D(circle), Volume4D(polygon)) is None


def test_stated_circle_bound_is_within_half_a_percent():
    assert 0 < CIRCLE_EXCESS <= 0.005


def test_circle_against_circle_is_exact():
    a = Circle(LatLng(51.0, -1.0), 1_000.0)
    d = 3_000.0
    lng, lat, _ = GEOD.fwd(-1.0, 51.0, 37.0, d)
    assert footprints_overlap(a, Circle(LatLng(lat, lng), 2_000.0 + 1e-3))
    assert not footprints_overlap(a, Circle(LatLng(lat, lng), 2_000.0 - 1e-3))
