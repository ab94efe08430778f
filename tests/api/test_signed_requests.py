"""Party keys and signed requests over /v1: a party registers its Ed25519 key, signs its writes;
the server verifies and keeps each signature in the ledger, refuses a replay, a forgery and
(when required) an unsigned write; a read-back can bind the content shown by its digest."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app
from deconfliction.engine.ledger.signing import (
    RequestSignature,
    content_digest,
    encode_public_key,
    load_public_key,
    sign_request,
    verify_request,
)

from .helpers import ISSUER, bearer
from .test_transparency import PARTY_SCOPES, entries, op


def signed_headers(key: Ed25519PrivateKey, party: str, token: str, method: str, target: str,
                   body: Any = None, nonce: bytes | None = None) -> dict[str, str]:
    signature = sign_request(key, party=party, method=method, path=target, body=body,
                             signed_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                             nonce=nonce or os.urandom(16))
    return {**bearer(token), "Deconfliction-Signature": orjson.dumps(signature.as_json()).decode()}


def app_for(tmp_path: Path, public_pem: Path, **extra: Any) -> TestClient:
    return TestClient(create_app(Settings(db=tmp_path / "s.db", public_keys=[public_pem], issuers=[ISSUER],
                                          audiences=["testserver"], **extra)))


def test_signed_writes_are_verified_kept_for_an_inquiry_and_never_accepted_twice(
        tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    azure_token = token("azure", *PARTY_SCOPES)
    key, other_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with app_for(tmp_path, public_pem) as client:
        r = client.put("/v1/party-key", headers=bearer(azure_token),
                       json={"public_key": encode_public_key(key.public_key())})
        assert r.status_code == 200, r.text
        # replacing the key without a signature by the registered one is refused
        r = client.put("/v1/party-key", headers=bearer(azure_token),
                       json={"public_key": encode_public_key(other_key.public_key())})
        assert r.status_code == 401

        body = op(34.0)
        nonce = os.urandom(16)
        headers = signed_headers(key, "azure", azure_token, "PUT", "/v1/declarations/cap-1", body, nonce)
        assert client.put("/v1/declarations/cap-1", headers=headers, json=body).status_code == 201
        # the same signed request again is an idempotent retry: nothing is written, nothing to refuse
        assert client.put("/v1/declarations/cap-1", headers=headers, json=body).status_code == 200
        replayed = client.put("/v1/declarations/cap-1", headers=headers, json={**body, "version": 1, "priority": 3})
        assert replayed.status_code == 401  # a signature does not cover another body

        # a replay of an accepted signed withdrawal: the second is refused as a replay, not as stale
        target = "/v1/declarations/cap-1?version=1"
        withdrawal = signed_headers(key, "azure", azure_token, "DELETE", target)
        assert client.delete(target, headers=withdrawal).status_code == 200
        body2 = op(34.5)
        assert client.put("/v1/declarations/cap-1", headers=bearer(azure_token), json=body2).status_code == 201
        replay = client.delete(target, headers=withdrawal)
        assert replay.status_code == 401 and "replay" in replay.json()["message"]

        # forged with another key
        body3 = op(35.0)
        forged = signed_headers(other_key, "azure", azure_token, "PUT", "/v1/declarations/cap-2", body3)
        assert client.put("/v1/declarations/cap-2", headers=forged, json=body3).status_code == 401

        # an inquiry checks every kept signature with the party's registered key, without the server
        logged = entries(client, bearer(token("inquiry", "deconfliction.inquiry")))
        registered = next(e for e in logged if e["kind"] == "party_key_registered")
        party_key = load_public_key(registered["payload"]["public_key"])
        kept = [e for e in logged if e["kind"] == "signed_request"]
        assert [e["payload"]["method"] for e in kept] == ["PUT", "DELETE"]
        for entry in kept:
            p = entry["payload"]
            verify_request(RequestSignature.from_json(p["signature"]), party_key, party=entry["actor"],
                           method=p["method"], path=p["path"], body=p["body"], now_s=p["signed_at_s"])

    with app_for(tmp_path, public_pem) as client:  # a restart still refuses the replay
        replay = client.delete(target, headers=withdrawal)
        assert replay.status_code == 401 and "replay" in replay.json()["message"]


def test_unsigned_writes_are_refused_when_signatures_are_required(tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    azure_token = token("azure", *PARTY_SCOPES)
    key = Ed25519PrivateKey.generate()
    with app_for(tmp_path, public_pem, require_signatures=True) as client:
        assert client.put("/v1/party-key", headers=bearer(azure_token),
                          json={"public_key": encode_public_key(key.public_key())}).status_code == 200
        r = client.put("/v1/declarations/a", headers=bearer(azure_token), json=op(34.0))
        assert r.status_code == 401 and "signed" in r.json()["message"]
        body = op(34.0)
        headers = signed_headers(key, "azure", azure_token, "PUT", "/v1/declarations/a", body)
        assert client.put("/v1/declarations/a", headers=headers, json=body).status_code == 201


def test_a_read_back_binds_the_content_shown_by_its_digest(tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    azure, crimson = bearer(token("azure", *PARTY_SCOPES)), bearer(token("crimson", *PARTY_SCOPES))
    with app_for(tmp_path, public_pem) as client:
        assert client.put("/v1/declarations/cap", headers=azure, json=op(34.0, size=0.2)).status_code == 201
        assert client.put("/v1/declarations/strike", headers=crimson, json=op(34.05, size=0.05)).status_code == 201
        notice = next(n for n in client.get("/v1/notices", headers=azure).json()["notices"] if n["about"] == "strike")
        shown = content_digest({"about": notice["about"], "about_version": notice["about_version"],
                                "disclosed": notice["disclosed"]})
        wrong = content_digest({"about": notice["about"], "about_version": notice["about_version"], "disclosed": []})
        r = client.post(f"/v1/notices/{notice['id']}/acknowledgement", headers=azure,
                        json={"declaration": "strike", "version": 1, "digest": wrong})
        assert r.status_code == 409 and "digest" in r.json()["message"]
        r = client.post(f"/v1/notices/{notice['id']}/acknowledgement", headers=azure,
                        json={"declaration": "strike", "version": 1, "digest": shown})
        assert r.status_code == 200 and r.json()["notice"]["state"] == "acknowledged"
        logged = entries(client, azure)
        assert [e["payload"]["reason"] for e in logged if e["kind"] == "acknowledgement_refused"] and \
            [e["payload"]["read_back_digest"] for e in logged if e["kind"] == "acknowledged"] == [shown]
