"""Need to know: what a party is shown of another party's declaration.

Only the extent that touches the receiver's own declaration: the plan intersection of the two
footprints, the shared altitude band and the shared time window. Never the other volumes, never
the purpose. A party learns where the other will be inside its own area, and nothing more.
"""

from __future__ import annotations

from ...geo import Footprint, Volume4D, plan_intersection, volumes_intersect
from ...model import Conflict, Declaration


def disclosed_extent(receiver: Declaration, subject: Declaration) -> list[Volume4D]:
    """`subject`'s volumes clipped to `receiver`'s, as the receiver may see them."""
    shown: list[Volume4D] = []
    for mine in receiver.volumes:
        for theirs in subject.volumes:
            if not volumes_intersect(mine, theirs):
                continue
            altitude = mine.altitude_m.intersection(theirs.altitude_m)
            window = mine.time_s.intersection(theirs.time_s)
            shown += [Volume4D(region, altitude, window) for region in _shared_region(receiver, mine, subject, theirs)]
    return shown


def _shared_region(receiver: Declaration, mine: Volume4D, subject: Declaration, theirs: Volume4D) -> list[Footprint]:
    """The plan intersection of two volumes' footprints, built in one order whichever side looks
    (the declaration with the smaller id first, as a conflict spells them): both parties, and
    every view of one notice, get the same polygons. When it is too intricate to build, the
    receiver's own footprint, never the subject's."""
    regions = (plan_intersection(mine.footprint, theirs.footprint) if receiver.id <= subject.id
               else plan_intersection(theirs.footprint, mine.footprint))
    return [mine.footprint] if regions is None else regions


def conflict_extents(a: Declaration, b: Declaration, conflict: Conflict) -> dict[str, list[Volume4D]]:
    """What each side of a conflict may see of the other, by receiving declaration id: exactly
    `disclosed_extent(receiver, subject)`, built from the volume pairs the conflict already found
    to overlap (not tested again) and once for both sides (`_shared_region`)."""
    assert (conflict.a, conflict.b) == (a.id, b.id) and a.id <= b.id
    seen_by_a: list[Volume4D] = []
    by_pair: dict[tuple[int, int], list[Volume4D]] = {}
    for pair in conflict.volumes:  # in a's volume order, then b's: disclosed_extent's order for receiver a
        va, vb = a.volumes[pair.i], b.volumes[pair.j]
        regions = plan_intersection(va.footprint, vb.footprint)  # None: each side sees its own footprint
        seen_by_a += [Volume4D(region, pair.overlap.altitude_m, pair.overlap.time_s)
                      for region in ([va.footprint] if regions is None else regions)]
        by_pair[(pair.j, pair.i)] = [Volume4D(region, pair.overlap.altitude_m, pair.overlap.time_s)
                                     for region in ([vb.footprint] if regions is None else regions)]
    seen_by_b = [volume for key in sorted(by_pair) for volume in by_pair[key]]  # b's volume order, then a's
    return {a.id: seen_by_a, b.id: seen_by_b}
