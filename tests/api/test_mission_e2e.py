"""The whole mission over real HTTP: `deconfliction serve` in a subprocess, three parties on /v1
(Azure and Crimson listening over Server-Sent Events, the Relief agency through a real webhook
listener), and an F3548 USS writing through /dss/v1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..serving import start_serve, stop
from .helpers import SC, bearer, new_id

ISSUER = "https://auth.test"
PARTY = ("deconfliction.declare", "deconfliction.acknowledge")


def _at(seconds_from_now: float) -> str:
    return datetime.fromtimestamp(time.time() + seconds_from_now, tz=UTC).isoformat().replace("+00:00", "Z")


def _box(lat: float, lng: float, size: float, start_in_s: float, duration_s: float,
         alt: tuple[float, float] = (0, 3000)) -> dict[str, Any]:
    return {"volume": {"outline_polygon": {"vertices": [
        {"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + size}, {"lat": lat + size, "lng": lng + size},
        {"lat": lat + size, "lng": lng}]},
        "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
        "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"}},
        "time_start": {"value": _at(start_in_s), "format": "RFC3339"},
        "time_end": {"value": _at(start_in_s + duration_s), "format": "RFC3339"}}


class Stream:
    """A party's SSE stream read in a thread, with the arrival time of each event."""

    def __init__(self, base: str, token: str) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(base, token), daemon=True)
        self._thread.start()

    def _run(self, base: str, token: str) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(5, read=None)) as client, \
                    client.stream("GET", f"{base}/v1/events", headers=bearer(token)) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        self.events.append((time.monotonic(), json.loads(line[6:])))
                    if self._stop.is_set():
                        return
        except httpx.TransportError:
            if not self._stop.is_set():
                raise  # the server went away while the test still listened

    def wait_for(self, predicate, timeout_s: float = 5.0) -> tuple[float, dict[str, Any]]:  # noqa: ANN001
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for arrival, event in list(self.events):
                if predicate(event):
                    return arrival, event
            time.sleep(0.01)
        raise AssertionError(f"no such event within {timeout_s} s; got {[e['kind'] for _, e in self.events]}")

    def stop(self) -> None:
        self._stop.set()


class Webhook(ThreadingHTTPServer):
    """A real HTTP listener standing for the Relief agency's own system."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def server(tmp_path: Path, public_pem: Path):
    process, base = start_serve("--db", str(tmp_path / "live.db"), "--public-key", str(public_pem), "--issuer", ISSUER,
                                "--ack-deadline", "PT2S", "--min-notice", "PT15M")
    yield base
    stop(process)


def test_three_parties_do_the_whole_mission_over_http(server: str, token) -> None:
    base = server
    tokens = {p: token(p, *PARTY, aud="127.0.0.1") for p in ("azure", "crimson", "relief")}
    http = httpx.Client(base_url=base, timeout=30)  # generous: a shared CI box may be busy

    def as_(party: str) -> dict[str, str]:
        return bearer(tokens[party])

    azure, crimson = Stream(base, tokens["azure"]), Stream(base, tokens["crimson"])
    hook = Webhook()
    secret = http.put("/v1/webhook", json={"url": hook.url}, headers=as_("relief")).json()["secret"]
    try:
        # Relief protects a hospital; Azure patrols from an hour on; both well ahead of time.
        r = http.put("/v1/declarations/hospital", headers=as_("relief"), json={
            "kind": "constraint", "purpose": "field hospital", "volumes": [_box(34.00, 33.00, 0.02, 0, 7200)]})
        assert r.status_code == 201, r.text
        r = http.put("/v1/declarations/patrol", headers=as_("azure"), json={
            "kind": "operation", "priority": 5, "purpose": "CAP", "volumes": [_box(33.95, 33.05, 0.3, 3600, 7200)]})
        assert r.status_code == 201 and r.json()["conflicts"] == []
        # Crimson announces a strike over both, starting in 60 s: conflicts and a late notice.
        sent = time.monotonic()
        strike = {"kind": "operation", "purpose": "strike package", "volumes": [_box(33.99, 32.99, 0.1, 60, 7200)]}
        r = http.put("/v1/declarations/strike", headers=as_("crimson"), json=strike)
        assert r.status_code == 201, r.text
        answer = r.json()
        assert {(c["a"], c["b"]) for c in answer["conflicts"]} == {("hospital", "strike"), ("patrol", "strike")}
        assert answer["late_notice"]["required_s"] == 900 and 55 < answer["late_notice"]["notice_s"] <= 60
        assert {n["to"] for n in answer["notices"]} >= {"azure", "relief", "crimson"}
        assert [a["id"] for a in answer["advice"]] == ["strike"] and answer["advice"][0]["delay_s"] > 0
        retry = http.put("/v1/declarations/strike", headers=as_("crimson"), json=strike)  # the same body again
        assert retry.status_code == 200 and retry.json()["declaration"]["version"] == 1
        assert retry.json()["declaration"]["volumes"] == answer["declaration"]["volumes"]

        # Azure is told at once over SSE; it sees Crimson's extent inside its patrol, never the purpose.
        arrival, event = azure.wait_for(lambda e: e["kind"] == "notice" and e["notice"]["about"] == "strike"
                                        and e["notice"]["reason"] == "conflict")
        assert arrival - sent < 1.0
        notice = event["notice"]
        assert notice["disclosed"] and "strike package" not in json.dumps(azure.events)
        # Relief is told through its webhook, signed with its secret.
        deadline = time.monotonic() + 5
        while not any(b"strike" in body for _, body in hook.received) and time.monotonic() < deadline:
            time.sleep(0.02)
        headers, body = next((h, b) for h, b in hook.received if b"strike" in b)
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Deconfliction-Signature"] == expected and headers["X-Deconfliction-Event-Id"].startswith("relief:")

        # Azure reads back version 1: accepted. Crimson revises; a read-back of version 1 is stale.
        r = http.post(f"/v1/notices/{notice['id']}/acknowledgement", headers=as_("azure"),
                      json={"declaration": "strike", "version": 1})
        assert r.status_code == 200 and r.json()["notice"]["state"] == "acknowledged"
        r = http.put("/v1/declarations/strike", headers=as_("crimson"), json={
            "kind": "operation", "purpose": "strike package", "version": 1,
            "volumes": [_box(33.99, 32.99, 0.12, 60, 7200)]})
        assert r.status_code == 200 and r.json()["declaration"]["version"] == 2
        assert http.put("/v1/declarations/strike", headers=as_("crimson"), json={
            "kind": "operation", "version": 1, "volumes": [_box(33.99, 32.99, 0.13, 60, 7200)]}).status_code == 409
        fresh = azure.wait_for(lambda e: e["kind"] == "notice" and e["notice"]["about_version"] == 2)[1]["notice"]
        r = http.post(f"/v1/notices/{fresh['id']}/acknowledgement", headers=as_("azure"),
                      json={"declaration": "strike", "version": 1})
        assert r.status_code == 409 and "version 1" in r.json()["message"]
        assert http.post(f"/v1/notices/{fresh['id']}/acknowledgement", headers=as_("crimson"),
                         json={"declaration": "strike", "version": 2}).status_code == 404  # not Crimson's notice

        # Crimson stays silent about the hospital: escalated at its 2 s deadline, no request needed.
        about_hospital = crimson.wait_for(lambda e: e["kind"] == "notice" and e["notice"]["about"] == "hospital")[1]
        deadline_at = datetime.fromisoformat(about_hospital["notice"]["deadline"].replace("Z", "+00:00")).timestamp()
        arrival, escalation = crimson.wait_for(
            lambda e: e["kind"] == "escalation" and e["notice"]["id"] == about_hospital["notice"]["id"], timeout_s=6)
        assert time.time() - (time.monotonic() - arrival) - deadline_at < 1.0

        # A Crimson aircraft strays out of its volume: Nonconforming, and the neighbours are told.
        r = http.post("/v1/tracks", headers=as_("crimson"), json={"states": [
            {"track": "c-1", "operation": "strike", "t": _at(120), "lat": 34.5, "lng": 33.5, "alt_m": 1000}]})
        assert r.status_code == 200 and r.json()["nonconforming"][0]["reason"] == "outside_footprint"
        assert http.get("/v1/declarations/strike", headers=as_("crimson")).json()["declaration"]["state"] == "Nonconforming"
        crimson.wait_for(lambda e: e["kind"] == "notice" and e["notice"]["reason"] == "nonconforming")
        deadline = time.monotonic() + 5  # Relief's hospital is near and in force: told (Azure's patrol is hours off)
        while not any(b"nonconforming" in body for _, body in hook.received) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(b"nonconforming" in body for _, body in hook.received)
        assert not any(e["kind"] == "notice" and e["notice"]["reason"] == "nonconforming" for _, e in azure.events)

        # Notices show required, given, delivered and acknowledged; need to know holds.
        mine = http.get("/v1/notices", params={"state": "all"}, headers=as_("azure")).json()["notices"]
        acked = next(n for n in mine if n["id"] == notice["id"])
        assert acked["delivered_at"] and acked["acknowledged_at"] and acked["state"] == "acknowledged"
        assert http.get("/v1/declarations/hospital", headers=as_("azure")).status_code == 404  # touches nothing of Azure's
        seen = http.get("/v1/declarations/strike", headers=as_("azure")).json()["declaration"]
        assert "purpose" not in seen and seen["disclosed"]

        # The ledger, for an inquiry only, verifies and holds it all.
        assert http.get("/v1/ledger/verification", headers=as_("azure")).status_code == 403
        inquiry = bearer(token("inquiry", "deconfliction.inquiry", aud="127.0.0.1"))
        verified = http.get("/v1/ledger/verification", headers=inquiry).json()
        lines = http.get("/v1/ledger", headers=inquiry).text.splitlines()
        assert verified["ok"] and verified["entries"] == len(lines)
        kinds = [json.loads(line)["kind"] for line in lines]
        for kind in ("declared", "revised", "late_notice", "notice_sent", "notice_delivered", "acknowledged",
                     "acknowledgement_refused", "escalated", "nonconforming"):
            assert kind in kinds, kind
    finally:
        azure.stop()
        crimson.stop()
        hook.shutdown()
        http.close()


def test_an_f3548_uss_writing_through_the_dss_raises_a_notice_to_a_party(server: str, token) -> None:
    base = server
    azure_token = token("azure", *PARTY, aud="127.0.0.1")
    azure = Stream(base, azure_token)
    uss = bearer(token("uss1", SC, aud="127.0.0.1"))
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            patrol = _box(37.2, -80.6, 0.05, 3600, 1800, alt=(0, 500))
            assert http.put("/v1/declarations/patrol", headers=bearer(azure_token),
                            json={"kind": "operation", "volumes": [patrol]}).status_code == 201
            # The USS finds Azure's patrol as a reference managed by this service ...
            intent = {"extents": [_box(37.21, -80.59, 0.01, 3700, 600, alt=(0, 120))], "key": [], "state": "Accepted",
                      "uss_base_url": "http://127.0.0.1:1/uss1", "new_subscription": {"uss_base_url": "http://127.0.0.1:1/uss1"}}
            oir_id = new_id()
            refused = http.put(f"/dss/v1/operational_intent_references/{oir_id}", json=intent, headers=uss)
            assert refused.status_code == 409
            missing = refused.json()["missing_operational_intents"]
            assert [m["id"] for m in missing] == ["patrol"] and missing[0]["uss_base_url"] == base
            assert "ovn" not in missing[0] and missing[0]["subscription_id"] != "00000000-0000-4000-8000-000000000000"
            # ... fetches its details (and OVN) at this service's /uss/v1, as F3548 says ...
            details = http.get(f"{base}/uss/v1/operational_intents/patrol", headers=uss).json()["operational_intent"]
            assert details["details"]["volumes"] and "purpose" not in json.dumps(details)
            intent["key"] = [details["reference"]["ovn"]]
            created = http.put(f"/dss/v1/operational_intent_references/{oir_id}", json=intent, headers=uss)
            assert created.status_code == 201, created.text
            # this service watches the patrol's airspace: the USS is told to notify it
            assert base in [s["uss_base_url"] for s in created.json()["subscribers"]]
            # ... and Azure hears of the USS's intent on its stream, as of any party's declaration.
            event = azure.wait_for(lambda e: e["kind"] == "notice" and e["notice"]["about"] == oir_id)[1]
            assert event["notice"]["reason"] == "conflict" and event["notice"]["disclosed"]
            # USSs notify this service of changes, as F3548 asks: accepted.
            assert http.post(f"{base}/uss/v1/operational_intents", headers=uss, json={
                "operational_intent_id": oir_id, "subscriptions": []}).status_code == 204
    finally:
        azure.stop()
