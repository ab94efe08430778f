"""Small builders for tests: squares, volumes, declarations, F3548 JSON."""

from __future__ import annotations

from typing import Any

from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, dump_volume4d
from deconfliction.model import Declaration, DeclarationKind

T0 = 1_795_420_800.0  # 2026-11-23T08:00:00Z


def square(lat: float, lng: float, size_deg: float) -> Polygon:
    return Polygon((LatLng(lat, lng), LatLng(lat, lng + size_deg), LatLng(lat + size_deg, lng + size_deg),
                    LatLng(lat + size_deg, lng)))


def box(lat: float, lng: float, size_deg: float = 0.1, alt: tuple[float, float] = (0, 1000),
        t: tuple[float, float] = (T0, T0 + 3600)) -> Volume4D:
    return Volume4D(square(lat, lng, size_deg), Interval(*alt), Interval(*t))


def disc(lat: float, lng: float, radius_m: float, alt: tuple[float, float] = (0, 1000),
         t: tuple[float, float] = (T0, T0 + 3600)) -> Volume4D:
    return Volume4D(Circle(LatLng(lat, lng), radius_m), Interval(*alt), Interval(*t))


def operation(id: str, party: str, *volumes: Volume4D, priority: int = 0, declared_at: float = T0 - 7200) -> Declaration:
    return Declaration(id, party, DeclarationKind.OPERATION, volumes, declared_at, priority)


def constraint(id: str, party: str, *volumes: Volume4D, declared_at: float = T0 - 7200) -> Declaration:
    return Declaration(id, party, DeclarationKind.CONSTRAINT, volumes, declared_at)


def scenario_declaration(id: str, party: str, volume: Volume4D, *, declared_at: str = "2026-11-23T07:00:00Z",
                         kind: str = "operation", priority: int = 0) -> dict[str, Any]:
    return {"id": id, "party": party, "kind": kind, "priority": priority, "declared_at": declared_at,
            "volumes": [dump_volume4d(volume)]}
