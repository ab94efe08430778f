"""The deconfliction service: the shell that loads state, calls the pure engines, and saves.

Every operation is one serialized write transaction holding the state change, the notices it
causes and its ledger entries; the in-memory view is updated only after the commit, so a failure
leaves both the database and the view as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .clock import Clock
from .errors import InvalidInput, NotFound
from .geo import Volume4D, dump_volume4d
from .engine.hotline import acknowledge, disclosed_extent, nonconformance_notices, conflict_notices, escalate_due, late_notice_notices, superseded_by
from .engine.ledger import Verification
from .model import (
    Advice, Conflict, Declaration, DeclarationKind, LateNotice, Nonconformance, Notice, NoticeState, OperationState, Party,
)
from .store import Database, engine_repo, ledger_repo
from .engine.strategic import DeclarationSet, advise, can_conflict, late_notice, yielding_side


# Who hears of a stray aircraft: declarations within this distance and time of its operation's volumes.
NEARBY_MARGIN_M = 10_000.0
NEARBY_MARGIN_S = 900.0


@dataclass(frozen=True, slots=True)
class Rules:
    """`min_notice_s`: lead time an operation needs; `ack_deadline_s`: time to acknowledge a notice."""

    min_notice_s: float = 15 * 60.0
    ack_deadline_s: float = 5 * 60.0


@dataclass(frozen=True, slots=True)
class DeclarationOutcome:
    declaration: Declaration
    conflicts: tuple[Conflict, ...] = ()
    late_notice: LateNotice | None = None
    notices: tuple[Notice, ...] = ()
    advice: tuple[Advice, ...] = ()


@dataclass
class _View:
    parties: dict[str, Party] = field(default_factory=dict)
    declarations: DeclarationSet = field(default_factory=DeclarationSet)
    notices: dict[str, Notice] = field(default_factory=dict)


class Deconfliction:
    def __init__(self, database: Database, clock: Clock, rules: Rules | None = None) -> None:
        self.db = database
        self.clock = clock
        self.rules = rules or Rules()
        self._view = _View()
        with self.db.read() as connection:
            for party in engine_repo.load_parties(connection):
                self._view.parties[party.id] = party
            for declaration in engine_repo.load_declarations(connection):
                self._view.declarations.put(declaration)
            for notice in engine_repo.load_notices(connection):
                self._view.notices[notice.id] = notice

    # Parties ---------------------------------------------------------------------------------

    def add_party(self, party: Party) -> None:
        if party.id in self._view.parties:
            raise InvalidInput("id", f"party {party.id!r} already exists", subject=f"party {party.id}")
        with self.db.write() as connection:
            engine_repo.save_party(connection, party)
            ledger_repo.append(connection, at_s=self.clock.now_s(), actor=party.id, kind="party_registered",
                               payload={"party": party.id, "name": party.name})
        self._view.parties[party.id] = party

    @property
    def parties(self) -> list[Party]:
        return list(self._view.parties.values())

    # Declarations ----------------------------------------------------------------------------

    def declaration(self, declaration_id: str) -> Declaration:
        found = self._view.declarations.get(declaration_id)
        if found is None:
            raise NotFound(f"no declaration {declaration_id!r}")
        return found

    @property
    def declarations(self) -> list[Declaration]:
        return list(self._view.declarations)

    def declare(
        self, *, declaration_id: str, party: str, kind: DeclarationKind, volumes: tuple[Volume4D, ...],
        priority: int = 0, purpose: str = "",
    ) -> DeclarationOutcome:
        subject = f"declaration {declaration_id}"
        if party not in self._view.parties:
            raise InvalidInput("party", f"unknown party {party!r}", subject)
        if declaration_id in self._view.declarations:
            raise InvalidInput("id", f"duplicate id {declaration_id!r}", subject)
        if not volumes:
            raise InvalidInput("volumes", "at least one volume is required", subject)
        declaration = Declaration(declaration_id, party, kind, volumes, self.clock.now_s(), priority, purpose=purpose)
        return self._commit(declaration)

    def revise(self, *, declaration_id: str, party: str, volumes: tuple[Volume4D, ...]) -> DeclarationOutcome:
        current = self.declaration(declaration_id)
        if current.party != party:
            raise InvalidInput("party", f"{declaration_id} belongs to {current.party}", f"declaration {declaration_id}")
        if not volumes:
            raise InvalidInput("volumes", "at least one volume is required", f"declaration {declaration_id}")
        return self._commit(current.revised(volumes=volumes, declared_at_s=self.clock.now_s()))

    def _commit(self, declaration: Declaration) -> DeclarationOutcome:
        now = self.clock.now_s()
        found = self._view.declarations.conflicts_of(declaration)
        late = late_notice(declaration, self.rules.min_notice_s)
        others = [self.declaration(c.other(declaration.id)) for c in found]
        fresh: list[Notice] = []
        for conflict, other in zip(found, others, strict=True):
            a, b = (declaration, other) if conflict.a == declaration.id else (other, declaration)
            fresh += conflict_notices(conflict, a, b, now_s=now, ack_deadline_s=self.rules.ack_deadline_s)
        if late is not None:
            fresh += late_notice_notices(late, declaration, others, now_s=now, ack_deadline_s=self.rules.ack_deadline_s)
        fresh = [n for n in fresh if n.id not in self._view.notices]
        # A first version has no older notices to supersede: skip the scan of every notice.
        stale = superseded_by(self._view.notices.values(), declaration) if declaration.version > 1 else []

        with self.db.write() as connection:
            engine_repo.save_declaration(connection, declaration)
            engine_repo.replace_conflicts_of(connection, declaration.id, found, now)
            self._log(connection, declaration.party, "declared" if declaration.version == 1 else "revised",
                      _declaration_payload(declaration))
            for conflict in found:
                self._log(connection, "system", "conflict_detected", _conflict_payload(conflict))
            if late is not None:
                engine_repo.save_late_notice(connection, late)
                self._log(connection, "system", "late_notice", {
                    "declaration": late.declaration_id, "version": late.version,
                    "notice_s": late.notice_s, "required_s": late.required_s})
            for notice in stale:
                engine_repo.save_notice(connection, notice, new=False)
                self._log(connection, "system", "notice_superseded", _notice_payload(notice))
            for notice in fresh:
                engine_repo.save_notice(connection, notice, new=True)
                self._log(connection, "system", "notice_sent", _notice_payload(notice))
        self._view.declarations.put(declaration)
        for notice in (*stale, *fresh):
            self._view.notices[notice.id] = notice
        return DeclarationOutcome(declaration, tuple(found), late, tuple(fresh), self._advice(found))

    def _advice(self, found: list[Conflict]) -> tuple[Advice, ...]:
        """Advice for every operation that should give way in one of these conflicts, weighed
        against every declaration in force."""
        yielding: dict[str, Declaration] = {}
        for conflict in found:
            side = yielding_side(conflict, self.declaration(conflict.a), self.declaration(conflict.b))
            if side.is_operation:
                yielding[side.id] = side
        return tuple(advise(d, self._view.declarations) for _, d in sorted(yielding.items()))

    def advice(self) -> tuple[Advice, ...]:
        """Advice for the operations that should give way in the conflicts in force now."""
        return self._advice(self.conflicts())

    # Notices ---------------------------------------------------------------------------------

    def notices(self, *, to_party: str | None = None) -> list[Notice]:
        found = [n for n in self._view.notices.values() if to_party is None or n.to_party == to_party]
        return sorted(found, key=lambda n: (n.sent_at_s, n.id))

    def acknowledge(self, *, party: str, declaration_id: str, version: int | None = None) -> list[Notice]:
        """Acknowledge every open notice to `party` about `declaration_id`, reading back `version`
        (None reads back the version in force). A stale read-back is refused and logged."""
        current = self.declaration(declaration_id)
        read_back = current.version if version is None else version
        pending = [n for n in self._view.notices.values()
                   if n.to_party == party and n.about == declaration_id and n.open]
        if not pending:
            raise NotFound(f"{party} has no open notice about {declaration_id}")
        now = self.clock.now_s()
        try:
            done = [acknowledge(n, party=party, declaration_id=declaration_id, version=read_back,
                                current_version=current.version, at_s=now) for n in pending]
        except Exception as refused:
            with self.db.write() as connection:
                self._log(connection, party, "acknowledgement_refused",
                          {"declaration": declaration_id, "version": read_back, "reason": str(refused)})
            raise
        with self.db.write() as connection:
            for notice in done:
                engine_repo.save_notice(connection, notice, new=False)
                self._log(connection, party, "acknowledged", {**_notice_payload(notice), "read_back_version": read_back})
        for notice in done:
            self._view.notices[notice.id] = notice
        return done

    def report_nonconformance(self, event: Nonconformance) -> list[Notice]:
        """Record that a track left its operation's volumes: the operation becomes Nonconforming
        and its own party and every party with a declaration near it are told."""
        operation = self.declaration(event.operation_id)
        now = self.clock.now_s()
        nearby = self._view.declarations.near(operation, event.t_s, margin_m=NEARBY_MARGIN_M, margin_s=NEARBY_MARGIN_S)
        fresh = [n for n in nonconformance_notices(operation, nearby, now_s=now,
                                                   ack_deadline_s=self.rules.ack_deadline_s)
                 if n.id not in self._view.notices]
        changed = replace(operation, state=OperationState.NONCONFORMING)
        with self.db.write() as connection:
            engine_repo.set_state(connection, operation.id, changed.state)
            self._log(connection, "system", "nonconforming", {
                "operation": event.operation_id, "party": event.party, "track": event.track_id,
                "t_s": event.t_s, "reason": event.reason.value, "version": operation.version})
            for notice in fresh:
                engine_repo.save_notice(connection, notice, new=True)
                self._log(connection, "system", "notice_sent", _notice_payload(notice))
        self._view.declarations.put(changed)
        for notice in fresh:
            self._view.notices[notice.id] = notice
        return fresh

    def disclosure(self, notice: Notice) -> list[Volume4D]:
        """What the notice's receiver may see of the declaration it is about: only where it
        touches the receiver's own declarations (the one named by the notice, or for a late
        notice every one of the receiver's that the operation conflicts with)."""
        subject = self.declaration(notice.about)
        if notice.other is not None:
            mine = [self.declaration(notice.other)]
        else:
            mine = [d for d in self._view.declarations.candidates(subject)
                    if d.party == notice.to_party and can_conflict(d, subject)]
        return [volume for receiver in mine for volume in disclosed_extent(receiver, subject)]

    def escalate_due(self) -> list[Notice]:
        """Escalate every notice whose deadline has passed unacknowledged."""
        due = escalate_due(self._view.notices.values(), self.clock.now_s())
        if not due:
            return []
        with self.db.write() as connection:
            for notice in due:
                engine_repo.save_notice(connection, notice, new=False)
                self._log(connection, "system", "escalated", _notice_payload(notice))
        for notice in due:
            self._view.notices[notice.id] = notice
        return due

    # Views -----------------------------------------------------------------------------------

    def conflicts(self) -> list[Conflict]:
        return self._view.declarations.all_conflicts()

    def late_notices(self) -> list[LateNotice]:
        with self.db.read() as connection:
            return engine_repo.load_late_notices(connection)

    def verify_ledger(self) -> Verification:
        with self.db.read() as connection:
            return ledger_repo.verify(connection)

    def _log(self, connection: Any, actor: str, kind: str, payload: dict[str, Any]) -> None:
        ledger_repo.append(connection, at_s=self.clock.now_s(), actor=actor, kind=kind, payload=payload)


def _declaration_payload(declaration: Declaration) -> dict[str, Any]:
    return {
        "id": declaration.id, "party": declaration.party, "kind": declaration.kind.value,
        "version": declaration.version, "priority": declaration.priority, "purpose": declaration.purpose,
        "volumes": [dump_volume4d(v) for v in declaration.volumes],
    }


def _conflict_payload(conflict: Conflict) -> dict[str, Any]:
    return {"a": conflict.a, "b": conflict.b, "a_version": conflict.a_version, "b_version": conflict.b_version,
            "volumes": engine_repo.conflict_volumes_json(conflict)}


def _notice_payload(notice: Notice) -> dict[str, Any]:
    return {"notice": notice.id, "to": notice.to_party, "reason": notice.reason.value, "about": notice.about,
            "version": notice.about_version, "other": notice.other, "deadline_s": notice.deadline_s,
            "state": notice.state.value}


__all__ = ["Deconfliction", "DeclarationOutcome", "NoticeState", "Rules"]
