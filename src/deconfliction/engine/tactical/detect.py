"""Conflict detection for one snapshot of traffic: broad phase, then exact CPA on candidates.

A pair is in conflict when, flying straight on, both its horizontal distance drops below rpz
and its vertical distance below hpz within the look-ahead (BlueSky's rule: tin <= tout,
tout > 0, tin < look-ahead). A pair is in loss of separation when both hold now (strict).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .broadphase import BROAD_PHASES
from .cpa import closest_approach
from .traffic import DEFAULT_PROTECTION, Protection, Traffic


@dataclass(frozen=True, slots=True, eq=False)
class Detection:
    """Conflicts and losses of separation among the aircraft of one `Traffic`.

    Conflicts: index pairs (`a[k]` < `b[k]`), sorted, with `tcpa_s` (time to closest
    approach), `dcpa_m` (horizontal distance then), `tin_s` and `tout_s` (the window of lost
    separation; `tin_s` < 0 when it is already lost, +-inf when it never ends or began).
    Losses of separation now: (`los_a[k]` < `los_b[k]`), sorted; each is also a conflict
    (up to rounding at the zone's edge). `candidates`: how many pairs the broad phase proposed.
    """

    a: np.ndarray
    b: np.ndarray
    tcpa_s: np.ndarray
    dcpa_m: np.ndarray
    tin_s: np.ndarray
    tout_s: np.ndarray
    los_a: np.ndarray
    los_b: np.ndarray
    candidates: int

    def __len__(self) -> int:
        return len(self.a)


def detect_conflicts(
    traffic: Traffic,
    protection: Protection = DEFAULT_PROTECTION,
    *,
    broad_phase: str = "grid",
) -> Detection:
    """Every pair that loses separation within `protection.lookahead_s`, and every pair that
    has lost it now. `broad_phase` names an entry of `BROAD_PHASES` ("all" is the O(N^2)
    reference)."""
    east, north = traffic.velocity_en()
    candidates = BROAD_PHASES[broad_phase](traffic, protection, east, north)
    geometry = closest_approach(traffic, protection, candidates.a, candidates.b, east, north)
    hit = np.flatnonzero(geometry.conflict)
    order = hit[np.lexsort((geometry.b[hit], geometry.a[hit]))]
    lost = np.flatnonzero(geometry.los)
    lost = lost[np.lexsort((geometry.b[lost], geometry.a[lost]))]
    return Detection(
        a=geometry.a[order],
        b=geometry.b[order],
        tcpa_s=geometry.tcpa_s[order],
        dcpa_m=geometry.dcpa_m[order],
        tin_s=geometry.tin_s[order],
        tout_s=geometry.tout_s[order],
        los_a=geometry.a[lost],
        los_b=geometry.b[lost],
        candidates=len(candidates),
    )
