"""The one exception tree of the package (no HTTP codes here: `api/errors.py` maps it once).

    DeconflictionError
    ├── InvalidInput          bad input: names the subject, the field and the reason
    │   └── TooLarge          over a size limit (a body, a report)
    │       └── AreaTooLarge  the area of a query or write is over the limit
    ├── Unauthenticated       no valid credentials
    ├── NotFound              an id that does not exist (or that the caller may not know of)
    ├── PermissionDenied      acting on what belongs to another party, or a missing scope
    ├── VersionMismatch       a write or acknowledgement against a stale version
    │   ├── AirspaceConflict  an F3548 key lacks the OVNs of overlapping entities
    │   └── PriorityConflict  refused: conflicts with a declaration of higher priority
    ├── UssDown               a USS marked Down may not make this change
    ├── Unavailable           the service cannot take the request now (busy port, locked database)
    └── LedgerCorrupt         the audit log failed verification

The CLI maps it to a message and exit code 2.
"""

from __future__ import annotations

from typing import Any


class DeconflictionError(Exception):
    """Base of every error the package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DeconflictionError):
    """Input that cannot be accepted; `field` is a dotted path into the input."""

    def __init__(self, field: str, reason: str, subject: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.subject = subject
        where = f"{subject}: " if subject else ""
        super().__init__(f"{where}{field}: {reason}")

    def within(self, subject: str | None = None, prefix: str | None = None) -> InvalidInput:
        """The same error seen from an enclosing object (adds a subject or a field prefix)."""
        field = f"{prefix}.{self.field}" if prefix else self.field
        return type(self)(field, self.reason, subject or self.subject)


class TooLarge(InvalidInput):
    pass


class AreaTooLarge(TooLarge):
    pass


class Unauthenticated(DeconflictionError):
    pass


class NotFound(DeconflictionError):
    pass


class PermissionDenied(DeconflictionError):
    pass


class VersionMismatch(DeconflictionError):
    pass


class AirspaceConflict(VersionMismatch):
    """The key did not prove knowledge of these declarations; the response lists them."""

    def __init__(self, message: str, *, missing_operational_intents: tuple[Any, ...],
                 missing_constraints: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.missing_operational_intents = missing_operational_intents
        self.missing_constraints = missing_constraints


class PriorityConflict(VersionMismatch):
    pass


class UssDown(DeconflictionError):
    pass


class Unavailable(DeconflictionError):
    pass


class LedgerCorrupt(DeconflictionError):
    pass
