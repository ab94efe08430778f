"""Two large shapes are first searched for a pair of edges that surely cross (`overlay._surely_cross`)
before RelateNG is asked whether their interiors meet. The search may only say True where GEOS
would: shapes that share an edge bit for bit, meet at a vertex lying on an edge, or lie inside
one another must fall through to RelateNG."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import shapely

from deconfliction.geo import overlay

from .heavy import comb_xy


def _geos(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shapely.intersects(a, b)) and not bool(shapely.touches(a, b))


def _ring(n: int, radius: float, centre: tuple[float, float] = (0.0, 0.0), wobble: float = 0.0,
          rng: random.Random | None = None) -> np.ndarray:
    angles = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    radii = radius * (1.0 + wobble * np.array([(rng or random.Random(0)).uniform(-1, 1) for _ in range(n)]))
    return np.column_stack((centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)))


def _halves(points: np.ndarray, cut: int) -> tuple[shapely.Polygon, shapely.Polygon]:
    """A polygon cut in two along the chord from vertex 0 to vertex `cut`: the halves share that
    edge, and its two ends, bit for bit."""
    return shapely.Polygon(points[:cut + 1]), shapely.Polygon(np.vstack((points[cut:], points[:1])))


@pytest.mark.parametrize("seed", range(6))
def test_the_search_agrees_with_relate_on_large_shapes(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice([1_000, 2_000, 5_000])
    base = _ring(n, 1_000.0, wobble=0.001, rng=rng)
    cases = {
        "crossing": (shapely.Polygon(base), shapely.Polygon(_ring(n, 1_000.0, (300.0, 10.0), 0.001, rng))),
        "nested": (shapely.Polygon(base), shapely.Polygon(_ring(n, 500.0, (1.0, 2.0), 0.001, rng))),
        "apart": (shapely.Polygon(base), shapely.Polygon(_ring(n, 900.0, (2_500.0, 0.0), 0.001, rng))),
        "shared edge": _halves(base, n // 2 + rng.randint(-n // 8, n // 8)),
        # a vertex of one on an edge of the other, as nearly as floating point allows
        "vertex on edge": (shapely.Polygon(base), _keyhole(base[:2].mean(axis=0), -1, base[0], base[1], n // 2)),
    }
    for how, (a, b) in cases.items():
        if not (a.is_valid and b.is_valid):
            continue  # a random construction that crossed itself: nothing to compare
        assert overlay.interiors_meet(a, b) == _geos(a, b), how
        if overlay._surely_cross(a, b):
            assert _geos(a, b), how  # never a crossing where RelateNG sees none


def test_touching_combs_are_left_to_relate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A comb and the same comb shifted by its width touch along every tooth's side (bit-identical
    coordinates): no crossing is sure, and RelateNG says they only touch."""
    teeth = comb_xy(4_000, length_m=4_000.0, width=0.5)
    pitch = 4_000.0 / 1_000
    a, b = shapely.Polygon(teeth), shapely.Polygon(teeth + [pitch / 2, 0.0])
    assert not overlay._surely_cross(a, b)
    assert overlay.interiors_meet(a, b) is _geos(a, b)


def test_crossing_combs_are_settled_by_the_search(monkeypatch: pytest.MonkeyPatch) -> None:
    up, across = shapely.Polygon(comb_xy(4_000)), shapely.Polygon(comb_xy(4_000, transposed=True))
    asked: list[str] = []
    intersects = shapely.intersects
    monkeypatch.setattr(shapely, "intersects", lambda *args, **kwargs: asked.append("intersects") or intersects(*args, **kwargs))
    assert overlay.interiors_meet(up, across)
    assert asked == []  # RelateNG was not needed


def _orientation_exact(o: np.ndarray, u: np.ndarray, p: np.ndarray) -> int:
    from fractions import Fraction
    ox, oy, ux, uy, px, py = (Fraction(float(v)) for v in (*o, *u, *p))
    det = (ux - ox) * (py - oy) - (uy - oy) * (px - ox)
    return (det > 0) - (det < 0)


def _orientation_naive(o: np.ndarray, u: np.ndarray, p: np.ndarray) -> int:
    det = (u[0] - o[0]) * (p[1] - o[1]) - (u[1] - o[1]) * (p[0] - o[0])
    return int(np.sign(det))


def test_a_tip_that_rounding_puts_on_the_wrong_side_is_left_to_relate() -> None:
    """A spike whose tip lies a rounding error outside a long edge, where the naive orientation
    puts it inside (an edge 50 units long past a point near 0.5: the differences lose the point's
    last bits): a search without the error bound would call that a crossing; RelateNG (robust)
    says the shapes do not meet, and so must `interiors_meet`."""
    rng = random.Random(2)
    for _ in range(100_000):
        near = np.array([rng.uniform(0.1, 1.0), rng.uniform(0.1, 1.0)])
        direction = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1)])
        o, u = near + 30 * direction, near - 20 * direction
        tip = near + np.spacing(near) * np.array([rng.randint(-8, 8), rng.randint(-8, 8)])
        exact, naive = _orientation_exact(o, u, tip), _orientation_naive(o, u, tip)
        if exact != 0 and naive == -exact:
            break
    else:
        raise AssertionError("no badly rounded point found")
    inside = -exact  # the side the naive orientation wrongly puts the tip on: the ring's interior
    along = (u - o) / np.linalg.norm(u - o)
    normal = np.array([-along[1], along[0]]) * inside
    middle, half = (o + u) / 2, float(np.linalg.norm(u - o)) / 2
    arc = np.linspace(0.0, math.pi, 1_000)[1:-1]  # from u round the inside back to o
    ring = np.vstack((o, u, middle + half * (np.outer(np.cos(arc), along) + np.outer(np.sin(arc), normal))))
    a, b = shapely.Polygon(ring), _keyhole(tip, -inside, o, u, 1_000)
    assert a.is_valid and b.is_valid
    assert not _geos(a, b)  # the tip is outside: they do not meet at all
    assert not overlay.interiors_meet(a, b)


def _keyhole(tip: np.ndarray, side: int, o: np.ndarray, u: np.ndarray, n: int) -> shapely.Polygon:
    """A disc on the `side` (an orientation's sign) of the edge o -> u, beyond `tip` (a point on the
    edge), with a spike reaching back to `tip`: it meets the edge's shape at that one point, if
    the point is on the edge."""
    along = (u - o) / np.linalg.norm(u - o)
    normal = np.array([-along[1], along[0]]) * side  # to the left is positive
    centre, back = tip + 400.0 * normal, math.atan2(-normal[1], -normal[0])
    angles = np.linspace(back + 0.3, back + 2 * math.pi - 0.3, n)
    return shapely.Polygon(np.vstack((tip, np.column_stack((centre[0] + 300.0 * np.cos(angles),
                                                              centre[1] + 300.0 * np.sin(angles))))))
