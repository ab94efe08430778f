"""A real PostgreSQL for the pool's tests: one throwaway cluster per session, one database per
test. Skipped (with the reason) only when no PostgreSQL server is installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..api.conftest import public_pem, rsa_key, token  # noqa: F401  (the same keypair fixtures)
from ..postgres import Cluster, pg_bin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/pool/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if pg_bin() is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; apt-get install postgresql)")
    started = Cluster().start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def pg_url(cluster: Cluster) -> str:
    """A fresh, empty database of the session's cluster (its postgresql:// URL)."""
    return cluster.database()

