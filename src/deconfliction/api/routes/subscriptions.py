"""/dss/v1/subscriptions: query (the caller's own), get, create, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from ...engine.f3548 import Caller
from ...engine.f3548.common import check_area
from ...engine.f3548.subscriptions import delete_subscription, put_subscription
from ...errors import InvalidInput, NotFound, PermissionDenied
from ..deps import EntityId, Service, authorized
from ..responses import JSONResponse
from ..wire import (
    PutSubscriptionParameters,
    QueryParameters,
    constraint_json,
    oir_json,
    subscription_json,
)

router = APIRouter(prefix="/dss/v1/subscriptions", tags=["Subscriptions"])


@router.post("/query", operation_id="querySubscriptions")
async def query(body: QueryParameters, service: Service,
                caller: Annotated[Caller, authorized("querySubscriptions")]) -> JSONResponse:
    if body.area_of_interest is None:
        raise InvalidInput("area_of_interest", "missing")
    volume = body.area_of_interest.to_volume("area_of_interest")
    check_area((volume,), "area_of_interest")
    now_s = service.clock()
    await service.settled()
    with service.reading() as registry:
        subs = [subscription_json(s, registry=registry) for s in registry.subscriptions_in((volume,))
                if s.manager == caller.manager and not s.expired(now_s)]
    return JSONResponse({"subscriptions": subs})


@router.get("/{subscriptionid}", operation_id="getSubscription")
async def get(subscriptionid: EntityId, service: Service,
              caller: Annotated[Caller, authorized("getSubscription")]) -> JSONResponse:
    await service.settled()
    with service.reading() as registry:
        sub = registry.subscriptions.get(subscriptionid)
        if sub is None:
            raise NotFound(f"subscription {subscriptionid} does not exist")
        if sub.manager != caller.manager:
            raise PermissionDenied(f"subscription {subscriptionid} is managed by another USS")
        return JSONResponse({"subscription": subscription_json(sub, registry=registry)})


async def _put(subscriptionid: str, version: str | None, body: PutSubscriptionParameters, service: Service,
               caller: Caller) -> JSONResponse:
    request = body.to_request()
    kind = "dss.subscription.create" if version is None else "dss.subscription.update"
    outcome = await service.write(kind, caller, lambda registry, now_s: put_subscription(
        registry, caller, subscriptionid, version, request, now_s=now_s, tokens=service.tokens))
    written = outcome.result
    with service.reading() as registry:
        answer = {
            "subscription": subscription_json(written.subscription, registry=registry),
            "operational_intent_references": [oir_json(o, viewer=caller.manager, registry=registry)
                                              for o in written.operational_intent_references],
            "constraint_references": [constraint_json(c, viewer=caller.manager, registry=registry)
                                      for c in written.constraint_references],
        }
    return JSONResponse(answer)


@router.put("/{subscriptionid}", operation_id="createSubscription")
async def create(subscriptionid: EntityId, body: PutSubscriptionParameters, service: Service,
                 caller: Annotated[Caller, authorized("createSubscription")]) -> JSONResponse:
    return await _put(subscriptionid, None, body, service, caller)


@router.put("/{subscriptionid}/{version}", operation_id="updateSubscription")
async def update(subscriptionid: EntityId, version: str, body: PutSubscriptionParameters, service: Service,
                 caller: Annotated[Caller, authorized("updateSubscription")]) -> JSONResponse:
    return await _put(subscriptionid, version, body, service, caller)


@router.delete("/{subscriptionid}/{version}", operation_id="deleteSubscription")
async def delete(subscriptionid: EntityId, version: str, service: Service,
                 caller: Annotated[Caller, authorized("deleteSubscription")]) -> JSONResponse:
    outcome = await service.write("dss.subscription.delete", caller, lambda registry, now_s: delete_subscription(
        registry, caller, subscriptionid, version, now_s=now_s))
    with service.reading() as registry:
        return JSONResponse({"subscription": subscription_json(outcome.result, registry=registry)})


@router.put("/{subscriptionid}/", include_in_schema=False)
@router.delete("/{subscriptionid}/", include_in_schema=False)
async def missing_version(subscriptionid: str) -> JSONResponse:
    return JSONResponse({"message": f"version: missing in the path of subscription {subscriptionid}"},
                        status_code=400)
