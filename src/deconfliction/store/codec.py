"""The one stored form of volumes: lossless JSON (POSIX seconds and metres as floats, null for
an open side). F3548's RFC 3339 form is for the wire only; it rounds times."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from ..geo import Circle, Interval, LatLng, Polygon, Volume4D


def finite_or_none(x: float) -> float | None:
    """JSON has no infinity: an unbounded side is null."""
    return x if math.isfinite(x) else None


def _bound(x: float | None, default: float) -> float:
    return default if x is None else float(x)


def encode_volume(v: Volume4D) -> dict[str, Any]:
    fp = v.footprint
    shape: dict[str, Any] = (
        {"circle": [fp.center.lat, fp.center.lng, fp.radius_m]} if isinstance(fp, Circle)
        else {"polygon": fp.coords.tolist()}
    )
    return {**shape, "alt_m": [finite_or_none(v.altitude_m.lower), finite_or_none(v.altitude_m.upper)],
            "t_s": [finite_or_none(v.time_s.lower), finite_or_none(v.time_s.upper)]}


def decode_volume(d: dict[str, Any]) -> Volume4D:
    if "circle" in d:
        lat, lng, r = d["circle"]
        footprint: Circle | Polygon = Circle(LatLng(lat, lng), r)
    else:
        footprint = Polygon(tuple(LatLng(lat, lng) for lat, lng in d["polygon"]))
    alt, t = d["alt_m"], d["t_s"]
    return Volume4D(footprint, Interval(_bound(alt[0], -math.inf), _bound(alt[1], math.inf)),
                    Interval(_bound(t[0], -math.inf), _bound(t[1], math.inf)))


def volumes_json(volumes: tuple[Volume4D, ...]) -> str:
    return orjson.dumps([encode_volume(v) for v in volumes]).decode()


def volumes_from_json(text: str) -> tuple[Volume4D, ...]:
    return tuple(decode_volume(d) for d in json.loads(text))
