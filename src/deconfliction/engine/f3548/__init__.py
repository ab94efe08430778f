"""The ASTM F3548-21 registry's rules as pure decisions over the shared `State` (no I/O, no HTTP).

The functions in `oir`, `constraints`, `subscriptions` and `availability` decide a write and
return an `Outcome` (the change to commit, the answer, the subscribers to notify): OVNs and
the key check, implicit and explicit subscriptions, notification indices, USS availability.
"""

from .common import NULL_SUBSCRIPTION_ID, Caller, Outcome, RandomTokens, Tokens

__all__ = ["NULL_SUBSCRIPTION_ID", "Caller", "Outcome", "RandomTokens", "Tokens"]
