"""`deconfliction demo --serve`: the live demo's server stays up after the replay and prints the
console's address and a sign-in link per demo party; the console shows the morning."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ..serving import CLI, clean_env, free_port, stop
from .conftest import wait_js

READY_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    process = subprocess.Popen([CLI, "demo", "--serve", "--port", str(port)], env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    links: dict[str, str] = {}
    console = ""
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        for line in process.stdout:
            if line.startswith("console: "):
                console = line.split()[1]
            found = re.match(r"sign in as .*\((\w+)\): (\S+)$", line.strip())
            if found:
                links[found.group(1)] = found.group(2)
            if "Ctrl-C stops it" in line or time.monotonic() > deadline:
                break
        assert console == f"http://127.0.0.1:{port}/", console
        yield console, links
    finally:
        stop(process)  # type: ignore[arg-type]


def test_demo_serve_prints_the_console_and_a_link_per_party(demo: tuple[str, dict[str, str]]) -> None:
    console, links = demo
    assert sorted(links) == ["azure", "crimson", "relief"]
    assert httpx.get(console, timeout=10).status_code == 200
    token = links["crimson"].split("#token=", 1)[1]
    seen = httpx.get(f"{console}v1/airspace", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert "crimson-strike-2" in [d["id"] for d in seen["declarations"]]
    assert {c["a"] for c in seen["conflicts"]} | {c["b"] for c in seen["conflicts"]} >= {"azure-cap-1", "crimson-strike-2"}


@pytest.mark.browser
def test_the_demo_morning_in_the_browser(demo: tuple[str, dict[str, str]], browser: Any) -> None:
    from .conftest import ARTIFACTS, VIEWPORT

    console, links = demo
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(links["azure"])
        wait_js(page, "window.consoleState && window.consoleState.ready")
        assert "#token=" not in page.url  # the token leaves the address bar at once
        page.evaluate("consoleDebug.setTime(Date.parse('2026-11-23T09:40:00Z'))")
        wait_js(page, "consoleDebug.renderedIds('overlap-fill').includes('crimson-strike-2')")
        page.click("#tab-notices")
        time.sleep(0.5)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-demo.png"))
    finally:
        context.close()
    assert all(u.startswith(console) or u.startswith(("blob:", "data:")) for u in requests), requests
