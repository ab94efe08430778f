"""Many polygons surveyed together (`plane.polygon_surveys`, `f3548.parse_volumes`) give what
surveying and parsing them one by one gives: the same surveys bit for bit, the same cache
entries, the same volumes, and the same first error for the same input."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest

from deconfliction.errors import InvalidInput
from deconfliction.geo import LatLng, Polygon, parse_volume4d, parse_volumes
from deconfliction.geo import cache as geo_cache
from deconfliction.geo.plane import densified_ring, polygon_survey, polygon_surveys, vertex_plane


def _random_polygon(rng: random.Random) -> Polygon:
    lat, lng = rng.uniform(-70, 70), rng.uniform(-179, 179)
    size = rng.choice([0.001, 0.01, 0.5])  # 0.5 deg: edges long enough to be densified
    n = rng.choice([4, 12, 32, 33, 100, 700])  # both sides of the small path's limit
    if rng.random() < 0.5:  # a regular polygon (simple); else random vertices (often crossing)
        return Polygon(tuple(LatLng(lat + size * np.sin(2 * np.pi * k / n), lng + size * np.cos(2 * np.pi * k / n))
                             for k in range(n)))
    return Polygon(tuple(LatLng(lat + size * rng.uniform(-1, 1), lng + size * rng.uniform(-1, 1)) for _ in range(n)))


def _cold() -> None:
    for cache in geo_cache.geometry_caches():
        cache.clear()


@pytest.mark.parametrize("seed", range(8))
def test_surveys_of_many_equal_surveys_of_each_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    polygons = [_random_polygon(rng) for _ in range(rng.randint(1, 40))]
    twins = [Polygon(p.vertices) for p in polygons]  # equal, but without a centre kept on them
    _cold()
    one_by_one = [polygon_survey(p) for p in polygons]
    kept_alone = [(vertex_plane.cache.get(p), densified_ring.cache.get(p)) for p in polygons]
    _cold()
    together = polygon_surveys(twins)
    assert len(together) == len(polygons)
    for alone, batched, (plane_alone, ring_alone), twin in zip(one_by_one, together, kept_alone, twins, strict=True):
        assert (batched.centre, batched.reach_m, batched.farthest, batched.perimeter_m) == \
            (alone.centre, alone.reach_m, alone.farthest, alone.perimeter_m)
        assert twin._centre == alone.centre
        assert (batched.plane_xy is None) == (alone.plane_xy is None)
        if alone.plane_xy is not None:
            assert np.array_equal(batched.plane_xy, alone.plane_xy)
        plane_now, ring_now = vertex_plane.cache.get(twin), densified_ring.cache.get(twin)
        for before, now in ((plane_alone, plane_now), (ring_alone, ring_now)):
            assert (before is None) == (now is None)
            if before is not None:
                assert all(np.array_equal(a, b) for a, b in zip(before, now, strict=True))
                assert not any(a.flags.writeable for a in now)


def _volume(rng: random.Random, i: int) -> dict[str, Any]:
    n = rng.choice([4, 40, 100])
    lat, lng = 30 + 0.05 * i, 30.0
    vertices = [{"lat": lat + 0.01 * np.sin(2 * np.pi * k / n), "lng": lng + 0.01 * np.cos(2 * np.pi * k / n)}
                for k in range(n)]
    return {"volume": {"outline_polygon": {"vertices": vertices},
                       "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": 100, "reference": "W84", "units": "M"}},
            "time_start": {"value": "2026-11-23T10:00:00Z", "format": "RFC3339"},
            "time_end": {"value": "2026-11-23T11:00:00Z", "format": "RFC3339"}}


def _spoil(body: dict[str, Any], how: str) -> None:
    volume = body.get("volume")
    if volume is None:  # spoiled already
        return
    if how == "crossing":  # the polygon's edges cross: refused for its shape
        vertices = volume["outline_polygon"]["vertices"]
        vertices[0], vertices[1] = vertices[1], vertices[0]
        vertices[1], vertices[2] = vertices[2], vertices[1]
        vertices.insert(1, {"lat": vertices[0]["lat"] + 0.05, "lng": vertices[0]["lng"] - 0.05})
        vertices.insert(3, {"lat": vertices[0]["lat"] - 0.05, "lng": vertices[0]["lng"] - 0.05})
    elif how == "unreadable vertex":
        volume["outline_polygon"]["vertices"][1] = {"lat": "north"}
    elif how == "altitude":
        volume["altitude_lower"]["value"] = 500
    elif how == "time":
        body["time_end"]["value"] = "2026-11-23T09:00:00Z"
    elif how == "no volume":
        del body["volume"]
    elif how == "collinear":
        for vertex in volume["outline_polygon"]["vertices"]:
            vertex["lng"] = 30.0


def _first_error(parse: Any) -> tuple[str, str] | None:
    try:
        parse()
    except InvalidInput as error:
        return error.field, error.reason
    return None


@pytest.mark.parametrize("seed", range(40))
def test_many_volumes_parse_as_each_one_does_and_fail_on_the_same_first_error(seed: int) -> None:
    rng = random.Random(seed)
    bodies = [_volume(rng, i) for i in range(rng.randint(1, 8))]
    for _ in range(rng.choice([0, 1, 2, 3])):  # up to three defects, anywhere, of any kind
        _spoil(rng.choice(bodies), rng.choice(["crossing", "unreadable vertex", "altitude", "time", "no volume",
                                              "collinear"]))
    original = copy.deepcopy(bodies)

    def alone() -> tuple[Any, ...]:
        return tuple(parse_volume4d(b, f"volumes[{i}]") for i, b in enumerate(bodies))

    expected = _first_error(alone)
    _cold()
    assert _first_error(lambda: parse_volumes(bodies, "volumes")) == expected
    assert bodies == original  # the input is read, never changed
    if expected is None:
        assert parse_volumes(bodies, "volumes") == alone()


@pytest.mark.parametrize("seed", range(6))
def test_boxes_and_hulls_prepared_together_are_those_made_one_by_one(seed: int) -> None:
    from deconfliction.geo import Interval, Volume4D, index, matching
    from deconfliction.geo.bounds import volume_box

    rng = random.Random(seed)
    polygons = [_random_polygon(rng) for _ in range(rng.randint(1, 30))]
    dent = LatLng(0.005, 0.005)  # concave, its dent repeated: left to convex_hull, which drops the empty edge
    polygons.append(Polygon((LatLng(0.0, 0.0), LatLng(0.0, 0.01), dent, dent, LatLng(0.01, 0.01), LatLng(0.01, 0.0))))
    volumes = [Volume4D(p, Interval(0, 100 + i), Interval(0, 60)) for i, p in enumerate(polygons)]
    _cold()
    alone = [(volume_box(v), matching.convex_hull.__wrapped__(v.footprint)) for v in volumes]  # type: ignore[attr-defined]
    _cold()
    matching.prepare(volumes)
    for volume, (box, hull) in zip(volumes, alone, strict=True):
        kept_box = index.box_of.cache.get(volume)
        assert kept_box is not None and len(kept_box) == len(box)
        # a dot product summed in another order, then arccos near 1 (slope ~1 / angle): ~1e-11 at
        # most, against the box's own margin of 1e-6 rad (bounds.ANGLE_MARGIN_RAD)
        assert kept_box[6:] == box[6:] and np.allclose(kept_box[:6], box[:6], rtol=0, atol=1e-9)
        kept_hull = matching.convex_hull.cache.get(volume.footprint)
        assert kept_hull == hull  # convex ones: the polygon itself; others as convex_hull makes them
