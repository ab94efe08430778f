"""Strategic findings: conflicts between declarations and late notices."""

from __future__ import annotations

from dataclasses import dataclass

from ..geo import Overlap


@dataclass(frozen=True, slots=True)
class VolumeOverlap:
    """Volume `i` of declaration a overlaps volume `j` of declaration b."""

    i: int
    j: int
    overlap: Overlap


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two declarations of different parties overlap in 4D; at least one is an operation.

    `a` < `b` by id, so a conflict has one spelling.
    """

    a: str
    b: str
    a_version: int
    b_version: int
    volumes: tuple[VolumeOverlap, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.a, self.b)

    def other(self, declaration_id: str) -> str:
        return self.b if declaration_id == self.a else self.a


@dataclass(frozen=True, slots=True)
class LateNotice:
    """An operation declared with less lead time than `rules.min_notice` before it starts."""

    declaration_id: str
    version: int
    notice_s: float
    required_s: float


@dataclass(frozen=True, slots=True)
class Advice:
    """How a conflicting operation could clear every conflict it has.

    `delay_s`: the earliest shift later in time; `altitude_shift_m`: the smallest vertical shift
    (up or down) to a band free of every conflicting volume. None where no such shift exists
    within the search limits.
    """

    declaration_id: str
    delay_s: float | None
    altitude_shift_m: float | None
