import pytest

from deconfliction.errors import InvalidInput, NotFound
from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D
from deconfliction.model import Declaration, DeclarationKind, NonconformanceReason, TrackState
from deconfliction.engine.tactical.conformance import nonconformances

R = NonconformanceReason


def square(lat: float, lng: float, d: float) -> Polygon:
    corners = [(lat, lng), (lat, lng + d), (lat + d, lng + d), (lat + d, lng)]
    return Polygon(tuple(LatLng(a, (b + 180) % 360 - 180) for a, b in corners))


def operation(*volumes: Volume4D, kind: DeclarationKind = DeclarationKind.OPERATION) -> Declaration:
    return Declaration("op1", "party-a", kind, volumes, declared_at_s=0.0)


# Two volumes side by side: west square early and low, east square later and higher.
OP = operation(
    Volume4D(square(34.0, 33.0, 0.1), Interval(0, 500), Interval(0, 1000)),
    Volume4D(square(34.0, 33.1, 0.1), Interval(0, 1000), Interval(500, 2000)),
)


def state(t: float, lat: float, lng: float, alt: float, track: str = "t1") -> TrackState:
    return TrackState(track, t, lat, lng, alt, 50.0, 90.0, 0.0)


def test_reasons_follow_time_then_footprint_then_altitude():
    track = [
        state(100, 34.05, 33.05, 300),  # inside the west volume
        state(200, 34.05, 33.15, 300),  # east square, but the east volume starts at 500
        state(300, 34.05, 33.05, 700),  # west square, above its band
        state(600, 34.05, 33.15, 700),  # inside the east volume
        state(2500, 34.05, 33.15, 700),  # after every window
    ]
    events = nonconformances([OP], track, {"t1": "op1"})
    assert [(e.t_s, e.reason) for e in events] == [
        (200, R.OUTSIDE_FOOTPRINT),
        (300, R.OUTSIDE_ALTITUDE),
        (2500, R.OUTSIDE_TIME),
    ]
    assert {(e.operation_id, e.party, e.track_id) for e in events} == {("op1", "party-a", "t1")}


def test_only_transitions_unless_every_state_is_asked_for():
    track = [state(t, 34.5, 33.05, 300) for t in (100, 110, 120)] + [state(130, 34.05, 33.05, 300)]
    assert [e.t_s for e in nonconformances([OP], track, {"t1": "op1"})] == [100]
    every = nonconformances([OP], track, {"t1": "op1"}, transitions_only=False)
    assert [e.t_s for e in every] == [100, 110, 120]


def test_boundaries_count_as_inside():
    track = [state(1000, 34.05, 33.05, 500), state(0, 34.05, 33.05, 0)]
    assert nonconformances([OP], track, {"t1": "op1"}) == []


def test_footprint_across_the_antimeridian_and_circles():
    across = operation(Volume4D(square(-17.0, 179.95, 0.1)))
    assert nonconformances([across], [state(0, -16.95, -179.99, 100)], {"t1": "op1"}) == []
    outside = nonconformances([across], [state(0, -16.95, -179.8, 100)], {"t1": "op1"})
    assert [e.reason for e in outside] == [R.OUTSIDE_FOOTPRINT]
    disc = operation(Volume4D(Circle(LatLng(51.0, 0.0), 100.0)))
    near, far = 90.0 / 111_000.0, 110.0 / 111_000.0  # degrees of latitude, roughly
    assert nonconformances([disc], [state(0, 51.0 + near, 0.0, 10)], {"t1": "op1"}) == []
    assert len(nonconformances([disc], [state(0, 51.0 + far, 0.0, 10)], {"t1": "op1"})) == 1


def test_unmapped_tracks_are_ignored_and_bad_mappings_raise():
    stray = [state(100, 0.0, 0.0, 300, track="other")]
    assert nonconformances([OP], stray, {"t1": "op1"}) == []
    with pytest.raises(NotFound):
        nonconformances([OP], [state(100, 34.05, 33.05, 300)], {"t1": "missing"})
    zone = operation(Volume4D(square(34.0, 33.0, 0.1)), kind=DeclarationKind.CONSTRAINT)
    with pytest.raises(InvalidInput):
        nonconformances([zone], [state(100, 34.05, 33.05, 300)], {"t1": "op1"})
