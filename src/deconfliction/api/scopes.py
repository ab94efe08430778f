"""Scopes accepted per DSS operation, as the F3548 OpenAPI file's `security` lists them: each
entry is one alternative, and every scope of an alternative must be granted.
(tests/api/test_scopes.py checks this table against utm.yaml.)"""

from __future__ import annotations

from ..engine.f3548.common import AA, CM, CMSA, CP, SC

# The party API's scopes (/v1).
DECLARE = "deconfliction.declare"
ACKNOWLEDGE = "deconfliction.acknowledge"
INQUIRY = "deconfliction.inquiry"
PARTY_SCOPES = (DECLARE, ACKNOWLEDGE, INQUIRY)

OPERATION_SCOPES: dict[str, tuple[frozenset[str], ...]] = {
    "queryOperationalIntentReferences": (frozenset({SC}), frozenset({CMSA})),
    "getOperationalIntentReference": (frozenset({SC}), frozenset({CMSA})),
    "createOperationalIntentReference": (frozenset({SC}), frozenset({SC, CP}), frozenset({CMSA})),
    "updateOperationalIntentReference": (frozenset({SC}), frozenset({SC, CP}), frozenset({CMSA})),
    "deleteOperationalIntentReference": (frozenset({SC}), frozenset({CMSA})),
    "queryConstraintReferences": (frozenset({CM}), frozenset({CP})),
    "getConstraintReference": (frozenset({CM}), frozenset({CP})),
    "createConstraintReference": (frozenset({CM}),),
    "updateConstraintReference": (frozenset({CM}),),
    "deleteConstraintReference": (frozenset({CM}),),
    "querySubscriptions": (frozenset({CP}), frozenset({SC})),
    "getSubscription": (frozenset({CP}), frozenset({SC})),
    "createSubscription": (frozenset({CP}), frozenset({SC})),
    "updateSubscription": (frozenset({CP}), frozenset({SC})),
    "deleteSubscription": (frozenset({CP}), frozenset({SC})),
    "makeDssReport": (frozenset({CM}), frozenset({CP}), frozenset({SC}), frozenset({CMSA}), frozenset({AA})),
    "setUssAvailability": (frozenset({AA}),),
    "getUssAvailability": (frozenset({AA}), frozenset({SC}), frozenset({CMSA})),
}

# Beyond the DSS: /uss/v1 and /v1.
EXTRA_SCOPES: dict[str, tuple[frozenset[str], ...]] = {
    # /uss/v1: what this service answers as the manager of the declarations made over /v1
    "getOperationalIntentDetails": (frozenset({SC}),),
    "getConstraintDetails": (frozenset({CP}),),
    "notifyOperationalIntentDetailsChanged": (frozenset({SC}),),
    "notifyConstraintDetailsChanged": (frozenset({CP}),),
    # /v1
    "v1.declare": (frozenset({DECLARE}),),
    "v1.read": (frozenset({DECLARE}), frozenset({ACKNOWLEDGE}), frozenset({INQUIRY})),
    "v1.acknowledge": (frozenset({ACKNOWLEDGE}),),
    "v1.inquiry": (frozenset({INQUIRY}),),
}

ALL_SCOPES = {**OPERATION_SCOPES, **EXTRA_SCOPES}
