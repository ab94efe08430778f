"""Who a changed intent notifies: relevance in plan is the convex hull, a writer's own implicit
subscription is among the subscribers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .helpers import OIR, SUBS, new_id, oir_body, sub_body, volume

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


def test_own_implicit_subscription_is_among_the_subscribers(client: TestClient, as_uss) -> None:
    h = as_uss("uss1")
    created = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=h).json()
    sub_id = created["operational_intent_reference"]["subscription_id"]
    assert created["subscribers"] == [{"uss_base_url": "https://uss1.example/utm",
                                       "subscriptions": [{"subscription_id": sub_id, "notification_index": 1}]}]
    # A second intent far away relying on the same implicit subscription (which grows to cover it).
    far = client.put(f"{OIR}/{new_id()}", json=oir_body(volume(lat=37.4), subscription_id=sub_id), headers=h).json()
    assert far["subscribers"] == [{"uss_base_url": "https://uss1.example/utm",
                                   "subscriptions": [{"subscription_id": sub_id, "notification_index": 2}]}]
    assert client.get(f"{SUBS}/{sub_id}", headers=h).json()["subscription"]["notification_index"] == 2


def test_explicit_subscriber_and_own_new_implicit_subscription(client: TestClient, as_uss) -> None:
    watcher = new_id()
    r = client.put(f"{SUBS}/{watcher}", json=sub_body(url="https://uss2.example/utm"), headers=as_uss("uss2"))
    assert r.status_code == 200, r.text
    created = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1")).json()
    own = created["operational_intent_reference"]["subscription_id"]
    assert created["subscribers"] == [
        {"uss_base_url": "https://uss1.example/utm", "subscriptions": [{"subscription_id": own, "notification_index": 1}]},
        {"uss_base_url": "https://uss2.example/utm", "subscriptions": [{"subscription_id": watcher, "notification_index": 1}]},
    ]
