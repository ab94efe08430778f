"""Costly polygons (the attack that densified without bound, the heaviest polygon the parser
accepts, regular many-gons) and a counter of geometry work. Shared by tests/geo/test_geo_*.py
and bench/geo_cost.py."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from deconfliction.geo import LatLng, Polygon, plane
from deconfliction.geo import cache as geo_cache
from deconfliction.geo.plane import WGS84, LocalPlane


def wire(vertices: list[tuple[float, float]]) -> dict[str, Any]:
    """An F3548 Volume4D with this outline (lat, lng), 0-120 m, one hour."""
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": lat, "lng": lng} for lat, lng in vertices]},
            "altitude_lower": {"value": 0.0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 120.0, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": "2026-11-23T10:00:00Z", "format": "RFC3339"},
        "time_end": {"value": "2026-11-23T11:00:00Z", "format": "RFC3339"},
    }


def alternating(n: int) -> list[tuple[float, float]]:
    """The attack: n vertices alternating between 60 N and 60 S, marching east around the globe;
    every edge is a ~13,000 km geodesic (the old code densified each one every 1 km)."""
    return [(60.0 if i % 2 == 0 else -60.0, -180.0 + 360.0 * i / n) for i in range(n)]


HEAVY_RADIUS_M = 1_990_000.0  # corners 10 km inside the 2,000 km bound (the centre is the vertices' mean)
HEAVY_LONG_M = 1_660_000.0  # the straight part of each side: 6 x 1,660 km densified at 1 km
HEAVY_ZIGZAG_EDGE_M = 1_000.0  # the rest of each side: a zigzag of 1 km edges (too short to densify)


def heaviest(centre: tuple[float, float] = (45.0, 7.0), *, rotate_deg: float = 0.0,
             vertices: int = 10_000) -> list[tuple[float, float]]:
    """The heaviest kind of polygon that parses: `vertices` (10,000) vertices, corners ~1,990 km
    from its centre, perimeter ~19,950 km, ~19,950 points once densified at 1 km.

    A hexagon (in the azimuthal equidistant plane at `centre`) whose sides are each a straight
    1,660 km geodesic followed by a zigzag, 1 km edges 0.98 km deep, filling the last 330 km
    with the side's share of the vertices. Six-fold symmetric, so the vertices' mean direction
    (the centre the parser measures from) stays at `centre`."""
    per_side = [vertices // 6 + (1 if k < vertices % 6 else 0) for k in range(6)]
    corners = [HEAVY_RADIUS_M * np.array([math.sin(t), math.cos(t)])
               for t in np.radians(rotate_deg + 60.0 * np.arange(6))]
    xy: list[np.ndarray] = []
    for k in range(6):
        start, end = corners[k], corners[(k + 1) % 6]
        side = end - start
        length = float(np.linalg.norm(side))
        along, inward = side / length, -(start + end) / np.linalg.norm(start + end)
        zigzag = per_side[k] - 1  # the corner is the side's first vertex
        t0 = HEAVY_LONG_M / length
        spacing = (1.0 - t0) * length / zigzag
        depth = math.sqrt(HEAVY_ZIGZAG_EDGE_M**2 - spacing**2)
        xy.append(start)
        for j in range(zigzag):
            point = start + along * (HEAVY_LONG_M + j * spacing)
            xy.append(point + inward * depth if j % 2 else point)
    points = np.array(xy)
    lats, lngs = LocalPlane(LatLng(*centre)).unproject(points[:, 0], points[:, 1])
    return [(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)]


def regular(n: int, radius_m: float, centre: tuple[float, float] = (37.0, -80.0)) -> list[tuple[float, float]]:
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lngs, lats, _ = WGS84.fwd(np.full(n, centre[1]), np.full(n, centre[0]), az, np.full(n, radius_m))
    return [(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)]


@dataclass
class Cost:
    densified: list[int] = field(default_factory=list)  # points of each ring built
    projected: int = 0  # points projected into a local plane


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cost]:
    """Count the geometry work done inside the block, starting from cold caches."""
    cost = Cost()
    densify, project = plane._densified_ring, plane.LocalPlane.project

    def counted_densify(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:
        lats, lngs = densify(polygon)
        cost.densified.append(len(lats))
        return lats, lngs

    def counted_project(self: plane.LocalPlane, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cost.projected += len(lats)
        return project(self, lats, lngs)

    for cache in geo_cache.geometry_caches():
        cache.clear()
    monkeypatch.setattr(plane, "_densified_ring", counted_densify)
    monkeypatch.setattr(plane.LocalPlane, "project", counted_project)
    yield cost
    monkeypatch.undo()
