"""/dss/v1/operational_intent_references: query, get, create, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from ....engine.f3548 import Caller
from ....engine.f3548.common import check_area
from ....engine.f3548.oir import delete_oir, put_oir
from ....errors import InvalidInput, NotFound
from ....wire.f3548 import (
    PutOperationalIntentReferenceParameters,
    QueryParameters,
    oir_json,
    subscribers_json,
)
from ...deps import Core, EntityId, Ovn, authorized, off_loop_if_heavy, vertex_count
from ...openapi import DocumentedRoute
from ...responses import JSONResponse

router = APIRouter(prefix="/dss/v1/operational_intent_references", tags=["Operational intent references"],
                   route_class=DocumentedRoute)


@router.post("/query", operation_id="queryOperationalIntentReferences")
async def query(body: QueryParameters, core: Core,
                caller: Annotated[Caller, authorized("queryOperationalIntentReferences")]) -> JSONResponse:
    if body.area_of_interest is None:
        raise InvalidInput("area_of_interest", "missing")
    aoi = body.area_of_interest
    volume = await off_loop_if_heavy(lambda: aoi.to_volume("area_of_interest"), vertex_count([aoi]), query=True,
                                     near=core.volumes_near)
    check_area((volume,), "area_of_interest")
    await core.writer.settled_for((volume,))
    with core.writer.reading() as state:
        refs = [oir_json(o, viewer=caller.party, state=state, own_base_url=core.base_url) for o in state.operations_in((volume,))]
    return JSONResponse({"operational_intent_references": refs})


@router.get("/{entityid}", operation_id="getOperationalIntentReference")
async def get(entityid: EntityId, core: Core,
              caller: Annotated[Caller, authorized("getOperationalIntentReference")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        oir = state.operation(entityid)
        if oir is None:
            raise NotFound(f"operational intent {entityid} does not exist")
        return JSONResponse({"operational_intent_reference": oir_json(oir, viewer=caller.party, state=state, own_base_url=core.base_url)})


def _written(core: Core, caller: Caller, outcome: Any, status: int) -> JSONResponse:
    with core.writer.reading() as state:
        body = {"subscribers": subscribers_json(outcome.subscribers, core.base_url),
                "operational_intent_reference": oir_json(outcome.result, viewer=caller.party, state=state, own_base_url=core.base_url)}
    return JSONResponse(body, status_code=status)


@router.put("/{entityid}", operation_id="createOperationalIntentReference", status_code=201)
async def create(entityid: EntityId, body: PutOperationalIntentReferenceParameters, core: Core,
                 caller: Annotated[Caller, authorized("createOperationalIntentReference")]) -> JSONResponse:
    request = await off_loop_if_heavy(body.to_request, vertex_count(body.extents), near=core.volumes_near)
    outcome = await core.f3548("dss.operational_intent.create", caller, lambda state, now_s: put_oir(
        state, caller, entityid, None, request, now_s=now_s, tokens=core.tokens))
    return _written(core, caller, outcome, 201)


@router.put("/{entityid}/{ovn}", operation_id="updateOperationalIntentReference")
async def update(entityid: EntityId, ovn: Ovn, body: PutOperationalIntentReferenceParameters, core: Core,
                 caller: Annotated[Caller, authorized("updateOperationalIntentReference")]) -> JSONResponse:
    request = await off_loop_if_heavy(body.to_request, vertex_count(body.extents), near=core.volumes_near)
    outcome = await core.f3548("dss.operational_intent.update", caller, lambda state, now_s: put_oir(
        state, caller, entityid, ovn, request, now_s=now_s, tokens=core.tokens))
    return _written(core, caller, outcome, 200)


@router.delete("/{entityid}/{ovn}", operation_id="deleteOperationalIntentReference")
async def delete(entityid: EntityId, ovn: Ovn, core: Core,
                 caller: Annotated[Caller, authorized("deleteOperationalIntentReference")]) -> JSONResponse:
    outcome = await core.f3548("dss.operational_intent.delete", caller, lambda state, now_s: delete_oir(
        state, caller, entityid, ovn, now_s=now_s))
    return _written(core, caller, outcome, 200)


@router.put("/{entityid}/", include_in_schema=False)
@router.delete("/{entityid}/", include_in_schema=False)
async def missing_ovn(entityid: str) -> JSONResponse:
    return JSONResponse({"message": f"ovn: missing in the path of operational intent {entityid}"}, status_code=400)
