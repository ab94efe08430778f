"""Exact 4D matching of extents: does any volume of one list overlap any volume of another.

The broad phase is the registry's VolumeIndex; this is the narrow phase, the engine's exact
test (`geo.volumes_intersect`: open intervals, exact plan overlap). Time and altitude are tested
first because they are cheap and, in a busy area, usually decide.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..geo import Volume4D, footprints_overlap


def extents_intersect(a: Iterable[Volume4D], b: tuple[Volume4D, ...]) -> bool:
    for va in a:
        for vb in b:
            if (va.time_s.overlaps(vb.time_s) and va.altitude_m.overlaps(vb.altitude_m)
                    and footprints_overlap(va.footprint, vb.footprint)):
                return True
    return False
