"""The one exception tree of the package.

    DeconflictionError
    ├── InvalidInput          bad input: names the subject, the field and the reason (HTTP 400, CLI exit 2)
    ├── NotFound              an id that does not exist (HTTP 404)
    ├── PermissionDenied      acting on what belongs to another party (HTTP 403)
    ├── VersionMismatch       a write or acknowledgement against a stale version (HTTP 409)
    └── LedgerCorrupt         the audit log failed verification

The API maps this tree to ErrorResponse bodies in one handler; the CLI maps it to a
message and exit code 2.
"""

from __future__ import annotations


class DeconflictionError(Exception):
    """Base of every error the package raises on purpose."""

    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DeconflictionError):
    """Input that cannot be accepted; `field` is a dotted path into the input."""

    http_status = 400

    def __init__(self, field: str, reason: str, subject: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.subject = subject
        where = f"{subject}: " if subject else ""
        super().__init__(f"{where}{field}: {reason}")

    def within(self, subject: str | None = None, prefix: str | None = None) -> InvalidInput:
        """The same error seen from an enclosing object (adds a subject or a field prefix)."""
        field = f"{prefix}.{self.field}" if prefix else self.field
        return InvalidInput(field, self.reason, subject or self.subject)


class NotFound(DeconflictionError):
    http_status = 404


class PermissionDenied(DeconflictionError):
    http_status = 403


class VersionMismatch(DeconflictionError):
    http_status = 409


class LedgerCorrupt(DeconflictionError):
    http_status = 500
