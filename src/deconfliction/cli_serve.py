"""`deconfliction serve`: the F3548-21 DSS over HTTP (uvicorn), configured by one Settings object."""

from __future__ import annotations

import errno
import gc
import socket
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_errors import exit_2_on_error, fail


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (env DECONFLICTION_HOST; default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env DECONFLICTION_PORT; default 8082)")] = None,
    db: Annotated[Path | None, typer.Option(help="SQLite file (env DECONFLICTION_DB; default ./deconfliction.db)")] = None,
    public_key: Annotated[list[Path] | None, typer.Option(
        "--public-key", help="PEM public key trusted for RS256 tokens (repeatable) (env DECONFLICTION_PUBLIC_KEYS)")] = None,
    jwks_file: Annotated[Path | None, typer.Option(help="JWKS file of trusted keys (env DECONFLICTION_JWKS_FILE)")] = None,
    issuer: Annotated[list[str] | None, typer.Option(
        "--issuer", help="Accepted token issuer, `iss` (repeatable) (env DECONFLICTION_ISSUERS)")] = None,
    audience: Annotated[list[str] | None, typer.Option(
        "--audience", help="Accepted token audience, `aud` (repeatable; default: the host served)")] = None,
    log_level: Annotated[str | None, typer.Option(help="uvicorn log level (default warning)")] = None,
) -> None:
    """Serve the ASTM F3548-21 DSS at http://HOST:PORT/dss/v1 (docs at /docs)."""
    import uvicorn

    from .api import Settings, create_app
    from .api.dss_service import single_writer

    flags: dict[str, Any] = {
        "host": host, "port": port, "db": db, "public_keys": public_key or None, "jwks_file": jwks_file,
        "issuers": issuer or None, "audiences": audience or None, "log_level": log_level,
    }
    with exit_2_on_error():
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
        app = create_app(settings)
        # uvicorn opens the database, then binds, and reports either failure with a traceback
        # and exit 3: check both first (the server takes them for good a moment later).
        _check_port_free(settings.host, settings.port)
        single_writer(settings.db).close()
    # Requests make short-lived garbage by the thousand; the default thresholds run a full
    # collection often enough to pause the one event loop for tens of milliseconds.
    gc.set_threshold(5_000, 50, 1000)
    typer.echo(f"DSS on http://{settings.host}:{settings.port}/dss/v1 (docs /docs), database {settings.db}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False)


def _check_port_free(host: str, port: int) -> None:
    """Exit 2 unless HOST:PORT can be bound now, tried as uvicorn's asyncio server binds it: every
    address HOST resolves to, SO_REUSEADDR (so only a listening socket is in the way), IPv6 v6-only."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise fail(f"--host: cannot resolve {host!r}: {error.strerror}") from None
    with ExitStack() as bound:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = bound.enter_context(socket.socket(family, kind, proto))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise fail(f"port {port} on {host} is already in use") from None
                raise fail(f"cannot bind port {port} on {host}: {error.strerror}") from None
