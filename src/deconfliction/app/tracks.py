"""Live tracks: the latest state of each track, conformance to its operation, and predicted
losses of separation between tracks of different parties. Owned by one `App`; the decisions
are the tactical engine's."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.state import State
from ..engine.tactical import Protection, Traffic, detect_conflicts, nonconformances
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..model import Nonconformance, NonconformanceReason, TrackState


@dataclass(frozen=True, slots=True)
class Alert:
    tracks: tuple[str, str]
    parties: tuple[str, str]
    tcpa_s: float
    dcpa_m: float
    loss_now: bool


@dataclass
class TrackMonitor:
    protection: Protection
    latest: dict[str, TrackState] = field(default_factory=dict)
    party_of: dict[str, str] = field(default_factory=dict)
    last_reason: dict[str, NonconformanceReason | None] = field(default_factory=dict)
    alerted: set[tuple[str, str]] = field(default_factory=set)
    current: dict[tuple[str, str], Alert] = field(default_factory=dict)
    """Every pair of different parties' tracks predicted to lose separation now or within the
    look-ahead, as of the last observation (what a console highlights)."""

    def observe(self, state: State, party: str, states: list[TrackState]) -> tuple[list[Nonconformance], list[Alert]]:
        """Take a party's states: the nonconformance transitions they show, and the new
        predicted losses of separation with other parties' tracks."""
        for i, s in enumerate(states):
            if s.operation:
                operation = state.operation(s.operation)
                if operation is None:
                    raise NotFound(f"states[{i}].operation: no operation {s.operation!r}")
                if operation.party != party:
                    raise PermissionDenied(f"states[{i}].operation: {s.operation} is another party's operation")
            owner = self.party_of.get(s.id)
            if owner is not None and owner != party:
                raise InvalidInput(f"states[{i}].track", f"track {s.id!r} is reported by another party")
        strays: list[Nonconformance] = []
        for s in sorted(states, key=lambda s: s.t_s):
            self.party_of[s.id] = party
            previous = self.latest.get(s.id)
            if previous is None or s.t_s >= previous.t_s:
                self.latest[s.id] = s
            if not s.operation:
                continue
            found = nonconformances([state.operation(s.operation)], [s], {s.id: s.operation})  # type: ignore[list-item]
            reason = found[0].reason if found else None
            if reason is not None and reason != self.last_reason.get(s.id):
                strays.append(found[0])
            self.last_reason[s.id] = reason
        return strays, self._alerts()

    def _alerts(self) -> list[Alert]:
        ids = sorted(self.latest)
        if len(ids) < 2:
            return []
        rows = [self.latest[i] for i in ids]
        traffic = Traffic.of(
            lat_deg=np.array([r.lat for r in rows]), lon_deg=np.array([r.lng for r in rows]),
            alt_m=np.array([r.alt_m for r in rows]), gs_mps=np.array([r.gs_mps for r in rows]),
            trk_deg=np.array([r.trk_deg for r in rows]), vs_mps=np.array([r.vs_mps for r in rows]))
        found = detect_conflicts(traffic, self.protection)
        losses = {(int(a), int(b)) for a, b in zip(found.los_a, found.los_b, strict=True)}
        current: dict[tuple[str, str], Alert] = {}
        fresh: list[Alert] = []
        for k in range(len(found)):
            a, b = int(found.a[k]), int(found.b[k])
            pa, pb = self.party_of[ids[a]], self.party_of[ids[b]]
            if pa == pb:
                continue  # a party separates its own aircraft
            pair = (ids[a], ids[b])
            current[pair] = Alert(pair, (pa, pb), float(found.tcpa_s[k]), float(found.dcpa_m[k]), (a, b) in losses)
            if pair not in self.alerted:
                fresh.append(current[pair])
        self.alerted = set(current)  # a pair that cleared alerts again if it closes in again
        self.current = current
        return fresh
