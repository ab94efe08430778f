"""Need to know: what a party is shown of another party's declaration.

Only the extent that touches the receiver's own declaration: the plan intersection of the two
footprints, the shared altitude band and the shared time window. Never the other volumes, never
the purpose. A party learns where the other will be inside its own area, and nothing more.
"""

from __future__ import annotations

from ...geo import Volume4D, overlap_region, volumes_intersect
from ...model import Declaration


def disclosed_extent(receiver: Declaration, subject: Declaration) -> list[Volume4D]:
    """`subject`'s volumes clipped to `receiver`'s, as the receiver may see them."""
    shown: list[Volume4D] = []
    for mine in receiver.volumes:
        for theirs in subject.volumes:
            if not volumes_intersect(mine, theirs):
                continue
            altitude = mine.altitude_m.intersection(theirs.altitude_m)
            window = mine.time_s.intersection(theirs.time_s)
            shown += [Volume4D(region, altitude, window) for region in overlap_region(mine.footprint, theirs.footprint)]
    return shown
