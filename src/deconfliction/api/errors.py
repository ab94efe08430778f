"""The one mapping from the package's exceptions to F3548 error bodies.

ErrorResponse is `{"message": ...}`; a key conflict answers with AirspaceConflictResponse.
Malformed bodies (pydantic) answer 400 naming the field, not FastAPI's default 422.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.f3548.errors import AirspaceConflict, Unauthenticated
from ..errors import DeconflictionError
from .responses import JSONResponse
from .wire import constraint_json, oir_json

log = logging.getLogger(__name__)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "path", "query")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(AirspaceConflict)
    async def _conflict(request: Request, exc: AirspaceConflict) -> JSONResponse:
        service = request.app.state.dss
        viewer = getattr(request.state, "manager", "")
        with service.reading() as registry:
            body = {
                "message": exc.message,
                "missing_operational_intents": [oir_json(o, viewer=viewer, registry=registry)
                                                for o in exc.missing_operational_intents],
                "missing_constraints": [constraint_json(c, viewer=viewer, registry=registry)
                                        for c in exc.missing_constraints],
            }
        return JSONResponse(body, status_code=409)

    @app.exception_handler(DeconflictionError)
    async def _domain(request: Request, exc: DeconflictionError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse({"message": exc.message}, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid request"}
        field = _field_path(tuple(first.get("loc", ())))
        return JSONResponse({"message": f"{field}: {first.get('msg', 'invalid')}"}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"message": "internal error"}, status_code=500)
