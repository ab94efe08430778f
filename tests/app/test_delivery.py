"""Delivery over real HTTP (uvicorn in a thread, manual clock): an event stream resumed with
Last-Event-ID loses nothing; a failing webhook is retried with backoff, each event once with
its id and signature; tracks of two parties closing on each other raise an alert to both."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from deconfliction.clock import ManualClock
from deconfliction.geo import dump_volume4d
from deconfliction.sim.live import live_server
from tests.builders import T0, box


@pytest.fixture
def server(tmp_path):  # noqa: ANN001, ANN201
    with live_server(tmp_path / "d.db", ManualClock(T0 - 7200)) as live:
        yield live


def _declare(http: httpx.Client, token: str, declaration_id: str, volume) -> dict[str, Any]:  # noqa: ANN001
    r = http.put(f"/v1/declarations/{declaration_id}", headers={"Authorization": f"Bearer {token}"},
                 json={"kind": "operation", "volumes": [dump_volume4d(volume)]})
    assert r.status_code in (200, 201), r.text
    return r.json()


def _read_events(url: str, token: str, last_id: int | None, count: int) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    if last_id is not None:
        headers["Last-Event-ID"] = str(last_id)
    out: list[dict[str, Any]] = []
    with httpx.Client(timeout=httpx.Timeout(5, read=5)) as client, \
            client.stream("GET", f"{url}/v1/events", headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
                if len(out) == count:
                    return out
    return out


def test_a_stream_resumed_from_its_last_event_id_loses_nothing(server) -> None:  # noqa: ANN001
    blue, red = server.token("blue"), server.token("red")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        _declare(http, blue, "b1", box(34, 33))
        _declare(http, red, "r1", box(34, 33))
        first = _read_events(server.url, blue, None, 2)
        # while blue is away, more happens
        _declare(http, red, "r2", box(34.01, 33.01))
        _declare(http, red, "r3", box(34.02, 33.02))
        total = server.core.state.event_seq["blue"]
        rest = _read_events(server.url, blue, first[-1]["seq"], total - first[-1]["seq"])
    seqs = [e["seq"] for e in first + rest]
    assert seqs == list(range(1, total + 1))
    assert {e["notice"]["about"] for e in rest if e["kind"] == "notice"} == {"r2", "r3"}


class FlakyHook(ThreadingHTTPServer):
    """Answers 500 to the first `failures` POSTs, then 204."""

    def __init__(self, failures: int) -> None:
        self.received: list[tuple[float, dict[str, str], bytes, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(outer.received) < failures else 204
                outer.received.append((time.monotonic(), dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_failing_webhook_is_retried_with_backoff_and_gets_each_event_once(server) -> None:  # noqa: ANN001
    hook = FlakyHook(failures=2)
    blue, red = server.token("blue"), server.token("red")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            secret = http.put("/v1/webhook", json={"url": f"http://127.0.0.1:{hook.server_address[1]}/in"},
                              headers={"Authorization": f"Bearer {blue}"}).json()["secret"]
            _declare(http, blue, "b1", box(34, 33))
            _declare(http, red, "r1", box(34, 33))
        wanted = server.core.state.event_seq["blue"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            delivered = {json.loads(b)["id"] for _, _, b, status in hook.received if status == 204}
            if len(delivered) == wanted:
                break
            time.sleep(0.05)
    finally:
        hook.shutdown()
    first_event = [r for r in hook.received if json.loads(r[2])["seq"] == 1]
    assert [r[3] for r in first_event] == [500, 500, 204]  # retried until delivered
    assert first_event[1][0] - first_event[0][0] >= 0.1 and first_event[2][0] - first_event[1][0] >= 0.2  # backoff
    assert len({r[1]["X-Deconfliction-Event-Id"] for r in first_event}) == 1  # one id: the receiver dedupes
    ok = [r for r in hook.received if r[3] == 204]
    assert [json.loads(r[2])["seq"] for r in ok] == list(range(1, wanted + 1))  # in order, each once
    for _, headers, body, _ in ok:
        assert headers["X-Deconfliction-Signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    notice = next(n for n in server.core.state.notices.values() if n.to_party == "blue")
    assert notice.delivered_at_s is not None


def test_tracks_of_two_parties_closing_on_each_other_alert_both(server) -> None:  # noqa: ANN001
    blue, red = server.token("blue"), server.token("red")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        t = "2026-11-23T08:10:00Z"
        a = http.post("/v1/tracks", headers={"Authorization": f"Bearer {blue}"}, json={"states": [
            {"track": "b-1", "t": t, "lat": 34.0, "lng": 33.0, "alt_m": 3000, "gs_mps": 200, "trk_deg": 90}]})
        assert a.status_code == 200 and a.json()["alerts"] == []
        b = http.post("/v1/tracks", headers={"Authorization": f"Bearer {red}"}, json={"states": [
            {"track": "r-1", "t": t, "lat": 34.0, "lng": 33.3, "alt_m": 3000, "gs_mps": 200, "trk_deg": 270}]})
        alerts = b.json()["alerts"]
        assert len(alerts) == 1 and alerts[0]["tracks"] == ["b-1", "r-1"] and 0 < alerts[0]["tcpa_s"] < 300
        again = http.post("/v1/tracks", headers={"Authorization": f"Bearer {red}"}, json={"states": [
            {"track": "r-1", "t": t, "lat": 34.0, "lng": 33.29, "alt_m": 3000, "gs_mps": 200, "trk_deg": 270}]})
        assert again.json()["alerts"] == []  # alerted once while the pair stays in conflict
        stolen = http.post("/v1/tracks", headers={"Authorization": f"Bearer {red}"}, json={"states": [
            {"track": "b-1", "t": t, "lat": 34.0, "lng": 33.0, "alt_m": 3000}]})
        assert stolen.status_code == 400 and "another party" in stolen.json()["message"]
    kinds = {p: [e.kind.value for e in server.core.events_after(p, 0)] for p in ("blue", "red")}
    assert "alert" in kinds["blue"] and "alert" in kinds["red"]


def _stream_in_thread(url: str, token: str, count: int) -> tuple[threading.Thread, list[dict[str, Any]]]:
    """Events appended to the list as they arrive, until `count` (or 10 s of silence)."""
    received: list[dict[str, Any]] = []

    def read() -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(5, read=10)) as client, \
                    client.stream("GET", f"{url}/v1/events", headers={"Authorization": f"Bearer {token}"}) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        received.append(json.loads(line[6:]))
                        if len(received) == count:
                            return
        except httpx.TransportError:
            pass  # the server stopped at the end of the test

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


def test_live_events_come_from_the_queue_and_a_gap_never_committed_does_not_stall_the_stream(server) -> None:  # noqa: ANN001
    from deconfliction.model.events import Event, EventKind

    blue, red = server.token("blue"), server.token("red")
    reads: list[int] = []
    record = server.core.events_after

    def counted(party: str, after_seq: int, limit: int = 1000):  # noqa: ANN202
        reads.append(after_seq)
        return record(party, after_seq, limit)

    server.core.events_after = counted  # the stream's reads of the events table
    with httpx.Client(base_url=server.url, timeout=10) as http:
        _declare(http, blue, "b1", box(34, 33))
        _, received = _stream_in_thread(server.url, blue, 100)
        deadline = time.monotonic() + 5
        while not reads and time.monotonic() < deadline:
            time.sleep(0.01)
        for i in range(5):  # each conflicts with b1: blue is told live
            _declare(http, red, f"r{i}", box(34 + 0.001 * i, 33))
        live = server.core.state.event_seq["blue"]
        while len(received) < live and time.monotonic() < deadline + 5:
            time.sleep(0.01)
        reads_for_live = len(reads)
        # an event whose predecessor was never committed (a failed batch): the record read once, then it is sent
        orphan = Event("blue", live + 2, EventKind.STATE_CHANGE, 0.0, {"note": "after a gap"})
        loop = server.server.servers[0].get_loop()
        loop.call_soon_threadsafe(server.core.broker.publish, (orphan,))
        while len(received) < live + 1 and time.monotonic() < deadline + 10:
            time.sleep(0.01)
    assert [e["seq"] for e in received[:live]] == list(range(1, live + 1))
    assert live >= 6
    assert reads_for_live == 1  # the record was read once, at the start: live events came from the queue
    assert received[live]["seq"] == live + 2
    assert len(reads) == reads_for_live + 1  # the gap: the record read once more, then the event sent
