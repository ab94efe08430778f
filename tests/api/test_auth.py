"""401 without a valid token, 403 without an accepted scope; the suite's test key is never trusted by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app
from deconfliction.errors import InvalidInput

from .helpers import AA, CM, OIR, SC, bearer, new_id, oir_body


def test_missing_token_is_401_with_error_response(client: TestClient) -> None:
    r = client.get(f"{OIR}/{new_id()}")
    assert r.status_code == 401
    assert "message" in r.json()


@pytest.mark.parametrize("kwargs", [
    {"iss": "https://someone.else"},
    {"aud": "dss.elsewhere.example"},
    {"exp_in_s": -3600},
])
def test_wrong_issuer_audience_or_expired_is_401(client: TestClient, token, kwargs) -> None:
    r = client.get(f"{OIR}/{new_id()}", headers=bearer(token("uss1", SC, **kwargs)))
    assert r.status_code == 401, r.text


def test_foreign_signature_is_401(client: TestClient, token) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    r = client.get(f"{OIR}/{new_id()}", headers=bearer(token("uss1", SC, key=stranger)))
    assert r.status_code == 401


def test_malformed_header_is_401(client: TestClient) -> None:
    assert client.get(f"{OIR}/{new_id()}", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get(f"{OIR}/{new_id()}", headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401


def test_token_without_scope_is_401_and_wrong_scope_403(client: TestClient, token) -> None:
    assert client.get(f"{OIR}/{new_id()}", headers=bearer(token("uss1"))).status_code == 401
    assert client.get(f"{OIR}/{new_id()}", headers=bearer(token("uss1", CM))).status_code == 403
    assert client.put("/dss/v1/uss_availability/uss2", json={"old_version": "", "availability": "Down"},
                      headers=bearer(token("uss1", SC))).status_code == 403
    assert client.put("/dss/v1/uss_availability/uss2", json={"old_version": "", "availability": "Down"},
                      headers=bearer(token("uss1", AA))).status_code == 200


def test_off_nominal_state_needs_conformance_monitoring_scope(client: TestClient, as_uss) -> None:
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(state="Nonconforming"), headers=as_uss("uss1", SC))
    assert r.status_code == 403


def test_no_key_no_start_beyond_loopback(tmp_path: Path) -> None:
    """Without trusted keys the server runs only in the local mode, which binds loopback."""
    with pytest.raises(InvalidInput, match="no trusted key"):
        create_app(Settings(db=tmp_path / "x.db", host="0.0.0.0"))


def test_local_mode_trusts_only_its_own_key(tmp_path: Path, token) -> None:
    from deconfliction.api.auth import local_signing_key, mint_token
    from deconfliction.config import LOCAL_ISSUER

    settings = Settings(db=tmp_path / "x.db")
    with TestClient(create_app(settings)) as client:
        key = local_signing_key(settings.key_dir, create=False)
        mine = mint_token(key, party="blue", scopes=["deconfliction.declare"], issuer=LOCAL_ISSUER,
                          audience="testserver")
        # the test client's host is "testserver", not an audience of a loopback server
        assert client.get("/v1/declarations", headers=bearer(mine)).status_code == 401
        local = mint_token(key, party="blue", scopes=["deconfliction.declare"], issuer=LOCAL_ISSUER,
                           audience="localhost")
        assert client.get("/v1/declarations", headers=bearer(local)).status_code == 200
        foreign = token("blue", "deconfliction.declare", iss=LOCAL_ISSUER, aud="localhost")  # another key
        assert client.get("/v1/declarations", headers=bearer(foreign)).status_code == 401
    assert oct((settings.key_dir / "local-signing-key.pem").stat().st_mode & 0o777) == "0o600"


def test_issuer_is_required(tmp_path: Path, public_pem: Path) -> None:
    with pytest.raises(InvalidInput, match="no trusted issuer"):
        create_app(Settings(db=tmp_path / "x.db", public_keys=[public_pem]))


def test_suite_test_key_is_not_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DECONFLICTION_PUBLIC_KEYS", "DECONFLICTION_JWKS_FILE", "DECONFLICTION_ISSUERS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.public_keys == [] and settings.jwks_file is None and settings.issuers == []
    assert settings.host == "127.0.0.1" and settings.port == 8082 and settings.db == Path("deconfliction.db")


def test_jwks_file_is_accepted(tmp_path: Path, rsa_key, token) -> None:
    import json

    from jwt.algorithms import RSAAlgorithm

    jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    settings = Settings(db=tmp_path / "dss.db", jwks_file=jwks, issuers=["https://auth.test"], audiences=["testserver"])
    with TestClient(create_app(settings)) as c:
        assert c.get(f"{OIR}/{new_id()}", headers=bearer(token("uss1", SC))).status_code == 404
