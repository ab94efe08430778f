"""What a party is told, in order: events of its stream, and the ledger's records of a write."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    NOTICE = "notice"
    ESCALATION = "escalation"
    CONFLICT = "conflict"
    STATE_CHANGE = "state_change"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class Event:
    """One event of `party`'s stream; `seq` is its place in that stream (1, 2, ...).

    `deadline_s` bounds how long delivery is worth retrying (a notice's acknowledgement
    deadline); None means as long as the receiver keeps a webhook."""

    party: str
    seq: int
    kind: EventKind
    at_s: float
    payload: dict[str, Any]
    deadline_s: float | None = None

    @property
    def id(self) -> str:
        return f"{self.party}:{self.seq}"


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """What a write appends to the ledger (the chain fields are added by the store)."""

    actor: str
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Webhook:
    party: str
    url: str
    secret: str
    delivered_seq: int = 0
