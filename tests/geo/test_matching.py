"""The fast matcher agrees with the engine's exact test, including right at the edge."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.geo.matching import convex_hull, extents_intersect, overlapping, relevant
from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, footprints_overlap

T = Interval(0, 3600)
ALT = Interval(0, 100)


def square(lat: float, lng: float, d_deg: float) -> Polygon:
    return Polygon((LatLng(lat, lng), LatLng(lat, lng + d_deg), LatLng(lat + d_deg, lng + d_deg), LatLng(lat + d_deg, lng)))


def vol(fp, alt: Interval = ALT, t: Interval = T) -> Volume4D:
    return Volume4D(fp, alt, t)


footprints = st.one_of(
    st.builds(lambda la, lo, d: square(la, lo, d), st.floats(37.0, 37.05), st.floats(-80.05, -80.0),
              st.floats(0.0005, 0.03)),
    st.builds(lambda la, lo, r: Circle(LatLng(la, lo), r), st.floats(37.0, 37.05), st.floats(-80.05, -80.0),
              st.floats(5.0, 2000.0)),
)


@settings(max_examples=300, deadline=None)
@given(footprints, st.lists(footprints, min_size=1, max_size=6))
def test_agrees_with_engine(query, others) -> None:
    got = overlapping(vol(query), [vol(o) for o in others])
    assert got == [footprints_overlap(query, o) for o in others]


def test_touching_squares_do_not_overlap_and_slight_overlap_does() -> None:
    a = square(37.0, -80.0, 0.01)
    touching = square(37.0, -79.99, 0.01)
    assert overlapping(vol(a), [vol(touching)]) == [False]
    barely = square(37.0, -79.99 - 1e-7, 0.01)  # ~1 cm of overlap: decided by the engine
    assert overlapping(vol(a), [vol(barely)]) == [footprints_overlap(a, barely)] == [True]


def test_time_and_altitude_are_open_intervals() -> None:
    a = square(37.0, -80.0, 0.01)
    assert overlapping(vol(a), [vol(a, t=Interval(3600, 7200))]) == [False]
    assert overlapping(vol(a), [vol(a, alt=Interval(100, 200))]) == [False]
    assert overlapping(vol(a), [vol(a, alt=Interval(99.9, 200))]) == [True]


def test_far_from_grid_point_and_antimeridian_fall_back_to_engine() -> None:
    a = Polygon((LatLng(10, 179.99), LatLng(10, -179.99), LatLng(10.01, -179.99), LatLng(10.01, 179.99)))
    b = Circle(LatLng(10.005, 180.0 - 1e-9), 100)
    assert overlapping(vol(a), [vol(b)]) == [True]
    big = square(37.0, -81.0, 1.0)
    inside = Circle(LatLng(37.5, -80.5), 100)
    assert overlapping(vol(big), [vol(inside)]) == [True]


def test_convex_hull_drops_concave_vertices_and_keeps_convex_footprints() -> None:
    concave = Polygon((LatLng(37.0, -80.0), LatLng(37.0, -79.99), LatLng(37.005, -79.995),
                       LatLng(37.01, -79.99), LatLng(37.01, -80.0)))
    assert convex_hull(concave) == Polygon(tuple(v for i, v in enumerate(concave.vertices) if i != 2))
    convex = square(37.0, -80.0, 0.01)
    assert convex_hull(convex) is convex
    disc = Circle(LatLng(37.0, -80.0), 100)
    assert convex_hull(disc) is disc


def test_relevance_is_by_convex_hulls_in_plan_and_exact_in_altitude_and_time() -> None:
    # a square sitting in the notch of a "U": no overlap, but inside the U's hull
    u = Polygon((LatLng(37.0, -80.0), LatLng(37.0, -79.97), LatLng(37.03, -79.97), LatLng(37.03, -79.98),
                 LatLng(37.01, -79.98), LatLng(37.01, -79.99), LatLng(37.03, -79.99), LatLng(37.03, -80.0)))
    notch = square(37.015, -79.9875, 0.005)
    assert not extents_intersect([vol(u)], [vol(notch)])
    assert relevant([vol(u)], [vol(notch)]) and relevant([vol(notch)], [vol(u)])
    assert not relevant([vol(u)], [vol(notch, alt=Interval(100, 200))])
    assert not relevant([vol(u)], [vol(notch, t=Interval(3600, 7200))])
