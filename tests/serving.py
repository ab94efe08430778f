"""`deconfliction serve` as a real process for the tests: started on a free loopback port, ready
when /healthz answers, stopped at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = str(Path(sys.executable).parent / "deconfliction")
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    """The environment without DECONFLICTION_* settings, so only the test's flags count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DECONFLICTION_")}


def start_serve(*args: str, port: int | None = None, output: int | None = subprocess.DEVNULL
                ) -> tuple[subprocess.Popen[bytes], str]:
    """`deconfliction serve --port P ARGS...`, once it answers; (process, base URL)."""
    port = port or free_port()
    process = subprocess.Popen([CLI, "serve", "--port", str(port), *args], env=clean_env(), stdout=output,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the server did not start")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
