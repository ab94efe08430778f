"""Operational intent references over HTTP: lifecycle, OVNs and the key, subscribers, ownership."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deconfliction.engine.f3548 import NULL_SUBSCRIPTION_ID

from .helpers import AA, CMSA, OIR, SC, SUBS, bearer, new_id, oir_body, sub_body, volume


def create(client: TestClient, headers: dict[str, str], body: dict | None = None, oir_id: str | None = None) -> dict:
    oir_id = oir_id or new_id()
    r = client.put(f"{OIR}/{oir_id}", json=body or oir_body(), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_lifecycle(client: TestClient, as_uss) -> None:
    h = as_uss()
    created = create(client, h)["operational_intent_reference"]
    oir_id, ovn = created["id"], created["ovn"]
    assert created["version"] == 1 and created["manager"] == "uss1" and created["state"] == "Accepted"
    assert 16 <= len(ovn) <= 128

    got = client.get(f"{OIR}/{oir_id}", headers=h).json()["operational_intent_reference"]
    assert got == created

    found = client.post(f"{OIR}/query", json={"area_of_interest": volume()}, headers=h).json()
    assert [o["id"] for o in found["operational_intent_references"]] == [oir_id]

    r = client.put(f"{OIR}/{oir_id}/{ovn}", json=oir_body(state="Activated"), headers=h)
    assert r.status_code == 200, r.text
    updated = r.json()["operational_intent_reference"]
    assert updated["version"] == 2 and updated["ovn"] != ovn and updated["state"] == "Activated"

    assert client.put(f"{OIR}/{oir_id}/{ovn}", json=oir_body(), headers=h).status_code == 409  # stale OVN
    assert client.delete(f"{OIR}/{oir_id}/{ovn}", headers=h).status_code == 409
    assert client.delete(f"{OIR}/{oir_id}/{updated['ovn']}", headers=h).status_code == 200
    assert client.get(f"{OIR}/{oir_id}", headers=h).status_code == 404


def test_create_twice_and_empty_ovn(client: TestClient, as_uss) -> None:
    h = as_uss()
    oir_id = create(client, h)["operational_intent_reference"]["id"]
    assert client.put(f"{OIR}/{oir_id}", json=oir_body(), headers=h).status_code == 409
    assert client.put(f"{OIR}/{oir_id}/", json=oir_body(), headers=h).status_code == 400
    assert client.delete(f"{OIR}/{oir_id}/", headers=h).status_code == 400


def test_key_must_hold_every_overlapping_ovn(client: TestClient, as_uss) -> None:
    first = create(client, as_uss("uss1"))["operational_intent_reference"]
    h2 = as_uss("uss2")
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=h2)
    assert r.status_code == 409
    conflict = r.json()
    assert [o["id"] for o in conflict["missing_operational_intents"]] == [first["id"]]
    assert "ovn" not in conflict["missing_operational_intents"][0]  # another USS's OVN is never shown
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(key=[first["ovn"]]), headers=h2).status_code == 201


def test_off_nominal_states_need_no_key(client: TestClient, as_uss) -> None:
    create(client, as_uss("uss1"))
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(state="Nonconforming"), headers=as_uss("uss2", SC, CMSA))
    assert r.status_code == 201, r.text


def test_another_uss_cannot_touch_my_intent(client: TestClient, as_uss) -> None:
    mine = create(client, as_uss("uss1"))["operational_intent_reference"]
    h2 = as_uss("uss2")
    other_view = client.get(f"{OIR}/{mine['id']}", headers=h2).json()["operational_intent_reference"]
    assert "ovn" not in other_view
    assert client.put(f"{OIR}/{mine['id']}/{mine['ovn']}", json=oir_body(key=[mine["ovn"]]), headers=h2).status_code == 403
    assert client.delete(f"{OIR}/{mine['id']}/{mine['ovn']}", headers=h2).status_code == 403


def test_implicit_subscription_follows_its_intent(client: TestClient, as_uss) -> None:
    h = as_uss()
    created = create(client, h)["operational_intent_reference"]
    sub_id = created["subscription_id"]
    sub = client.get(f"{SUBS}/{sub_id}", headers=h).json()["subscription"]
    assert sub["implicit_subscription"] is True and sub["dependent_operational_intents"] == [created["id"]]
    assert sub["time_start"] == created["time_start"] and sub["time_end"] == created["time_end"]
    client.delete(f"{OIR}/{created['id']}/{created['ovn']}", headers=h)
    assert client.get(f"{SUBS}/{sub_id}", headers=h).status_code == 404


def test_accepted_intent_may_have_no_subscription(client: TestClient, as_uss) -> None:
    created = create(client, as_uss(), oir_body(implicit=False))["operational_intent_reference"]
    assert created["subscription_id"] == NULL_SUBSCRIPTION_ID
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(volume(lat=10, lng=10), state="Activated", implicit=False),
                   headers=as_uss())
    assert r.status_code == 400


def test_writes_return_subscribers_with_rising_notification_index(client: TestClient, as_uss) -> None:
    watcher = as_uss("uss2")
    sub_id = new_id()
    r = client.put(f"{SUBS}/{sub_id}", json=sub_body(url="https://uss2.example/utm"), headers=watcher)
    assert r.status_code == 200, r.text
    first = create(client, as_uss("uss1"), oir_body(implicit=False))  # no subscription of its own
    assert first["subscribers"] == [{"uss_base_url": "https://uss2.example/utm",
                                     "subscriptions": [{"subscription_id": sub_id, "notification_index": 1}]}]
    ref = first["operational_intent_reference"]
    r = client.delete(f"{OIR}/{ref['id']}/{ref['ovn']}", headers=as_uss("uss1"))
    assert r.json()["subscribers"][0]["subscriptions"][0]["notification_index"] == 2


def test_explicit_subscription_must_cover_the_intent(client: TestClient, as_uss) -> None:
    h = as_uss()
    sub_id = new_id()
    client.put(f"{SUBS}/{sub_id}", json=sub_body(volume(duration_s=600)), headers=h)
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(volume(duration_s=1200), subscription_id=sub_id), headers=h)
    assert r.status_code == 400 and "cover" in r.json()["message"]
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(volume(duration_s=300), subscription_id=sub_id), headers=h)
    assert r.status_code == 201, r.text
    sub = client.get(f"{SUBS}/{sub_id}", headers=h).json()["subscription"]
    r = client.delete(f"{SUBS}/{sub_id}/{sub['version']}", headers=h)
    assert r.status_code == 400  # an intent relies on it


def test_matching_is_exact_not_by_bounding_box(client: TestClient, as_uss) -> None:
    """A disc near a square's corner: boxes overlap, shapes do not; no key needed, no notification."""
    corner = volume(lat=37.20, lng=-80.58, size=0.01)
    create(client, as_uss("uss1"), oir_body(corner))
    # 37.21, -80.57 is the square's NE corner; a 500 m disc centred 0.005 deg beyond it in both axes
    # (about 700 m away diagonally) stays outside the square but inside its box-with-margin.
    near = volume(lat=37.214, lng=-80.566, circle_m=400)
    found = client.post(f"{OIR}/query", json={"area_of_interest": near}, headers=as_uss("uss2")).json()
    assert found["operational_intent_references"] == []
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(near), headers=as_uss("uss2")).status_code == 201
    # ...and touching in time only (one ends when the other starts) is not an overlap either.
    later = volume(lat=37.20, lng=-80.58, size=0.01, start_in_s=60 + 1800)
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(later), headers=as_uss("uss3")).status_code == 201


def test_uss_marked_down_cannot_plan(client: TestClient, as_uss, token) -> None:
    arbiter = bearer(token("arbiter", AA))
    r = client.put("/dss/v1/uss_availability/uss1", json={"old_version": "", "availability": "Down"}, headers=arbiter)
    assert r.status_code == 200
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1")).status_code == 412
    version = client.get("/dss/v1/uss_availability/uss1", headers=arbiter).json()["version"]
    assert client.put("/dss/v1/uss_availability/uss1", json={"old_version": "stale", "availability": "Normal"},
                      headers=arbiter).status_code == 409
    assert client.put("/dss/v1/uss_availability/uss1", json={"old_version": version, "availability": "Normal"},
                      headers=arbiter).status_code == 200
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1")).status_code == 201


def test_implicit_subscription_shared_then_left_shrinks_to_who_remains(client: TestClient, as_uss) -> None:
    h = as_uss()
    first = create(client, h, oir_body(volume(duration_s=600)))["operational_intent_reference"]
    sub_id = first["subscription_id"]
    second = client.put(f"{OIR}/{new_id()}", json=oir_body(volume(lat=37.3, duration_s=1200), key=[first["ovn"]],
                                                            subscription_id=sub_id), headers=h)
    assert second.status_code == 201, second.text
    grown = client.get(f"{SUBS}/{sub_id}", headers=h).json()["subscription"]
    assert sorted(grown["dependent_operational_intents"]) == sorted([first["id"], second.json()["operational_intent_reference"]["id"]])
    assert grown["time_end"] == second.json()["operational_intent_reference"]["time_end"]
    # The first intent moves to its own new implicit subscription: the shared one shrinks to the second.
    moved = client.put(f"{OIR}/{first['id']}/{first['ovn']}", json=oir_body(volume(lat=37.4, duration_s=600)), headers=h)
    assert moved.status_code == 200, moved.text
    assert moved.json()["operational_intent_reference"]["subscription_id"] != sub_id
    shrunk = client.get(f"{SUBS}/{sub_id}", headers=h).json()["subscription"]
    assert shrunk["dependent_operational_intents"] == [second.json()["operational_intent_reference"]["id"]]
    assert shrunk["time_start"] == second.json()["operational_intent_reference"]["time_start"]


def test_accepted_intents_of_a_down_uss_need_no_key(client: TestClient, as_uss, token) -> None:
    """SCD0005: others may plan over a Down USS's Accepted intents (whose OVN nobody can get);
    its Activated ones still need their OVN in the key (as in the reference DSS)."""
    h2 = as_uss("uss2")
    accepted = create(client, h2)["operational_intent_reference"]
    activated = create(client, h2, oir_body(key=[accepted["ovn"]], state="Activated"))["operational_intent_reference"]
    arbiter = bearer(token("arbiter", AA))
    r = client.put("/dss/v1/uss_availability/uss2", json={"old_version": "", "availability": "Down"}, headers=arbiter)
    assert r.status_code == 200, r.text
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1"))
    assert r.status_code == 409
    assert [o["id"] for o in r.json()["missing_operational_intents"]] == [activated["id"]]
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(key=[activated["ovn"]]), headers=as_uss("uss1"))
    assert r.status_code == 201, r.text
