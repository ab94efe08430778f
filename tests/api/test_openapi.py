"""/docs and the OpenAPI document list every operation: the DSS's and the USS API's under the
F3548 operation ids, and the party API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deconfliction.api.scopes import ALL_SCOPES, OPERATION_SCOPES


def test_openapi_lists_every_dss_operation(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op}
    assert set(OPERATION_SCOPES) <= ids
    assert {"getOperationalIntentDetails", "getConstraintDetails", "v1PutDeclaration", "v1Events",
            "v1Acknowledge", "v1LedgerVerification"} <= ids
    assert set(ALL_SCOPES) >= {i for i in ids if not i.startswith("v1")}
    put_oir = spec["paths"]["/dss/v1/operational_intent_references/{entityid}"]["put"]
    assert "requestBody" in put_oir


def test_settings_from_environment(monkeypatch, public_pem) -> None:
    from deconfliction.api import Settings

    monkeypatch.setenv("DECONFLICTION_PUBLIC_KEYS", f'["{public_pem}"]')
    monkeypatch.setenv("DECONFLICTION_ISSUERS", '["https://auth.test"]')
    monkeypatch.setenv("DECONFLICTION_PORT", "9000")
    settings = Settings()
    assert settings.public_keys == [public_pem] and settings.issuers == ["https://auth.test"] and settings.port == 9000
    settings.check_trust()
    assert Settings(host="dss.example.org").accepted_audiences() == ["dss.example.org"]
    assert set(Settings().accepted_audiences()) == {"127.0.0.1", "localhost"}
