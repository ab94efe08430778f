"""/dss/v1/subscriptions: query (the caller's own), get, create, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from ....engine.f3548 import Caller
from ....engine.f3548.common import check_area
from ....engine.f3548.subscriptions import delete_subscription, put_subscription
from ....errors import InvalidInput, NotFound, PermissionDenied
from ....wire.f3548 import (
    PutSubscriptionParameters,
    QueryParameters,
    constraint_json,
    oir_json,
    subscription_json,
)
from ...deps import Core, EntityId, Version, authorized, off_loop_if_heavy, vertex_count
from ...openapi import DocumentedRoute
from ...responses import JSONResponse

router = APIRouter(prefix="/dss/v1/subscriptions", tags=["Subscriptions"], route_class=DocumentedRoute)


@router.post("/query", operation_id="querySubscriptions")
async def query(body: QueryParameters, core: Core,
                caller: Annotated[Caller, authorized("querySubscriptions")]) -> JSONResponse:
    if body.area_of_interest is None:
        raise InvalidInput("area_of_interest", "missing")
    aoi = body.area_of_interest
    volume = await off_loop_if_heavy(lambda: aoi.to_volume("area_of_interest"), vertex_count([aoi]), query=True)
    check_area((volume,), "area_of_interest")
    now_s = core.clock.now_s()
    await core.writer.settled()
    with core.writer.reading() as state:
        subs = [subscription_json(s, state=state) for s in state.subscriptions_in((volume,))
                if s.party == caller.party and not s.expired(now_s)]
    return JSONResponse({"subscriptions": subs})


@router.get("/{subscriptionid}", operation_id="getSubscription")
async def get(subscriptionid: EntityId, core: Core,
              caller: Annotated[Caller, authorized("getSubscription")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        sub = state.subscriptions.get(subscriptionid)
        if sub is None:
            raise NotFound(f"subscription {subscriptionid} does not exist")
        if sub.party != caller.party:
            raise PermissionDenied(f"subscription {subscriptionid} is managed by another USS")
        return JSONResponse({"subscription": subscription_json(sub, state=state)})


async def _put(subscriptionid: str, version: str | None, body: PutSubscriptionParameters, core: Core,
               caller: Caller) -> JSONResponse:
    request = await off_loop_if_heavy(body.to_request, vertex_count([body.extents]))
    kind = "dss.subscription.create" if version is None else "dss.subscription.update"
    outcome = await core.f3548(kind, caller, lambda state, now_s: put_subscription(
        state, caller, subscriptionid, version, request, now_s=now_s, tokens=core.tokens))
    written = outcome.result
    with core.writer.reading() as state:
        answer = {
            "subscription": subscription_json(written.subscription, state=state),
            "operational_intent_references": [oir_json(o, viewer=caller.party, state=state, own_base_url=core.base_url)
                                              for o in written.operational_intent_references],
            "constraint_references": [constraint_json(c, viewer=caller.party, state=state, own_base_url=core.base_url)
                                      for c in written.constraint_references],
        }
    return JSONResponse(answer)


@router.put("/{subscriptionid}", operation_id="createSubscription")
async def create(subscriptionid: EntityId, body: PutSubscriptionParameters, core: Core,
                 caller: Annotated[Caller, authorized("createSubscription")]) -> JSONResponse:
    return await _put(subscriptionid, None, body, core, caller)


@router.put("/{subscriptionid}/{version}", operation_id="updateSubscription")
async def update(subscriptionid: EntityId, version: Version, body: PutSubscriptionParameters, core: Core,
                 caller: Annotated[Caller, authorized("updateSubscription")]) -> JSONResponse:
    return await _put(subscriptionid, version, body, core, caller)


@router.delete("/{subscriptionid}/{version}", operation_id="deleteSubscription")
async def delete(subscriptionid: EntityId, version: Version, core: Core,
                 caller: Annotated[Caller, authorized("deleteSubscription")]) -> JSONResponse:
    outcome = await core.f3548("dss.subscription.delete", caller, lambda state, now_s: delete_subscription(
        state, caller, subscriptionid, version, now_s=now_s))
    with core.writer.reading() as state:
        return JSONResponse({"subscription": subscription_json(outcome.result, state=state)})


@router.put("/{subscriptionid}/", include_in_schema=False)
@router.delete("/{subscriptionid}/", include_in_schema=False)
async def missing_version(subscriptionid: str) -> JSONResponse:
    return JSONResponse({"message": f"version: missing in the path of subscription {subscriptionid}"},
                        status_code=400)
