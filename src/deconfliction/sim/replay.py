"""Replays a scenario through the real application (the one writer, store, ledger, hotline) in fast time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..app import App, DeclarationOutcome
from ..app.usecases import advice_in_force
from ..app.views import disclosure, when
from ..store.codec import finite_or_none
from ..clock import ManualClock
from ..engine.ledger import Verification
from ..errors import DeconflictionError
from ..geo import Volume4D, dump_volume4d
from ..model import Advice, Conflict, LateNotice, Nonconformance, Notice, NoticeState
from ..store import Database, ledger_repo
from .scenario import Scenario, ScenarioAcknowledgement, ScenarioDeclaration, timeline


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
                               "altitude_m": [finite_or_none(v.overlap.altitude_m.lower), finite_or_none(v.overlap.altitude_m.upper)],
                               "time": [when(v.overlap.time_s.lower), when(v.overlap.time_s.upper)]}
                              for v in c.volumes]}
                for c in self.conflicts
            ],
            "late_notices": [
                {"id": n.declaration_id, "version": n.version, "notice_s": n.notice_s, "required_s": n.required_s}
                for n in sorted(self.late_notices, key=lambda n: (n.declaration_id, n.version))
            ],
            "notices": [
                {"id": n.id, "to": n.to_party, "reason": n.reason.value, "about": n.about, "version": n.about_version,
                 "other": n.other, "sent_at": when(n.sent_at_s), "delivered_at": when(n.delivered_at_s),
                 "deadline": when(n.deadline_s),
                 "state": n.state.value, "acknowledged_at": when(n.acknowledged_at_s),
                 "escalated_at": when(n.escalated_at_s),
                 "extent": [dump_volume4d(v) for v in self.extents.get(n.id, ())]}
                for n in self.notices
            ],
            "advice": [{"id": a.declaration_id, "delay_s": a.delay_s, "altitude_shift_m": a.altitude_shift_m}
                       for a in self.advice],
            "acknowledgements": [
                {"party": a.party, "notice_of": a.notice_of, "at": when(a.at_s), "accepted": a.accepted,
                 "reason": a.reason} for a in self.acknowledgements
            ],
            "nonconformances": [
                {"operation": e.operation_id, "party": e.party, "track": e.track_id, "at": when(e.t_s),
                 "reason": e.reason.value} for e in self.nonconformances
            ],
            "ledger": {"ok": self.ledger.ok, "entries": self.ledger.entries, "head": self.ledger.head_hash},
        }


async def replay(scenario: Scenario, database: Database) -> ReplayReport:
    """Make the scenario's declarations and acknowledgements in time order, escalating silence
    at each deadline as it passes, until `until` or the last deadline."""
    events = timeline(scenario)
    start = events[0][0] if events else 0.0
    clock = ManualClock(start)
    app = App(database, clock, rules=scenario.rules)
    try:
        for party in scenario.parties:
            await app.add_party(party.id, party.name)
        outcomes: list[DeclarationOutcome] = []
        acks: list[AcknowledgementOutcome] = []
        escalations: list[Notice] = []
        strays: list[Nonconformance] = []
        for at_s, event in events:
            escalations += await _escalate_before(app, clock, at_s)
            clock.set(at_s)
            if isinstance(event, ScenarioDeclaration):
                outcomes.append(await app.declare(
                    party=event.party, declaration_id=event.id, kind=event.kind, volumes=event.volumes,
                    priority=event.priority, purpose=event.purpose))
            elif isinstance(event, ScenarioAcknowledgement):
                acks.append(await _acknowledge(app, event))
            else:
                operation = app.state.operation(event.operation)
                owner = operation.party if operation is not None else ""
                observed = await app.ingest_tracks(owner, [replace(event.state, operation=event.operation)])
                strays += observed.nonconformances
        pending = [n.deadline_s for n in app.state.notices.values() if n.state is NoticeState.SENT]
        until = scenario.until_s if scenario.until_s is not None else max([clock.now_s(), *pending])
        escalations += await _escalate_before(app, clock, until)
        clock.set(until)
        escalations += await app.escalate_due()
        return report_of(app, scenario, outcomes, acks, escalations, strays, clock.now_s())
    finally:
        app.writer.close()


def report_of(app: App, scenario: Scenario, outcomes: list[DeclarationOutcome], acks: list[AcknowledgementOutcome],
              escalations: list[Notice], strays: list[Nonconformance], ended_at_s: float) -> ReplayReport:
    """The report from what the application recorded."""
    state = app.state
    notices = sorted(state.notices.values(), key=lambda n: (n.sent_at_s, n.id))
    with app.db.read() as connection:
        verification = ledger_repo.verify(connection)
    return ReplayReport(
        scenario, tuple(outcomes), tuple(acks), tuple(escalations), tuple(strays),
        tuple(state.declarations.all_conflicts()), tuple(state.late_notices[k] for k in sorted(state.late_notices)), tuple(notices), advice_in_force(state), verification,
        ended_at_s, {n.id: tuple(disclosure(state, n)) for n in notices if n.state is not NoticeState.SUPERSEDED},
    )


async def _escalate_before(app: App, clock: ManualClock, at_s: float) -> list[Notice]:
    """Walk the clock through every deadline strictly before `at_s` (one on the dot is in time)."""
    escalated: list[Notice] = []
    while True:
        due = [n.deadline_s for n in app.state.notices.values() if n.state is NoticeState.SENT and n.deadline_s < at_s]
        if not due:
            return escalated
        clock.set(min(due))
        escalated += await app.escalate_due()


async def _acknowledge(app: App, event: ScenarioAcknowledgement) -> AcknowledgementOutcome:
    try:
        await app.acknowledge_about(party=event.party, declaration_id=event.notice_of, version=event.version)
    except DeconflictionError as refused:
        return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, False, refused.message)
    return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, True)
