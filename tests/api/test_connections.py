"""Connections a hostile client holds: headers that never finish are dropped, a stalled body is
answered 408, connections beyond the cap answer 503; the durability setting reaches SQLite."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from deconfliction.clock import ManualClock
from deconfliction.sim.live import live_server
from tests.builders import T0


@pytest.fixture
def server(tmp_path):  # noqa: ANN001, ANN201
    with live_server(tmp_path / "c.db", ManualClock(T0), header_timeout_s=1.0, body_timeout_s=1.0,
                     keepalive_timeout_s=1.0, max_connections=8) as live:
        yield live


def _connect(server) -> socket.socket:  # noqa: ANN001
    s = socket.create_connection((server.settings.host, server.settings.port), timeout=5)
    return s


def _closed_within(s: socket.socket, limit_s: float) -> float:
    start = time.monotonic()
    s.settimeout(limit_s)
    try:
        while s.recv(4096):
            pass
    except TimeoutError:
        return float("inf")
    return time.monotonic() - start


def test_headers_that_never_finish_are_dropped(server) -> None:  # noqa: ANN001
    idle, slow = _connect(server), _connect(server)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    try:
        assert _closed_within(idle, 5) < 3
        assert _closed_within(slow, 5) < 3
    finally:
        idle.close()
        slow.close()


def test_a_stalled_body_is_answered_408(server) -> None:  # noqa: ANN001
    s = _connect(server)
    try:
        s.sendall(b"PUT /v1/declarations/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  server.token("blue").encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"kind\": ")
        s.settimeout(5)
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"stalled" in answer
    finally:
        s.close()


def test_connections_beyond_the_cap_answer_503_and_the_server_goes_on(server) -> None:  # noqa: ANN001
    held = [_connect(server) for _ in range(8)]
    try:
        time.sleep(0.2)
        with httpx.Client(timeout=5) as client:
            assert client.get(f"{server.url}/healthz").status_code == 503
    finally:
        for s in held:
            s.close()
    time.sleep(1.5)
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_durability_is_full_by_default(tmp_path) -> None:  # noqa: ANN001
    from deconfliction.store import Database, sqlite_url

    for durability, expected in (("full", 2), ("normal", 1)):
        database = Database(sqlite_url(tmp_path / f"{durability}.db"), durability=durability)
        with database.read() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == expected
        database.close()
    from deconfliction.config import Settings
    assert Settings().durability == "full"


def test_headers_above_the_cap_are_refused_and_the_connection_closed(server) -> None:  # noqa: ANN001
    cap = server.settings.max_header_bytes
    s = _connect(server)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * (cap + 100) + b"\r\n\r\n")
        s.settimeout(5)
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        assert _closed_within(s, 5) < 3
    finally:
        s.close()
    # headers within the cap are served, on a connection that stays open for the next request
    s = _connect(server)
    try:
        for _ in range(2):
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * (cap // 2) + b"\r\n\r\n")
            s.settimeout(5)
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        s.close()


def test_a_keep_alive_connection_gets_the_header_timeout_again_for_its_next_request(server) -> None:  # noqa: ANN001
    s = _connect(server)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the next request's headers never finish
        assert _closed_within(s, 5) < 3
    finally:
        s.close()
