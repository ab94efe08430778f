"""The convex hull notification relevance uses (geo.matching.convex_hull): the polygon of the
vertices on the hull, in the ring's order, found by either of its two searches."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import shapely

from deconfliction.geo import LatLng, Polygon
from deconfliction.geo.matching import _first_places, _first_places_sorted, convex_hull
from deconfliction.geo.plane import vertex_plane


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
