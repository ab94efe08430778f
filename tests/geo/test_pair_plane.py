"""A pair of polygons is tested in the own plane of the one with more vertices, where the parse's
survey projected it already: a small footprint against a stored 10,000-vertex one projects only
its own vertices, in either order."""

from __future__ import annotations

import numpy as np
import pytest

from deconfliction.geo import Circle, LatLng, Polygon, footprints_overlap, intersect, parse_volume4d, plane
from deconfliction.geo import cache as geo_cache

from .heavy import regular, wire


def _cold() -> None:
    for cache in geo_cache.geometry_caches():
        cache.clear()


def _projected(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counts: list[int] = []
    project = plane.LocalPlane.project

    def counted(self: plane.LocalPlane, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts.append(len(lats))
        return project(self, lats, lngs)
    monkeypatch.setattr(plane.LocalPlane, "project", counted)
    return counts


@pytest.mark.parametrize("order", ["small first", "large first"])
def test_a_small_footprint_against_a_parsed_large_one_projects_only_its_own(monkeypatch, order) -> None:
    _cold()
    large = parse_volume4d(wire(regular(10_000, 25_000.0))).footprint  # surveyed: its own plane kept
    small = parse_volume4d(wire(regular(4, 500.0, (37.1, -80.0)))).footprint
    counts = _projected(monkeypatch)
    pair = (small, large) if order == "small first" else (large, small)
    assert footprints_overlap(*pair)
    assert counts == [4]
    assert intersect._plan_pair(*pair).plane.centre == plane.centre_of(large)


def test_both_orders_share_one_plane_and_one_answer() -> None:
    _cold()
    a = Polygon(tuple(LatLng(*p) for p in regular(50, 3_000.0, (10.0, 10.0))))
    b = Polygon(tuple(LatLng(*p) for p in regular(50, 3_000.0, (10.04, 10.0))))  # as many vertices: a tie
    ab, ba = intersect._PlanPair.of(a, b), intersect._PlanPair.of(b, a)
    assert ab.plane == ba.plane
    assert ab.meet == ba.meet is True
    assert np.array_equal(np.asarray(ab.a.exterior.coords), np.asarray(ba.b.exterior.coords))
    # with a circle, the plane stays at the circle's centre, where it is exactly round
    circle = Circle(LatLng(10.02, 10.0), 1_000.0)
    assert intersect._PlanPair.of(a, circle).plane.centre == circle.center


def test_the_other_order_reuses_the_projection_and_builds_its_own_intersection(monkeypatch) -> None:
    """Each party is shown the region from its own side: the pair in the other order projects
    nothing again, and its region is the same area, its ring starting in the other footprint."""
    a = Polygon(tuple(LatLng(*p) for p in regular(60, 3_000.0, (10.0, 10.0))))
    b = Polygon(tuple(LatLng(*p) for p in regular(40, 3_000.0, (10.03, 10.0))))
    _cold()
    counts = _projected(monkeypatch)
    ab = intersect.plan_intersection(a, b)
    projected_once = sum(counts)
    ba = intersect.plan_intersection(b, a)
    assert sum(counts) == projected_once == 40  # b once (a, with more vertices, in its own plane)
    assert ab is not None and ba is not None and len(ab) == len(ba) == 1
    area_ab = intersect.plan_overlap_area_m2(a, b)
    assert area_ab == pytest.approx(intersect.plan_overlap_area_m2(b, a), rel=1e-9) and area_ab > 1e6
    assert intersect._plan_pair(b, a).a is intersect._plan_pair(a, b).b


@pytest.mark.parametrize("how", ["crossing", "interleaved", "apart"])
def test_two_large_shapes_are_matched_by_the_engines_test_alone(monkeypatch, how) -> None:
    """Above `INNER_MAX_POINTS` neither gets a shrunk copy in the matching's grid plane, so that
    plane could only tell them far apart: they go to the exact test, projected once, and the
    decision's next questions about the pair find it kept."""
    from deconfliction.geo import Volume4D, matching

    from .heavy import comb, comb_length_m

    n = 2 * matching.INNER_MAX_POINTS
    offset = (0.0, 0.0) if how != "apart" else (0.0, 3 * comb_length_m(n))  # boxes apart in the grid too
    width = 0.25 if how == "interleaved" else 0.5  # teeth that come down into the other's gaps
    up = Volume4D(Polygon(tuple(LatLng(*p) for p in comb(n, width=width))))
    other = Volume4D(Polygon(tuple(LatLng(*p) for p in comb(n, transposed=how == "crossing", turned=how == "interleaved",
                                                              width=width, offset_m=offset))))
    small = Volume4D(Polygon(tuple(LatLng(*p) for p in regular(4, 50.0, plane.centre_of(up.footprint)))))
    _cold()
    planar = matching._planar.cache
    found = matching.overlapping(other, [up, small])
    assert found[0] == footprints_overlap(other.footprint, up.footprint) == (how == "crossing")
    assert (up.footprint, matching._grid_centre(other.footprint)) not in planar  # never projected there
    assert intersect._plan_pair.cache.lookup((other.footprint, up.footprint))[0]  # kept for what follows


def test_a_polygon_reaching_far_from_the_larger_ones_centre_gets_a_plane_between_them() -> None:
    """The projected edges' curvature bound holds within 5,000 km of the plane's centre: a pair
    whose smaller polygon reaches beyond `OWN_PLANE_REACH_M` of the larger's centre is centred
    between them, as before."""
    _cold()
    larger = Polygon(tuple(LatLng(*p) for p in regular(100, 50_000.0, (0.0, 0.0))))
    near = Polygon(tuple(LatLng(*p) for p in regular(10, 1_500_000.0, (0.0, 20.0))))  # 2,226 + 1,500 km
    far = Polygon(tuple(LatLng(*p) for p in regular(10, 1_500_000.0, (0.0, 25.0))))  # 2,783 + 1,500 km
    assert intersect._PlanPair.of(near, larger).plane.centre == plane.centre_of(larger)
    assert intersect._PlanPair.of(far, larger).plane.centre == plane.centre_of(far, larger)
    assert intersect._PlanPair.of(larger, far).plane.centre == plane.centre_of(larger, far)
