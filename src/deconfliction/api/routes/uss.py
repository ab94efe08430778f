"""/uss/v1: the F3548 USS API for the declarations this service manages (those made over /v1).

A USS that finds one of them in /dss/v1 fetches its details here (what its key needs: the
OVN, and the volumes it must plan around; never the purpose), and USSs that write near it
notify this service here, as F3548 asks of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from ...engine.f3548 import Caller
from ...errors import NotFound
from ...model import Declaration
from ...wire.f3548 import constraint_details_json, operational_intent_details_json
from ..deps import Core, authorized
from ..openapi import DocumentedRoute
from ..responses import JSONResponse

router = APIRouter(prefix="/uss/v1", tags=["USS API (what this service manages)"],
                   route_class=DocumentedRoute)


def _managed(declaration: Declaration | None, label: str, entity_id: str) -> Declaration:
    if declaration is None or declaration.uss_base_url:
        raise NotFound(f"{label} {entity_id} is not managed by this service")
    return declaration


@router.get("/operational_intents/{entityid}", operation_id="getOperationalIntentDetails")
async def operational_intent(entityid: str, core: Core,
                             caller: Annotated[Caller, authorized("getOperationalIntentDetails")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        found = _managed(state.operation(entityid), "operational intent", entityid)
        body = operational_intent_details_json(found, state=state, own_base_url=core.base_url)
    return JSONResponse({"operational_intent": body})


@router.get("/constraints/{entityid}", operation_id="getConstraintDetails")
async def constraint(entityid: str, core: Core,
                     caller: Annotated[Caller, authorized("getConstraintDetails")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        found = _managed(state.constraint(entityid), "constraint", entityid)
        body = constraint_details_json(found, state=state, own_base_url=core.base_url)
    return JSONResponse({"constraint": body})


# The registry these USSs wrote to is this service's own: the notification tells it nothing
# its state does not already hold, so it is accepted (F3548 requires 204) and not stored.
@router.post("/operational_intents", operation_id="notifyOperationalIntentDetailsChanged", status_code=204)
async def notified_operational_intent(
        caller: Annotated[Caller, authorized("notifyOperationalIntentDetailsChanged")],
        body: Annotated[dict[str, Any], Body()]) -> Response:
    return Response(status_code=204)


@router.post("/constraints", operation_id="notifyConstraintDetailsChanged", status_code=204)
async def notified_constraint(caller: Annotated[Caller, authorized("notifyConstraintDetailsChanged")],
                              body: Annotated[dict[str, Any], Body()]) -> Response:
    return Response(status_code=204)
