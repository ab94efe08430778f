"""F3548 volumes go from their pydantic model to the geometry parser as the F3548 JSON they came
as (`Volume4DModel.wire`): the same dict `model_dump` would give, the vertex list passed as received."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.wire.f3548 import Volume4DModel

_ALTITUDE = {"value": 0, "reference": "W84", "units": "M"}
_TIME = {"value": "2026-11-23T10:00:00Z", "format": "RFC3339"}


@pytest.mark.parametrize("volume", [
    {"volume": {"outline_polygon": {"vertices": [{"lat": 1, "lng": 2}, {"lat": 1.5, "lng": 2}, {"lat": 1, "lng": 2.5}]},
                "altitude_lower": _ALTITUDE, "altitude_upper": {**_ALTITUDE, "value": 120.5}},
     "time_start": _TIME, "time_end": {**_TIME, "value": "2026-11-23T11:00:00Z"}},
    {"volume": {"outline_circle": {"center": {"lat": 1, "lng": 2}, "radius": {"value": 5, "units": "M"}},
                "altitude_lower": _ALTITUDE}, "time_start": _TIME},
    {"volume": {"outline_polygon": {"vertices": [{"lat": 1, "lng": 2}, {"lat": 1.5, "lng": 2}, {"lat": 1, "lng": 2.5}]}}},
], ids=["polygon", "circle", "bare polygon"])
def test_the_wire_form_is_the_models_dump_with_the_vertices_as_received(volume: dict[str, Any]) -> None:
    model = Volume4DModel.model_validate(volume)
    wire = model.wire()
    assert wire == model.model_dump(exclude_none=True)
    if model.volume.outline_polygon is not None:
        assert wire["volume"]["outline_polygon"]["vertices"] is model.volume.outline_polygon.vertices
