"""The ASTM F3548-21 DSS as pure decisions over an in-memory registry (no I/O, no HTTP).

`registry.Registry` holds the current state; the functions in `oir`, `constraints`,
`subscriptions` and `availability` decide a write and return an `Outcome` (the change to
commit, the answer, the subscribers to notify). The store commits the change with its ledger
entry; the API is a thin shell over both.
"""

from .common import Caller, Outcome, RandomTokens, Tokens
from .entities import (
    NULL_SUBSCRIPTION_ID,
    Availability,
    ConstraintRef,
    OpIntentRef,
    OpIntentState,
    Report,
    SubscriberToNotify,
    Subscription,
    SubscriptionState,
    UssAvailability,
)
from .registry import Change, Registry

__all__ = [
    "NULL_SUBSCRIPTION_ID", "Availability", "Caller", "Change", "ConstraintRef", "OpIntentRef", "OpIntentState",
    "Outcome", "RandomTokens", "Registry", "Report", "SubscriberToNotify", "Subscription", "SubscriptionState",
    "Tokens", "UssAvailability",
]
