"""/dss/v1/reports and /dss/v1/uss_availability/{uss_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from ...engine.f3548 import Availability, Caller, UssAvailability
from ...engine.f3548.availability import current_availability, make_report, set_availability
from ..deps import Service, authorized
from ..responses import JSONResponse
from ..wire import ErrorReport, SetUssAvailabilityStatusParameters

router = APIRouter(prefix="/dss/v1", tags=["Reports", "Availability"])


def _status_json(status: UssAvailability) -> dict[str, object]:
    return {"status": {"uss": status.uss, "availability": status.availability.value}, "version": status.version}


@router.post("/reports", operation_id="makeDssReport", status_code=201)
async def report(body: ErrorReport, service: Service,
                 caller: Annotated[Caller, authorized("makeDssReport")]) -> JSONResponse:
    content = body.model_dump(exclude_none=True)
    content.pop("report_id", None)
    outcome = await service.write("dss.report", caller, lambda _registry, now_s: make_report(
        caller, content, now_s=now_s, tokens=service.tokens))
    return JSONResponse({**content, "report_id": outcome.result.id}, status_code=201)


@router.get("/uss_availability/{uss_id}", operation_id="getUssAvailability")
async def get_availability(uss_id: str, service: Service,
                           caller: Annotated[Caller, authorized("getUssAvailability")]) -> JSONResponse:
    await service.settled()
    with service.reading() as registry:
        return JSONResponse(_status_json(current_availability(registry, uss_id)))


@router.put("/uss_availability/{uss_id}", operation_id="setUssAvailability")
async def set_uss_availability(uss_id: str, body: SetUssAvailabilityStatusParameters, service: Service,
                               caller: Annotated[Caller, authorized("setUssAvailability")]) -> JSONResponse:
    availability = Availability(body.availability)
    outcome = await service.write("dss.uss_availability", caller, lambda registry, _now_s: set_availability(
        registry, caller, uss_id, availability=availability, old_version=body.old_version, tokens=service.tokens))
    return JSONResponse(_status_json(outcome.result))
