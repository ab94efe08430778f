"""The survey measures a polygon's edges only when one may be long enough to be densified: an
upper bound of each edge's geodesic length, from the angle between its ends' normals, settles the
rest (`plane._edge_length_bounds`). What it decides must be what measuring decides."""

from __future__ import annotations

import random

import numpy as np
import pytest
from pyproj import Geod

from deconfliction.geo import LatLng, Polygon, plane
from deconfliction.geo import cache as geo_cache
from deconfliction.geo.plane import LocalPlane, centre_of, densified_ring, polygon_survey, unit_vector

from .heavy import comb, regular

GEOD = Geod(ellps="WGS84")


def _cold() -> None:
    for cache in geo_cache.geometry_caches():
        cache.clear()


def _pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random point pairs: anywhere, at distances from centimetres to half the globe, in every
    direction, with poles, the equator and the antimeridian among them."""
    lat1 = np.concatenate((rng.uniform(-90, 90, n - 6), [90.0, -90.0, 0.0, 0.0, 89.9999, 45.0]))
    lng1 = np.concatenate((rng.uniform(-180, 180, n - 6), [0.0, 0.0, 179.99, 0.0, 10.0, -180.0]))
    distance = 10 ** rng.uniform(-2, 7.3, n)
    azimuth = rng.uniform(-180, 180, n)
    azimuth[-6:] = [180.0, 0.0, 90.0, 0.0, 45.0, 270.0]  # along the equator, along a meridian
    lng2, lat2, _ = GEOD.fwd(lng1, lat1, azimuth, distance)
    return lat1, lng1, np.asarray(lat2), np.asarray(lng2)


@pytest.mark.parametrize("seed", range(5))
def test_edge_length_bounds_hold_and_are_tight(seed: int) -> None:
    lat1, lng1, lat2, lng2 = _pairs(np.random.default_rng(seed), 20_000)
    _, _, exact = GEOD.inv(lng1, lat1, lng2, lat2)
    shortest, longest = plane._edge_length_bounds(unit_vector(lat1, lng1), unit_vector(lat2, lng2))
    assert np.all(shortest <= exact) and np.all(exact <= longest)
    far = exact > 1.0  # below a metre the bounds' own micrometre of margin dominates
    assert np.all(longest[far] <= 1.0102 * shortest[far])  # (a / b)^3 = 1.01014 apart


def _geodesics_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of geodesic inverses each call of Geod.inv computes."""
    calls: list[int] = []
    inverse = plane.WGS84.inv

    def counted(lngs1, lats1, lngs2, lats2, *args, **kwargs):  # noqa: ANN001, ANN202
        calls.append(int(np.size(lngs1)))
        return inverse(lngs1, lats1, lngs2, lats2, *args, **kwargs)
    monkeypatch.setattr(plane.WGS84, "inv", counted)
    return calls


def test_a_polygon_of_short_edges_measures_none(monkeypatch: pytest.MonkeyPatch) -> None:
    polygon = Polygon(tuple(LatLng(*p) for p in regular(1_000, 20_000.0)))  # 126 m edges
    _cold()
    calls = _geodesics_counted(monkeypatch)
    survey = polygon_survey(polygon)
    assert calls == [1_000]  # the centre to each vertex only
    monkeypatch.undo()
    _, _, edges = GEOD.inv(polygon.coords[:, 1], polygon.coords[:, 0], np.roll(polygon.coords[:, 1], -1),
                           np.roll(polygon.coords[:, 0], -1))
    assert not survey.perimeter_exact
    assert float(np.sum(edges)) <= survey.perimeter_m <= 1.0102 * float(np.sum(edges))
    # its ring is its vertices, and its plane is the one the exact tests project it into
    lats, lngs = densified_ring(polygon)
    assert np.array_equal(lats, polygon.coords[:, 0]) and np.array_equal(lngs, polygon.coords[:, 1])
    assert survey.plane_xy is not None
    assert np.array_equal(survey.plane_xy, np.column_stack(LocalPlane(centre_of(polygon)).project(lats, lngs)))


def test_a_comb_whose_ring_surely_adds_no_point_measures_no_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its teeth are 3.8 km long, but even their lower bounds need 15,000 points at 1 km, more than
    the ring of 10,000 vertices has room for, and even their upper bounds are shorter than two
    steps of 2 km: the ring is the vertices, and no edge is measured."""
    polygon = Polygon(tuple(LatLng(*p) for p in comb(10_000)))
    _cold()
    calls = _geodesics_counted(monkeypatch)
    survey = polygon_survey(polygon)
    kept = densified_ring.cache.get(polygon)
    assert calls == [10_000]  # the centre to each vertex only
    monkeypatch.undo()
    assert not survey.perimeter_exact and survey.plane_xy is not None
    assert kept is not None
    fresh = plane._densified_ring(polygon)
    assert all(np.array_equal(a, b) for a, b in zip(kept, fresh, strict=True))
    assert len(fresh[0]) == 10_000
    _, _, edges = GEOD.inv(polygon.coords[:, 1], polygon.coords[:, 0], np.roll(polygon.coords[:, 1], -1),
                           np.roll(polygon.coords[:, 0], -1))
    assert float(np.sum(edges)) <= survey.perimeter_m <= 1.0102 * float(np.sum(edges))
    assert plane.polygon_perimeter_m(polygon) == pytest.approx(float(np.sum(edges)), rel=1e-12)


def test_a_perimeter_bound_above_the_limit_is_measured_before_refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound may be 1 % above the perimeter: a polygon between the two is measured, and let
    through or refused on its true perimeter, which the refusal names."""
    from deconfliction.errors import InvalidInput
    from deconfliction.geo import f3548

    from .heavy import wire

    vertices = regular(1_000, 300_000.0)  # 1.9 km edges: none measured
    polygon = Polygon(tuple(LatLng(*p) for p in vertices))
    _cold()
    survey = polygon_survey(polygon)
    exact = plane.polygon_perimeter_m(polygon)
    assert not survey.perimeter_exact and exact < survey.perimeter_m
    monkeypatch.setattr(f3548, "MAX_PERIMETER_M", (exact + survey.perimeter_m) / 2)
    _cold()
    f3548.parse_volume4d(wire(vertices))  # under the limit: accepted
    monkeypatch.setattr(f3548, "MAX_PERIMETER_M", exact * 0.999)
    _cold()
    with pytest.raises(InvalidInput) as refused:
        f3548.parse_volume4d(wire(vertices))
    assert f"the perimeter of {exact / 1000:,.0f} km" in refused.value.reason


@pytest.mark.parametrize("seed", range(24))
def test_what_the_survey_keeps_is_what_measuring_gives(seed: int) -> None:
    """Random polygons with edges on both sides of two steps (2 km) and of the bound's 1 % band:
    the ring the survey keeps (or leaves to be built) and the plane it keeps are those of a cold
    `_densified_ring` and projection."""
    rng = random.Random(seed)
    # edges about one, two and three steps long (2, 4 and 6 km), and rings whose room for points
    # (20,000 less the vertices) is about what their edges need at 1 km and at 2 km
    n = rng.choice([40, 200, 3_000, 6_600, 6_700, 9_000, 10_000])
    edge_m = rng.choice([1_950.0, 1_990.0, 2_010.0, 2_100.0, 3_000.0, 3_990.0, 4_010.0, 5_000.0, 6_010.0])
    polygon = Polygon(tuple(LatLng(*p) for p in regular(n, n * edge_m / (2 * np.pi), (rng.uniform(-80, 80), 10.0))))
    _cold()
    survey = polygon_survey(polygon)
    kept = densified_ring.cache.get(polygon)
    fresh = plane._densified_ring(polygon)
    added = len(fresh[0]) > n
    assert (survey.plane_xy is None) == added
    if added:
        assert kept is None  # built when asked for, not by the survey
    else:
        assert kept is not None and all(np.array_equal(a, b) for a, b in zip(kept, fresh, strict=True))
        assert np.array_equal(survey.plane_xy, np.column_stack(LocalPlane(survey.centre).project(*fresh)))
