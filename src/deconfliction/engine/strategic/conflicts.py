"""Conflicts between declarations: the broad phase on a volume index, the narrow phase exact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ...geo import Circle, Interval, Volume4D, volumes_intersect, volumes_overlap
from ...geo.bounds import footprint_cap
from ...geo.index import VolumeIndex
from ...geo.plane import centre_of
from ...model import Conflict, Declaration, OperationState, VolumeOverlap

MEAN_RADIUS_M = 6_371_008.8


def can_conflict(a: Declaration, b: Declaration) -> bool:
    """Different parties, at least one operation, neither an ended operation."""
    if a.party == b.party or a.id == b.id:
        return False
    if not (a.is_operation or b.is_operation):
        return False
    return not any(d.is_operation and d.state is OperationState.ENDED for d in (a, b))


def conflict_between(a: Declaration, b: Declaration) -> Conflict | None:
    """The conflict of two declarations with every overlapping volume pair, or None."""
    if a.id > b.id:
        a, b = b, a
    pairs = []
    for i, va in enumerate(a.volumes):
        for j, vb in enumerate(b.volumes):
            overlap = volumes_overlap(va, vb)
            if overlap is not None:
                pairs.append(VolumeOverlap(i, j, overlap))
    if not pairs:
        return None
    return Conflict(a.id, b.id, a.version, b.version, tuple(pairs))


class DeclarationSet:
    """The declarations in force, indexed in 4D. Pure: an in-memory value the shells load and feed."""

    def __init__(self, declarations: Iterable[Declaration] = ()) -> None:
        self._declarations = {d.id: d for d in declarations}
        self._index: VolumeIndex[str] = VolumeIndex((d.id, d.volumes) for d in self._declarations.values())

    def __len__(self) -> int:
        return len(self._declarations)

    def __contains__(self, declaration_id: object) -> bool:
        return declaration_id in self._declarations

    def __iter__(self) -> Iterator[Declaration]:
        return iter(self._declarations.values())

    def get(self, declaration_id: str) -> Declaration | None:
        return self._declarations.get(declaration_id)

    def put(self, declaration: Declaration) -> None:
        self._declarations[declaration.id] = declaration
        self._index.add(declaration.id, declaration.volumes)

    def remove(self, declaration_id: str) -> None:
        self._declarations.pop(declaration_id, None)
        self._index.remove(declaration_id)

    @contextmanager
    def including(self, declaration: Declaration) -> Iterator[DeclarationSet]:
        """This set with `declaration` in force for the block (a decision that weighs a write
        before it is applied), then exactly as it was."""
        old = self._declarations.get(declaration.id)
        self.put(declaration)
        try:
            yield self
        finally:
            if old is None:
                self.remove(declaration.id)
            else:
                self.put(old)

    def candidates(self, declaration: Declaration) -> list[Declaration]:
        """Declarations whose boxes meet this one's (broad phase only)."""
        keys = self._index.candidates_any(declaration.volumes)
        return [self._declarations[k] for k in sorted(keys) if k != declaration.id]

    def candidates_near(self, volumes: Iterable[Volume4D]) -> list[Declaration]:
        keys = self._index.candidates_any(volumes)
        return [self._declarations[k] for k in sorted(keys)]

    def near(self, declaration: Declaration, at_s: float, *, margin_m: float, margin_s: float) -> list[Declaration]:
        """Other declarations within `margin_m` (plan and altitude) of `declaration`'s volumes
        around `at_s`: who must hear that its aircraft strayed."""
        widened = []
        for volume in declaration.volumes:
            cap = footprint_cap(volume.footprint)
            centre = centre_of(volume.footprint)
            radius = cap.angle_rad * MEAN_RADIUS_M + margin_m
            widened.append(Volume4D(
                Circle(centre, radius),
                Interval(volume.altitude_m.lower - margin_m, volume.altitude_m.upper + margin_m),
                Interval(at_s - margin_s, at_s + margin_s),
            ))
        return [
            d for d in self.candidates_near(widened)
            if d.id != declaration.id and any(volumes_intersect(w, v) for w in widened for v in d.volumes)
        ]

    def conflicts_of(self, declaration: Declaration) -> list[Conflict]:
        """Every conflict `declaration` would have with the declarations in force (it need not be in the set)."""
        found = []
        for other in self.candidates(declaration):
            if can_conflict(declaration, other):
                conflict = conflict_between(declaration, other)
                if conflict is not None:
                    found.append(conflict)
        return sorted(found, key=lambda c: c.key)

    def all_conflicts(self) -> list[Conflict]:
        seen: dict[tuple[str, str], Conflict] = {}
        for declaration in self._declarations.values():
            for conflict in self.conflicts_of(declaration):
                seen.setdefault(conflict.key, conflict)
        return [seen[k] for k in sorted(seen)]
