"""The convex hull notification relevance uses (geo.matching.convex_hull): the polygon of the
vertices on the hull, in the ring's order, found by either of its two searches."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import shapely

from deconfliction.geo import LatLng, Polygon
from deconfliction.geo.matching import _first_places, _first_places_sorted, _turns_one_way_once, convex_hull
from deconfliction.geo.plane import polygon_survey, vertex_plane


def star(n: int, seed: int, lat: float = 10.0, lng: float = 20.0) -> Polygon:
    """A star-shaped (so simple) polygon of n vertices with random radii: many off the hull."""
    rng = random.Random(seed)
    vertices = []
    for k in range(n):
        angle = 2 * math.pi * k / n
        r = rng.uniform(0.3, 1.0) * 0.05
        vertices.append(LatLng(lat + r * math.sin(angle), lng + r * math.cos(angle)))
    return Polygon(tuple(vertices))


@pytest.mark.parametrize("n", [5, 40, 255, 300, 3000])
def test_both_searches_find_the_hull_corners_in_ring_order(n: int) -> None:
    for seed in range(3):
        polygon = star(n, seed)
        points, _ = vertex_plane(polygon)
        ring = shapely.get_coordinates(shapely.convex_hull(shapely.linestrings(points)))
        small, large = _first_places(points, ring), _first_places_sorted(points, ring)
        assert small == large == sorted(small)
        hull = convex_hull(polygon)
        # the hull's vertices are the polygon's own, and its plane shape is the plane hull
        assert set(hull.vertices) <= set(polygon.vertices)
        assert len(hull.vertices) == len(set(map(tuple, ring[:-1].tolist())))
        shape = shapely.Polygon(points[small])
        assert shape.is_valid and shape.area == pytest.approx(shapely.convex_hull(shapely.linestrings(points)).area)


def test_a_repeated_vertex_on_the_hull_counts_once() -> None:
    square = [LatLng(0.0, 0.0), LatLng(0.0, 0.01), LatLng(0.005, 0.005), LatLng(0.01, 0.01), LatLng(0.01, 0.0)]
    polygon = Polygon(tuple([*square, LatLng(0.0, 0.0)]))  # the first vertex again, last
    points, _ = vertex_plane(polygon)
    ring = shapely.get_coordinates(shapely.convex_hull(shapely.linestrings(points)))
    assert _first_places(points, ring) == _first_places_sorted(points, ring) == [0, 1, 3, 4]
    assert np.array_equal(points[0], points[5])


def regular_polygon(n: int, lat: float = 10.0, lng: float = 20.0, r: float = 0.05) -> list[LatLng]:
    return [LatLng(lat + r * math.sin(2 * math.pi * k / n), lng + r * math.cos(2 * math.pi * k / n)) for k in range(n)]


@pytest.mark.parametrize("vertices", [
    regular_polygon(4), regular_polygon(100), regular_polygon(3000), regular_polygon(100)[::-1],
    [LatLng(0.0, 0.0), LatLng(0.0, 0.01), LatLng(0.0, 0.01), LatLng(0.01, 0.01), LatLng(0.01, 0.0)],  # repeated
    [LatLng(0.0, 0.0), LatLng(0.0, 0.005), LatLng(0.0, 0.01), LatLng(0.01, 0.01), LatLng(0.01, 0.0)],  # collinear
], ids=["square", "100-gon", "3000-gon", "clockwise", "repeated vertex", "collinear vertex"])
def test_a_convex_polygon_is_its_own_hull(vertices: list[LatLng]) -> None:
    polygon = Polygon(tuple(vertices))
    points, _ = vertex_plane(polygon)
    assert convex_hull(polygon) is polygon
    assert shapely.Polygon(points).area == pytest.approx(shapely.convex_hull(shapely.linestrings(points)).area, rel=1e-12)


def test_a_concave_polygon_is_not_taken_for_convex_even_with_its_dent_repeated() -> None:
    dent = LatLng(0.005, 0.005)  # the reflex vertex, twice: its empty edge must not hide its turn
    polygon = Polygon((LatLng(0.0, 0.0), LatLng(0.0, 0.01), dent, dent, LatLng(0.01, 0.01), LatLng(0.01, 0.0)))
    hull = convex_hull(polygon)
    assert dent not in hull.vertices and len(hull.vertices) == 4


def test_rings_that_turn_one_way_yet_are_not_convex() -> None:
    star = np.array([[math.cos(4 * math.pi * k / 5), math.sin(4 * math.pi * k / 5)] for k in range(5)])  # twice around
    spike = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 1.0]])  # an edge doubling back on itself
    assert not _turns_one_way_once(star) and not _turns_one_way_once(spike)
    assert _turns_one_way_once(star[[0, 3, 1, 4, 2]])  # the same points in pentagon order


def test_the_validation_survey_leaves_the_vertex_plane_it_measured() -> None:
    polygon = Polygon(tuple(regular_polygon(7, 33.0, 44.0)))
    vertex_plane.cache_clear()
    polygon_survey(polygon)
    found, kept = vertex_plane.cache.lookup(polygon)
    assert found and kept is not None
    fresh = vertex_plane.__wrapped__(polygon)  # type: ignore[attr-defined]
    assert np.array_equal(kept[0], fresh[0]) and np.array_equal(kept[1], fresh[1])
    assert not kept[0].flags.writeable and not kept[1].flags.writeable
