"""Hostile outlines that pass every input limit: combs of up to 10,000 vertices whose teeth cross
(n^2 / 16 crossings) or interleave (near everywhere, touching nowhere). The answers stay exact and
the work is bounded, asserted by counting what is done (no clock): no overlay of the crossing
pair is ever built, the crossings are counted only a batch past the limit, and no polygon is
repaired (make_valid)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import shapely

from deconfliction.errors import InvalidInput
from deconfliction.geo import (
    LatLng,
    Polygon,
    footprints_overlap,
    intersect,
    overlap_region,
    overlay,
    parse_volume4d,
    volumes_intersect,
    volumes_overlap,
)
from deconfliction.geo import cache as geo_cache
from deconfliction.geo.f3548 import MAX_POLYGON_VERTICES
from deconfliction.geo.plane import LocalPlane

from .heavy import COMB_CENTRE, comb, comb_length_m, comb_xy, counting, heaviest, wire

N = MAX_POLYGON_VERTICES  # the largest accepted


class Spy:
    """Counts GEOS overlays (intersection) and their sizes, and the segment pairs the crossing
    count tests; refuses make_valid and the old full relate (both O(crossings))."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.overlays: list[int] = []  # coordinates in, per overlay
        self.segment_pairs = 0
        intersection, meetings = shapely.intersection, overlay._meetings

        def counted_intersection(a: shapely.Geometry, b: shapely.Geometry, *args: object, **kwargs: object) -> shapely.Geometry:
            self.overlays.append(int(np.sum(shapely.get_num_coordinates(a)) + np.sum(shapely.get_num_coordinates(b))))
            return intersection(a, b, *args, **kwargs)

        def counted_meetings(p: np.ndarray, q: np.ndarray) -> int:
            self.segment_pairs += p.shape[0] * p.shape[1] * q.shape[1]
            return meetings(p, q)

        def refused(*_: object, **__: object) -> None:
            raise AssertionError("O(crossings) GEOS call on a hostile pair")

        monkeypatch.setattr(shapely, "intersection", counted_intersection)
        monkeypatch.setattr(overlay, "_meetings", counted_meetings)
        monkeypatch.setattr(shapely, "make_valid", refused)
        monkeypatch.setattr(shapely, "relate_pattern", refused)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    yield Spy(monkeypatch)


def volume(vertices: list[tuple[float, float]]):  # type: ignore[no-untyped-def]
    return parse_volume4d(wire(vertices))  # through the parser: accepted within every limit


@pytest.fixture(scope="module")
def crossing() -> tuple:  # type: ignore[type-arg]
    return volume(comb(N)), volume(comb(N, transposed=True))


# Most segment pairs the count may test: past the limit, at most one more batch of runs.
COUNT_BUDGET = (overlay.MAX_CROSSINGS + overlay.BATCH_PAIRS) * overlay.CHUNK_SEGMENTS**2


def test_crossing_combs_at_the_largest_size_overlap_without_building_their_intersection(crossing, spy):
    up, across = crossing
    assert footprints_overlap(up.footprint, across.footprint)
    assert volumes_intersect(up, across)
    found = volumes_overlap(up, across)
    assert found is not None and not found.area_exact
    # the bound holds the true area: the teeth cross in (N/4)^2 squares of half a pitch each way
    teeth = N // 4
    true_area = teeth**2 * (comb_length_m(N) / teeth / 2) ** 2
    assert true_area < found.area_m2 < 2.1 * true_area
    assert overlap_region(up.footprint, across.footprint) == [up.footprint]  # the receiver's own, whole
    assert spy.overlays == []  # nothing built: the old code built 6,250,000 squares here
    assert spy.segment_pairs <= 3 * COUNT_BUDGET  # three counts (area, region and the overlap)


def test_every_question_about_one_pair_projects_it_once_and_counts_its_crossings_once(crossing, spy, monkeypatch):
    """A write asks of the pair it conflicts with whether they meet, their area, each party's
    region (from each side) and (advice, from either side) whether they meet again: one projection
    of each ring and one count of the crossings between them serve them all."""
    up, across = crossing
    with counting(monkeypatch) as cost:  # from cold caches
        assert footprints_overlap(up.footprint, across.footprint)
        found = volumes_overlap(up, across)
        assert intersect.plan_intersection(up.footprint, across.footprint) is None  # too intricate
        assert footprints_overlap(across.footprint, up.footprint)  # the other order: the same pair
        assert intersect.plan_intersection(across.footprint, up.footprint) is None  # the other party's side
        assert found is not None and intersect.plan_overlap_area_m2(up.footprint, across.footprint) == found.area_m2
        projected, rings = cost.projected, sum(cost.densified)
        counted = spy.segment_pairs
    assert len(cost.densified) == 2 and projected == rings  # each ring built once, projected once
    assert 0 < counted <= COUNT_BUDGET  # one count, stopped past the limit


def test_the_overlap_test_is_decided_by_predicates_alone(crossing, spy):
    up, across = crossing
    assert footprints_overlap(up.footprint, across.footprint)
    assert spy.overlays == [] and spy.segment_pairs == 0


def test_a_shifted_crossing_comb_does_not_overlap(spy):
    length = comb_length_m(N)
    up = volume(comb(N))
    # the transposed comb moved right past the upright one's teeth: a tooth length and a pitch clear
    clear = volume(comb(N, transposed=True, offset_m=(length + 2 * length / (N // 4), 0.0)))
    assert not footprints_overlap(up.footprint, clear.footprint)
    assert volumes_overlap(up, clear) is None
    assert overlap_region(up.footprint, clear.footprint) == []
    assert spy.overlays == [] and spy.segment_pairs == 0


def test_interleaved_combs_come_close_everywhere_and_do_not_overlap(spy):
    up = volume(comb(N, width=0.4))
    down = volume(comb(N, width=0.4, turned=True))  # teeth a tenth of a pitch clear of each other
    assert not footprints_overlap(up.footprint, down.footprint)
    assert volumes_overlap(up, down) is None
    assert spy.overlays == []


@pytest.mark.parametrize("n", [800, N])
def test_interleaved_combs_pushed_into_each_other_overlap(n, spy):
    # the turned comb lowered by 3/4 of a pitch: each comb's tooth tips enter the other's spine
    # by half a pitch (2 n/4 overlaps of 0.4 x 0.5 pitch), 4 crossings per tooth: the exact
    # intersection at 800 vertices (800 crossings), a bound at 10,000 (10,000 crossings)
    teeth = n // 4
    pitch = comb_length_m(n) / teeth
    up = volume(comb(n, width=0.4))
    down = volume(comb(n, width=0.4, turned=True, offset_m=(0.0, -0.75 * pitch)))
    found = volumes_overlap(up, down)
    assert found is not None and footprints_overlap(up.footprint, down.footprint)
    true_area = 2 * teeth * (0.4 * pitch) * (0.5 * pitch)
    assert found.area_exact is (4 * teeth <= overlay.MAX_CROSSINGS)
    if found.area_exact:
        assert found.area_m2 == pytest.approx(true_area, rel=0.02)
        # (the turned comb's outermost tooth on each side misses the other's spine)
        assert 2 * teeth - 2 <= len(overlap_region(up.footprint, down.footprint)) <= 2 * teeth
        assert max(spy.overlays) <= 2 * 20_000  # the two rings, at most 20,000 points each
    else:
        assert true_area < found.area_m2
        assert spy.overlays == []


@pytest.mark.parametrize("n", [1_000, 2_000, 4_000, N])
def test_crossing_work_is_bounded_at_every_size(n, monkeypatch):
    up, across = volume(comb(n)), volume(comb(n, transposed=True))
    spy = Spy(monkeypatch)
    with counting(monkeypatch) as cost:
        assert volumes_overlap(up, across) is not None
    assert spy.overlays == []
    assert spy.segment_pairs <= COUNT_BUDGET
    assert cost.projected <= 2 * 20_000 + 2 * n  # each ring once into the pair's plane (+ centre)


def test_crossing_count_stops_past_its_limit():
    up, across = (shapely.Polygon(comb_xy(N, transposed=t)) for t in (False, True))
    assert not overlay.crossings_at_most(up, across)
    square = shapely.box(0.0, 0.0, 10.0, 10.0)
    assert overlay.crossings_at_most(square, shapely.box(5.0, 5.0, 15.0, 15.0), limit=2)
    assert not overlay.crossings_at_most(square, shapely.box(5.0, 5.0, 15.0, 15.0), limit=1)


def test_large_ordinary_polygons_keep_an_exact_area():
    # the heaviest accepted polygon against itself turned: 12 crossings, far below the limit
    a, b = volume(heaviest()), volume(heaviest(rotate_deg=30.0))
    found = volumes_overlap(a, b)
    assert found is not None and found.area_exact
    assert found.area_m2 == pytest.approx(intersect.plan_overlap_area_m2(b.footprint, a.footprint), rel=1e-6)


def test_a_self_crossing_comb_is_refused_at_parse_time_and_never_repaired(spy):
    # one ring through an upright comb and then a transposed one: (n/8)^2 self-crossings, within
    # the perimeter limit (teeth as long as one comb of N vertices may have)
    length = comb_length_m(N)
    points = np.concatenate([comb_xy(N // 2, length_m=length), comb_xy(N // 2, length_m=length, transposed=True)])
    lats, lngs = LocalPlane(LatLng(*COMB_CENTRE)).unproject(points[:, 0], points[:, 1])
    with pytest.raises(InvalidInput, match="self-intersecting"):
        volume([(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)])
    assert spy.overlays == []


def test_an_unparsed_self_crossing_polygon_is_bounded_too(spy):
    # as if read back from a store written before the parser's checks: no repair, a bounded answer
    points = np.concatenate([comb_xy(2_000), comb_xy(2_000, transposed=True)])
    lats, lngs = LocalPlane(LatLng(*COMB_CENTRE)).unproject(points[:, 0], points[:, 1])
    bad = Polygon(tuple(LatLng(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)))
    ok = volume(comb(1_000)).footprint
    footprints_overlap(bad, ok)
    overlap_region(bad, ok)
    assert spy.overlays == [] or max(spy.overlays) <= 2 * 20_000


def test_geos_has_relateng():
    # interiors_meet relies on RelateNG behind GEOS's named predicates (GEOS 3.13 and later); the
    # older relate builds the whole intersection graph, O(crossings)
    assert shapely.geos_version >= (3, 13, 0)


def test_two_circles_are_intersected_without_counting_crossings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Circles are convex: their rings cross at most 2 x 64 times, so the bounded crossing count
    (the cost of a dense cell of circles) is skipped, and the overlap is still exact."""
    import math

    from deconfliction.geo import Circle, LatLng
    from deconfliction.geo import intersect

    def never(*_args: object, **_kwargs: object) -> bool:
        raise AssertionError("counted crossings of two circles")
    monkeypatch.setattr(intersect, "crossings_at_most", never)
    a, b = Circle(LatLng(37.0, -80.0), 100.0), Circle(LatLng(37.0, -80.0), 60.0)
    area, exact = intersect._area(intersect._PlanPair.of(a, b))
    assert exact and math.isclose(area, math.pi * 60.0 ** 2, rel_tol=0.01)


def test_each_partys_side_of_a_crossing_pair_counts_the_crossings_once(crossing, monkeypatch):
    """The region shown to each party is built from its own side (the pair in the other order),
    which takes the first order's count of crossings: too intricate both ways, counted once."""
    up, across = crossing
    counts: list[int] = []
    count = intersect.crossings_at_most

    def counted(a, b, *args):  # type: ignore[no-untyped-def]
        counts.append(1)
        return count(a, b, *args)
    for cache in geo_cache.geometry_caches():
        cache.clear()
    monkeypatch.setattr(intersect, "crossings_at_most", counted)
    assert intersect.plan_intersection(up.footprint, across.footprint) is None
    assert intersect.plan_intersection(across.footprint, up.footprint) is None
    assert counts == [1]
