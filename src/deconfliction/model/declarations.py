"""Parties and what they declare: operations (F3548 operational intents) and constraints.

One entity whichever door a declaration comes through: a party's /v1 declaration, an F3548
operational intent or constraint reference written to /dss/v1 by a USS (its manager is the
party), or a scenario replayed by the CLI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..geo import Volume4D


class DeclarationKind(StrEnum):
    OPERATION = "operation"
    CONSTRAINT = "constraint"


class OperationState(StrEnum):
    """F3548 operational intent states (a constraint stays Accepted), plus Ended."""

    ACCEPTED = "Accepted"
    ACTIVATED = "Activated"
    NONCONFORMING = "Nonconforming"
    CONTINGENT = "Contingent"
    ENDED = "Ended"

    @property
    def requires_key(self) -> bool:
        """Nominal states must prove knowledge of the airspace; off-nominal ones may not be able to."""
        return self in (OperationState.ACCEPTED, OperationState.ACTIVATED)

    @property
    def off_nominal(self) -> bool:
        return self in (OperationState.NONCONFORMING, OperationState.CONTINGENT)


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str = ""
    public_key: str = ""  # Ed25519, base64url (engine.ledger.signing): what its signed requests verify with


@dataclass(frozen=True, slots=True)
class Declaration:
    """An operation (where a party will fly) or a constraint (a protected site or restricted zone).

    `party` is the F3548 manager. `version` starts at 1 and grows by one with every change of
    volumes or state; acknowledgements read it back. `ovn` is the F3548 opaque version number
    of the current version (what a USS's key must hold). `declared_at_s` is when this version
    was made. `uss_base_url` is where F3548 USSs fetch details (this service's own for
    declarations made over /v1); `subscription_id` the F3548 subscription it relies on.
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
    ovn: str = ""
    uss_base_url: str = ""
    subscription_id: str | None = None

    @property
    def is_operation(self) -> bool:
        return self.kind is DeclarationKind.OPERATION

    @property
    def start_s(self) -> float:
        return min((v.time_s.lower for v in self.volumes), default=math.inf)

    @property
    def end_s(self) -> float:
        return max((v.time_s.upper for v in self.volumes), default=-math.inf)

    def revised(self, *, volumes: tuple[Volume4D, ...], declared_at_s: float, **changes: object) -> Declaration:
        return replace(self, volumes=volumes, declared_at_s=declared_at_s, version=self.version + 1, **changes)  # type: ignore[arg-type]
