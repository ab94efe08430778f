"""Limits on what a request may hold, checked at the edge before anything is stored. Each is
generous for real use and small enough that no single request can stall the server or fill
the store (the closing note of the hostile-input work says why each value)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InvalidInput

MAX_VOLUMES = 100
"""Volumes (F3548 extents) of one intent, constraint or declaration: real ones have a handful."""
MAX_VERTICES_PER_ENTITY = 10_000
"""Polygon vertices over all volumes of one entity: F3548's limit."""
MAX_KEY_OVNS = 10_000
"""OVNs in an F3548 key: at most one per entity overlapping the intent."""
MAX_OVN_CHARS = 128
"""F3548: an OVN is 16 to 128 characters."""
MAX_URL_CHARS = 2_048
MAX_ID_CHARS = 128
MAX_TIME_CHARS = 64
MAX_REPORT_BYTES = 64 * 1024
"""A DSS report is a record of one exchange; it is kept whole, so it is kept small."""


def vertex_count(volumes: Iterable[Any]) -> int:
    """Polygon vertices in F3548 Volume4D bodies (pydantic models or plain dicts)."""
    total = 0
    for v in volumes:
        volume = v.get("volume") if isinstance(v, dict) else getattr(v, "volume", None)
        polygon = volume.get("outline_polygon") if isinstance(volume, dict) else getattr(volume, "outline_polygon", None)
        vertices = polygon.get("vertices") if isinstance(polygon, dict) else getattr(polygon, "vertices", None)
        total += len(vertices) if isinstance(vertices, list) else 0
    return total


def check_vertex_count(volumes: Iterable[Any], field: str) -> None:
    """Refuse an entity whose volumes hold more polygon vertices in all than F3548 allows."""
    vertices = vertex_count(volumes)
    if vertices > MAX_VERTICES_PER_ENTITY:
        raise InvalidInput(field, f"{vertices} polygon vertices in all; at most {MAX_VERTICES_PER_ENTITY} are accepted")
