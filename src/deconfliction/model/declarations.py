"""Parties and what they declare: operations (F3548 operational intents) and constraints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..geo import Volume4D


class DeclarationKind(StrEnum):
    OPERATION = "operation"
    CONSTRAINT = "constraint"


class OperationState(StrEnum):
    """F3548 operational intent states."""

    ACCEPTED = "Accepted"
    ACTIVATED = "Activated"
    NONCONFORMING = "Nonconforming"
    CONTINGENT = "Contingent"
    ENDED = "Ended"


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Declaration:
    """An operation (where a party will fly) or a constraint (a protected site or restricted zone).

    `version` starts at 1 and grows by one with every change; acknowledgements name it.
    """

    id: str
    party: str
    kind: DeclarationKind
    volumes: tuple[Volume4D, ...]
    declared_at_s: float
    priority: int = 0
    version: int = 1
    state: OperationState = OperationState.ACCEPTED
    purpose: str = field(default="", compare=False)  # never shown to other parties

    @property
    def is_operation(self) -> bool:
        return self.kind is DeclarationKind.OPERATION

    @property
    def start_s(self) -> float:
        return min((v.time_s.lower for v in self.volumes), default=math.inf)

    @property
    def end_s(self) -> float:
        return max((v.time_s.upper for v in self.volumes), default=-math.inf)

    def revised(self, *, volumes: tuple[Volume4D, ...], declared_at_s: float) -> Declaration:
        return replace(self, volumes=volumes, declared_at_s=declared_at_s, version=self.version + 1)
