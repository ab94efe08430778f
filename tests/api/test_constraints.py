"""Constraint references over HTTP, and constraints in the key of a constraint-processing USS."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .helpers import CM, CP, CRS, OIR, SC, SUBS, new_id, oir_body, sub_body, volume


def cr_body() -> dict:
    return {"extents": [volume()], "uss_base_url": "https://cm.example"}


def test_lifecycle(client: TestClient, as_uss) -> None:
    h = as_uss("cm", CM)
    cr_id = new_id()
    created = client.put(f"{CRS}/{cr_id}", json=cr_body(), headers=h).json()["constraint_reference"]
    assert created["version"] == 1 and created["ovn"]
    assert client.put(f"{CRS}/{cr_id}", json=cr_body(), headers=h).status_code == 409
    assert client.put(f"{CRS}/{cr_id}/wrong-ovn-0123456789", json=cr_body(), headers=h).status_code == 409
    r = client.put(f"{CRS}/{cr_id}/{created['ovn']}", json=cr_body(), headers=h)
    updated = r.json()["constraint_reference"]
    assert updated["version"] == 2
    other = as_uss("uss1", CP)
    seen = client.post(f"{CRS}/query", json={"area_of_interest": volume()}, headers=other).json()
    assert [c["id"] for c in seen["constraint_references"]] == [cr_id] and "ovn" not in seen["constraint_references"][0]
    assert client.delete(f"{CRS}/{cr_id}/{updated['ovn']}", headers=as_uss("cm2", CM)).status_code == 403
    assert client.delete(f"{CRS}/{cr_id}/{updated['ovn']}", headers=h).status_code == 200
    assert client.get(f"{CRS}/{cr_id}", headers=h).status_code == 404


def test_constraint_ovns_are_in_the_key_only_for_constraint_processors(client: TestClient, as_uss) -> None:
    created = client.put(f"{CRS}/{new_id()}", json=cr_body(), headers=as_uss("cm", CM)).json()["constraint_reference"]
    plain = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss1"))
    assert plain.status_code == 201  # no constraint notifications asked: constraints are not in its key
    body = oir_body(key=[plain.json()["operational_intent_reference"]["ovn"]])
    body["new_subscription"]["notify_for_constraints"] = True
    r = client.put(f"{OIR}/{new_id()}", json=body, headers=as_uss("uss1", SC, CP))
    assert r.status_code == 409
    assert [c["id"] for c in r.json()["missing_constraints"]] == [created["id"]]


def test_constraint_writes_notify_constraint_subscribers_only(client: TestClient, as_uss) -> None:
    watcher_c, watcher_o = new_id(), new_id()

    assert client.put(f"{SUBS}/{watcher_c}", json=sub_body(ops=False, constraints=True, url="https://c.example"),
                      headers=as_uss("uss2", CP)).status_code == 200
    assert client.put(f"{SUBS}/{watcher_o}", json=sub_body(url="https://o.example"),
                      headers=as_uss("uss3")).status_code == 200
    r = client.put(f"{CRS}/{new_id()}", json=cr_body(), headers=as_uss("cm", CM))
    assert r.json()["subscribers"] == [{"uss_base_url": "https://c.example",
                                        "subscriptions": [{"subscription_id": watcher_c, "notification_index": 1}]}]
