"""`deconfliction serve` (uvicorn) and `deconfliction token` (the local mode's tokens)."""

from __future__ import annotations

import gc
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_errors import exit_2_on_error, fail
from .errors import Unavailable

# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms): see serve.
SWITCH_INTERVAL_S = 0.001

ConfigOption = Annotated[Path | None, typer.Option("--config", help="TOML settings file (env DECONFLICTION_CONFIG)")]


def _port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise Unavailable(f"port {port} on {host} is already in use") from None


def db_shown(db: Path | str) -> str:
    """The database as printed: a URL without its password."""
    from sqlalchemy.engine import make_url

    from .store.database import is_postgres_url

    if not is_postgres_url(db):
        return str(db)

    return make_url(str(db)).render_as_string(hide_password=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (env DECONFLICTION_HOST; default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env DECONFLICTION_PORT; default 8082)")] = None,
    db: Annotated[str | None, typer.Option(help="SQLite file, or postgresql://... for a pool of servers on one "
                                                "database (env DECONFLICTION_DB; default ./deconfliction.db)")] = None,
    config: ConfigOption = None,
    public_key: Annotated[list[Path] | None, typer.Option(
        "--public-key", help="PEM public key trusted for RS256 tokens (repeatable) (env DECONFLICTION_PUBLIC_KEYS)")] = None,
    jwks_file: Annotated[Path | None, typer.Option(help="JWKS file of trusted keys (env DECONFLICTION_JWKS_FILE)")] = None,
    issuer: Annotated[list[str] | None, typer.Option(
        "--issuer", help="Accepted token issuer, `iss` (repeatable) (env DECONFLICTION_ISSUERS)")] = None,
    audience: Annotated[list[str] | None, typer.Option(
        "--audience", help="Accepted token audience, `aud` (repeatable; default: the host served)")] = None,
    public_url: Annotated[str | None, typer.Option(help="Base URL USSs reach this service at (default http://HOST:PORT)")] = None,
    min_notice: Annotated[str | None, typer.Option(help="Lead time an operation needs, ISO 8601 (default PT15M)")] = None,
    ack_deadline: Annotated[str | None, typer.Option(help="Time to acknowledge a notice, ISO 8601 (default PT5M)")] = None,
    log_level: Annotated[str | None, typer.Option(help="uvicorn log level (default warning)")] = None,
) -> None:
    """Serve /v1 (parties), /dss/v1 (ASTM F3548-21 DSS) and /uss/v1 at http://HOST:PORT (docs at /docs).

    With no --public-key/--jwks-file/--issuer it runs in the local mode: loopback only, trusting a
    signing key of its own (`deconfliction token` mints tokens with it, for local use only)."""
    import uvicorn

    from .api import create_app
    from .api.server import server_config
    from .api.single_writer import single_writer
    from .config import Settings

    flags: dict[str, Any] = {
        "host": host, "port": port, "db": db, "public_keys": public_key or None, "jwks_file": jwks_file,
        "issuers": issuer or None, "audiences": audience or None, "log_level": log_level, "public_url": public_url,
        "min_notice": min_notice, "ack_deadline": ack_deadline,
    }
    with exit_2_on_error():
        settings = Settings.load(config, **flags)
        if not settings.pool:
            single_writer(Path(settings.db)).close()  # refuse now, not with a traceback once uvicorn runs
        _port_free(settings.host, settings.port)
        app = create_app(settings)
    # Requests make short-lived garbage by the thousand; the default thresholds run a full
    # collection often enough to pause the one event loop for tens of milliseconds.
    gc.set_threshold(5_000, 50, 1000)
    # A thread parsing a heavy body (or committing) holds the GIL until the interpreter asks it to
    # let go, and the event loop waits that long each time it wakes: 5 ms by default, paid several
    # times per small request while a heavy one is parsed (bench/hostile_bench.py: p99 61-71 ms at
    # 5 ms, 48-49 ms at 1 ms, with no more CPU per request).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    typer.echo(f"deconfliction on {settings.base_url} (/v1, /dss/v1, /uss/v1; docs /docs), database {db_shown(settings.db)}")
    if settings.local_mode:
        typer.echo(f"local mode: tokens for this server only, e.g. "
                   f"`deconfliction token --party blue --db {settings.db}`", err=True)
    uvicorn.Server(server_config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level,
        header_timeout_s=settings.header_timeout_s, body_timeout_s=settings.body_timeout_s,
        keepalive_timeout_s=settings.keepalive_timeout_s, max_connections=settings.max_connections,
        max_header_bytes=settings.max_header_bytes)).run()


def token(
    party: Annotated[str, typer.Option("--party", help="The party (the token's `sub`)")],
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", help="Scope to grant (repeatable; default: the three deconfliction.* scopes)")] = None,
    db: Annotated[Path | None, typer.Option(help="The server's SQLite file (its key lives beside it)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the server keeps its local key")] = None,
    audience: Annotated[str, typer.Option(help="The host the server is reached at")] = "127.0.0.1",
    hours: Annotated[float, typer.Option(help="Lifetime of the token in hours", min=0.01, max=720)] = 12.0,
) -> None:
    """Mint a token for a server running in the local mode. For local use only: anyone with the
    server's data directory can act as any party."""
    from .api.auth import local_signing_key, mint_token
    from .api.scopes import PARTY_SCOPES
    from .config import LOCAL_ISSUER, Settings

    with exit_2_on_error():
        settings = Settings.load(None, db=db, data_dir=data_dir)
        if not party.strip():
            raise fail("--party: expected a non-empty party id")
        key = local_signing_key(settings.key_dir, create=False)
        minted = mint_token(key, party=party, scopes=scope or list(PARTY_SCOPES), issuer=LOCAL_ISSUER,
                            audience=audience, ttl_s=hours * 3600)
    print("local token (this server only):", file=sys.stderr)
    typer.echo(minted)
