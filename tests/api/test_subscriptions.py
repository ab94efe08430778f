"""Subscriptions over HTTP: versions, limits, ownership, what a new subscription is told."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .helpers import CM, CP, OIR, SC, SUBS, new_id, oir_body, sub_body, volume


def test_lifecycle_and_versions(client: TestClient, as_uss) -> None:
    h = as_uss()
    sub_id = new_id()
    r = client.put(f"{SUBS}/{sub_id}", json=sub_body(), headers=h)
    assert r.status_code == 200, r.text
    sub = r.json()["subscription"]
    assert sub["notification_index"] == 0 and sub["implicit_subscription"] is False and sub["version"]
    assert client.put(f"{SUBS}/{sub_id}", json=sub_body(), headers=h).status_code == 409  # exists
    assert client.put(f"{SUBS}/{sub_id}/wrong", json=sub_body(), headers=h).status_code == 409
    assert client.put(f"{SUBS}/{sub_id}/", json=sub_body(), headers=h).status_code == 400
    r = client.put(f"{SUBS}/{sub_id}/{sub['version']}", json=sub_body(volume(lat=37.3)), headers=h)
    assert r.status_code == 200
    new_version = r.json()["subscription"]["version"]
    assert new_version != sub["version"]
    assert client.delete(f"{SUBS}/{sub_id}/{sub['version']}", headers=h).status_code == 409
    assert client.delete(f"{SUBS}/{sub_id}/{new_version}", headers=h).status_code == 200
    assert client.get(f"{SUBS}/{sub_id}", headers=h).status_code == 404


def test_duration_limit_and_defaults(client: TestClient, as_uss) -> None:
    h = as_uss()
    too_long = volume(duration_s=24 * 3600 + 600)
    r = client.put(f"{SUBS}/{new_id()}", json=sub_body(too_long), headers=h)
    assert r.status_code == 400 and "24 h" in r.json()["message"]
    assert client.put(f"{SUBS}/{new_id()}", json=sub_body(volume(duration_s=24 * 3600)), headers=h).status_code == 200
    open_ended = volume()
    del open_ended["time_start"], open_ended["time_end"]
    sub = client.put(f"{SUBS}/{new_id()}", json=sub_body(open_ended), headers=h).json()["subscription"]
    assert sub["time_start"] and sub["time_end"]
    past = volume(start_in_s=-7200, duration_s=600)
    assert client.put(f"{SUBS}/{new_id()}", json=sub_body(past), headers=h).status_code == 400


def test_query_returns_only_own_subscriptions_and_refuses_huge_areas(client: TestClient, as_uss) -> None:
    mine = new_id()
    client.put(f"{SUBS}/{mine}", json=sub_body(), headers=as_uss("uss1"))
    client.put(f"{SUBS}/{new_id()}", json=sub_body(), headers=as_uss("uss2"))
    found = client.post(f"{SUBS}/query", json={"area_of_interest": volume()}, headers=as_uss("uss1")).json()
    assert [s["id"] for s in found["subscriptions"]] == [mine]
    huge = volume(lat=37, lng=-81, size=1.0)
    r = client.post(f"{SUBS}/query", json={"area_of_interest": huge}, headers=as_uss("uss1"))
    assert r.status_code == 413 and "message" in r.json()
    assert client.get(f"{SUBS}/{mine}", headers=as_uss("uss2")).status_code == 403


def test_flags_need_their_scopes(client: TestClient, as_uss) -> None:
    assert client.put(f"{SUBS}/{new_id()}", json=sub_body(ops=False), headers=as_uss()).status_code == 400
    assert client.put(f"{SUBS}/{new_id()}", json=sub_body(constraints=True), headers=as_uss()).status_code == 403
    r = client.put(f"{SUBS}/{new_id()}", json=sub_body(ops=False, constraints=True), headers=as_uss("uss1", CP))
    assert r.status_code == 200


def test_new_subscription_is_told_what_is_already_there(client: TestClient, as_uss) -> None:
    oir = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1")).json()
    cr_id = new_id()
    r = client.put(f"/dss/v1/constraint_references/{cr_id}",
                   json={"extents": [volume()], "uss_base_url": "https://cm.example"}, headers=as_uss("cm", CM))
    assert r.status_code == 201, r.text
    r = client.put(f"{SUBS}/{new_id()}", json=sub_body(constraints=True), headers=as_uss("uss2", SC, CP))
    body = r.json()
    assert [o["id"] for o in body["operational_intent_references"]] == [oir["operational_intent_reference"]["id"]]
    assert [c["id"] for c in body["constraint_references"]] == [cr_id]
