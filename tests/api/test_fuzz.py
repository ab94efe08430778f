"""Schemathesis against the served OpenAPI document (/openapi.json), over a real uvicorn server on
loopback: each operation of /dss/v1, /uss/v1 and /v1, with a token granting every scope, inputs
valid and invalid by the document (schemathesis' positive and negative generation), a fixed seed
and a bounded number of examples.

Each answer must be no 5xx, a status code the document lists for the operation, with a body
conforming to the documented schema (so every 4xx is an ErrorResponse with its `message`) and
of the documented content type.

FUZZ_EXAMPLES sets the examples of each mode (valid, invalid) per operation (default 12: about
700 requests in 25 s here); FUZZ_SEED the seed. A longer run by hand:

    FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_fuzz.py -s

prints how many requests were sent and how many answered 5xx.

The server sends no request of its own in this test: webhook deliveries (PUT /v1/webhook takes
any URL) are refused in its HTTP client, before any name is resolved.

(Schemathesis' own pytest integration for a schema known only at run time,
`schemathesis.pytest.from_fixture`, fails under pytest 9.2: it sets `Node._nodeid`, which pytest
9.2 no longer has. Its Hypothesis strategies, used here, do not depend on pytest.)
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from deconfliction.api import Settings, create_app
from deconfliction.api.openapi import ERRORS

from .helpers import AA, CM, CMSA, CP, ISSUER, SC, bearer
from .live import serving

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
ALL_SCOPES = (SC, CM, CP, CMSA, AA, "deconfliction.declare", "deconfliction.acknowledge", "deconfliction.inquiry")
# The event stream never ends by itself: left out here (its refusals are tested in test_limits.py).
NOT_FUZZED = {"v1Events"}
REQUEST_TIMEOUT_S = 30.0

# 5xx found by fuzzing whose fix lies outside api/: operation id -> what to match in the request
# and where it is recorded. Such an answer makes the example xfail instead of fail.
KNOWN_5XX: dict[str, str] = {}


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.by_status: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.started = time.monotonic()


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counts = Tally()
    yield counts
    elapsed = time.monotonic() - counts.started
    print(f"\nfuzz: {counts.requests} requests in {elapsed:.0f} s, {len(counts.server_errors)} answered 5xx; "
          f"by status {dict(sorted(counts.by_status.items()))}")
    for line in counts.server_errors[:50]:
        print("  5xx:", line)


@pytest.fixture(scope="module")
def fuzz_server(public_pem: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    async def refuse(self: Any, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"no network in the fuzz test ({request.url.host})", request=request)

    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    app = create_app(Settings(db=db, public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", refuse)
        with serving(app) as base:
            yield base


@pytest.fixture(scope="module")
def fuzz_headers(token: Callable[..., str]) -> dict[str, str]:
    return bearer(token("fuzzer", *ALL_SCOPES, exp_in_s=6 * 3600))


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_server: str) -> Any:
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True},
                   "status_code_conformance": {"enabled": True}, "content_type_conformance": {"enabled": True},
                   "response_schema_conformance": {"enabled": True}},
        "request-timeout": REQUEST_TIMEOUT_S,
        "cache": {"enabled": False},  # no .schemathesis/ left in the work tree
    })
    return schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json", config=config)


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.mark.parametrize("operation_id", sorted(set(ERRORS) - NOT_FUZZED))
def test_fuzz(operation_id: str, fuzz_schema: Any, fuzz_headers: dict[str, str], session: requests.Session,
              tally: Tally) -> None:
    operation = fuzz_schema.find_operation_by_id(operation_id)
    cases = st.one_of(operation.as_strategy(mode, headers=fuzz_headers)
                      for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE))

    @seed(SEED)
    @settings(max_examples=2 * EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        response = case.call(session=session, headers=fuzz_headers, timeout=REQUEST_TIMEOUT_S)
        tally.requests += 1
        tally.by_status[response.status_code] += 1
        label = f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r:.500}"
        if response.status_code >= 500:
            tally.server_errors.append(f"{label} -> {response.status_code} {response.text[:200]}")
            if operation_id in KNOWN_5XX:
                return  # recorded in KNOWN_5XX: fixed outside api/
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
        if 400 <= response.status_code < 500:
            body = response.json()
            assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"], \
                f"{label}: {response.status_code} {response.text}"
        case.validate_response(response, headers=fuzz_headers)

    run()
