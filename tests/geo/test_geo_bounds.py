"""Polygons are refused past a vertex count, an extent and a perimeter, on their vertices alone,
so the heaviest one accepted costs a bounded number of points. Costs are asserted as counts of
points (densified, projected), not wall time."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from deconfliction.errors import InvalidInput
from deconfliction.geo import (
    Circle,
    LatLng,
    footprints_overlap,
    index,
    parse_volume4d,
    plane,
)
from deconfliction.geo.f3548 import MAX_PERIMETER_M, MAX_POLYGON_VERTICES, MAX_RADIUS_M

from .heavy import alternating, counting, heaviest, regular, wire

GEOD = Geod(ellps="WGS84")
FIELD = "volume4d.volume.outline_polygon.vertices"
# What one parse + index box + exact overlap test may cost, in projected points: the ring
# projected once to validate and once more in the pair's plane, plus the other footprint.
PROJECTED_BUDGET = 2 * plane.MAX_RING_POINTS + 1_000


def refused(vertices: list[tuple[float, float]]) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_volume4d(wire(vertices))
    assert info.value.field == FIELD, (info.value.field, info.value.reason)
    return info.value


# --- the attack: 60 N / 60 S zigzag --------------------------------------------------------------


@pytest.mark.parametrize(("n", "why"), [(2_000, "2,000 km"), (20_000, "above the maximum of 10,000")])
def test_alternating_60n_60s_polygon_is_refused_before_any_densification(monkeypatch, n, why):
    with counting(monkeypatch) as cost:
        err = refused(alternating(n))
    assert why in err.reason
    assert cost.densified == [] and cost.projected == 0  # refused on its vertices alone


# --- the heaviest polygon that parses ----------------------------------------------------------


def test_heaviest_accepted_polygon_costs_at_most_the_ring_budget(monkeypatch):
    vertices = heaviest()
    assert len(vertices) == MAX_POLYGON_VERTICES
    with counting(monkeypatch) as cost:
        volume = parse_volume4d(wire(vertices))
        index.box_of(volume)
        assert footprints_overlap(volume.footprint, Circle(LatLng(*vertices[0]), 100_000.0))
    survey = plane.polygon_survey(volume.footprint)
    reach, perimeter = survey.reach_m, survey.perimeter_m
    assert 1_980_000 < reach <= MAX_RADIUS_M and 19_000_000 < perimeter <= MAX_PERIMETER_M
    assert len(cost.densified) == 1 and 19_000 < cost.densified[0] <= plane.MAX_RING_POINTS
    assert cost.projected <= PROJECTED_BUDGET


# --- parse-time bounds -------------------------------------------------------------------------


def test_polygon_of_10001_vertices_is_refused_and_of_10000_accepted():
    err = refused(regular(MAX_POLYGON_VERTICES + 1, 5_000.0))
    assert "10,001 vertices is above the maximum of 10,000" in err.reason
    assert len(parse_volume4d(wire(regular(MAX_POLYGON_VERTICES, 5_000.0))).footprint.vertices) == 10_000
    closed = regular(MAX_POLYGON_VERTICES, 5_000.0)
    closed.append(closed[0])  # a closing vertex is not one more
    assert len(parse_volume4d(wire(closed)).footprint.vertices) == 10_000


def test_a_million_vertices_are_refused_before_they_are_read(monkeypatch):
    body = wire([(0.0, 0.0)] * 3)
    body["volume"]["outline_polygon"]["vertices"] = [{"lat": "not read"}] * 1_000_000
    with counting(monkeypatch) as cost, pytest.raises(InvalidInput) as info:
        parse_volume4d(body)
    assert info.value.field == FIELD and "1,000,000 vertices" in info.value.reason
    assert cost.densified == [] and cost.projected == 0


def test_polygon_reaching_beyond_2000_km_of_its_centre_is_refused():
    # A triangle whose far corner is 2,100 km from the vertices' mean: refused like a circle of
    # that radius; the same at 1,900 km is accepted.
    def triangle(far_m: float) -> list[tuple[float, float]]:
        a = GEOD.fwd(10.0, 45.0, 0.0, far_m)
        b = GEOD.fwd(10.0, 45.0, 120.0, far_m)
        c = GEOD.fwd(10.0, 45.0, 240.0, far_m)
        return [(p[1], p[0]) for p in (a, b, c)]

    err = refused(triangle(2_100_000.0))
    assert "from the polygon's centre" in err.reason and "maximum of 2,000 km" in err.reason
    assert parse_volume4d(wire(triangle(1_900_000.0))).footprint is not None


def test_long_perimeter_within_the_extent_is_refused():
    # A gear of 10,000 vertices, 1,000 km across, teeth 3 km deep: ~32,000 km of perimeter.
    n = 10_000
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    r = np.where(np.arange(n) % 2 == 0, 1_000_000.0, 997_000.0)
    lngs, lats, _ = GEOD.fwd(np.full(n, 7.0), np.full(n, 45.0), az, r)
    err = refused([(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)])
    assert "perimeter" in err.reason and "maximum of 20,000 km" in err.reason


def test_store_read_back_skips_the_bounds():
    # Volumes read back from our own store (check_shape=False) are not refused: their cost is
    # bounded by the ring budget instead.
    volume = parse_volume4d(wire(alternating(2_000)), check_shape=False)
    assert len(volume.footprint.vertices) == 2_000
