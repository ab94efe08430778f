"""ASTM F3548-21 Volume4D in and out: the wire form is converted here and nowhere else.

In: `{"volume": {"outline_polygon": {"vertices": [{"lat", "lng"}, ...]} | "outline_circle":
{"center": {"lat", "lng"}, "radius": {"value", "units": "M"}}, "altitude_lower": {"value",
"reference": "W84", "units": "M"}, "altitude_upper": {...}}, "time_start": {"value": RFC3339,
"format": "RFC3339"}, "time_end": {...}}`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np

from ..errors import InvalidInput
from .instants import format_instant, parse_instant
from .plane import MAX_RING_POINTS, PolygonSurvey, polygon_perimeter_m, polygon_problem, polygon_survey, polygon_surveys
from .volume import INF, Circle, Footprint, Interval, LatLng, Polygon, Volume4D, finite_number

FEET_M = 0.3048
# The largest circle radius accepted: 2,000 km. Overlaps with a circle are decided in an azimuthal
# equidistant plane centred on it (geo/plane.py): exact along rays from the centre, stretched
# across them by (d/R)/sin(d/R), 1.7% at 2,000 km but without bound towards the antipode; and a
# radius past 10,000 km (a quarter meridian) is more than a hemisphere. 2,000 km keeps a circle a
# small cap, well within a hemisphere and within the range plane.py's densification step is sized
# for, yet it is far larger than any real operation, protected site or restricted zone.
MAX_RADIUS_M = 2_000_000.0
# A polygon is held to the same cap: every vertex within MAX_RADIUS_M of its centre (the mean
# direction of its vertices, `plane.centre_of`: the centre of the plane it is validated in and the
# axis of its bounding cap, geo/bounds.py). A cap of 2,000 km is convex (far less than a
# hemisphere), so each geodesic edge stays inside it and is at most 4,000 km long; the plane's
# stretch across rays is at most 1.7% and a projected geodesic curves by at most 3.4e-8 /m there
# (geo/plane.py), so the local-plane geometry is as trustworthy as it is for the largest circle.
# (The attack that densified without bound, a zigzag between 60 N and 60 S, has ~13,000 km
# edges and vertices ~6,700 km from any centre: refused here, on its vertices alone.)
#
# The extent alone does not bound the cost: a comb of 10,000 vertices zigzagging across that
# cap would be ~20,000,000 km long, and a densified ring costs its length in steps. So the
# perimeter is bounded too, by MAX_PERIMETER_M = 20,000 km: every convex polygon within the cap
# has less (at most the largest circle's circumference, 2 pi * 2,000 km = 12,566 km), so only an
# outline folding back on itself for more than 1.6 times that is refused. With at most
# MAX_POLYGON_VERTICES vertices, a polygon that parses is densified at a 1 km step, or 2 km when
# that would exceed the ring budget (10,000 vertices + 20,000 km / 2 km = 20,000 =
# plane.MAX_RING_POINTS): chord sag <= 5 cm (geo/plane.py's docstring has the numbers).
MAX_PERIMETER_M = 20_000_000.0
# F3548 allows 10,000 vertices per intent; one polygon may have as many, no more.
MAX_POLYGON_VERTICES = 10_000
assert MAX_POLYGON_VERTICES + MAX_PERIMETER_M / 2_000.0 <= MAX_RING_POINTS


def _mapping(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(field, f"expected an object, got {type(value).__name__}")
    return value


def _distance_m(value: object, field: str, *, allow_feet: bool = True) -> float:
    body = _mapping(value, field)
    if "value" not in body:
        raise InvalidInput(f"{field}.value", "missing")
    number = finite_number(body["value"], f"{field}.value")
    units = body.get("units", "M")
    if units == "M":
        return number
    if units == "FT" and allow_feet:
        return number * FEET_M
    raise InvalidInput(f"{field}.units", f"unsupported units {units!r} (expected 'M')")


# F3548's Altitude bounds: from the deepest point on land below the ellipsoid to near space.
MIN_ALTITUDE_M = -8_000.0
MAX_ALTITUDE_M = 100_000.0


def _altitude_m(value: object, field: str) -> float:
    body = _mapping(value, field)
    reference = body.get("reference", "W84")
    if reference != "W84":
        raise InvalidInput(f"{field}.reference", f"unsupported altitude reference {reference!r} (expected 'W84')")
    metres = _distance_m(body, field)
    if not MIN_ALTITUDE_M <= metres <= MAX_ALTITUDE_M:
        raise InvalidInput(f"{field}.value", f"altitude {metres:g} m outside [{MIN_ALTITUDE_M:g}, {MAX_ALTITUDE_M:g}] m")
    return metres


def _time_s(value: object, field: str) -> float:
    body = _mapping(value, field)
    if body.get("format", "RFC3339") != "RFC3339":
        raise InvalidInput(f"{field}.format", f"unsupported time format {body.get('format')!r}")
    if "value" not in body:
        raise InvalidInput(f"{field}.value", "missing")
    return parse_instant(body["value"], f"{field}.value")


_NUMBER = (int, float)
_NUMBER_TYPES = frozenset(_NUMBER)
_FLOAT_ONLY = {float}
_LAT_LNG = itemgetter("lat", "lng")
_FEW_VERTICES = 32


def _vertices(raw: list[Any], field: str) -> tuple[list[LatLng], np.ndarray | None]:
    """The vertices, checked at numpy speed (a polygon may have thousands), and their (n, 2)
    array when they were checked as one."""
    if len(raw) <= _FEW_VERTICES:  # plain floats: numpy's own cost per call outweighs a few vertices
        few = []
        for vertex in raw:
            if type(vertex) is not dict:
                break
            lat: Any = vertex.get("lat")
            lng: Any = vertex.get("lng")
            if type(lat) not in _NUMBER or type(lng) not in _NUMBER or not (-90.0 <= lat <= 90.0) \
                    or not (-180.0 <= lng <= 180.0):  # NaN fails the comparisons; infinities the ranges
                break
            few.append(LatLng(float(lat), float(lng)))
        else:
            if few:
                return few, None
    try:  # in C: a Python loop over 10,000 vertices held the GIL for ~8 ms
        pairs: list[tuple[Any, Any]] | None = list(map(_LAT_LNG, raw))
    except (KeyError, TypeError, IndexError):  # a vertex that is not an object with lat and lng
        pairs = None
    # numbers only (numpy would read "1.5" or true as one); bool is not int here: type(), not isinstance
    types = set(map(type, chain.from_iterable(pairs))) if pairs else None
    if pairs and types and types <= _NUMBER_TYPES:
        coords = np.fromiter(chain.from_iterable(pairs), dtype=np.float64, count=2 * len(pairs)).reshape(-1, 2)
        good = np.isfinite(coords).all(axis=1) & (np.abs(coords[:, 0]) <= 90.0) & (np.abs(coords[:, 1]) <= 180.0)
        if bool(good.all()):
            # tuple.__new__ straight: LatLng._make's own call costs as much again (5 ms for 10,000);
            # from the parsed floats themselves when there is no int to convert (tolist: 2 ms more)
            return list(map(tuple.__new__, repeat(LatLng), pairs if types == _FLOAT_ONLY else coords.tolist())), coords
    # the slow path, only to name the first bad vertex and why
    out = []
    for i, vertex in enumerate(raw):
        where = f"{field}[{i}]"
        point = _mapping(vertex, where)
        out.append(LatLng.checked(point.get("lat"), point.get("lng"), where))
    return out, None


def parse_footprint(volume3d: dict[str, Any], field: str, *, check_shape: bool = True,
                    shape_later: bool = False) -> Footprint:
    """The footprint of an F3548 volume3d. `check_shape=False`: none of the polygon checks (our own
    store's volumes); `shape_later`: the vertex count checked, the shape left to the caller
    (`parse_volumes`, which surveys many polygons at once)."""
    has_polygon = volume3d.get("outline_polygon") is not None
    has_circle = volume3d.get("outline_circle") is not None
    if has_polygon == has_circle:
        raise InvalidInput(field, "exactly one of outline_polygon and outline_circle is required")
    if has_circle:
        body = _mapping(volume3d["outline_circle"], f"{field}.outline_circle")
        centre = _mapping(body.get("center"), f"{field}.outline_circle.center")
        radius = _distance_m(body.get("radius"), f"{field}.outline_circle.radius")
        if radius <= 0:
            raise InvalidInput(f"{field}.outline_circle.radius", f"radius must be > 0 m, got {radius}")
        if radius > MAX_RADIUS_M:
            raise InvalidInput(f"{field}.outline_circle.radius",
                               f"radius {radius:g} m is above the maximum of {MAX_RADIUS_M:,.0f} m "
                               "(a footprint must stay well within a hemisphere)")
        return Circle(LatLng.checked(centre.get("lat"), centre.get("lng"), f"{field}.outline_circle.center"), radius)
    body = _mapping(volume3d["outline_polygon"], f"{field}.outline_polygon")
    raw = body.get("vertices")
    if not isinstance(raw, list):
        raise InvalidInput(f"{field}.outline_polygon.vertices", "expected a list of {lat, lng}")
    if check_shape and len(raw) > MAX_POLYGON_VERTICES + 1:  # + 1: a closing vertex repeating the first
        raise InvalidInput(f"{field}.outline_polygon.vertices", _too_many_vertices(len(raw)))
    vertices, coords = _vertices(raw, f"{field}.outline_polygon.vertices")
    if len(vertices) > 3 and vertices[0] == vertices[-1]:
        vertices.pop()  # a closed ring is accepted; the closing vertex carries no information
        coords = None if coords is None else coords[:-1]
    polygon = Polygon(tuple(vertices)) if coords is None else Polygon.with_coords(tuple(vertices), coords)
    if check_shape and not shape_later:
        _check_shape(polygon, field)
    return polygon


def _check_shape(footprint: Footprint, field: str, survey: PolygonSurvey | None = None) -> None:
    """Refuse a polygon whose shape is unusable (`_polygon_problem`); `field` names its volume3d."""
    if isinstance(footprint, Polygon):
        problem = _polygon_problem(footprint, survey)
        if problem:
            raise InvalidInput(f"{field}.outline_polygon.vertices", problem)


def _too_many_vertices(count: int) -> str:
    return f"{count:,} vertices is above the maximum of {MAX_POLYGON_VERTICES:,} per polygon"


def _polygon_problem(polygon: Polygon, survey: PolygonSurvey | None = None) -> str | None:
    """Why this polygon is refused, or None: too large to be handled in a local plane at a bounded
    cost (decided on the vertices alone, before any densification), then its shape. `survey`:
    the polygon's `polygon_survey`, when the caller made it already (`parse_volumes`)."""
    problem = _unsurveyable(polygon)
    if problem:
        return problem
    survey = survey if survey is not None else polygon_survey(polygon)
    centre, reach, farthest, perimeter = survey.centre, survey.reach_m, survey.farthest, survey.perimeter_m
    if reach > MAX_RADIUS_M:
        return (f"vertex {farthest} is {reach / 1000:,.0f} km from the polygon's centre "
                f"({centre.lat:.4f}, {centre.lng:.4f}), above the maximum of {MAX_RADIUS_M / 1000:,.0f} km "
                "(a footprint must stay well within a hemisphere, as a circle's radius must)")
    if perimeter > MAX_PERIMETER_M and not survey.perimeter_exact:  # a bound above it: measure
        perimeter = polygon_perimeter_m(polygon)
    if perimeter > MAX_PERIMETER_M:
        return (f"the perimeter of {perimeter / 1000:,.0f} km is above the maximum of "
                f"{MAX_PERIMETER_M / 1000:,.0f} km")
    return polygon_problem(polygon, survey)


def _unsurveyable(polygon: Polygon) -> str | None:
    """Why a polygon is refused before it is surveyed (too many vertices, fewer than 3 distinct),
    or None."""
    if len(polygon.vertices) > MAX_POLYGON_VERTICES:
        return _too_many_vertices(len(polygon.vertices))
    if len(set(polygon.vertices)) < 3:
        return polygon_problem(polygon)  # says why
    return None


def parse_volume4d(body: object, field: str = "volume4d", *, check_shape: bool = True) -> Volume4D:
    """Volume4D from its F3548 JSON form; missing bounds mean unbounded.

    `check_shape=False` skips the polygon checks (vertex count, extent, perimeter, simplicity),
    for volumes read back from our own store; geo/plane.py bounds their cost all the same.
    """
    v4 = _mapping(body, field)
    v3 = _mapping(v4.get("volume"), f"{field}.volume")
    footprint = parse_footprint(v3, f"{field}.volume", check_shape=check_shape)
    return _volume_of(v4, v3, footprint, field)


def parse_volumes(bodies: Sequence[object], field: str) -> tuple[Volume4D, ...]:
    """`parse_volume4d(bodies[i], f"{field}[{i}]")` of each, refusing the same input with the same
    error, first to last, but with the polygons surveyed together (`plane.polygon_surveys`): a
    request of 100 polygons of 100 vertices paid a call overhead per polygon several times over
    its geodesics. First every footprint is read (up to the first that cannot be), then the
    polygons are surveyed at once, then each volume is finished in order: its polygon's shape,
    its altitudes, its times; an error met while reading footprints is raised in its turn."""
    read: list[tuple[dict[str, Any], dict[str, Any], Footprint]] = []
    unreadable: InvalidInput | None = None
    for i, body in enumerate(bodies):
        where = f"{field}[{i}]"
        try:
            v4 = _mapping(body, where)
            v3 = _mapping(v4.get("volume"), f"{where}.volume")
            read.append((v4, v3, parse_footprint(v3, f"{where}.volume", shape_later=True)))
        except InvalidInput as error:
            unreadable = error
            break
    polygons = [(k, f) for k, (_, _, f) in enumerate(read) if isinstance(f, Polygon) and not _unsurveyable(f)]
    surveys = dict(zip((k for k, _ in polygons), polygon_surveys([f for _, f in polygons]), strict=True))
    volumes = []
    for k, (v4, v3, footprint) in enumerate(read):
        where = f"{field}[{k}]"
        _check_shape(footprint, f"{where}.volume", surveys.get(k))
        volumes.append(_volume_of(v4, v3, footprint, where))
    if unreadable is not None:
        raise unreadable
    return tuple(volumes)


def _volume_of(v4: dict[str, Any], v3: dict[str, Any], footprint: Footprint, field: str) -> Volume4D:
    """A volume from its footprint, read already, and its altitudes and times."""
    lower = _altitude_m(v3["altitude_lower"], f"{field}.volume.altitude_lower") if v3.get("altitude_lower") is not None else -INF
    upper = _altitude_m(v3["altitude_upper"], f"{field}.volume.altitude_upper") if v3.get("altitude_upper") is not None else INF
    if lower >= upper:
        raise InvalidInput(f"{field}.volume.altitude_lower", f"altitude_lower {lower} m is not below altitude_upper {upper} m")
    start = _time_s(v4["time_start"], f"{field}.time_start") if v4.get("time_start") is not None else -INF
    end = _time_s(v4["time_end"], f"{field}.time_end") if v4.get("time_end") is not None else INF
    if start >= end:
        raise InvalidInput(f"{field}.time_end", "time_end is not after time_start")
    return Volume4D(footprint, Interval(lower, upper), Interval(start, end))


def _dump_footprint(footprint: Footprint) -> dict[str, Any]:
    if isinstance(footprint, Circle):
        return {"outline_circle": {
            "center": {"lat": footprint.center.lat, "lng": footprint.center.lng},
            "radius": {"value": footprint.radius_m, "units": "M"},
        }}
    return {"outline_polygon": {"vertices": [{"lat": v.lat, "lng": v.lng} for v in footprint.vertices]}}


def dump_volume4d(volume: Volume4D) -> dict[str, Any]:
    """The F3548 JSON form of a volume; unbounded sides are left out."""
    v3: dict[str, Any] = _dump_footprint(volume.footprint)
    if math.isfinite(volume.altitude_m.lower):
        v3["altitude_lower"] = {"value": volume.altitude_m.lower, "reference": "W84", "units": "M"}
    if math.isfinite(volume.altitude_m.upper):
        v3["altitude_upper"] = {"value": volume.altitude_m.upper, "reference": "W84", "units": "M"}
    out: dict[str, Any] = {"volume": v3}
    if math.isfinite(volume.time_s.lower):
        out["time_start"] = {"value": format_instant(volume.time_s.lower), "format": "RFC3339"}
    if math.isfinite(volume.time_s.upper):
        out["time_end"] = {"value": format_instant(volume.time_s.upper), "format": "RFC3339"}
    return out
