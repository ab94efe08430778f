"""Servers of a pool for the tests: `deconfliction db upgrade`, then N real `deconfliction
serve` processes on one PostgreSQL database, trusting the same key and issuer."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..api.helpers import ISSUER
from ..serving import CLI, clean_env, start_serve


def upgrade(url: str) -> None:
    subprocess.run([CLI, "db", "upgrade", "--db", url], check=True, env=clean_env(), capture_output=True)


def start(url: str, public_pem: Path, *, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    return start_serve("--db", url, "--public-key", str(public_pem), "--issuer", ISSUER, "--audience", "127.0.0.1",
                       "--ack-deadline", "PT2S", port=port)
