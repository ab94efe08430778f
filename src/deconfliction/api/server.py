"""Serving over HTTP with bounded connections: uvicorn with a header timeout (a client that
never finishes its headers is dropped), a body timeout (one that stalls mid-body is answered
408), a keep-alive timeout, a cap on connections (503 beyond it) and on header size."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .responses import JSONResponse

ASGIApp = Any


def with_header_timeout(header_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete
    within `header_timeout_s` of their first byte (or of the connection)."""

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

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
            super().data_received(data)
            if self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
                self._arm()  # still reading headers (or the next request's)
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeoutProtocol


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
        http=with_header_timeout(header_timeout_s), timeout_keep_alive=int(max(1, keepalive_timeout_s)),
        limit_concurrency=max_connections, h11_max_incomplete_event_size=max_header_bytes,
        timeout_graceful_shutdown=3, lifespan=lifespan,
    )
