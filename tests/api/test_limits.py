"""Request limits (api/limits.py) on the real app: body size (413, read bounded, also over a real
server on loopback), JSON nesting depth and numbers beyond 64-bit integers or finite doubles
(400 naming the field), before any parser runs."""

from __future__ import annotations

import asyncio
import json
import math
import select
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app
from deconfliction.api.limits import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    SCAN_ON_LOOP_BYTES,
    RequestLimits,
    json_depth,
    out_of_range_number,
    outside_strings,
)

from .helpers import AA, CM, CMSA, CP, OIR, SC, bearer, new_id, oir_body, volume
from .live import serving

ALL_SCOPES = (SC, CM, CP, CMSA, AA, "deconfliction.declare", "deconfliction.acknowledge", "deconfliction.inquiry")
TEN_MB = 10 * 1000 * 1000
CHUNK = 64 * 1024


@pytest.fixture
def headers(token: Callable[..., str]) -> dict[str, str]:
    return {**bearer(token("uss1", *ALL_SCOPES)), "Content-Type": "application/json"}


def _is_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    return body


# -- body size ------------------------------------------------------------------------------

def test_the_default_limit_fits_a_10000_vertex_intent() -> None:
    vertices = [{"lat": 37.2 + 0.01 * math.sin(2 * math.pi * i / 10_000) + 1e-9 * i,
                 "lng": -80.58 + 0.01 * math.cos(2 * math.pi * i / 10_000)} for i in range(10_000)]
    extent = volume()
    extent["volume"]["outline_polygon"]["vertices"] = vertices
    size = len(json.dumps(oir_body(extent)).encode())
    assert 400_000 < size < MAX_BODY_BYTES / 3


def test_a_10_mb_body_answers_413_naming_the_limit(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/dss/v1/reports", content=b" " * TEN_MB, headers=headers)
    body = _is_error(r, 413)
    assert str(MAX_BODY_BYTES) in body["message"] and body["field"] == "body"
    assert r.headers["connection"] == "close"
    # the same on a route without a body, and before the token is looked at
    assert client.request("GET", "/v1/declarations", content=b" " * TEN_MB).status_code == 413


def test_a_body_at_the_limit_passes(client: TestClient, headers: dict[str, str]) -> None:
    padding = MAX_BODY_BYTES - len(b'{"exchange": {}, "pad": ""}')
    body = b'{"exchange": {}, "pad": "' + b"x" * padding + b'"}'
    assert len(body) == MAX_BODY_BYTES
    # read and parsed: refused only by the report's own, smaller limit (a report is stored whole)
    at_limit = client.post("/dss/v1/reports", content=body, headers=headers)
    assert at_limit.status_code == 413 and at_limit.json()["field"] == "exchange"
    over = client.post("/dss/v1/reports", content=body + b" ", headers=headers)
    assert over.status_code == 413 and over.json()["field"] == "body"


def test_a_streamed_body_is_cut_off_at_the_limit(settings: Settings, headers: dict[str, str]) -> None:
    """No Content-Length: the body is read chunk by chunk and not past the limit."""
    pulled = 0

    async def ten_megabytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(TEN_MB // CHUNK):
            pulled += CHUNK
            yield b" " * CHUNK

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))  # no lifespan: refused before routing
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post("/dss/v1/reports", content=ten_megabytes(), headers=headers)

    r = asyncio.run(asyncio.wait_for(post(), timeout=60))
    _is_error(r, 413)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert MAX_BODY_BYTES < pulled <= MAX_BODY_BYTES + CHUNK


def test_the_middleware_reads_no_more_than_the_limit_and_calls_nothing_after() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append("app")

    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1000
        return {"type": "http.request", "body": b"x" * 1000, "more_body": received < TEN_MB}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "PUT", "path": "/", "headers": [(b"content-type", b"application/json")]}
    asyncio.run(RequestLimits(app, max_body_bytes=10_000)(scope, receive, send))
    assert calls == [] and received == 11_000
    assert sent[0]["status"] == 413 and json.loads(sent[1]["body"])["message"]
    declared = {**scope, "headers": [(b"content-length", b"10001")]}
    received, sent[:] = 0, []
    asyncio.run(RequestLimits(app, max_body_bytes=10_000)(declared, receive, send))
    assert received == 0 and sent[0]["status"] == 413  # refused on Content-Length alone


def _raw_request(port: int, head: bytes, body_parts: list[bytes]) -> tuple[int, dict[str, str], bytes]:
    """Send a request head and some body (never its end), then read the answer (bounded in time)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        for part in body_parts:
            s.sendall(part)
        data = b""
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
            ready, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no complete answer within 10 s: {data!r}")
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head_text, _, rest = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, rest


def _length(data: bytes) -> int:
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            return int(line.split(":", 1)[1])
    return 0


def test_a_real_server_answers_413_before_the_body_is_sent(settings: Settings, headers: dict[str, str]) -> None:
    auth = headers["Authorization"].encode()
    with serving(create_app(settings)) as base:
        port = int(base.rsplit(":", 1)[1])
        # Content-Length over the limit: answered on the head alone
        head = (b"POST /dss/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Authorization: " + auth + b"\r\nContent-Length: %d\r\n\r\n" % TEN_MB)
        status, fields, body = _raw_request(port, head, [])
        assert status == 413 and json.loads(body)["message"] and fields.get("connection") == "close"
        # chunked: answered once the limit is passed, with the body never finished
        head = (b"POST /dss/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Authorization: " + auth + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        part = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
        status, _, body = _raw_request(port, head, [part] * (MAX_BODY_BYTES // CHUNK + 1))
        assert status == 413 and str(MAX_BODY_BYTES) in json.loads(body)["message"]
        # and the server still serves
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200


# -- JSON nesting depth ---------------------------------------------------------------------

def _nested(depth: int) -> bytes:
    return b'{"exchange": {"a": ' + b"[" * (depth - 2) + b"]" * (depth - 2) + b"}}"


@pytest.mark.parametrize("depth", [300, 2000, 200_000])
def test_json_nested_deeper_than_the_limit_answers_400(client: TestClient, headers: dict[str, str], depth: int) -> None:
    r = client.post("/dss/v1/reports", content=_nested(depth), headers=headers)
    body = _is_error(r, 400)
    assert body["field"] == "body" and f"deeper than {MAX_JSON_DEPTH}" in body["reason"]
    r = client.put("/v1/declarations/deep", content=b'{"kind": "operation", "volumes": [{"volume": '
                   + b"[" * depth + b"]" * depth + b"}]}", headers=headers)
    assert _is_error(r, 400)["field"] == "body"


def test_json_at_the_depth_limit_passes(client: TestClient, headers: dict[str, str]) -> None:
    assert json_depth(outside_strings(_nested(MAX_JSON_DEPTH))) == MAX_JSON_DEPTH
    assert client.post("/dss/v1/reports", content=_nested(MAX_JSON_DEPTH), headers=headers).status_code == 201
    assert client.post("/dss/v1/reports", content=_nested(MAX_JSON_DEPTH + 1), headers=headers).status_code == 400


@pytest.mark.parametrize(("text", "depth"), [
    (b"", 0), (b"1", 0), (b"[]", 1), (b'{"a": [1, {"b": []}], "c": {}}', 4),
    (b'["[[[[[[[[", "]]]]", "{{{{"]', 1),                      # brackets inside strings do not count
    (b'["\\"[[[[[[", "\\\\", [["\\\\\\"]"]]]', 3),               # escaped quotes and backslashes
    (b'{"a\\\\": [[["x"]]], "b": "\\\\\\\\"}', 4),
    (b'[[[[', 4), (b']]]]', -1),                               # unbalanced: the parser will say
])
def test_the_depth_scan_reads_strings_and_escapes(text: bytes, depth: int) -> None:
    if depth >= 0:
        assert json_depth(outside_strings(text)) == depth
    else:
        assert json_depth(outside_strings(text)) <= 0
    if text and depth >= 0 and not text.startswith(b"[[[["):
        assert _python_depth(json.loads(text)) == depth


def _python_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_python_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_python_depth(v) for v in value), default=0)
    return 0


# -- numbers --------------------------------------------------------------------------------

TOO_LARGE = str(2**64)


@pytest.mark.parametrize("number", [TOO_LARGE, "-" + TOO_LARGE, str(2**63), "1e400", "-1e400", "NaN", "Infinity",
                                    "-Infinity", "1" + "0" * 400])
def test_numbers_beyond_int64_or_not_finite_in_a_report_answer_400(client: TestClient, headers: dict[str, str],
                                                                  number: str) -> None:
    r = client.post("/dss/v1/reports", content='{"exchange": {"x": [1, ' + number + "]}}", headers=headers)
    body = _is_error(r, 400)
    assert body["field"] == "exchange.x[1]"


@pytest.mark.parametrize(("padding", "bad", "field"), [
    (100_000, TOO_LARGE, "exchange.x[1]"), (100_000, "1e400", "exchange.x[1]"), (0, TOO_LARGE, "exchange.x[1]")])
def test_a_large_body_is_scanned_beside_the_loop_with_the_same_answers(client: TestClient, headers: dict[str, str],
                                                                       padding: int, bad: str, field: str) -> None:
    """Bodies above SCAN_ON_LOOP_BYTES are scanned in a worker thread: the same refusals."""
    pad = '"' + "p" * padding + '"'
    content = '{"exchange": {"pad": ' + pad + ', "x": [1, ' + bad + "]}}"
    assert (len(content) > SCAN_ON_LOOP_BYTES) == (padding > 0)
    assert _is_error(client.post("/dss/v1/reports", content=content, headers=headers), 400)["field"] == field
    deep = '{"exchange": {"pad": ' + pad + ', "x": ' + "[" * 40 + "]" * 40 + "}}"
    assert "nested deeper" in _is_error(client.post("/dss/v1/reports", content=deep, headers=headers), 400)["message"]
    fine = '{"exchange": {"pad": ' + pad + ', "x": [1, 2]}}'
    # passes the scans and reaches the route, which bounds a report's size on its own (413)
    assert client.post("/dss/v1/reports", content=fine, headers=headers).status_code == (413 if padding else 201)


@pytest.mark.parametrize(("path", "template", "field"), [
    (f"{OIR}/{{id}}", "oir_alt", "extents[0].volume.altitude_upper.value"),
    (f"{OIR}/{{id}}", "oir_radius", "extents[0].volume.outline_circle.radius.value"),
    ("/v1/declarations/big", "v1_alt", "volumes[0].volume.altitude_upper.value"),
    ("/v1/declarations/big", "v1_version", "version"),
    ("/v1/notices/n1/acknowledgement", "ack", "version"),
    ("/v1/tracks", "track_t", "states[0].t"),
])
@pytest.mark.parametrize("number", [TOO_LARGE, "1e400", "NaN"])
def test_numbers_beyond_range_name_the_field_in_f3548_and_v1_bodies(
        client: TestClient, headers: dict[str, str], path: str, template: str, field: str, number: str) -> None:
    marker = "@@number@@"
    bodies: dict[str, Any] = {
        "oir_alt": oir_body(_with(volume(), ("volume", "altitude_upper", "value"), marker)),
        "oir_radius": oir_body(_with(volume(circle_m=100), ("volume", "outline_circle", "radius", "value"), marker)),
        "v1_alt": {"kind": "operation", "volumes": [_with(volume(), ("volume", "altitude_upper", "value"), marker)]},
        "v1_version": {"kind": "operation", "volumes": [volume()], "version": marker},
        "ack": {"declaration": "x", "version": marker},
        "track_t": {"states": [{"track": "t", "t": marker, "lat": 1, "lng": 1, "alt_m": 1}]},
    }
    content = json.dumps(bodies[template]).replace(json.dumps(marker), number)
    method = "POST" if path.startswith(("/v1/notices", "/v1/tracks")) else "PUT"
    r = client.request(method, path.replace("{id}", new_id()), content=content, headers=headers)
    assert _is_error(r, 400)["field"] == field


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def test_numbers_within_range_pass(client: TestClient, headers: dict[str, str]) -> None:
    ok = (f'{{"exchange": {{"a": {2**63 - 1}, "b": {-(2**63)}, "c": 1.7976931348623157e308, "d": 1e-400, '
          f'"e": "NaN 1e999 {TOO_LARGE}"}}}}')
    assert out_of_range_number(ok.encode(), outside_strings(ok.encode())) is None
    assert client.post("/dss/v1/reports", content=ok, headers=headers).status_code == 201


def test_query_and_header_integers_beyond_int64_answer_400(client: TestClient, headers: dict[str, str]) -> None:
    r = client.delete(f"/v1/declarations/x?version={TOO_LARGE}", headers=headers)
    assert _is_error(r, 400)["field"] == "version"
    r = client.get(f"/v1/events?after={TOO_LARGE}", headers=headers)
    assert _is_error(r, 400)["field"] == "after"
    for bad in (TOO_LARGE.encode(), b"\xb2", b"1" * 5000):  # b"\xb2" is "²" in latin-1: a digit to isdigit()
        r = client.get("/v1/events", headers={**headers, "Last-Event-ID": bad})
        assert _is_error(r, 400)["field"] == "Last-Event-ID"


def test_json_not_in_utf8_answers_400(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/dss/v1/reports", content='{"exchange": {}}'.encode("utf-16"), headers=headers)
    assert "UTF-8" in _is_error(r, 400)["reason"]


# -- the errors in the OpenAPI document -----------------------------------------------------

def test_every_operation_documents_its_errors_with_the_error_schema(client: TestClient) -> None:
    from deconfliction.api.openapi import ERRORS, EVERY_OPERATION

    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorResponse"]["required"] == ["message"]
    assert set(schemas["ErrorResponse"]["properties"]) == {"message", "field", "reason"}
    assert schemas["AirspaceConflictResponse"]["required"] == ["message"]
    operations = {op["operationId"]: (f"{method.upper()} {path}", op)
                  for path, item in spec["paths"].items() for method, op in item.items()}
    assert set(operations) == set(ERRORS), "every operation has its entry in api/openapi.py ERRORS"
    for operation_id, (label, op) in operations.items():
        responses = op["responses"]
        errors = {int(code) for code in responses if int(code) >= 400}
        assert errors == set(EVERY_OPERATION) | set(ERRORS[operation_id]), label
        assert "422" not in responses, label  # this server answers 400 for what FastAPI would answer 422
        for code in errors:
            schema = responses[str(code)]["content"]["application/json"]["schema"]
            expected = "AirspaceConflictResponse" if (code, operation_id) in {
                (409, "createOperationalIntentReference"), (409, "updateOperationalIntentReference")} else "ErrorResponse"
            assert schema == {"$ref": f"#/components/schemas/{expected}"}, (label, code)
            assert responses[str(code)]["description"], (label, code)
    assert {"404", "409", "412"} <= set(operations["updateOperationalIntentReference"][1]["responses"])
    assert {"200", "201", "404", "409"} <= set(operations["v1PutDeclaration"][1]["responses"])
    assert "HTTPValidationError" not in schemas


def test_the_documented_error_bodies_are_the_ones_answered(client: TestClient, headers: dict[str, str]) -> None:
    from deconfliction.api.errors import AirspaceConflictResponse, ErrorResponse

    answers = [
        client.get(f"{OIR}/{new_id()}", headers=headers),                                # 404
        client.get(f"{OIR}/not-a-uuid", headers=headers),                                 # 400 (path)
        client.get(f"{OIR}/{new_id()}"),                                                  # 401
        client.post("/dss/v1/reports", content=b"{", headers=headers),                    # 400 (not JSON)
        client.post("/dss/v1/reports", content=b" " * TEN_MB, headers=headers),           # 413
    ]
    for r in answers:
        assert r.status_code in (400, 401, 404, 413), r.text
        ErrorResponse.model_validate(r.json())
    first = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=headers)
    assert first.status_code == 201, first.text
    conflict = client.put(f"{OIR}/{new_id()}", json=oir_body(), headers=headers)
    assert conflict.status_code == 409
    parsed = AirspaceConflictResponse.model_validate(conflict.json())
    assert [o["id"] for o in parsed.missing_operational_intents] == [first.json()["operational_intent_reference"]["id"]]
