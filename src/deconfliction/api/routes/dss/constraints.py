"""/dss/v1/constraint_references: query, get, create, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from ....engine.f3548 import Caller
from ....engine.f3548.common import check_area
from ....engine.f3548.constraints import delete_constraint, put_constraint
from ....errors import InvalidInput, NotFound
from ....wire.f3548 import (
    PutConstraintReferenceParameters,
    QueryParameters,
    constraint_json,
    subscribers_json,
)
from ...deps import Core, EntityId, Ovn, authorized, off_loop_if_heavy, vertex_count
from ...openapi import DocumentedRoute
from ...responses import JSONResponse

router = APIRouter(prefix="/dss/v1/constraint_references", tags=["Constraint references"], route_class=DocumentedRoute)


@router.post("/query", operation_id="queryConstraintReferences")
async def query(body: QueryParameters, core: Core,
                caller: Annotated[Caller, authorized("queryConstraintReferences")]) -> JSONResponse:
    if body.area_of_interest is None:
        raise InvalidInput("area_of_interest", "missing")
    aoi = body.area_of_interest
    volume = await off_loop_if_heavy(lambda: aoi.to_volume("area_of_interest"), vertex_count([aoi]), query=True,
                                     near=core.volumes_near)
    check_area((volume,), "area_of_interest")
    await core.writer.settled_for((volume,))
    with core.writer.reading() as state:
        refs = [constraint_json(c, viewer=caller.party, state=state, own_base_url=core.base_url)
                for c in state.constraints_in((volume,))]
    return JSONResponse({"constraint_references": refs})


@router.get("/{entityid}", operation_id="getConstraintReference")
async def get(entityid: EntityId, core: Core,
              caller: Annotated[Caller, authorized("getConstraintReference")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        cr = state.constraint(entityid)
        if cr is None:
            raise NotFound(f"constraint {entityid} does not exist")
        return JSONResponse({"constraint_reference": constraint_json(cr, viewer=caller.party, state=state, own_base_url=core.base_url)})


def _written(core: Core, caller: Caller, outcome: Any, status: int) -> JSONResponse:
    with core.writer.reading() as state:
        body = {"subscribers": subscribers_json(outcome.subscribers, core.base_url),
                "constraint_reference": constraint_json(outcome.result, viewer=caller.party, state=state, own_base_url=core.base_url)}
    return JSONResponse(body, status_code=status)


@router.put("/{entityid}", operation_id="createConstraintReference", status_code=201)
async def create(entityid: EntityId, body: PutConstraintReferenceParameters, core: Core,
                 caller: Annotated[Caller, authorized("createConstraintReference")]) -> JSONResponse:
    extents = await off_loop_if_heavy(body.volumes, vertex_count(body.extents), near=core.volumes_near)
    outcome = await core.f3548("dss.constraint.create", caller, lambda state, now_s: put_constraint(
        state, caller, entityid, None, extents=extents, uss_base_url=body.uss_base_url, now_s=now_s,
        tokens=core.tokens))
    return _written(core, caller, outcome, 201)


@router.put("/{entityid}/{ovn}", operation_id="updateConstraintReference")
async def update(entityid: EntityId, ovn: Ovn, body: PutConstraintReferenceParameters, core: Core,
                 caller: Annotated[Caller, authorized("updateConstraintReference")]) -> JSONResponse:
    extents = await off_loop_if_heavy(body.volumes, vertex_count(body.extents), near=core.volumes_near)
    outcome = await core.f3548("dss.constraint.update", caller, lambda state, now_s: put_constraint(
        state, caller, entityid, ovn, extents=extents, uss_base_url=body.uss_base_url, now_s=now_s,
        tokens=core.tokens))
    return _written(core, caller, outcome, 200)


@router.delete("/{entityid}/{ovn}", operation_id="deleteConstraintReference")
async def delete(entityid: EntityId, ovn: Ovn, core: Core,
                 caller: Annotated[Caller, authorized("deleteConstraintReference")]) -> JSONResponse:
    outcome = await core.f3548("dss.constraint.delete", caller, lambda state, now_s: delete_constraint(
        state, caller, entityid, ovn, now_s=now_s))
    return _written(core, caller, outcome, 200)


@router.put("/{entityid}/", include_in_schema=False)
@router.delete("/{entityid}/", include_in_schema=False)
async def missing_ovn(entityid: str) -> JSONResponse:
    return JSONResponse({"message": f"ovn: missing in the path of constraint {entityid}"}, status_code=400)
