"""USS availability (F3548-21 DSS0100) and DSS reports (DSS0100-style archive of problems)."""

from __future__ import annotations

from ...errors import PermissionDenied, VersionMismatch
from ...model import Availability, Report, UssAvailability
from ..state import Change, State
from .common import AA, Caller, Outcome, Tokens


def current_availability(state: State, uss: str) -> UssAvailability:
    """A USS never declared is Unknown, at the empty version (what a first set must present)."""
    return state.availability.get(uss) or UssAvailability(uss, Availability.UNKNOWN, "")


def set_availability(state: State, caller: Caller, uss: str, *, availability: Availability,
                     old_version: str, tokens: Tokens) -> Outcome[UssAvailability]:
    if not caller.has(AA):
        raise PermissionDenied(f"setting USS availability requires the scope {AA}")
    current = current_availability(state, uss)
    if current.version != old_version:
        raise VersionMismatch(f"old_version {old_version!r} is not the current version {current.version!r} of {uss}")
    status = UssAvailability(uss, availability, tokens.version())
    return Outcome(Change(put_availability=(status,)), status)


def make_report(caller: Caller, body: dict[str, object], *, now_s: float, tokens: Tokens) -> Outcome[Report]:
    report = Report(id=tokens.uuid(), reporter=caller.party, at_s=now_s, body=body)
    return Outcome(Change(put_reports=(report,)), report)
