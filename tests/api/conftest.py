"""The real app, a real SQLite file, and tokens signed by a keypair generated for the test run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app

from .helpers import ISSUER, SC, bearer


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "authority.pem"
    path.write_bytes(rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


Token = Callable[..., str]


@pytest.fixture(scope="session")
def token(rsa_key: rsa.RSAPrivateKey) -> Token:
    def make(sub: str = "uss1", *scopes: str, iss: str = ISSUER, aud: str = "testserver",
             exp_in_s: float = 3600, key: Any = None) -> str:
        claims = {"sub": sub, "iss": iss, "aud": aud, "exp": int(time.time() + exp_in_s),
                  "scope": " ".join(scopes), "jti": str(uuid.uuid4())}
        return jwt.encode(claims, key or rsa_key, algorithm="RS256")
    return make


@pytest.fixture
def settings(public_pem: Path, tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "dss.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"])


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def as_uss(token: Token) -> Callable[..., dict[str, str]]:
    """Headers for a USS with scopes (default: strategic coordination)."""
    def headers(sub: str = "uss1", *scopes: str) -> dict[str, str]:
        return bearer(token(sub, *(scopes or (SC,))))
    return headers
