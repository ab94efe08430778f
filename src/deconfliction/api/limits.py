"""Request limits, enforced before routing and before any JSON parser runs (ASGI middleware).

- Body size: a request whose Content-Length exceeds `max_body_bytes` answers 413 at once,
  without reading its body; one without Content-Length (chunked) is read until it passes the
  limit, then answered 413 (and the connection closed) without reading the rest.
- JSON nesting: a JSON body nested deeper than `max_json_depth` arrays/objects answers 400,
  found by a scan of the bytes (brackets outside strings, escapes handled), not by a parser.
- Encoding: a JSON body not in UTF-8 (RFC 8259) answers 400 (the scans read UTF-8 bytes).
- Numbers: a JSON body holding an integer outside the signed 64-bit range, or a number that is
  not a finite double (1e400, NaN, Infinity), answers 400 naming the field. Such numbers cannot
  be stored (SQLite integers are 64-bit) nor written back (orjson), and no field of either API
  means anything by them.

Default body limit, 2 MiB: an F3548 intent of 10,000 vertices is about 560 KB of JSON at full
double precision (a vertex `{"lat": -12.345678901234567, "lng": 123.45678901234567}` is ~56 bytes,
~41 with 7 decimals), so 2 MiB takes three such extents and their key, and bounds what one request
makes the server buffer. (A /v1 track batch at full precision is ~250 bytes a state: about 8,000
states fit in one request.) Default depth, 32: the deepest body either API accepts (a vertex in a
polygon in a volume in the extents of an intent) is 7 levels deep.

Bodies are buffered here (at most the limit) and handed on unchanged; what the app receives
next (a disconnect) comes from the server as usual.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import numpy as np
import orjson
from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 32
SCAN_ON_LOOP_BYTES = 64 * 1024  # larger JSON bodies are scanned in a worker thread
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Everything but brackets; `{}` read as `[]`; every digit read as 0 and E as e.
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_CURLY_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")
# Outside strings, what may be a number beyond int64 (19+ digits), one that overflows a double
# (a 3-digit exponent), or a non-finite constant the standard parser accepts (NaN, Infinity).
_SUSPECTS = (b"0" * 19, b"NaN", b"Infinity")
# Searched only when there is an `e` at all: each search costs ~0.8 ms on a 540 kB body of numbers
# (the pattern ends in the text's most common byte), and coordinates are rarely written with one.
_EXPONENT_SUSPECTS = (b"e000", b"e+000", b"e-000")


def outside_strings(body: bytes) -> bytes:
    """The JSON text without its strings (keys and values): brackets, numbers, literals, separators."""
    if b"\\" in body:  # escapes: drop escaped backslashes, then escaped quotes (left to right, as JSON pairs them)
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    if b'"' in body:  # what lies between a pair of quotes is inside a string
        body = b"".join(body.split(b'"')[::2])
    return body


def json_depth(outside: bytes) -> int:
    """How deep JSON text (as `outside_strings` gives it) nests arrays and objects (for invalid
    text, the deepest its brackets reach counted from the left)."""
    brackets = outside.translate(_CURLY_AS_SQUARE, _NOT_BRACKET)
    if not brackets:
        return 0
    opens = np.frombuffer(brackets, dtype=np.uint8) == ord("[")
    return int(np.cumsum(opens.astype(np.int32) * 2 - 1).max())


def out_of_range_number(body: bytes, outside: bytes) -> tuple[str, str] | None:
    """(field path, reason) for the first number in the JSON text `body` (`outside` is
    `outside_strings(body)`) that is an integer beyond 64 bits or not a finite double, or None
    (also for text that is not JSON: the parser will say so). For bodies not nested too deep."""
    digits = outside.translate(_DIGITS_AS_ZERO)
    if not any(suspect in digits for suspect in _SUSPECTS) and (
            b"e" not in digits or not any(suspect in digits for suspect in _EXPONENT_SUSPECTS)):
        return None
    try:  # the standard parser: orjson reads 2**64 as a float, hiding the integer that is too large
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return _find_out_of_range(document, "")


INTEGER_TOO_LARGE = f"an integer beyond 64 bits (from {INT64_MIN} to {INT64_MAX})"
NOT_FINITE = "not a finite number (beyond a double's range, NaN or Infinity)"


def _find_out_of_range(value: Any, path: str) -> tuple[str, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else (path or "body", INTEGER_TOO_LARGE)
    if isinstance(value, float):
        return None if math.isfinite(value) else (path or "body", NOT_FINITE)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_out_of_range(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _find_out_of_range(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _is_json(content_type: str | None) -> bool:
    """As FastAPI decides: no content type, or application/json or application/*+json, is parsed as JSON."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _error(status: int, message: str, field: str, reason: str) -> tuple[int, bytes]:
    return status, orjson.dumps({"message": message, "field": field, "reason": reason})


class RequestLimits:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = MAX_BODY_BYTES,
                 max_json_depth: int = MAX_JSON_DEPTH) -> None:
        if max_body_bytes < 1 or max_json_depth < 1:
            raise ValueError("max_body_bytes and max_json_depth must be positive")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth

    def _too_large(self) -> tuple[int, bytes]:
        return _error(413, f"body: larger than the limit of {self.max_body_bytes} bytes", "body",
                      f"larger than the limit of {self.max_body_bytes} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_length: bytes | None = None
        content_type: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and content_length is None:
                content_length = value
            elif name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                await _answer(send, *_error(400, "Content-Length: not a number", "Content-Length", "not a number"),
                              close=True)
                return
            if declared > self.max_body_bytes:
                await _answer(send, *self._too_large(), close=True)
                return

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left before sending its body
                return
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.max_body_bytes:
                    await _answer(send, *self._too_large(), close=True)
                    return
                chunks.append(chunk)
            more = message.get("more_body", False)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)

        if body and _is_json(content_type):
            # a large body's scans (~5 ms for 560 KB) run beside the event loop, not on it
            found = (json_body_problem(body, self.max_json_depth) if len(body) <= SCAN_ON_LOOP_BYTES
                     else await asyncio.to_thread(json_body_problem, body, self.max_json_depth))
            if found is not None:
                field, reason = found
                await _answer(send, *_error(400, f"{field}: {reason}", field, reason))
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def json_body_problem(body: bytes, max_depth: int) -> tuple[str, str] | None:
    """(field, reason) for a JSON body refused before parsing (encoding, nesting, numbers), or None."""
    if json.detect_encoding(body) not in ("utf-8", "utf-8-sig"):
        return "body", "JSON must be encoded in UTF-8 (RFC 8259)"
    outside = outside_strings(body)
    if json_depth(outside) > max_depth:
        return "body", f"JSON nested deeper than {max_depth} levels"
    return out_of_range_number(body, outside)


async def _answer(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:  # the rest of the body is not read: the connection cannot carry another request
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_limits(app: FastAPI, *, max_body_bytes: int = MAX_BODY_BYTES, max_json_depth: int = MAX_JSON_DEPTH) -> None:
    """Wrap the app's routes in RequestLimits (inside the server-error middleware, before routing)."""
    app.add_middleware(RequestLimits, max_body_bytes=max_body_bytes, max_json_depth=max_json_depth)
