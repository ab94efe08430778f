"""Replays a scenario through the real service (store, ledger, hotline) in fast time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..clock import ManualClock
from ..errors import DeconflictionError
from ..geo import Volume4D, dump_volume4d, format_instant
from ..engine.ledger import Verification
from ..model import Advice, Conflict, LateNotice, Nonconformance, NonconformanceReason, Notice, NoticeState, TrackState
from ..service import Deconfliction, DeclarationOutcome
from ..store import Database
from ..engine.tactical.conformance import nonconformances
from .scenario import Scenario, ScenarioAcknowledgement, ScenarioDeclaration


@dataclass(frozen=True, slots=True)
class _Observation:
    operation: str
    state: TrackState


@dataclass(frozen=True, slots=True)
class AcknowledgementOutcome:
    party: str
    notice_of: str
    at_s: float
    accepted: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ReplayReport:
    scenario: Scenario
    outcomes: tuple[DeclarationOutcome, ...]
    acknowledgements: tuple[AcknowledgementOutcome, ...]
    escalations: tuple[Notice, ...]
    nonconformances: tuple[Nonconformance, ...]
    conflicts: tuple[Conflict, ...]
    late_notices: tuple[LateNotice, ...]
    notices: tuple[Notice, ...]
    advice: tuple[Advice, ...]
    ledger: Verification
    ended_at_s: float
    extents: dict[str, tuple[Volume4D, ...]]  # by notice id: what its receiver is shown

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "conflicts": [
                {"a": c.a, "b": c.b, "volumes": [[v.i, v.j] for v in c.volumes],
                 "overlaps": [{"i": v.i, "j": v.j, "area_m2": round(v.overlap.area_m2, 3),
                               "altitude_m": [_finite(v.overlap.altitude_m.lower), _finite(v.overlap.altitude_m.upper)],
                               "time": [_when(v.overlap.time_s.lower), _when(v.overlap.time_s.upper)]}
                              for v in c.volumes]}
                for c in self.conflicts
            ],
            "late_notices": [
                {"id": n.declaration_id, "version": n.version, "notice_s": n.notice_s, "required_s": n.required_s}
                for n in sorted(self.late_notices, key=lambda n: (n.declaration_id, n.version))
            ],
            "notices": [
                {"id": n.id, "to": n.to_party, "reason": n.reason.value, "about": n.about, "version": n.about_version,
                 "other": n.other, "sent_at": _when(n.sent_at_s), "deadline": _when(n.deadline_s),
                 "state": n.state.value, "acknowledged_at": _when(n.acknowledged_at_s),
                 "escalated_at": _when(n.escalated_at_s),
                 "extent": [dump_volume4d(v) for v in self.extents.get(n.id, ())]}
                for n in self.notices
            ],
            "advice": [{"id": a.declaration_id, "delay_s": a.delay_s, "altitude_shift_m": a.altitude_shift_m}
                       for a in self.advice],
            "acknowledgements": [
                {"party": a.party, "notice_of": a.notice_of, "at": _when(a.at_s), "accepted": a.accepted,
                 "reason": a.reason} for a in self.acknowledgements
            ],
            "nonconformances": [
                {"operation": e.operation_id, "party": e.party, "track": e.track_id, "at": _when(e.t_s),
                 "reason": e.reason.value} for e in self.nonconformances
            ],
            "ledger": {"ok": self.ledger.ok, "entries": self.ledger.entries, "head": self.ledger.head_hash},
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _when(seconds: float | None) -> str | None:
    return format_instant(seconds) if seconds is not None and math.isfinite(seconds) else None


def replay(scenario: Scenario, database: Database) -> ReplayReport:
    """Make the scenario's declarations and acknowledgements in time order, escalating silence
    at each deadline as it passes, until `until` or the last deadline."""
    events: list[tuple[float, int, int, ScenarioDeclaration | ScenarioAcknowledgement | _Observation]] = [
        (d.declared_at_s, 0, i, d) for i, d in enumerate(scenario.declarations)
    ] + [(a.at_s, 1, i, a) for i, a in enumerate(scenario.acknowledgements)]
    events += [(state.t_s, 2, i, _Observation(track.operation, state))
               for i, track in enumerate(scenario.tracks) for state in track.states]
    events.sort(key=lambda e: e[:3])
    start = events[0][0] if events else 0.0
    clock = ManualClock(start)
    service = Deconfliction(database, clock, scenario.rules)
    for party in scenario.parties:
        service.add_party(party)
    outcomes: list[DeclarationOutcome] = []
    acks: list[AcknowledgementOutcome] = []
    escalations: list[Notice] = []
    strays: list[Nonconformance] = []
    last_reason: dict[str, NonconformanceReason | None] = {}
    for at_s, _, _, event in events:
        escalations += _escalate_before(service, clock, at_s)
        clock.set(at_s)
        if isinstance(event, ScenarioDeclaration):
            outcomes.append(service.declare(
                declaration_id=event.id, party=event.party, kind=event.kind, volumes=event.volumes,
                priority=event.priority, purpose=event.purpose))
        elif isinstance(event, ScenarioAcknowledgement):
            acks.append(_acknowledge(service, event))
        else:
            found = nonconformances([service.declaration(event.operation)], [event.state],
                                    {event.state.id: event.operation})
            reason = found[0].reason if found else None
            if reason is not None and reason != last_reason.get(event.state.id):
                service.report_nonconformance(found[0])
                strays.append(found[0])
            last_reason[event.state.id] = reason
    pending = [n.deadline_s for n in service.notices() if n.state is NoticeState.SENT]
    until = scenario.until_s if scenario.until_s is not None else max([clock.now_s(), *pending])
    escalations += _escalate_before(service, clock, until)
    clock.set(until)
    escalations += service.escalate_due()
    return ReplayReport(
        scenario, tuple(outcomes), tuple(acks), tuple(escalations), tuple(strays), tuple(service.conflicts()),
        tuple(service.late_notices()), tuple(service.notices()), service.advice(), service.verify_ledger(),
        clock.now_s(), {n.id: tuple(service.disclosure(n)) for n in service.notices() if n.state is not NoticeState.SUPERSEDED},
    )


def _escalate_before(service: Deconfliction, clock: ManualClock, at_s: float) -> list[Notice]:
    """Walk the clock through every deadline strictly before `at_s` (one on the dot is in time)."""
    escalated: list[Notice] = []
    while True:
        due = [n.deadline_s for n in service.notices() if n.state is NoticeState.SENT and n.deadline_s < at_s]
        if not due:
            return escalated
        clock.set(min(due))
        escalated += service.escalate_due()


def _acknowledge(service: Deconfliction, event: ScenarioAcknowledgement) -> AcknowledgementOutcome:
    try:
        service.acknowledge(party=event.party, declaration_id=event.notice_of, version=event.version)
    except DeconflictionError as refused:
        return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, False, refused.message)
    return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, True)
