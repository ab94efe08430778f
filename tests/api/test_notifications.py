"""Who a changed intent notifies: relevance in plan is the convex hull."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .helpers import OIR, new_id, oir_body, volume

# The InterUSS suite's non-conflicting flights (test_data.flight_intents.standard.non_conflicting,
# placed as the pool configuration places them): ~9.9 m apart, flight 2 concave and wrapped
# around flight 1, so their convex hulls overlap (the suite's definition of "relevant").
ORIGIN = (32.7181, -96.7587)
FLIGHT_1 = [(0.0, 0.0), (0.00717, -0.00835), (0.00939, -0.00364), (0.00821, -0.00101)]
FLIGHT_2 = [(0.00770, -0.00065), (0.00596, 0.00316), (-0.00431, 0.00059), (0.00753, -0.01035), (-0.00025, 0.00013)]


def polygon_volume(offsets: list[tuple[float, float]], **kwargs: Any) -> dict[str, Any]:
    v = volume(**kwargs)
    v["volume"]["outline_polygon"] = {"vertices": [{"lat": ORIGIN[0] + a, "lng": ORIGIN[1] + b} for a, b in offsets]}
    return v


def plan(client: TestClient, headers: dict[str, str], extent: dict[str, Any], url: str) -> dict[str, Any]:
    body = oir_body(extent)
    body["uss_base_url"] = url
    body["new_subscription"] = {"uss_base_url": url}
    r = client.put(f"{OIR}/{new_id()}", json=body, headers=headers)
    assert r.status_code == 201, r.text  # no key needed: the footprints do not intersect
    return r.json()


def notified_urls(response: dict[str, Any]) -> set[str]:
    return {s["uss_base_url"] for s in response["subscribers"]}


def test_intents_whose_convex_hulls_overlap_notify_each_other(client: TestClient, as_uss) -> None:
    # convex flight 1 against concave flight 2's implicit subscription (the hull of flight 1 alone
    # misses flight 2: both sides' hulls count)...
    plan(client, as_uss("uss2"), polygon_volume(FLIGHT_2), "https://uss2.example")
    first = plan(client, as_uss("uss1"), polygon_volume(FLIGHT_1), "https://uss1.example")
    assert "https://uss2.example" in notified_urls(first)
    # ...and the other way round, an hour later
    plan(client, as_uss("uss1"), polygon_volume(FLIGHT_1, start_in_s=3600), "https://uss1.example")
    second = plan(client, as_uss("uss2"), polygon_volume(FLIGHT_2, start_in_s=3600), "https://uss2.example")
    assert "https://uss1.example" in notified_urls(second)


def test_hull_relevance_keeps_altitude_and_time_exact_and_queries_exact(client: TestClient, as_uss) -> None:
    plan(client, as_uss("uss2"), polygon_volume(FLIGHT_2, alt=(0, 50)), "https://uss2.example")
    above = plan(client, as_uss("uss1"), polygon_volume(FLIGHT_1, alt=(50, 100)), "https://uss1.example")
    later = plan(client, as_uss("uss1"), polygon_volume(FLIGHT_1, start_in_s=60 + 1800), "https://uss1.example")
    assert "https://uss2.example" not in notified_urls(above) | notified_urls(later)
    found = client.post(f"{OIR}/query", json={"area_of_interest": polygon_volume(FLIGHT_1)}, headers=as_uss("uss1"))
    assert {o["manager"] for o in found.json()["operational_intent_references"]} == {"uss1"}
