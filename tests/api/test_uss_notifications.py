"""F3548 USSs subscribed to an area are notified of /v1 declarations there, by this service as
their managing USS: over real HTTP, with an access token from a real token endpoint."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app

from .helpers import ISSUER, SC, bearer, sub_body, volume
from .live import serving


def uss_and_authority(key: rsa.RSAPrivateKey) -> tuple[FastAPI, list[dict[str, Any]], list[dict[str, str]]]:
    """One app playing a USS (records what it is told; refuses the first notification with 503,
    so the sender must retry) and the OAuth authority (client credentials)."""
    received: list[dict[str, Any]] = []
    token_requests: list[dict[str, str]] = []
    app = FastAPI()
    refused = [False]

    @app.post("/token")
    async def token(request: Request) -> dict[str, Any]:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}  # x-www-form-urlencoded
        token_requests.append({k: str(v) for k, v in form.items()} | {"auth": request.headers.get("authorization", "")})
        claims = {"sub": "deconfliction-service", "iss": ISSUER, "aud": form["audience"], "scope": form["scope"],
                  "exp": int(time.time()) + 3600}
        return {"access_token": jwt.encode(claims, key, algorithm="RS256"), "token_type": "Bearer", "expires_in": 3600}

    async def record(request: Request, kind: str) -> Response:
        if not refused[0]:
            refused[0] = True
            return Response(status_code=503)
        received.append({"kind": kind, "body": await request.json(), "auth": request.headers.get("authorization", "")})
        return Response(status_code=204)

    @app.post("/utm/uss/v1/operational_intents")
    async def operational_intent(request: Request) -> Response:
        return await record(request, "operational_intent")

    @app.post("/utm/uss/v1/constraints")
    async def constraint(request: Request) -> Response:
        return await record(request, "constraint")

    return app, received, token_requests


def wait_for(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_subscribed_uss_is_told_of_a_v1_declaration_and_of_its_withdrawal(
        rsa_key: rsa.RSAPrivateKey, public_pem: Path, tmp_path: Path, token) -> None:  # noqa: ANN001
    uss_app, received, token_requests = uss_and_authority(rsa_key)
    with serving(uss_app) as uss:
        settings = Settings(db=tmp_path / "n.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"],
                            uss_token_url=f"{uss}/token", uss_client_id="deconfliction", uss_client_secret="s3cret",
                            public_url="https://deconfliction.example")
        with TestClient(create_app(settings)) as client:
            area = volume(37.20, -80.58, 0.02, start_in_s=3600, duration_s=7200)
            sub_id = "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
            r = client.put(f"/dss/v1/subscriptions/{sub_id}", headers=bearer(token("uss1", SC)),
                           json=sub_body(area, url=f"{uss}/utm"))
            assert r.status_code == 200, r.text
            party = bearer(token("air-force", "deconfliction.declare"))
            op = {"kind": "operation", "purpose": "CAP", "volumes": [volume(37.205, -80.575, 0.005, start_in_s=4000)]}
            r = client.put("/v1/declarations/cap-1", headers=party, json=op)
            assert r.status_code == 201, r.text
            ovn = client.get("/v1/declarations/cap-1", headers=party).json()["declaration"]["ovn"]

            wait_for(lambda: len(received) == 1)
            told = received[0]
            assert told["kind"] == "operational_intent"
            body = told["body"]
            assert body["operational_intent_id"] == "cap-1"
            assert body["subscriptions"] == [{"subscription_id": sub_id, "notification_index": 1}]
            reference = body["operational_intent"]["reference"]
            assert reference["ovn"] == ovn and reference["uss_base_url"] == "https://deconfliction.example"
            assert "CAP" not in str(body)  # the purpose is the declaring party's alone
            claims = jwt.decode(told["auth"].removeprefix("Bearer "), rsa_key.public_key(), algorithms=["RS256"],
                                audience="127.0.0.1")
            assert claims["scope"] == SC
            assert token_requests[0]["grant_type"] == "client_credentials"
            assert token_requests[0]["auth"].startswith("Basic ")

            r = client.delete("/v1/declarations/cap-1", params={"version": 1}, headers=party)
            assert r.status_code in (200, 204), r.text
            wait_for(lambda: len(received) == 2)
            gone = received[1]["body"]
            assert gone["operational_intent_id"] == "cap-1" and "operational_intent" not in gone
            assert gone["subscriptions"] == [{"subscription_id": sub_id, "notification_index": 2}]
            assert len(token_requests) == 1  # the token is reused until it nears its expiry

            # a declaration away from the subscription tells nobody
            far = {"kind": "operation", "volumes": [volume(38.5, -79.0, 0.005, start_in_s=4000)]}
            assert client.put("/v1/declarations/far-1", headers=party, json=far).status_code == 201
            time.sleep(0.5)
            assert len(received) == 2


def test_without_a_token_endpoint_no_uss_is_contacted(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.app.state.core.uss_notifications is None  # type: ignore[attr-defined]
