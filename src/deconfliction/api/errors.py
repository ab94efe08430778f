"""The one mapping from the package's exceptions to HTTP: status codes and error bodies.

ErrorResponse is `{"message": ...}` (with `field` and `reason` when one input is to blame);
an F3548 key conflict answers with AirspaceConflictResponse. Malformed bodies (pydantic)
answer 400 naming the field, not FastAPI's default 422.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AirspaceConflict,
    TooLarge,
    DeconflictionError,
    InvalidInput,
    LedgerCorrupt,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    UssDown,
    VersionMismatch,
)
from ..wire.f3548 import constraint_json, oir_json
from .responses import JSONResponse

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[DeconflictionError], int], ...] = (
    (TooLarge, 413),
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (VersionMismatch, 409),
    (UssDown, 412),
    (Unavailable, 503),
    (LedgerCorrupt, 500),
)


class ErrorResponse(BaseModel):
    """The body of every error answer: F3548's ErrorResponse, with the input to blame when there is one."""

    message: str = Field(description="What went wrong (with the field first when one input is to blame)")
    field: str | None = Field(None, description="The input to blame: a path into the body such as "
                                                "`extents[0].volume.altitude_lower`, or a parameter or header name")
    reason: str | None = Field(None, description="Why that input is refused")


class AirspaceConflictResponse(BaseModel):
    """F3548's 409 for an operational intent whose key lacks the OVNs of what it overlaps."""

    message: str = Field(description="What went wrong")
    missing_operational_intents: list[dict[str, Any]] = Field(
        default_factory=list, description="The operational intent references whose OVNs the key lacks")
    missing_constraints: list[dict[str, Any]] = Field(
        default_factory=list, description="The constraint references whose OVNs the key lacks")


def status_of(error: DeconflictionError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 500)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "path", "query")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(AirspaceConflict)
    async def _conflict(request: Request, exc: AirspaceConflict) -> JSONResponse:
        core = request.app.state.core
        viewer = getattr(request.state, "party", "")
        with core.writer.reading() as state:
            body = {
                "message": exc.message,
                "missing_operational_intents": [oir_json(o, viewer=viewer, state=state, own_base_url=core.base_url)
                                                for o in exc.missing_operational_intents],
                "missing_constraints": [constraint_json(c, viewer=viewer, state=state, own_base_url=core.base_url)
                                        for c in exc.missing_constraints],
            }
        return JSONResponse(body, status_code=409)

    @app.exception_handler(DeconflictionError)
    async def _domain(request: Request, exc: DeconflictionError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        body: dict[str, Any] = {"message": exc.message}
        if isinstance(exc, InvalidInput):
            body |= {"field": exc.field, "reason": exc.reason}
        return JSONResponse(body, status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid request"}
        field = _field_path(tuple(first.get("loc", ())))
        reason = str(first.get("msg", "invalid"))
        return JSONResponse({"message": f"{field}: {reason}", "field": field, "reason": reason}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"message": "internal error"}, status_code=500)
