"""Swagger UI at /docs from files shipped in the package (nothing fetched from the internet), and GET /healthz.

FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN in the browser. The app is built
with `docs_url=None, redoc_url=None` and `install_offline_docs` serves the same page instead, with its
script, style sheet and icon under /docs/static/ from `static/swagger/` (swagger-ui-dist, see the
README.md there). ReDoc is not served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from ..version import package_version
from .responses import JSONResponse

DOCS_URL = "/docs"
STATIC_URL = "/docs/static"
HEALTH_URL = "/healthz"
SWAGGER_DIR = Path(__file__).resolve().parent / "static" / "swagger"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
SWAGGER_FAVICON = "favicon-32x32.png"

# The one request to another site Swagger UI makes by itself: a badge image from its default
# validatorUrl (validator.swagger.io) when the page is not on localhost. Only StandaloneLayout shows
# the badge, not BaseLayout (FastAPI's), but null keeps it off whatever layout swagger_ui_parameters pick.
OFFLINE_PARAMETERS: dict[str, Any] = {"validatorUrl": None}


def install_offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the packaged files, and GET /healthz (see `install_health`).

    For an app created with `docs_url=None, redoc_url=None`. Like FastAPI, it honours the app's
    openapi_url (no document, no docs), swagger_ui_parameters, swagger_ui_init_oauth and
    swagger_ui_oauth2_redirect_url, and prefixes the page's URLs with the ASGI root_path.
    """
    install_health(app)
    openapi_url = app.openapi_url
    if not openapi_url:
        return
    # check_dir: a package built without its static files fails when the app is created, not in a browser.
    app.mount(STATIC_URL, StaticFiles(directory=SWAGGER_DIR, check_dir=True), name="docs-static")
    redirect_url = app.swagger_ui_oauth2_redirect_url
    parameters = {**OFFLINE_PARAMETERS, **(app.swagger_ui_parameters or {})}

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{STATIC_URL}/{SWAGGER_JS}",
            swagger_css_url=f"{root}{STATIC_URL}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{root}{STATIC_URL}/{SWAGGER_FAVICON}",
            oauth2_redirect_url=root + redirect_url if redirect_url else None,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=parameters,
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    if redirect_url:
        async def oauth2_redirect(_request: Request) -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

        app.add_route(redirect_url, oauth2_redirect, include_in_schema=False)


def install_health(app: FastAPI) -> None:
    """GET /healthz: 200 `{"status": "ok", "version": <package version>}`, no token, not in the OpenAPI."""
    body = {"status": "ok", "version": package_version()}

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse(body)

    app.add_route(HEALTH_URL, healthz, methods=["GET"], include_in_schema=False)
