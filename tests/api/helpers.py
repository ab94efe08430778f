"""Builders shared by the API tests: ids, times, F3548 bodies, headers."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

ISSUER = "https://auth.test"
SC = "utm.strategic_coordination"
CM = "utm.constraint_management"
CP = "utm.constraint_processing"
CMSA = "utm.conformance_monitoring_sa"
AA = "utm.availability_arbitration"
OIR = "/dss/v1/operational_intent_references"
SUBS = "/dss/v1/subscriptions"
CRS = "/dss/v1/constraint_references"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_id() -> str:
    return str(uuid.uuid4())


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat().replace("+00:00", "Z")


def volume(lat: float = 37.20, lng: float = -80.58, size: float = 0.01, *, alt: tuple[float, float] = (0, 120),
           start_in_s: float = 60, duration_s: float = 1800, circle_m: float | None = None) -> dict[str, Any]:
    now = time.time()
    outline: dict[str, Any]
    if circle_m is not None:
        outline = {"outline_circle": {"center": {"lat": lat, "lng": lng}, "radius": {"value": circle_m, "units": "M"}}}
    else:
        outline = {"outline_polygon": {"vertices": [
            {"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + size},
            {"lat": lat + size, "lng": lng + size}, {"lat": lat + size, "lng": lng}]}}
    return {
        "volume": {**outline, "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
                   "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"}},
        "time_start": {"value": rfc3339(now + start_in_s), "format": "RFC3339"},
        "time_end": {"value": rfc3339(now + start_in_s + duration_s), "format": "RFC3339"},
    }


def oir_body(*extents: dict[str, Any], key: list[str] | None = None, state: str = "Accepted",
             subscription_id: str | None = None, implicit: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"extents": list(extents) or [volume()], "key": key or [], "state": state,
                            "uss_base_url": "https://uss1.example/utm"}
    if subscription_id:
        body["subscription_id"] = subscription_id
    elif implicit:
        body["new_subscription"] = {"uss_base_url": "https://uss1.example/utm"}
    return body


def sub_body(extents: dict[str, Any] | None = None, *, ops: bool = True, constraints: bool = False,
             url: str = "https://uss1.example/utm") -> dict[str, Any]:
    return {"extents": extents or volume(), "uss_base_url": url, "notify_for_operational_intents": ops,
            "notify_for_constraints": constraints}
