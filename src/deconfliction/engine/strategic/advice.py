"""Resolution advice and priority: who should move, and the smallest move that clears it all.

Both searches look at every declaration in force, not only the current conflicts, so the advised
move does not walk into a new conflict. Each candidate pair of volumes that overlaps in the other
dimensions forbids an open interval of shifts; the answer is the smallest shift outside them all.
"""

from __future__ import annotations

import math

from ...geo import Interval, Volume4D, footprints_overlap
from ...model import Advice, Conflict, Declaration
from .conflicts import DeclarationSet, can_conflict

MAX_DELAY_S = 7 * 86_400.0
MAX_ALTITUDE_SHIFT_M = 10_000.0
# Advice never sends a band below this (metres above the WGS84 ellipsoid, about sea level).
FLOOR_M = 0.0


def yielding_side(conflict: Conflict, a: Declaration, b: Declaration) -> Declaration:
    """The declaration that should give way: an operation before a constraint, then the lower
    priority, then the later declaration, then the larger id."""
    if not a.is_operation:
        return b
    if not b.is_operation:
        return a
    return max((a, b), key=lambda d: (-d.priority, d.declared_at_s, d.id))


def smallest_free_shift(forbidden: list[tuple[float, float]], limit: float) -> float | None:
    """The least shift >= 0 outside every open interval, or None beyond `limit`."""
    shift = 0.0
    for lower, upper in sorted(forbidden):
        if lower < shift < upper:
            shift = upper
    return shift if shift <= limit else None


def _widened(volume: Volume4D, *, time_up_s: float = 0.0, altitude_m: float = 0.0) -> Volume4D:
    return Volume4D(
        volume.footprint,
        Interval(volume.altitude_m.lower - altitude_m, volume.altitude_m.upper + altitude_m),
        Interval(volume.time_s.lower, volume.time_s.upper + time_up_s),
    )


def _forbidden_shifts(declaration: Declaration, declarations: DeclarationSet, widened: list[Volume4D],
                      axis: str) -> list[tuple[float, float]]:
    """Open intervals of shifts along `axis` ("time_s" or "altitude_m") that would make some
    volume pair overlap, for pairs that already overlap in plan and in the other dimension."""
    fixed = "altitude_m" if axis == "time_s" else "time_s"
    forbidden = []
    for other in declarations.candidates_near(widened):
        if other.id == declaration.id or not can_conflict(declaration, other):
            continue
        for mine in declaration.volumes:
            for theirs in other.volumes:
                if getattr(mine, fixed).overlaps(getattr(theirs, fixed)) and footprints_overlap(mine.footprint, theirs.footprint):
                    moving, blocking = getattr(mine, axis), getattr(theirs, axis)
                    forbidden.append((blocking.lower - moving.upper, blocking.upper - moving.lower))
    return forbidden


def earliest_delay_s(declaration: Declaration, declarations: DeclarationSet, limit_s: float = MAX_DELAY_S) -> float | None:
    widened = [_widened(v, time_up_s=limit_s) for v in declaration.volumes]
    return smallest_free_shift(_forbidden_shifts(declaration, declarations, widened, "time_s"), limit_s)


def nearest_altitude_shift_m(
    declaration: Declaration, declarations: DeclarationSet, limit_m: float = MAX_ALTITUDE_SHIFT_M
) -> float | None:
    widened = [_widened(v, altitude_m=limit_m) for v in declaration.volumes]
    forbidden = _forbidden_shifts(declaration, declarations, widened, "altitude_m")
    lowest = min(v.altitude_m.lower for v in declaration.volumes)
    forbidden.append((-math.inf, min(0.0, FLOOR_M - lowest)))
    up = smallest_free_shift(forbidden, limit_m)
    down = smallest_free_shift([(-hi, -lo) for lo, hi in forbidden], limit_m)
    options = [s for s in (up, None if down is None else -down) if s is not None and math.isfinite(s)]
    return min(options, key=lambda s: (abs(s), s < 0)) if options else None


def advise(declaration: Declaration, declarations: DeclarationSet) -> Advice:
    return Advice(declaration.id, earliest_delay_s(declaration, declarations),
                  nearest_altitude_shift_m(declaration, declarations))
