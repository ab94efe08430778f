"""ASTM F3548-21 Volume4D in and out: round trip, and bad input naming the field."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.errors import InvalidInput
from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, dump_volume4d, parse_volume4d

T10 = 1_795_428_000.0  # 2026-11-23T10:00:00Z


def wire(footprint: dict, lower=0.0, upper=1000.0, start="2026-11-23T10:00:00Z", end="2026-11-23T11:00:00Z") -> dict:
    return {
        "volume": {
            **copy.deepcopy(footprint),
            "altitude_lower": {"value": lower, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": upper, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": start, "format": "RFC3339"},
        "time_end": {"value": end, "format": "RFC3339"},
    }


def polygon_wire(*pts: tuple[float, float]) -> dict:
    return {"outline_polygon": {"vertices": [{"lat": lat, "lng": lng} for lat, lng in pts]}}


SQUARE = polygon_wire((34.0, 33.0), (34.0, 33.1), (34.1, 33.1), (34.1, 33.0))
CIRCLE = {"outline_circle": {"center": {"lat": 34.0, "lng": 33.0}, "radius": {"value": 500.0, "units": "M"}}}


def test_parse_polygon_volume():
    v = parse_volume4d(wire(SQUARE))
    assert v == Volume4D(
        Polygon((LatLng(34.0, 33.0), LatLng(34.0, 33.1), LatLng(34.1, 33.1), LatLng(34.1, 33.0))),
        Interval(0.0, 1000.0), Interval(T10, T10 + 3600),
    )


def test_parse_circle_volume_and_offset_times():
    v = parse_volume4d(wire(CIRCLE, start="2026-11-23T12:00:00+02:00", end="2026-11-23T11:30:00.5Z"))
    assert v.footprint == Circle(LatLng(34.0, 33.0), 500.0)
    assert v.time_s == Interval(T10, T10 + 5400.5)


@pytest.mark.parametrize("footprint", [SQUARE, CIRCLE, polygon_wire((-10.2, 179.8), (-10.2, -179.8), (-9.8, -179.8))])
def test_round_trip_of_examples(footprint):
    v = parse_volume4d(wire(footprint))
    dumped = dump_volume4d(v)
    assert parse_volume4d(json.loads(json.dumps(dumped))) == v


def test_round_trip_of_unbounded_sides():
    v = Volume4D(Circle(LatLng(-89.9, 0.0), 10.0))
    dumped = dump_volume4d(v)
    assert "time_start" not in dumped and "altitude_lower" not in dumped["volume"]
    assert parse_volume4d(dumped) == v


finite = st.floats(allow_nan=False, allow_infinity=False)
lat = st.floats(-89.0, 89.0)
lng = st.floats(-180.0, 180.0)


@st.composite
def volumes(draw) -> Volume4D:
    if draw(st.booleans()):
        footprint = Circle(LatLng(draw(lat), draw(lng)), draw(st.floats(1.0, 1e6)))
    else:
        # a small axis-aligned box: always simple
        la, lo, d = draw(lat), draw(st.floats(-179.0, 179.0)), draw(st.floats(1e-4, 0.9))
        footprint = Polygon((LatLng(la, lo), LatLng(la, lo + d), LatLng(la + d, lo + d), LatLng(la + d, lo)))
    lower = draw(st.floats(-500.0, 20_000.0))
    upper = lower + draw(st.floats(0.01, 20_000.0))
    start_ms = draw(st.integers(0, 4_102_444_800_000))  # 1970 .. 2100, millisecond precision
    end_ms = start_ms + draw(st.integers(1, 10 * 86_400_000))
    return Volume4D(footprint, Interval(lower, upper), Interval(start_ms / 1000, end_ms / 1000))


@settings(max_examples=60, deadline=None)
@given(volumes())
def test_round_trip_property(v):
    assert parse_volume4d(json.loads(json.dumps(dump_volume4d(v)))) == v


# --- bad input: InvalidInput names the field ----------------------------------------------------


def expect_invalid(body: dict, field_fragment: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_volume4d(body)
    assert field_fragment in info.value.field, (info.value.field, info.value.reason)
    return info.value


def test_fewer_than_three_vertices():
    err = expect_invalid(wire(polygon_wire((34.0, 33.0), (34.0, 33.1))), "volume.outline_polygon.vertices")
    assert "3" in err.reason


def test_three_vertices_two_of_them_equal():
    expect_invalid(wire(polygon_wire((34.0, 33.0), (34.0, 33.1), (34.0, 33.1))), "volume.outline_polygon.vertices")


def test_self_intersecting_bow_tie():
    bow_tie = polygon_wire((34.0, 33.0), (34.1, 33.1), (34.0, 33.1), (34.1, 33.0))
    err = expect_invalid(wire(bow_tie), "volume.outline_polygon.vertices")
    assert "intersect" in err.reason


def test_collinear_vertices():
    expect_invalid(wire(polygon_wire((0.0, 0.0), (0.0, 0.1), (0.0, 0.2))), "volume.outline_polygon.vertices")


def test_latitude_91():
    body = wire(polygon_wire((34.0, 33.0), (91.0, 33.1), (34.1, 33.1)))
    err = expect_invalid(body, "volume.outline_polygon.vertices[1].lat")
    assert "91" in err.reason
    circle = copy.deepcopy(CIRCLE)
    circle["outline_circle"]["center"]["lat"] = 91
    expect_invalid(wire(circle), "outline_circle.center.lat")


def test_longitude_out_of_range_and_non_number():
    expect_invalid(wire(polygon_wire((34.0, 181.0), (34.0, 33.1), (34.1, 33.1))), "vertices[0].lng")
    bad = wire(SQUARE)
    bad["volume"]["outline_polygon"]["vertices"][2]["lat"] = "north"
    expect_invalid(bad, "vertices[2].lat")


def test_lower_above_upper():
    expect_invalid(wire(SQUARE, lower=2000.0, upper=1000.0), "altitude_lower")


def test_lower_equal_to_upper_is_empty():
    expect_invalid(wire(SQUARE, lower=1000.0, upper=1000.0), "altitude_lower")


def test_end_before_start():
    expect_invalid(wire(SQUARE, start="2026-11-23T11:00:00Z", end="2026-11-23T10:00:00Z"), "time_end")


def test_bad_time_and_naive_time():
    expect_invalid(wire(SQUARE, start="yesterday"), "time_start")
    expect_invalid(wire(SQUARE, end="2026-11-23T11:00:00"), "time_end")


def test_both_or_neither_outline():
    expect_invalid(wire({**SQUARE, **CIRCLE}), "volume")
    expect_invalid(wire({}), "volume")


def test_non_positive_radius():
    circle = copy.deepcopy(CIRCLE)
    circle["outline_circle"]["radius"]["value"] = 0
    expect_invalid(wire(circle), "outline_circle.radius")


@pytest.mark.parametrize(("value", "units"), [(1e9, "M"), (2_000_001.0, "M"), (6_600_000.0, "FT")])
def test_radius_beyond_two_thousand_km_is_refused(value, units):
    circle = copy.deepcopy(CIRCLE)
    circle["outline_circle"]["radius"] = {"value": value, "units": units}
    err = expect_invalid(wire(circle), "volume.outline_circle.radius")
    assert err.field == "volume4d.volume.outline_circle.radius"
    assert "above the maximum of 2,000,000 m" in err.reason and "hemisphere" in err.reason


def test_radius_of_two_thousand_km_is_accepted():
    circle = copy.deepcopy(CIRCLE)
    circle["outline_circle"]["radius"]["value"] = 2_000_000.0
    assert parse_volume4d(wire(circle)).footprint.radius_m == 2_000_000.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("path", [
    ("outline_circle", "radius", "value"), ("outline_circle", "center", "lat"), ("outline_circle", "center", "lng"),
    ("altitude_lower", "value"), ("altitude_upper", "value"),
])
def test_non_finite_numbers_are_refused_naming_the_field(bad, path):
    body = wire(CIRCLE)
    inner = body["volume"]
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = bad
    err = expect_invalid(body, ".".join(path))
    assert "finite" in err.reason


def test_unsupported_altitude_reference():
    body = wire(SQUARE)
    body["volume"]["altitude_lower"]["reference"] = "SFC"
    expect_invalid(body, "altitude_lower.reference")


def test_an_integer_beyond_any_double_is_refused_naming_the_field() -> None:
    import pytest

    from deconfliction.errors import InvalidInput
    from deconfliction.geo.volume import finite_number

    with pytest.raises(InvalidInput, match="altitude.*400 digits"):
        finite_number(10**399, "altitude")
