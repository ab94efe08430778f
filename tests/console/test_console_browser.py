"""The map console in a real headless Chromium against a real server (local mode): a volume
declared from the map appears, another party's conflicting declaration shows up live within 1 s,
Acknowledge changes the state and the ledger, a stale read-back is refused, the time slider hides
an expired volume, 10,000 tracks render, and no request leaves 127.0.0.1 (checked after each test
by the `open_console` fixture)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ..api.test_mission_e2e import _box as mission_box
from .conftest import local_token, wait_js

pytestmark = pytest.mark.browser


def _at(seconds_from_now: float) -> str:
    return datetime.fromtimestamp(time.time() + seconds_from_now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _box(lat: float, lng: float, size: float, start_in_s: float, duration_s: float,
         alt: tuple[float, float] = (3000, 9000)) -> dict[str, Any]:
    return mission_box(lat, lng, size, start_in_s, duration_s, alt)


def _headers(base: str, party: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(base, party)}"}


def _ledger(base: str) -> list[dict[str, Any]]:
    import json

    text = httpx.get(f"{base}/v1/ledger", headers=_headers(base, "inquirer"), timeout=10).text
    return [json.loads(line) for line in text.splitlines()]


def test_declare_from_the_map_with_a_dry_run_first(open_console, server: str) -> None:  # noqa: ANN001
    console = open_console("blue")
    page = console.page
    page.click("#tab-declare")
    page.fill("#d-id", "blue-drawn")
    page.click("#d-draw")
    box = page.locator("#map").bounding_box()
    for dx, dy in ((0.40, 0.35), (0.60, 0.35), (0.60, 0.60), (0.40, 0.60)):  # four clicks on the map
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    page.click("#d-finish")
    assert page.input_value("#d-vertices").count(";") == 3
    page.fill("#d-lower", "1000")
    page.fill("#d-upper", "2000")
    assert "6,562 ft" in page.inner_text("#d-upper-hint") and "FL066" in page.inner_text("#d-upper-hint")

    entries = len(_ledger(server))
    page.click("#d-dry-run")
    wait_js(page, "document.querySelector('#declare-result').dataset.state === 'dry-run'")
    assert "nothing was stored" in page.inner_text("#declare-result")
    assert len(_ledger(server)) == entries  # the dry run appended nothing
    assert httpx.get(f"{server}/v1/declarations/blue-drawn", headers=_headers(server, "blue")).status_code == 404

    page.click("#d-submit")
    wait_js(page, "document.querySelector('#declare-result').dataset.state !== 'pending'")
    assert page.get_attribute("#declare-result", "data-state") == "declared", page.inner_text("#declare-result")
    wait_js(page, "!!document.querySelector('#own-list [data-declaration=\"blue-drawn\"]')")
    assert "1,000–2,000 m (3,281–6,562 ft" in page.inner_text("#own-list [data-declaration='blue-drawn']")
    start = page.evaluate("Date.parse(document.querySelector('#d-start').value)")
    page.evaluate(f"consoleDebug.setTime({start} + 600000)")
    wait_js(page, "consoleDebug.renderedIds('own-fill').includes('blue-drawn')")
    console.screenshot("console-declared.png")


def test_conflict_arrives_live_within_a_second_and_acknowledge(open_console, server: str) -> None:  # noqa: ANN001
    azure = _headers(server, "azure")
    assert httpx.put(f"{server}/v1/declarations/az-cap", headers=azure,
                     json={"kind": "operation", "volumes": [_box(30, 20, 0.5, 3600, 7200)]}).status_code == 201
    console = open_console("azure")
    page = console.page
    wait_js(page, "window.consoleState.live === 'live'")
    crimson = _headers(server, "crimson")
    answer = httpx.put(f"{server}/v1/declarations/cr-strike", headers=crimson,
                       json={"kind": "operation", "priority": 1, "volumes": [_box(30.2, 20.2, 0.5, 3600, 3600)]})
    declared = time.monotonic()
    assert answer.status_code == 201
    wait_js(page, "!!document.querySelector('#conflict-list [data-conflict=\"az-cap|cr-strike\"]')", every_s=0.005)
    elapsed = time.monotonic() - declared
    assert elapsed < 1.0, f"the conflict showed {elapsed:.3f} s after it was declared"
    assert page.locator("#other-list [data-declaration='cr-strike']").count() == 1
    page.evaluate("consoleDebug.setTime(Date.now() + consoleState.offsetMs + 3600e3 + 1800e3)")
    wait_js(page, "consoleDebug.renderedIds('overlap-fill').includes('cr-strike')")
    console.screenshot("console-conflict.png")

    page.click("#tab-notices")
    card = "#notice-list [data-group='sent'] li"
    wait_js(page, f"!!document.querySelector(\"{card} button.ack[data-declaration='cr-strike']\")")
    assert "left" in page.inner_text(f"{card} .countdown")
    notice_id = page.get_attribute(card, "data-notice")
    page.click(f"{card} button.ack")
    wait_js(page, f"document.querySelector('[data-notice=\"{notice_id}\"]').dataset.state === 'acknowledged'")
    assert "Acknowledged cr-strike v1" in page.inner_text("#notice-alert")
    # the acknowledgement's receipt is kept, and its tree head, once checked, is the kept one
    wait_js(page, "((r) => r.receipts.some((x) => x.what === 'acknowledgement of notice " + notice_id + "'"
                  " && r.head.tree_size >= x.receipt.tree_head.tree_size))"
                  "(JSON.parse(localStorage.getItem('deconfliction.transparency.v1')))")
    assert page.get_attribute("#log-status", "data-state") == "ok"
    acks = [e for e in _ledger(server) if e["kind"] == "acknowledged" and e["payload"]["notice"] == notice_id]
    assert len(acks) == 1 and acks[0]["payload"]["read_back_version"] == 1 and acks[0]["actor"] == "azure"

    page.click("#tab-inquiry")  # the same acknowledgement in the inquiry view, chain verified
    try:
        wait_js(page, "!!document.querySelector('#verification [data-ok=\"true\"]')")
    except AssertionError:
        raise AssertionError(page.inner_text("#panel-inquiry")[:300]) from None
    wait_js(page, "!!document.querySelector('#ledger-timeline [data-kind=\"acknowledged\"]')")
    page.select_option("#q-declaration", "cr-strike")
    shown = page.locator("#ledger-timeline li").count()
    assert 0 < shown < len(_ledger(server))
    page.select_option("#q-party", "azure")
    assert page.locator("#ledger-timeline li").count() <= shown
    console.screenshot("console-inquiry.png")


def test_a_stale_read_back_is_refused(open_console, server: str) -> None:  # noqa: ANN001
    relief, rogue = _headers(server, "relief"), _headers(server, "rogue")
    httpx.put(f"{server}/v1/declarations/relief-run", headers=relief,
              json={"kind": "operation", "volumes": [_box(40, 10, 0.5, 3600, 3600)]}).raise_for_status()
    httpx.put(f"{server}/v1/declarations/rogue-1", headers=rogue,
              json={"kind": "operation", "volumes": [_box(40.1, 10.1, 0.5, 3600, 3600)]}).raise_for_status()
    # the console's live link is down (its event stream is refused), so it still shows version 1
    console = open_console("relief", before=lambda page: page.route("**/v1/events", lambda route: route.abort()))
    page = console.page
    page.click("#tab-notices")
    button = "button.ack[data-declaration='rogue-1'][data-version='1']"
    wait_js(page, f"!!document.querySelector(\"{button}\")")
    httpx.put(f"{server}/v1/declarations/rogue-1", headers=rogue, json={
        "kind": "operation", "version": 1, "volumes": [_box(40.2, 10.2, 0.5, 3600, 3600)]}).raise_for_status()
    page.click(button)
    wait_js(page, "document.querySelector('#notice-alert').textContent.includes('refused')")
    assert "409" in page.inner_text("#notice-alert")
    refused = [e for e in _ledger(server) if e["kind"] == "acknowledgement_refused" and e["actor"] == "relief"]
    assert refused and refused[-1]["payload"]["version"] == 1
    wait_js(page, "!!document.querySelector(\"button.ack[data-declaration='rogue-1'][data-version='2']\")")


def test_the_time_slider_hides_an_expired_volume(open_console, server: str) -> None:  # noqa: ANN001
    httpx.put(f"{server}/v1/declarations/green-1", headers=_headers(server, "green"),
              json={"kind": "operation", "volumes": [_box(-20, 150, 0.5, 3600, 3600)]}).raise_for_status()
    console = open_console("green")
    page = console.page
    page.evaluate("consoleDebug.setTime(Date.now() + consoleState.offsetMs + 5400e3)")
    wait_js(page, "consoleDebug.renderedIds('own-fill').includes('green-1')")
    assert page.is_visible("[data-label='green-1']")
    page.focus("#time-slider")
    page.keyboard.press("End")  # the end of the slider: an hour after the last window closes
    wait_js(page, "!consoleDebug.renderedIds('own-fill').includes('green-1')")
    assert not page.is_visible("[data-label='green-1']")
    assert page.get_attribute("#own-list [data-declaration='green-1']", "data-in-force") == "false"
    page.keyboard.press("Home")
    before = float(page.input_value("#time-slider"))
    page.click("#play")
    wait_js(page, f"Number(document.querySelector('#time-slider').value) > {before}")
    page.click("#play")
    assert page.get_attribute("#play", "aria-pressed") == "false"
    page.fill("#alt-min", "9500")  # above its band: filtered out whatever the time
    page.evaluate("consoleDebug.setTime(Date.now() + consoleState.offsetMs + 5400e3)")
    wait_js(page, "!consoleDebug.renderedIds('own-fill').includes('green-1')")


def _states(party_prefix: str, n: int, lat0: float, lng0: float, operation: str = "") -> list[dict[str, Any]]:
    now = _at(0)
    side = int(n ** 0.5) + 1
    return [{"track": f"{party_prefix}{i}", "operation": operation, "t": now, "lat": lat0 + (i // side) * 0.02,
             "lng": lng0 + (i % side) * 0.02, "alt_m": 3000 + (i % 7) * 300, "gs_mps": 120, "trk_deg": (i * 37) % 360}
            for i in range(n)]


def test_ten_thousand_tracks_render_with_alerts_highlighted(open_console, server: str) -> None:  # noqa: ANN001
    fleet, intruder = _headers(server, "fleet"), _headers(server, "intruder")
    httpx.put(f"{server}/v1/declarations/fleet-op", headers=fleet,
              json={"kind": "operation", "volumes": [_box(50, -5, 0.3, -60, 7200)]}).raise_for_status()
    states = _states("f", 10_000, 45, -10)
    for k in range(0, len(states), 5000):
        httpx.post(f"{server}/v1/tracks", json={"states": states[k:k + 5000]}, headers=fleet, timeout=60).raise_for_status()
    stray = {"track": "f-stray", "operation": "fleet-op", "t": _at(0), "lat": 51, "lng": -5, "alt_m": 4000}
    assert httpx.post(f"{server}/v1/tracks", json={"states": [stray]}, headers=fleet).json()["nonconforming"]
    close = {"track": "x-1", "t": _at(0), "lat": 51.001, "lng": -5.001, "alt_m": 4000}
    httpx.post(f"{server}/v1/tracks", json={"states": [close]}, headers=intruder).raise_for_status()

    console = open_console("fleet")
    page = console.page
    wait_js(page, "window.consoleState.tracks.rendered === 10002", timeout_s=30)
    classes = page.evaluate("window.consoleState.tracks.classes")
    assert classes["loss"] == 2 and classes["nonconforming"] >= 1
    page.click("#tab-live")
    assert "10,002 tracks shown" in page.inner_text("#track-info")
    assert page.locator("#track-alerts [data-track='x-1']").count() == 1
    wait_js(page, "window.consoleState.tracks.applyMs.length >= 3", timeout_s=15)
    apply_ms = statistics.median(page.evaluate("window.consoleState.tracks.applyMs"))
    assert apply_ms < 250, f"applying 10,002 tracks took {apply_ms:.1f} ms (median)"
    page.evaluate("consoleMap.jumpTo({center: [-5, 48], zoom: 5})")
    time.sleep(0.5)
    console.screenshot("console-tracks.png")


def test_local_mode_party_picker(open_console, server: str) -> None:  # noqa: ANN001
    console = open_console(None)
    page = console.page
    wait_js(page, "!document.querySelector('#picker').hidden")
    assert page.is_visible("#mode-badge") and "Local mode" in page.inner_text("#picker")
    page.fill("#party-new", "picked")
    page.click("#picker-submit")
    wait_js(page, "window.consoleState && window.consoleState.ready")
    assert page.inner_text("#who") == "Party: picked"
    # keyboard: the tabs are reachable and move with the arrow keys
    page.focus("#tab-airspace")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-notices", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-notices"


def test_geodesic_edges_the_180th_meridian_and_the_poles(open_console) -> None:  # noqa: ANN001
    """The console's drawing geometry (js/geo.js), run in the browser."""
    page = open_console(None).page
    result = page.evaluate("""import('/console/js/geo.js').then((g) => JSON.stringify({
      // a box across the 180th meridian: unwrapped, no step longer than 180 degrees
      dateline: g.toGeoJSONRing(g.densifyRing([[-10, 179], [-10, -179], [10, -179], [10, 179]])),
      // a ring around the north pole: closed along the map's top edge
      pole: g.toGeoJSONRing(g.densifyRing([[80, 0], [80, 90], [80, 180], [80, -90]])),
      // a long east-west edge bulges poleward (a great circle, not a rhumb line)
      edge: g.greatCircle([50, -30], [50, 30]),
      circle: g.circleRing([0, 0], 111195, 4),
    }))""")
    import json

    data = json.loads(result)
    xs = [p[0] for p in data["dateline"]]
    assert max(abs(b - a) for a, b in zip(xs, xs[1:], strict=False)) < 180
    assert max(xs) - min(xs) < 3  # a 2-degree-wide box, drawn as one piece
    assert any(p[1] > 85 for p in data["pole"]) and data["pole"][0] == data["pole"][-1]
    assert max(p[0] for p in data["edge"]) > 53.9  # vertex of that great circle: 54.0 N
    assert abs(data["circle"][0][0] - 1.0) < 0.01 and abs(data["circle"][1][1] - 1.0) < 0.01
