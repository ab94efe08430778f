"""Does a subscription cover an intent? F3548 wants every intent's volume inside the area its
subscription watches, or its manager would miss changes that concern it."""

from __future__ import annotations

import shapely

from ...geo import Volume4D
from ...geo.plane import LocalPlane, centre_of

# Projection rounding: a footprint that fits to within this is inside.
PLAN_TOLERANCE_M = 0.5
# Clients echo times at the precision they were shown (RFC 3339 text, often milliseconds).
TIME_TOLERANCE_S = 1e-3


def volume_covers(outer: Volume4D, inner: Volume4D) -> bool:
    if (outer.time_s.lower > inner.time_s.lower + TIME_TOLERANCE_S
            or outer.time_s.upper < inner.time_s.upper - TIME_TOLERANCE_S):
        return False
    if outer.altitude_m.lower > inner.altitude_m.lower or outer.altitude_m.upper < inner.altitude_m.upper:
        return False
    plane = LocalPlane(centre_of(outer.footprint, inner.footprint))
    outer_shape = plane.shape(outer.footprint).buffer(PLAN_TOLERANCE_M)
    return bool(shapely.contains(outer_shape, plane.shape(inner.footprint)))


def extents_cover(outer: tuple[Volume4D, ...], inner: tuple[Volume4D, ...]) -> bool:
    """Each inner volume inside one outer volume (what an explicit subscription must offer)."""
    return all(any(volume_covers(o, i) for o in outer) for i in inner)
