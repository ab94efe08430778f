"""A volume's hash is kept once asked for: equal volumes still hash equal, and a volume made
from another (`replace`, `shifted`) hashes as its own fields do."""

from __future__ import annotations

from dataclasses import replace

from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D


def test_kept_hashes_follow_the_fields() -> None:
    square = Polygon((LatLng(1, 1), LatLng(1, 2), LatLng(2, 2), LatLng(2, 1)))
    a = Volume4D(square, Interval(0, 100), Interval(10, 20))
    b = Volume4D(Polygon(square.vertices), Interval(0, 100), Interval(10, 20))
    assert hash(a) == hash((square, Interval(0, 100), Interval(10, 20)))
    assert hash(a) == hash(a) == hash(b) and a == b and {a: "kept"}[b] == "kept"
    for other in (replace(a, time_s=Interval(10, 21)), a.shifted(dt_s=1.0), a.shifted(dalt_m=-1.0),
                  replace(a, footprint=Circle(LatLng(1.5, 1.5), 1_000.0))):
        assert hash(other) == hash((other.footprint, other.altitude_m, other.time_s))
        assert other != a and hash(other) != hash(a)
