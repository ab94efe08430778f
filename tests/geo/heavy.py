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
    ring_along, project, vertex_plane = plane._ring_along, plane.LocalPlane.project, plane.vertex_plane

    def counted_ring(*args: Any) -> tuple[np.ndarray, np.ndarray]:  # every ring is built by it
        lats, lngs = ring_along(*args)
        cost.densified.append(len(lats))
        return lats, lngs

    def counted_project(self: plane.LocalPlane, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cost.projected += len(lats)
        return project(self, lats, lngs)

    def counted_vertex_plane(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:  # projects when not kept
        if polygon not in vertex_plane.cache:
            cost.projected += len(polygon.vertices)
        return vertex_plane(polygon)

    for cache in geo_cache.geometry_caches():
        cache.clear()
    monkeypatch.setattr(plane, "_ring_along", counted_ring)
    monkeypatch.setattr(plane.LocalPlane, "project", counted_project)
    counted_vertex_plane.cache = vertex_plane.cache  # type: ignore[attr-defined]  (the survey puts in it)
    monkeypatch.setattr(plane, "vertex_plane", counted_vertex_plane)
    yield cost
    monkeypatch.undo()



COMB_CENTRE = (46.0, 8.0)


def comb_length_m(vertices: int) -> float:
    """The longest teeth a comb of this many vertices may have: its perimeter (two edges per
    tooth, plus the spine) stays at 95% of the 20,000 km the parser allows."""
    return 0.95 * 20_000_000.0 / (2 * (vertices // 4) + 2)


def comb_xy(vertices: int, *, length_m: float | None = None, width: float = 0.5, transposed: bool = False,
            turned: bool = False, offset_m: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A comb in plane metres, `vertices` // 4 teeth (4 vertices each) of `length_m` (default: the
    longest the perimeter cap allows), as many as fit across that same length (the teeth fill a
    square), each `width` of a pitch wide, standing up from y = 0 to y = length on a spine below y = 0.

    `transposed` swaps x and y (teeth along x, the spine left of x = 0): laid over an upright comb,
    every tooth of one crosses every tooth of the other, (vertices / 4)^2 crossings. `turned`
    turns it by 180 degrees about the centre of its teeth's square and shifts it half a pitch,
    and lifts it by a quarter pitch: laid over an upright comb of the same `width` < 0.5, its
    teeth come down into the other's gaps, (1 - 2 width) / 2 of a pitch clear of them on each
    side, their tips a quarter pitch clear of the other's spine: near everywhere, no overlap."""
    teeth = vertices // 4
    length = comb_length_m(vertices) if length_m is None else length_m
    pitch = length / teeth
    width = width * pitch
    right = (teeth - 1) * pitch + width
    xy = [(0.0, -pitch), (right, -pitch)]
    for k in reversed(range(teeth)):  # right to left along the top: each tooth up, across, down
        left = k * pitch
        xy += [(left + width, 0.0), (left + width, length), (left, length), (left, 0.0)]
    del xy[2]  # the rightmost tooth's foot is on the spine's right edge
    del xy[-1]  # the leftmost tooth's foot is on its left edge
    points = np.array(xy)
    if turned:
        points = np.array([teeth * pitch - pitch / 2.0 + width, length + pitch / 4.0]) - points
    if transposed:
        points = points[::-1, ::-1]  # swap the axes, and reverse to keep the ring's orientation
    return points + np.array(offset_m)


def comb(vertices: int, centre: tuple[float, float] = COMB_CENTRE, **kwargs: Any) -> list[tuple[float, float]]:
    """`comb_xy` as (lat, lng) vertices, unprojected from the azimuthal equidistant plane at `centre`."""
    points = comb_xy(vertices, **kwargs)
    lats, lngs = LocalPlane(LatLng(*centre)).unproject(points[:, 0], points[:, 1])
    return [(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)]
