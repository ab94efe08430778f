"""Each side of a conflict is shown, by the extents built once for both, exactly what
`disclosed_extent` shows it (the same polygons for both sides: the intersection is built in one
order whichever side looks): random pairs of multi-volume declarations (polygons and circles),
and a pair whose intersection is too intricate to build, where each side gets only its own
footprint."""

from __future__ import annotations

import random

import pytest

from deconfliction.engine.hotline import conflict_extents, disclosed_extent
from deconfliction.engine.strategic.conflicts import conflict_between
from deconfliction.geo import Interval, LatLng, Polygon, Volume4D
from tests.builders import T0, box, disc, operation
from tests.geo.heavy import comb


def _volume(rng: random.Random) -> Volume4D:
    lat, lng = 34 + rng.uniform(0, 0.05), 33 + rng.uniform(0, 0.05)
    low = rng.uniform(0, 500)
    alt = (low, low + rng.uniform(50, 800))
    if rng.random() < 0.5:
        return disc(lat, lng, rng.uniform(300, 3000), alt=alt)
    return box(lat, lng, rng.uniform(0.005, 0.04), alt=alt)


@pytest.mark.parametrize("seed", range(25))
def test_both_sides_see_what_disclosed_extent_shows_them(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):  # draw until the two conflict
        a = operation("a", "azure", *(_volume(rng) for _ in range(rng.randint(1, 3))))
        b = operation("b", "crimson", *(_volume(rng) for _ in range(rng.randint(1, 3))))
        conflict = conflict_between(a, b)
        if conflict is not None:
            break
    assert conflict is not None
    shown = conflict_extents(a, b, conflict)
    assert shown["a"] == disclosed_extent(a, b)
    assert shown["b"] == disclosed_extent(b, a)


def test_a_side_never_gets_the_others_footprint_when_the_intersection_is_too_intricate() -> None:
    window, band = Interval(T0, T0 + 3600), Interval(0.0, 300.0)
    upright = Polygon(tuple(LatLng(lat, lng) for lat, lng in comb(1_000)))
    across = Polygon(tuple(LatLng(lat, lng) for lat, lng in comb(1_000, transposed=True)))
    a = operation("a", "azure", Volume4D(upright, band, window))
    b = operation("b", "crimson", Volume4D(across, band, window))
    conflict = conflict_between(a, b)
    assert conflict is not None
    shown = conflict_extents(a, b, conflict)
    assert [v.footprint for v in shown["a"]] == [upright]  # its own, whole: the fallback
    assert [v.footprint for v in shown["b"]] == [across]
    assert shown["a"] == disclosed_extent(a, b) and shown["b"] == disclosed_extent(b, a)
