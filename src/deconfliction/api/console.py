"""The map console: static files shipped in the package (`deconfliction/console/`), served at `/`
and under `/console/`, with nothing fetched from the internet; its configuration; and, in the
local mode only, a token for the party picked on the page.

`GET /console/config.json` says whether the server runs in the local mode, its time (a demo runs
in fast time) and, in the local mode, the parties it knows (for the picker). `POST
/console/local-token {party, scopes?}` mints a token with the local mode's own key: 404 unless the
server runs in the local mode (which binds loopback only), and 403 unless the request names a
loopback host (so a web page on a name that resolves to 127.0.0.1 cannot obtain one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from ..config import LOCAL_ISSUER, LOOPBACK, Settings
from ..errors import NotFound, PermissionDenied
from ..version import package_version
from ..wire.v1 import DECLARATION_ID
from .auth import local_signing_key, mint_token
from .deps import Core
from .responses import JSONResponse
from .scopes import PARTY_SCOPES

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
STATIC_URL = "/console"
LOCAL_TOKEN_TTL_S = 12 * 3600.0
# The page is served from this server only: scripts, styles, workers, images and requests all
# stay on this origin (blob: for MapLibre's worker, data: for small images in its style sheet).
CSP = ("default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

router = APIRouter(include_in_schema=False)


class LocalTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party: Annotated[str, Field(pattern=DECLARATION_ID, description="The party to act as")]
    scopes: list[Annotated[str, Field(pattern=r"^deconfliction\.(declare|acknowledge|inquiry)$")]] = Field(
        default_factory=lambda: list(PARTY_SCOPES), min_length=1, max_length=3)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/")
async def index() -> Response:
    return FileResponse(CONSOLE_DIR / "index.html", headers={"Content-Security-Policy": CSP,
                                                              "Cache-Control": "no-cache"})


@router.get("/console/config.json")
async def config(request: Request, core: Core) -> JSONResponse:
    settings = _settings(request)
    parties = [{"id": p.id, "name": p.name} for p in sorted(core.state.parties.values(), key=lambda p: p.id)] \
        if settings.local_mode else []
    return JSONResponse({"local_mode": settings.local_mode, "now": _now(core), "version": package_version(),
                         "parties": parties, "scopes": list(PARTY_SCOPES)}, headers={"Cache-Control": "no-store"})


def _now(core: Core) -> str | None:
    from ..app.views import when

    return when(core.clock.now_s())


@router.post("/console/local-token")
async def local_token(request: Request, body: LocalTokenBody) -> JSONResponse:
    settings = _settings(request)
    if not settings.local_mode:
        raise NotFound("no local tokens: this server trusts an identity provider (sign in with its token)")
    host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
    if host not in LOOPBACK:
        raise PermissionDenied(f"local tokens are given on a loopback address only, not {host!r}")
    audience = host if host in settings.accepted_audiences() else settings.accepted_audiences()[0]
    key = local_signing_key(settings.key_dir, create=False)
    token = mint_token(key, party=body.party, scopes=body.scopes, issuer=LOCAL_ISSUER, audience=audience,
                       ttl_s=LOCAL_TOKEN_TTL_S)
    return JSONResponse({"party": body.party, "scopes": body.scopes, "token": token, "local_mode": True},
                        headers={"Cache-Control": "no-store"})


def install_console(app: FastAPI) -> None:
    """Serve the console at `/` and its files under `/console/` (see the module's docstring)."""
    app.include_router(router)
    # check_dir: a package built without its console fails when the app is created, not in a browser.
    app.mount(STATIC_URL, StaticFiles(directory=CONSOLE_DIR, check_dir=True), name="console")
