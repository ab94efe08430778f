"""`deconfliction serve` as a real process: refuses to start untrusted, serves over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .helpers import OIR, SC, bearer, new_id, oir_body

CLI = str(Path(sys.executable).parent / "deconfliction")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DECONFLICTION_")}


def test_serve_refuses_without_trusted_key_beyond_loopback(tmp_path: Path) -> None:
    r = subprocess.run([CLI, "serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db")], check=False,
                       capture_output=True, text=True, timeout=60, env=_env(), cwd=tmp_path)
    assert r.returncode == 2
    assert "no trusted key configured" in r.stderr
    assert not (tmp_path / "x.db").exists()


def _serve(tmp_path: Path, public_pem: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "serve", "--port", str(port), "--db", str(tmp_path / "dss.db"), "--public-key", str(public_pem),
         "--issuer", "https://auth.test"], check=False, capture_output=True, text=True, timeout=60, env=_env(),
        cwd=tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_a_busy_port_exits_2_before_opening_the_database(tmp_path: Path, public_pem: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = _serve(tmp_path, public_pem, port)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"error: port {port} on 127.0.0.1 is already in use"
    assert not (tmp_path / "dss.db").exists()


def test_serve_on_a_database_another_server_holds_exits_2(tmp_path: Path, public_pem: Path) -> None:
    from deconfliction.api.single_writer import single_writer

    lock = single_writer(tmp_path / "dss.db")  # what a running server holds
    try:
        r = _serve(tmp_path, public_pem, _free_port())
    finally:
        lock.close()
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"error: db: another server is already using {tmp_path / 'dss.db'}"


def test_serve_end_to_end(tmp_path: Path, public_pem: Path, token) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--db", str(tmp_path / "dss.db"), "--public-key", str(public_pem),
         "--issuer", "https://auth.test"], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        headers = bearer(token("uss1", SC, aud="127.0.0.1"))
        r = httpx.put(f"{base}{OIR}/{new_id()}", json=oir_body(), headers=headers)
        assert r.status_code == 201, r.text
        ref = r.json()["operational_intent_reference"]
        assert httpx.get(f"{base}{OIR}/{ref['id']}", headers=headers).json()["operational_intent_reference"] == ref
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "deconfliction"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_second_server_on_the_same_database_is_refused(settings) -> None:
    import pytest
    from fastapi.testclient import TestClient

    from deconfliction.api import create_app
    from deconfliction.errors import Unavailable

    first = TestClient(create_app(settings))
    with first, pytest.raises(Unavailable, match="another server"), TestClient(create_app(settings)):
        pass
