"""The domain: parties, declarations, subscriptions, conflicts, notices, events, tracks. Values only."""

from .conflicts import Advice, Conflict, LateNotice, VolumeOverlap
from .declarations import Declaration, DeclarationKind, OperationState, Party
from .events import Event, EventKind, LedgerRecord, Webhook
from .notices import Notice, NoticeReason, NoticeState
from .subscriptions import (
    Availability,
    Report,
    SubscriberToNotify,
    Subscription,
    SubscriptionState,
    UssAvailability,
)
from .tracks import Nonconformance, NonconformanceReason, TrackState

__all__ = [
    "Advice", "Availability", "Conflict", "Declaration", "DeclarationKind", "Event", "EventKind", "LateNotice",
    "LedgerRecord", "Nonconformance", "NonconformanceReason", "Notice", "NoticeReason", "NoticeState",
    "OperationState", "Party", "Report", "SubscriberToNotify", "Subscription", "SubscriptionState", "TrackState",
    "UssAvailability", "VolumeOverlap", "Webhook",
]
