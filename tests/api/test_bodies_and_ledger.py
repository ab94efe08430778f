"""Bad bodies answer 400 naming the field and write nothing; every write is one ledger entry."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from deconfliction.store import ledger_repo
from deconfliction.store.schema import declarations, ledger

from .helpers import OIR, SUBS, new_id, oir_body, sub_body, volume


def counts(client: TestClient) -> tuple[int, int]:
    db = client.app.state.core.db
    with db.read() as c:
        return (c.execute(select(func.count()).select_from(ledger)).scalar_one(),
                c.execute(select(func.count()).select_from(declarations)).scalar_one())


def broken(path: list[str | int], value: object) -> dict:
    body = oir_body()
    target = body
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(("path", "value", "field"), [
    (["state"], "Ended", "state"),
    (["extents"], [], "extents"),
    (["extents", 0, "volume", "outline_polygon", "vertices", 1, "lat"], 123.0, "extents[0].volume.outline_polygon.vertices[1].lat"),
    (["extents", 0, "time_end"], ..., "extents[0].time_end"),
    (["extents", 0, "time_start", "value"], "yesterday", "extents[0].time_start.value"),
    (["extents", 0, "volume", "altitude_lower", "units"], "FT", "extents[0].volume.altitude_lower.units"),
    (["uss_base_url"], ..., "uss_base_url"),
])
def test_bad_oir_body_names_the_field_and_writes_nothing(client: TestClient, as_uss, path, value, field) -> None:
    before = counts(client)
    r = client.put(f"{OIR}/{new_id()}", json=broken(path, value), headers=as_uss())
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith(field), r.json()
    assert counts(client) == before


def test_self_intersecting_polygon_and_bad_id(client: TestClient, as_uss) -> None:
    bowtie = volume()
    v = bowtie["volume"]["outline_polygon"]["vertices"]
    v[1], v[2] = v[2], v[1]
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(bowtie), headers=as_uss())
    assert r.status_code == 400 and "extents[0].volume.outline_polygon.vertices" in r.json()["message"]
    assert client.put(f"{OIR}/not-a-uuid", json=oir_body(), headers=as_uss()).status_code == 400
    assert client.put(f"{SUBS}/{new_id()}", content=b"{not json", headers=as_uss()).status_code == 400


def test_every_write_is_on_the_ledger_with_its_hotline_records_and_the_chain_verifies(client: TestClient, as_uss) -> None:
    h = as_uss()
    base = counts(client)[0]
    ref = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=h).json()["operational_intent_reference"]
    sub = client.put(f"{SUBS}/{new_id()}", json=sub_body(), headers=as_uss("uss2")).json()["subscription"]
    client.delete(f"{OIR}/{ref['id']}/{ref['ovn']}", headers=h)
    client.post("/dss/v1/reports", json={"exchange": {"url": "x", "method": "GET", "recorder_role": "Client",
                                                      "request_time": {"value": "2026-11-22T00:00:00Z",
                                                                       "format": "RFC3339"},
                                                      "request_source": "uss1"}}, headers=h)
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=h).status_code == 201
    with client.app.state.core.db.read() as c:
        entries = list(ledger_repo.entries(c))[base:]
        assert ledger_repo.verify(c).ok
    registry = [e for e in entries if e.kind.startswith("dss.")]
    assert [e.kind for e in registry] == ["dss.operational_intent.create", "dss.subscription.create",
                                          "dss.operational_intent.delete", "dss.report",
                                          "dss.operational_intent.create"]
    assert registry[0].actor == "uss1" and registry[1].payload["subscriptions"][0]["id"] == sub["id"]
    # the intent is a declaration: declared (with its volumes), then withdrawn, each by its party
    declared = [e for e in entries if e.kind == "declared"]
    assert declared[0].payload["id"] == ref["id"] and declared[0].actor == "uss1" and declared[0].payload["volumes"]
    assert [e.payload["id"] for e in entries if e.kind == "withdrawn"] == [ref["id"]]


def test_registry_survives_restart(settings, as_uss) -> None:
    from deconfliction.api import create_app
    with TestClient(create_app(settings)) as c:
        ref = c.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss()).json()["operational_intent_reference"]
    with TestClient(create_app(settings)) as c:
        again = c.get(f"{OIR}/{ref['id']}", headers=as_uss()).json()["operational_intent_reference"]
        assert again == ref
        assert c.put(f"{OIR}/{new_id()}", json=oir_body(), headers=as_uss("uss2")).status_code == 409
