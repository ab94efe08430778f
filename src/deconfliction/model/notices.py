"""Hotline values: notices to parties, acknowledgements with read-back, escalations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class NoticeReason(StrEnum):
    CONFLICT = "conflict"
    LATE_NOTICE = "late_notice"
    NONCONFORMING = "nonconforming"


class NoticeState(StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    SUPERSEDED = "superseded"  # the declaration changed; a notice about its new version replaces it


@dataclass(frozen=True, slots=True)
class Notice:
    """Tells `to_party` about declaration `about` at `about_version`, caused by `other` (if any).

    Acknowledging reads back `about` and `about_version`: it says "I have seen this version",
    not "I approve".
    """

    id: str
    to_party: str
    reason: NoticeReason
    about: str
    about_version: int
    other: str | None
    sent_at_s: float
    deadline_s: float
    state: NoticeState = NoticeState.SENT
    acknowledged_at_s: float | None = None
    escalated_at_s: float | None = None
    delivered_at_s: float | None = None  # when it first reached its party (event stream or webhook)

    def acknowledged(self, at_s: float) -> Notice:
        return replace(self, state=NoticeState.ACKNOWLEDGED, acknowledged_at_s=at_s)

    def escalated(self, at_s: float) -> Notice:
        return replace(self, state=NoticeState.ESCALATED, escalated_at_s=at_s)

    def delivered(self, at_s: float) -> Notice:
        return self if self.delivered_at_s is not None else replace(self, delivered_at_s=at_s)

    def superseded(self) -> Notice:
        return replace(self, state=NoticeState.SUPERSEDED)

    @property
    def open(self) -> bool:
        return self.state in (NoticeState.SENT, NoticeState.ESCALATED)
