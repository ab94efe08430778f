"""The short paths of validation (plain floats for small polygons, one kept projection of the
vertices for large ones) agree with the general ones: the plane a polygon is validated in, its
centre and its vertices, bit for bit."""

from __future__ import annotations

import random

import numpy as np
import pytest

from deconfliction.errors import InvalidInput
from deconfliction.geo.f3548 import parse_footprint
from deconfliction.geo.plane import LocalPlane, centre_of, polygon_problem, polygon_survey, unit_vector, vertex_plane
from deconfliction.geo.volume import LatLng, Polygon


def _numpy_centre(polygon: Polygon) -> LatLng:
    mean = unit_vector(polygon.coords[:, 0], polygon.coords[:, 1]).sum(axis=0)
    mean = mean / np.linalg.norm(mean)
    return LatLng(float(np.degrees(np.arctan2(mean[2], np.hypot(mean[0], mean[1])))),
                  float(np.degrees(np.arctan2(mean[1], mean[0]))))


@pytest.mark.parametrize("seed", range(20))
def test_the_survey_projects_small_polygons_as_the_plane_does(seed: int) -> None:
    rng = random.Random(seed)
    lat, lng = rng.uniform(-70, 70), rng.uniform(-179, 179)
    size = rng.choice([0.001, 0.005, 0.05])  # 0.05 deg: edges long enough to be densified
    n = rng.choice([rng.randint(3, 12), 60])  # 60: above the small path, through the kept projection
    vertices = tuple(LatLng(lat + size * rng.uniform(-1, 1), lng + size * rng.uniform(-1, 1)) for _ in range(n))
    polygon = Polygon(vertices)
    survey = polygon_survey(polygon)
    centre = centre_of(polygon)
    assert survey.centre == centre
    numpy_centre = _numpy_centre(polygon)
    assert abs(centre.lat - numpy_centre.lat) < 1e-12 and abs(centre.lng - numpy_centre.lng) < 1e-12
    shape = LocalPlane(centre).shape(polygon)
    if survey.plane_xy is None:
        assert len(shape.exterior.coords) - 1 > n  # densified: the plane has more points than vertices
    else:
        assert np.array_equal(np.asarray(shape.exterior.coords)[:-1], survey.plane_xy)
    xy, _ = vertex_plane(polygon)  # what the convex hull of notification relevance uses
    assert np.array_equal(xy, np.column_stack(LocalPlane(centre).project(polygon.coords[:, 0], polygon.coords[:, 1])))
    # the same verdict with and without the survey (random vertices often cross each other)
    assert polygon_problem(polygon, survey) == polygon_problem(polygon)


def _footprint(vertices: list[object]) -> object:
    return parse_footprint({"outline_polygon": {"vertices": vertices}}, "volume")


def test_small_vertex_lists_are_checked_as_large_ones() -> None:
    square = [{"lat": 34, "lng": 33}, {"lat": 34.01, "lng": 33}, {"lat": 34.01, "lng": 33.01}, {"lat": 34, "lng": 33.01}]
    polygon = _footprint(square)
    assert isinstance(polygon, Polygon)
    assert all(type(v.lat) is float and type(v.lng) is float for v in polygon.vertices)  # ints become floats
    for i, bad, field, reason in [(2, {"lat": float("nan"), "lng": 33.01}, "lat", "finite"),
                                  (1, {"lat": 91.0, "lng": 33.0}, "lat", "outside"),
                                  (3, {"lat": 34.0, "lng": float("inf")}, "lng", "finite"),
                                  (0, {"lat": True, "lng": 33.0}, "lat", ""),
                                  (2, "north", None, "")]:
        vertices = list(square)
        vertices[i] = bad
        with pytest.raises(InvalidInput) as refused:
            _footprint(vertices)
        where = f"volume.outline_polygon.vertices[{i}]" + (f".{field}" if field else "")
        assert refused.value.field == where
        assert reason in str(refused.value)


@pytest.mark.parametrize("with_ints", [False, True])
def test_large_vertex_lists_keep_floats_equal_to_their_array(with_ints: bool) -> None:
    """Above the small path, vertices are made from the parsed numbers themselves when all are
    floats, and from the array when some are ints: floats either way, equal to the array."""
    from deconfliction.geo.f3548 import _vertices

    raw: list[dict[str, object]] = [{"lat": 10.0 + 0.001 * k, "lng": 20.0 + 0.002 * k} for k in range(40)]
    if with_ints:
        raw[3] = {"lat": 10, "lng": 21}
    vertices, coords = _vertices(raw, "v")
    assert coords is not None and coords.shape == (40, 2)
    assert all(type(v.lat) is float and type(v.lng) is float for v in vertices)
    assert [tuple(v) for v in vertices] == [tuple(row) for row in coords.tolist()]
