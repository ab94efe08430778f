"""/dss/v1/reports and /dss/v1/uss_availability/{uss_id}."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter

from ....engine.f3548 import Caller
from ....errors import InvalidInput, TooLarge
from ....wire.limits import MAX_REPORT_BYTES
from ....engine.f3548.availability import current_availability, make_report, set_availability
from ....model import Availability, UssAvailability
from ....wire.f3548 import ErrorReport, SetUssAvailabilityStatusParameters
from ...deps import Core, authorized
from ...openapi import DocumentedRoute
from ...responses import JSONResponse

router = APIRouter(prefix="/dss/v1", tags=["Reports", "Availability"], route_class=DocumentedRoute)


def _status_json(status: UssAvailability) -> dict[str, object]:
    return {"status": {"uss": status.uss, "availability": status.availability.value}, "version": status.version}


@router.post("/reports", operation_id="makeDssReport", status_code=201)
async def report(body: ErrorReport, core: Core,
                 caller: Annotated[Caller, authorized("makeDssReport")]) -> JSONResponse:
    content = body.model_dump(exclude_none=True)
    content.pop("report_id", None)
    _check_report(content)
    outcome = await core.f3548("dss.report", caller, lambda _state, now_s: make_report(
        caller, content, now_s=now_s, tokens=core.tokens))
    return JSONResponse({**content, "report_id": outcome.result.id}, status_code=201)


def _check_report(content: dict[str, object]) -> None:
    """A report is stored whole and echoed back: it must be small and render (orjson refuses
    integers beyond 64 bits), or it is refused before anything is stored."""
    try:
        size = len(orjson.dumps(content))
    except TypeError as error:
        raise InvalidInput("exchange", f"cannot be stored: {error}") from None
    if size > MAX_REPORT_BYTES:
        raise TooLarge("exchange", f"a report of {size} bytes is over the limit of {MAX_REPORT_BYTES}")


@router.get("/uss_availability/{uss_id}", operation_id="getUssAvailability")
async def get_availability(uss_id: str, core: Core,
                           caller: Annotated[Caller, authorized("getUssAvailability")]) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        return JSONResponse(_status_json(current_availability(state, uss_id)))


@router.put("/uss_availability/{uss_id}", operation_id="setUssAvailability")
async def set_uss_availability(uss_id: str, body: SetUssAvailabilityStatusParameters, core: Core,
                               caller: Annotated[Caller, authorized("setUssAvailability")]) -> JSONResponse:
    availability = Availability(body.availability)
    outcome = await core.f3548("dss.uss_availability", caller, lambda state, _now_s: set_availability(
        state, caller, uss_id, availability=availability, old_version=body.old_version, tokens=core.tokens))
    return JSONResponse(_status_json(outcome.result))
