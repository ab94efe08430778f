"""The party API (/v1) on the real app and a real SQLite file: creation and revision, need to
know, limits, withdrawal, the refusal setting, and bad input answered 400 naming the field."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app

from .helpers import ISSUER, SC, bearer, new_id

DECLARE = ("deconfliction.declare", "deconfliction.acknowledge")


def box(lat: float, lng: float, size_deg: float, *, start_in_s: float = 3600, duration_s: float = 3600,
        alt: tuple[float, float] = (0, 1000)) -> dict:
    from .helpers import rfc3339
    now = time.time()
    return {"volume": {"outline_polygon": {"vertices": [
        {"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + size_deg}, {"lat": lat + size_deg, "lng": lng + size_deg},
        {"lat": lat + size_deg, "lng": lng}]},
        "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
        "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"}},
        "time_start": {"value": rfc3339(now + start_in_s), "format": "RFC3339"},
        "time_end": {"value": rfc3339(now + start_in_s + duration_s), "format": "RFC3339"}}


def side_deg(area_km2: float, lat: float) -> float:
    """The side, in degrees of latitude, of a roughly square box of this area at `lat` (lng scaled)."""
    return math.sqrt(area_km2) / 111.0


@pytest.fixture
def party(token):  # noqa: ANN001, ANN201
    def headers(name: str, *scopes: str) -> dict[str, str]:
        return bearer(token(name, *(scopes or DECLARE)))
    return headers


def op(*volumes: dict, **extra: object) -> dict:
    return {"kind": "operation", "volumes": list(volumes), **extra}


def test_create_revise_retry_and_stale(client: TestClient, party) -> None:  # noqa: ANN001
    body = op(box(34, 33, 0.1), purpose="secret")
    first = client.put("/v1/declarations/a1", json=body, headers=party("blue"))
    assert first.status_code == 201
    d = first.json()["declaration"]
    assert (d["id"], d["party"], d["kind"], d["version"], d["state"], d["purpose"]) == (
        "a1", "blue", "operation", 1, "Accepted", "secret")
    assert client.put("/v1/declarations/a1", json=body, headers=party("blue")).status_code == 200  # retry
    assert client.put("/v1/declarations/a1", json=op(box(34, 33, 0.2)), headers=party("blue")).status_code == 409
    revised = client.put("/v1/declarations/a1", json=op(box(34, 33, 0.2), version=1), headers=party("blue"))
    assert revised.status_code == 200 and revised.json()["declaration"]["version"] == 2
    assert client.put("/v1/declarations/a1", json=op(box(34, 33, 0.3), version=1), headers=party("blue")).status_code == 409
    assert client.put("/v1/declarations/a1", json=op(box(34, 33, 0.3)), headers=party("red")).status_code == 403
    assert client.delete("/v1/declarations/a1?version=1", headers=party("blue")).status_code == 409
    assert client.delete("/v1/declarations/a1?version=2", headers=party("blue")).status_code == 200
    assert client.get("/v1/declarations/a1", headers=party("blue")).status_code == 404


def test_others_are_seen_only_where_they_touch_mine(client: TestClient, party) -> None:  # noqa: ANN001
    client.put("/v1/declarations/mine", json=op(box(34, 33, 0.1)), headers=party("blue"))
    answer = client.put("/v1/declarations/theirs", json=op(box(34.05, 33.05, 0.5), purpose="strike"),
                        headers=party("red")).json()
    assert [(c["a"], c["b"]) for c in answer["conflicts"]] == [("mine", "theirs")]
    assert {n["to"] for n in answer["notices"]} == {"blue", "red"}
    assert client.get("/v1/declarations", headers=party("blue")).json()["declarations"][0]["id"] == "mine"
    seen = client.get("/v1/declarations/theirs", headers=party("blue")).json()["declaration"]
    assert "purpose" not in seen and "volumes" not in seen
    vertices = seen["disclosed"][0]["volume"]["outline_polygon"]["vertices"]
    # inside my box (edges are geodesics: they bow by micro-degrees from the parallels)
    assert all(34.05 - 1e-4 <= v["lat"] <= 34.1 + 1e-4 and 33.05 - 1e-4 <= v["lng"] <= 33.1 + 1e-4 for v in vertices)
    assert client.get("/v1/declarations/theirs", headers=party("green")).status_code == 404
    conflicts = client.get("/v1/conflicts", headers=party("blue")).json()["conflicts"]
    assert [(c["a"], c["b"]) for c in conflicts] == [("mine", "theirs")]
    assert client.get("/v1/conflicts", headers=party("green")).json()["conflicts"] == []
    notices = client.get("/v1/notices?state=open", headers=party("blue")).json()["notices"]
    assert [n["about"] for n in notices] == ["theirs"] and notices[0]["disclosed"]
    assert client.get("/v1/notices?state=acknowledged", headers=party("blue")).json()["notices"] == []
    assert client.get("/v1/notices?state=bogus", headers=party("blue")).status_code == 400


def test_a_patrol_area_fits_v1_but_not_the_dss(client: TestClient, party, token) -> None:  # noqa: ANN001
    patrol = box(34, 33, side_deg(5_000, 34) / math.cos(math.radians(34)) ** 0.5)
    assert client.put("/v1/declarations/patrol", json=op(patrol), headers=party("blue")).status_code == 201
    too_big = client.put("/v1/declarations/huge", json=op(box(30, 30, 2.0)), headers=party("blue"))
    assert too_big.status_code == 400 and too_big.json()["field"] == "volumes[0].volume"
    assert "exceeds the limit of 10000 km^2" in too_big.json()["reason"]
    intent = {"extents": [patrol], "key": [], "state": "Accepted", "uss_base_url": "https://u.example",
              "new_subscription": {"uss_base_url": "https://u.example"}}
    refused = client.put(f"/dss/v1/operational_intent_references/{new_id()}", json=intent, headers=bearer(token("uss1", SC)))
    assert refused.status_code == 413


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "operation", "volumes": []}, "volumes"),
    ({"kind": "flight", "volumes": [{}]}, "kind"),
    ({"kind": "operation", "volumes": [{"volume": {"outline_circle": {"center": {"lat": 91, "lng": 0},
                                                   "radius": {"value": 10, "units": "M"}}}}]},
     "volumes[0].volume.outline_circle.center.lat"),
    ({"kind": "operation", "volumes": [{"volume": {"outline_circle": {"center": {"lat": 1, "lng": 0},
                                                   "radius": {"value": 10, "units": "M"}}}}]},
     "volumes[0].time_start"),
    ({"kind": "operation", "volumes": [{}], "surprise": 1}, "surprise"),
])
def test_bad_bodies_name_the_field_and_store_nothing(client: TestClient, party, body, field) -> None:  # noqa: ANN001
    r = client.put("/v1/declarations/x", json=body, headers=party("blue"))
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field
    assert client.get("/v1/declarations", headers=party("blue")).json()["declarations"] == []


def test_scopes_and_tokens(client: TestClient, party) -> None:  # noqa: ANN001
    assert client.get("/v1/declarations").status_code == 401
    reader = party("blue", "deconfliction.acknowledge")
    assert client.get("/v1/declarations", headers=reader).status_code == 200
    assert client.put("/v1/declarations/x", json=op(box(34, 33, 0.1)), headers=reader).status_code == 403
    assert client.get("/v1/ledger/verification", headers=reader).status_code == 403
    inquiry = party("inquiry", "deconfliction.inquiry")
    assert client.get("/v1/ledger/verification", headers=inquiry).json()["ok"] is True


def test_lower_priority_can_be_refused_by_setting(public_pem: Path, tmp_path: Path, token) -> None:
    settings = Settings(db=tmp_path / "p.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"],
                        refuse_lower_priority=True)
    with TestClient(create_app(settings)) as c:
        h = bearer(token("blue", *DECLARE))
        assert c.put("/v1/declarations/high", json=op(box(34, 33, 0.1), priority=5), headers=h).status_code == 201
        low = c.put("/v1/declarations/low", json=op(box(34, 33, 0.1), priority=1),
                    headers=bearer(token("red", *DECLARE)))
        assert low.status_code == 409 and "priority" in low.json()["message"]


def test_settings_from_a_toml_file_under_flags_and_environment(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    config = tmp_path / "d.toml"
    config.write_text('min_notice = "PT30M"\nack_deadline = "PT1M"\nport = 9100\nnearby_radius_m = 5000\n')
    monkeypatch.setenv("DECONFLICTION_PORT", "9200")
    settings = Settings.load(config, ack_deadline="PT2M")
    assert settings.seconds("min_notice") == 1800 and settings.seconds("ack_deadline") == 120
    assert settings.port == 9200 and settings.nearby_radius_m == 5000
    from deconfliction.errors import InvalidInput
    with pytest.raises(InvalidInput, match="min_notice"):
        Settings.load(None, min_notice="fifteen minutes")
    config.write_text("surprise = 1\n")
    with pytest.raises(InvalidInput, match="surprise"):
        Settings.load(config)
