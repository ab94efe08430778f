"""The console in a real headless Chromium (Debian's `chromium`, driven by Playwright for Python
with `executable_path`) against a real `deconfliction serve`.

Every request a page makes is recorded: each test checks that none left 127.0.0.1. Screenshots
go to tests/artifacts/ (not committed). Without Chromium at /usr/bin/chromium (or
$DECONFLICTION_CHROMIUM) these tests are skipped: CI installs it (.ci/run), a developer machine
may not have it (`apt-get install chromium`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..serving import start_serve, stop

CHROMIUM = Path(os.environ.get("DECONFLICTION_CHROMIUM", "/usr/bin/chromium"))
# Headless, software WebGL (SwiftShader: no GPU on CI), nothing of Chromium's own phoning home.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
        "--disable-domain-reliability", "--disable-client-side-phishing-detection"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORT = {"width": 1280, "height": 800}


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`deconfliction serve` in the local mode (loopback, its own key)."""
    process, base = start_serve("--db", str(tmp_path_factory.mktemp("console") / "console.db"),
                                "--ack-deadline", "PT10M")
    yield base
    stop(process)


def local_token(base: str, party: str) -> str:
    answer = httpx.post(f"{base}/console/local-token", json={"party": party}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["token"])


def wait_js(page: Any, expression: str, timeout_s: float = 15.0, every_s: float = 0.02) -> Any:
    """Poll a JavaScript expression until it is truthy (the page's CSP forbids eval, which
    Playwright's wait_for_function needs, so the polling is done from here)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = page.evaluate(expression)
        except Error as error:  # the page navigated (a sign-in reloads it): ask the new one
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {expression}")
        time.sleep(every_s)


class Console:
    """A signed-in page, and every URL it requested."""

    def __init__(self, context: Any, page: Any, base: str, requests: list[str]) -> None:
        self.context, self.page, self.base, self.requests = context, page, base, requests

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path

    def assert_loopback_only(self) -> None:
        outside = [u for u in self.requests if not (u.startswith(self.base + "/") or u.startswith(("blob:", "data:")))]
        assert not outside, f"requests left {self.base}: {outside}"
        assert all(u.startswith("http://127.0.0.1:") or u.startswith(("blob:http://127.0.0.1:", "data:"))
                   for u in self.requests)


def new_console(browser: Any, base: str) -> Console:
    """A fresh browser context and page on `base`, recording every request and page error."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    console = Console(context, page, base, requests)
    console.errors = errors  # type: ignore[attr-defined]
    return console


@pytest.fixture
def open_console(browser: Any, server: str) -> Iterator[Callable[..., Console]]:
    opened: list[Console] = []

    def make(party: str | None, *, before: Callable[[Any], None] | None = None, url: str | None = None) -> Console:
        console = new_console(browser, server)
        if before is not None:
            before(console.page)
        page = console.page
        opened.append(console)
        target = url or (f"{server}/#token={local_token(server, party)}" if party else f"{server}/")
        page.goto(target)
        if party or url:
            wait_js(page, "window.consoleState && window.consoleState.ready")
        return console

    yield make
    for console in opened:
        console.assert_loopback_only()
        assert not console.errors, console.errors  # type: ignore[attr-defined]
        console.context.close()
