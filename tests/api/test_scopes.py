"""The scope table is the OpenAPI file's `security` sections, operation by operation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from deconfliction.api.scopes import OPERATION_SCOPES

UTM_YAML = (Path(__file__).resolve().parents[3] / "shared" / "conformance" / "interuss" / "data" / "interfaces"
            / "astm-utm" / "Protocol" / "utm.yaml")


@pytest.mark.skipif(not UTM_YAML.exists(), reason="the shared F3548 OpenAPI file is not present")
def test_scopes_match_openapi() -> None:
    spec = yaml.safe_load(UTM_YAML.read_text())
    from_spec = {}
    for path, item in spec["paths"].items():
        if not path.startswith("/dss/v1/"):
            continue
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                from_spec[op["operationId"]] = {frozenset(s["Authority"]) for s in op["security"]}
    assert {k: set(v) for k, v in OPERATION_SCOPES.items()} == from_spec
