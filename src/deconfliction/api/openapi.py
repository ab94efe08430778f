"""What the served OpenAPI document says each operation may answer besides its success, in one
table: the errors (with the ErrorResponse schema, or AirspaceConflictResponse for an F3548 key
conflict) and the few extra successes.

Every router is built with `route_class=DocumentedRoute`, which adds these responses to each
operation by its operation id; an operation missing from ERRORS gets EVERY_OPERATION only
(tests/api/test_limits.py checks that none is missing). `install_openapi` drops the 422 FastAPI
documents by itself, which this server never answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute

from .errors import AirspaceConflictResponse, ErrorResponse

DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request: a parameter or body field is invalid (`field` and `reason` name it), or the "
         "body is not JSON in UTF-8, is nested too deep, or holds a number beyond 64-bit integers or "
         "finite doubles",
    401: "Missing, invalid or expired bearer token, or one granting no scope",
    403: "The token grants no scope this operation accepts, or the entity is another party's",
    404: "No such entity (or none the caller may see)",
    409: "Stale version or OVN, an entity that already exists, or a declaration refused by priority",
    412: "The USS is marked Down in the DSS and may not make this change",
    413: "The body is over the size limit, or an area is over the area limit",
    500: "Unexpected server error (logged)",
}

# What any operation may answer: any request may carry a body (size, depth and numbers are
# checked before routing), every operation needs a token with a scope it accepts, and anything
# unexpected is a 500.
EVERY_OPERATION = (400, 401, 403, 413, 500)

# What each operation may answer besides EVERY_OPERATION.
ERRORS: dict[str, tuple[int, ...]] = {
    # /dss/v1/operational_intent_references (413 also: an area of interest or extent too large)
    "queryOperationalIntentReferences": (),
    "getOperationalIntentReference": (404,),
    "createOperationalIntentReference": (409, 412),
    "updateOperationalIntentReference": (404, 409, 412),
    "deleteOperationalIntentReference": (404, 409, 412),
    # /dss/v1/constraint_references
    "queryConstraintReferences": (),
    "getConstraintReference": (404,),
    "createConstraintReference": (409,),
    "updateConstraintReference": (404, 409),
    "deleteConstraintReference": (404, 409),
    # /dss/v1/subscriptions
    "querySubscriptions": (),
    "getSubscription": (404,),
    "createSubscription": (409,),
    "updateSubscription": (404, 409),
    "deleteSubscription": (404, 409),
    # /dss/v1/reports, /dss/v1/uss_availability
    "makeDssReport": (),
    "getUssAvailability": (),
    "setUssAvailability": (409,),
    # /uss/v1
    "getOperationalIntentDetails": (404,),
    "getConstraintDetails": (404,),
    "notifyOperationalIntentDetailsChanged": (),
    "notifyConstraintDetailsChanged": (),
    # /v1
    "v1PutDeclaration": (404, 409),
    "v1DryRunDeclaration": (404, 409),
    "v1Airspace": (),
    "v1ListTracks": (),
    "v1WithdrawDeclaration": (404, 409),
    "v1ListDeclarations": (),
    "v1GetDeclaration": (404,),
    "v1ListConflicts": (),
    "v1ListNotices": (),
    "v1Acknowledge": (404, 409),
    "v1Events": (),
    "v1SetWebhook": (),
    "v1PostTracks": (404,),
    "v1Ledger": (),
    "v1LedgerVerification": (),
    "v1PutPartyKey": (),
    "v1LedgerKey": (404,),
    "v1LedgerTreeHead": (404,),
    "v1LedgerConsistency": (404,),
}

# A 409 of these answers AirspaceConflictResponse (F3548: the key lacks the OVNs of what the intent overlaps).
AIRSPACE_CONFLICT = frozenset({"createOperationalIntentReference", "updateOperationalIntentReference"})

# Successes besides the one the route's decorator declares.
SUCCESSES: dict[str, dict[int, str]] = {
    "v1PutDeclaration": {201: "Created (200: revised, or the same declaration again)"},
}


def responses_of(operation_id: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an operation: its errors and extra successes."""
    codes = sorted(set(EVERY_OPERATION) | set(ERRORS.get(operation_id, ())))
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model = AirspaceConflictResponse if code == 409 and operation_id in AIRSPACE_CONFLICT else ErrorResponse
        responses[code] = {"model": model, "description": DESCRIPTIONS[code]}
    for code, description in SUCCESSES.get(operation_id, {}).items():
        responses[code] = {"description": description}
    return responses


class _OrjsonRequest(Request):
    """A request whose JSON body orjson parses: ~5x faster than the standard library's on a
    10,000-vertex polygon (which holds the GIL for the whole parse), and stricter: a lone
    surrogate, which could not be stored as UTF-8, is refused as invalid JSON. (Numbers beyond
    int64 or a double, and NaN, are refused with their field before: api/limits.py.)"""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class DocumentedRoute(APIRoute):
    """An APIRoute whose OpenAPI operation lists the responses `responses_of` gives (those the
    decorator names win), and whose JSON bodies orjson parses."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        operation_id = kwargs.get("operation_id")
        if operation_id and kwargs.get("include_in_schema", True):
            kwargs["responses"] = {**responses_of(operation_id), **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def with_orjson(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive, request._send))  # type: ignore[no-any-return]
        return with_orjson


def install_openapi(app: FastAPI) -> None:
    """Serve the document FastAPI makes less the 422 it adds to each operation with parameters:
    this server answers 400 for those (api/errors.py), as the table above says."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI's, cached: removing again is a no-op
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
