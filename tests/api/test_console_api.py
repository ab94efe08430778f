"""What the console needs from the server, on the real app: its files served from the package,
its configuration, the local-mode token (refused outside the local mode), the airspace as a party
may see it, the dry run (nothing stored) and the live tracks under need to know."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app

from .helpers import rfc3339
from .test_v1 import DECLARE, box, op, party  # noqa: F401 (party: the fixture)

INQUIRY = "deconfliction.inquiry"


def test_console_files_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for path in ("/console/js/main.js", "/console/console.css", "/console/vendor/maplibre-gl/maplibre-gl.mjs",
                 "/console/vendor/maplibre-gl/maplibre-gl-worker.mjs", "/console/vendor/maplibre-gl/LICENSE.txt",
                 "/console/basemap/countries-50m.json"):
        assert client.get(path).status_code == 200, path
    assert client.get("/console/nothing.js").status_code == 404


def test_no_file_of_the_console_names_another_host() -> None:
    """Nothing the page loads refers to the internet (the vendored MapLibre only names URLs in
    comments and messages, never loads them: see the browser tests for what it requests)."""
    root = Path(__file__).resolve().parents[2] / "src" / "deconfliction" / "console"
    for path in [root / "index.html", root / "console.css", *sorted((root / "js").glob("*.js"))]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path


def test_the_package_data_stays_small() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "deconfliction" / "console"
    assert sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) < 5_000_000


def test_config_and_local_token_outside_the_local_mode(client: TestClient) -> None:
    config = client.get("/console/config.json").json()
    assert config["local_mode"] is False and config["parties"] == [] and config["now"].endswith("Z")
    refused = client.post("/console/local-token", json={"party": "blue"})
    assert refused.status_code == 404 and "identity provider" in refused.json()["message"]


@pytest.fixture
def local(tmp_path: Path) -> TestClient:
    with TestClient(create_app(Settings(db=tmp_path / "local.db")), base_url="http://127.0.0.1") as c:
        yield c


def test_local_token_for_the_picked_party(local: TestClient) -> None:
    assert local.get("/console/config.json").json()["local_mode"] is True
    answer = local.post("/console/local-token", json={"party": "azure"})
    assert answer.status_code == 200
    token = answer.json()["token"]
    mine = local.get("/v1/airspace", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.json()["party"] == "azure"
    bad = local.post("/console/local-token", json={"party": "no spaces"})
    assert bad.status_code == 400 and bad.json()["field"] == "party"
    scope = local.post("/console/local-token", json={"party": "a", "scopes": ["dss.write"]})
    assert scope.status_code == 400 and scope.json()["field"].startswith("scopes")
    # a page on another name that resolves to this machine gets no token (DNS rebinding)
    rebound = local.post("/console/local-token", json={"party": "azure"}, headers={"Host": "evil.example:8082"})
    assert rebound.status_code == 403


def test_airspace_shows_others_only_as_the_disclosed_extent(client: TestClient, party) -> None:  # noqa: ANN001
    client.put("/v1/declarations/blue-1", json=op(box(34, 33, 0.2), purpose="blue secret"), headers=party("blue"))
    client.put("/v1/declarations/red-1", json=op(box(34.1, 33.1, 0.4), purpose="red secret"), headers=party("red"))
    client.put("/v1/declarations/far", json=op(box(10, 10, 0.1)), headers=party("red"))
    seen = client.get("/v1/airspace", headers=party("blue")).json()
    assert [d["id"] for d in seen["declarations"]] == ["blue-1"] and seen["declarations"][0]["purpose"] == "blue secret"
    assert [d["id"] for d in seen["others"]] == ["red-1"]  # "far" touches nothing of blue's
    other = seen["others"][0]
    assert "purpose" not in other and "volumes" not in other
    vertices = other["disclosed"][0]["volume"]["outline_polygon"]["vertices"]
    assert max(v["lat"] for v in vertices) < 34.201  # clipped to blue's own box (its geodesic edges bulge north)
    assert [(c["a"], c["b"]) for c in seen["conflicts"]] == [("blue-1", "red-1")]


def test_dry_run_answers_like_put_and_stores_nothing(client: TestClient, party, token) -> None:  # noqa: ANN001
    from .helpers import bearer

    inquirer = bearer(token("judge", INQUIRY))
    client.put("/v1/declarations/blue-1", json=op(box(34, 33, 0.2, start_in_s=3600)), headers=party("blue"))
    before = client.get("/v1/ledger", headers=inquirer).text.splitlines()
    late = op(box(34, 33, 0.2, start_in_s=60), priority=-1)
    dry = client.post("/v1/declarations/red-1/dry-run", json=late, headers=party("red"))
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] is True and body["declaration"]["id"] == "red-1"
    assert [(c["a"], c["b"]) for c in body["conflicts"]] == [("blue-1", "red-1")]
    assert body["late_notice"]["required_s"] == 900
    assert {n["to"] for n in body["notices"]} >= {"blue"}
    assert [a["id"] for a in body["advice"]] == ["red-1"]
    assert client.get("/v1/ledger", headers=inquirer).text.splitlines() == before
    assert client.get("/v1/declarations/red-1", headers=party("red")).status_code == 404
    assert client.get("/v1/notices", headers=party("blue")).json()["notices"] == []
    # the real PUT then answers the same findings
    put = client.put("/v1/declarations/red-1", json=late, headers=party("red")).json()
    assert put["conflicts"] == body["conflicts"]
    assert put["late_notice"]["required_s"] == body["late_notice"]["required_s"]
    assert put["late_notice"]["notice_s"] == pytest.approx(body["late_notice"]["notice_s"], abs=5)
    assert put["advice"] == body["advice"]
    assert [n["id"] for n in put["notices"]] == [n["id"] for n in body["notices"]]


def test_dry_run_refuses_bad_input_naming_the_field(client: TestClient, party) -> None:  # noqa: ANN001
    bad = op(box(34, 33, 0.2))
    bad["volumes"][0]["volume"]["altitude_lower"]["value"] = 5000
    answer = client.post("/v1/declarations/x/dry-run", json=bad, headers=party("blue"))
    assert answer.status_code == 400 and "altitude" in answer.json()["field"]
    stale = client.post("/v1/declarations/x/dry-run", json=op(box(34, 33, 0.2), version=3), headers=party("blue"))
    assert stale.status_code == 404


def _state(track: str, lat: float, lng: float, alt_m: float = 1000, operation: str = "") -> dict:
    return {"track": track, "operation": operation, "t": rfc3339(time.time()), "lat": lat, "lng": lng,
            "alt_m": alt_m, "gs_mps": 100, "trk_deg": 90}


def test_tracks_under_need_to_know(client: TestClient, party) -> None:  # noqa: ANN001
    client.put("/v1/declarations/blue-1", json=op(box(34, 33, 0.2, start_in_s=-60)), headers=party("blue"))
    assert client.post("/v1/tracks", json={"states": [_state("b1", 34.1, 33.1, operation="blue-1")]},
                       headers=party("blue")).status_code == 200
    red = [_state("r-near", 34.15, 33.32), _state("r-far", 20, 20)]  # 10 km from blue's box / far away
    assert client.post("/v1/tracks", json={"states": red}, headers=party("red")).status_code == 200
    blue = client.get("/v1/tracks", headers=party("blue")).json()
    assert sorted(blue["tracks"]["id"]) == ["b1", "r-near"] and blue["count"] == 2
    red_view = client.get("/v1/tracks", headers=party("red")).json()["tracks"]
    assert sorted(red_view["id"]) == ["r-far", "r-near"]  # red declared nothing: its own only
    # a blue track out of its volume is flagged Nonconforming; two tracks close together are in loss
    client.post("/v1/tracks", json={"states": [_state("b1", 34.5, 33.1, operation="blue-1")]}, headers=party("blue"))
    client.post("/v1/tracks", json={"states": [_state("r-close", 34.5, 33.102)]}, headers=party("red"))
    blue = client.get("/v1/tracks", headers=party("blue")).json()["tracks"]
    flags = dict(zip(blue["id"], zip(blue["nonconforming"], blue["alert"], strict=True), strict=True))
    assert flags["b1"] == (1, 2) and flags["r-close"] == (0, 2)
