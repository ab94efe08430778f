"""Instants inside are POSIX seconds (float, UTC); RFC 3339 strings only at the edge."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from ..errors import InvalidInput

_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


EARLIEST_S = datetime(1970, 1, 1, tzinfo=UTC).timestamp()
LATEST_S = datetime(2200, 1, 1, tzinfo=UTC).timestamp()


def parse_instant(value: object, field: str) -> float:
    """RFC 3339 string (or datetime) to POSIX seconds; a naive time is refused, not guessed."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(field, f"not an RFC 3339 time: {value!r}") from None
    else:
        raise InvalidInput(field, f"expected an RFC 3339 time string, got {type(value).__name__}")
    if moment.tzinfo is None:
        raise InvalidInput(field, f"time {value!s} has no UTC offset")
    seconds = moment.timestamp()
    if not EARLIEST_S <= seconds <= LATEST_S:
        # A time whose UTC form is outside years 1 to 9999 (e.g. 9999-12-31T23:59:59-14:00) could
        # be stored but never rendered again; nothing real is planned outside these bounds.
        raise InvalidInput(field, f"time {value!s} is outside the accepted range {format_instant(EARLIEST_S)} "
                                  f"to {format_instant(LATEST_S)}")
    return seconds


def format_instant(seconds: float) -> str:
    """POSIX seconds to RFC 3339 UTC with a Z suffix: milliseconds, or microseconds when the
    time has them (what is echoed back must parse to what is stored)."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    spec = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def parse_duration(value: object, field: str) -> float:
    """ISO 8601 duration (PnDTnHnMnS, as `rules.min_notice` uses) to seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0 or not math.isfinite(value):
            raise InvalidInput(field, "a duration must be a finite number of seconds >= 0")
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if not isinstance(value, str):
        raise InvalidInput(field, "expected an ISO 8601 duration such as PT15M")
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT"):
        raise InvalidInput(field, f"not an ISO 8601 duration: {value!r} (expected e.g. PT15M)")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def format_duration(seconds: float) -> str:
    """Seconds to a compact ISO 8601 duration (PT1H2M3S)."""
    whole = int(round(seconds))
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((h, "H"), (m, "M"), (s, "S")) if n)
    return f"{sign}PT{text or '0S'}"
