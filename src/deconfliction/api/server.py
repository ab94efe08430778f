"""Serving over HTTP with bounded connections: uvicorn (httptools) with a header timeout (a
client that never finishes its headers is dropped), a body timeout (one that stalls mid-body is
answered 408), a keep-alive timeout, a cap on connections (503 beyond it) and on header size
(400, closed)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .responses import JSONResponse

ASGIApp = Any


def with_header_limits(header_timeout_s: float, max_header_bytes: int) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol (a C parser: ~0.26 ms of CPU less per request than h11's on
    this box), closing a connection whose request headers are not complete within
    `header_timeout_s` of their first byte (or of the connection), and refusing (400, closed)
    request headers larger than `max_header_bytes`."""

    class GuardedProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        _awaiting_headers = True  # no request yet, or the last one complete: the next one's headers are due
        _header_bytes = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout_s, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def data_received(self, data: bytes) -> None:
            if self._awaiting_headers:
                self._arm()  # reading headers (or the next request's)
            super().data_received(data)
            if not self._awaiting_headers:
                self._disarm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._awaiting_headers, self._header_bytes = True, 0

        def on_url(self, url: bytes) -> None:
            self._count_header_bytes(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_header_bytes(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _count_header_bytes(self, count: int) -> None:
            self._header_bytes += count
            if self._header_bytes > max_header_bytes:  # the parser answers 400 and closes
                raise ValueError(f"request headers above {max_header_bytes} bytes")

        def on_headers_complete(self) -> None:
            self._awaiting_headers = False
            self._disarm()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._awaiting_headers = True

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self._awaiting_headers and not self.transport.is_closing():
                self.transport.close()

    return GuardedProtocol


class BodyTimeout:
    """ASGI middleware: a request body that stalls for `timeout_s` between chunks is answered
    408. Only while the body is incomplete: afterwards `receive` waits freely (event streams
    wait on it to learn of a disconnect)."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False
        started = False
        timed_out = False

        async def timed_receive() -> dict[str, Any]:
            nonlocal complete, timed_out
            if complete:
                return await receive()  # type: ignore[no-any-return]
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                complete = timed_out = True
                if not started:
                    await _answer_408(self.timeout_s, scope, send)
                return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message  # type: ignore[no-any-return]

        async def tracked_send(message: dict[str, Any]) -> None:
            nonlocal started
            if timed_out:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, timed_receive, tracked_send)


async def _answer_408(timeout_s: float, scope: dict[str, Any], send: Any) -> None:
    response = JSONResponse({"message": f"the request body stalled for {timeout_s:g} s", "field": "body",
                             "reason": "timeout"}, status_code=408, headers={"Connection": "close"})

    async def nothing() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await response(scope, nothing, send)


def server_config(app: ASGIApp, *, host: str, port: int, log_level: str = "warning", header_timeout_s: float = 10.0,
                  body_timeout_s: float = 30.0, keepalive_timeout_s: float = 5.0, max_connections: int = 1000,
                  max_header_bytes: int = 16 * 1024, lifespan: Literal["auto", "on", "off"] = "on") -> uvicorn.Config:
    return uvicorn.Config(
        BodyTimeout(app, body_timeout_s), host=host, port=port, log_level=log_level, access_log=False,
        http=with_header_limits(header_timeout_s, max_header_bytes), timeout_keep_alive=int(max(1, keepalive_timeout_s)),
        limit_concurrency=max_connections,
        timeout_graceful_shutdown=3, lifespan=lifespan,
    )
