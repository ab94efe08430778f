"""DSS-specific refinements of the package's exception tree (deconfliction.errors).

    DeconflictionError
    ├── InvalidInput ── AreaTooLarge        the area of a query or write is too large (413)
    ├── PermissionDenied                     missing scope, or another party's entity (403)
    ├── VersionMismatch ── AirspaceConflict  key misses current OVNs (409, AirspaceConflictResponse)
    ├── UssDown                              a Down USS may not make this change (412)
    └── Unauthenticated                      no valid bearer token (401)
"""

from __future__ import annotations

from ...errors import DeconflictionError, InvalidInput, VersionMismatch
from .entities import ConstraintRef, OpIntentRef


class AreaTooLarge(InvalidInput):
    http_status = 413


class AirspaceConflict(VersionMismatch):
    """The key did not prove knowledge of these entities; the response lists them."""

    def __init__(self, message: str, *, missing_operational_intents: tuple[OpIntentRef, ...],
                 missing_constraints: tuple[ConstraintRef, ...]) -> None:
        super().__init__(message)
        self.missing_operational_intents = missing_operational_intents
        self.missing_constraints = missing_constraints


class UssDown(DeconflictionError):
    http_status = 412


class Unauthenticated(DeconflictionError):
    http_status = 401
