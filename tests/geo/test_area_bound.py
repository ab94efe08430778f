"""An area limit asks a polygon's bound first (`Polygon.area_bound_m2`: its vertices in their own
plane, no geodesic) and measures the area on the ellipsoid only when the bound is above the
limit: the bound must hold, be tight, and the limit must refuse exactly what the exact area
would."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from deconfliction.engine.f3548.common import area_above
from deconfliction.geo import LatLng, Polygon, Volume4D, parse_volume4d, plane
from deconfliction.geo import cache as geo_cache

from .heavy import heaviest, wire

GEOD = plane.WGS84


def _star(rng: random.Random, n: int, radius_m: float, centre: tuple[float, float], spread: float = 0.7) -> Polygon:
    """A simple polygon: vertices at increasing azimuths around the centre, at random distances
    (down to `spread` of the radius below it)."""
    azimuths = np.sort(rng.sample(range(360_000), n)) / 1000.0
    distances = [radius_m * rng.uniform(1.0 - spread, 1.0) for _ in range(n)]
    lngs, lats, _ = GEOD.fwd([centre[1]] * n, [centre[0]] * n, azimuths, distances)
    return Polygon(tuple(LatLng(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)))


def _exact(polygon: Polygon) -> float:
    area, _ = GEOD.polygon_area_perimeter(polygon.coords[:, 1], polygon.coords[:, 0])
    return abs(float(area))


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_holds_and_is_tight(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        radius = 10 ** rng.uniform(1.5, 6.25)  # 30 m to 1,780 km
        n = rng.choice([3, 5, 12, 40, 300, 2_000])
        centre = (rng.choice([rng.uniform(-89, 89), 89.5, -89.5, 0.0]), rng.uniform(-180, 180))
        polygon = _star(rng, n, radius, centre)
        exact, bound = _exact(polygon), Polygon(polygon.vertices).area_bound_m2
        assert bound >= exact
        assert bound <= 1.02 * exact + 1.0
        if radius < 30_000 and exact > 100e6:  # the plane's scale, 1 + (d / R)^2 / 6, is a millionth
            assert bound <= 1.0001 * exact


def test_a_densified_polygon_gets_its_exact_area() -> None:
    polygon = parse_volume4d(wire(heaviest())).footprint
    assert polygon.area_bound_m2 == polygon.area_m2 == _exact(polygon)


def _measured(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    measure = GEOD.polygon_area_perimeter

    def counted(lngs, lats, *args, **kwargs):  # noqa: ANN001, ANN202
        calls.append(len(lngs))
        return measure(lngs, lats, *args, **kwargs)
    monkeypatch.setattr(GEOD, "polygon_area_perimeter", counted)
    return calls


def test_a_limit_refuses_what_the_exact_area_would(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    # 10,000 vertices, ~2,300 km2, edges under 2 km (not densified)
    polygon = _star(rng, 10_000, math.sqrt(2_400e6 / math.pi), (37.2, -80.6), spread=0.04)
    exact = _exact(polygon)
    for cache in geo_cache.geometry_caches():
        cache.clear()
    calls = _measured(monkeypatch)
    fresh = lambda: Volume4D(Polygon(polygon.vertices))  # noqa: E731  (nothing kept on it)
    assert area_above(fresh(), 2_500e6) is None
    assert calls == []  # settled by the bound
    assert area_above(fresh(), exact * (1 + 1e-12)) is None  # the bound is above: measured, and under
    assert area_above(fresh(), exact * (1 - 1e-12)) == exact  # measured, and over
    assert len(calls) == 2
