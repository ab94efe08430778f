"""The state every decision is made on, and the change a decision makes to it.

One in-memory value for every door: declarations of both kinds in one 4D index, F3548
subscriptions, USS availability, notices, parties, webhooks and each party's event counter.
The database is the record; this is its projection in the server process, loaded at start.
Decisions (pure functions in the engines and in `app.usecases`) read a `State` and return a
`Change`; the one writer applies it here and commits it, with its ledger records and events,
in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..geo import Volume4D
from ..geo.index import VolumeIndex
from ..geo.matching import hulled, matching_keys
from ..model import (
    Declaration,
    DeclarationKind,
    Event,
    LateNotice,
    LedgerRecord,
    Notice,
    Party,
    Report,
    Subscription,
    UssAvailability,
    Webhook,
)
from .strategic import DeclarationSet

# A signed request is accepted within a window of its signing time (engine.ledger.signing,
# 300 s); its replay key is remembered for twice that, so no replay can fall between.
REPLAY_MEMORY_S = 600.0


@dataclass(frozen=True, slots=True)
class Change:
    """What one write does. Puts replace by id; the other parts are appended."""

    put_parties: tuple[Party, ...] = ()
    put_declarations: tuple[Declaration, ...] = ()
    del_declarations: tuple[str, ...] = ()
    put_subscriptions: tuple[Subscription, ...] = ()
    notified: tuple[tuple[str, int], ...] = ()  # (subscription id, new notification index)
    del_subscriptions: tuple[str, ...] = ()
    put_availability: tuple[UssAvailability, ...] = ()
    put_reports: tuple[Report, ...] = ()
    put_notices: tuple[Notice, ...] = ()
    late_notices: tuple[LateNotice, ...] = ()
    put_webhooks: tuple[Webhook, ...] = ()
    events: tuple[Event, ...] = ()  # numbered by the writer (seq 0 until then)
    ledger: tuple[LedgerRecord, ...] = ()
    # signed requests accepted: (replay key, signed at), refused if seen again; kept in memory
    # for REPLAY_MEMORY_S and rebuilt at start from the ledger, where each signed request is
    replays: tuple[tuple[str, float], ...] = ()

    def __add__(self, other: Change) -> Change:
        return Change(*(getattr(self, f) + getattr(other, f) for f in self.__slots__))  # type: ignore[attr-defined]

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f) for f in self.__slots__)  # type: ignore[attr-defined]


class State:
    def __init__(self) -> None:
        self.parties: dict[str, Party] = {}
        self.declarations = DeclarationSet()
        self.subscriptions: dict[str, Subscription] = {}
        self.availability: dict[str, UssAvailability] = {}
        self.notices: dict[str, Notice] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.event_seq: dict[str, int] = {}
        self.late_notices: dict[tuple[str, int], LateNotice] = {}  # by (declaration id, version)
        self.replays: dict[str, float] = {}  # replay key -> signed at (s), of recent signed requests
        self._sub_index = VolumeIndex[str]()
        self._dependents: dict[str, set[str]] = {}

    # -- reads ---------------------------------------------------------------------------
    def declaration(self, declaration_id: str) -> Declaration | None:
        return self.declarations.get(declaration_id)

    def operation(self, declaration_id: str) -> Declaration | None:
        found = self.declarations.get(declaration_id)
        return found if found is not None and found.is_operation else None

    def constraint(self, declaration_id: str) -> Declaration | None:
        found = self.declarations.get(declaration_id)
        return found if found is not None and not found.is_operation else None

    def operations_in(self, volumes: Iterable[Volume4D]) -> list[Declaration]:
        return self._declarations_in(tuple(volumes), DeclarationKind.OPERATION)

    def constraints_in(self, volumes: Iterable[Volume4D]) -> list[Declaration]:
        return self._declarations_in(tuple(volumes), DeclarationKind.CONSTRAINT)

    def _declarations_in(self, volumes: tuple[Volume4D, ...], kind: DeclarationKind) -> list[Declaration]:
        """Exact 4D matching: index candidates confirmed by the exact test (sorted by id)."""
        candidates = [d for d in self.declarations.candidates_near(volumes) if d.kind is kind]
        entries = [(d.id, v) for d in candidates for v in d.volumes]
        keys = matching_keys(volumes, entries)
        return [d for d in candidates if d.id in keys]

    def subscriptions_in(self, volumes: Iterable[Volume4D]) -> list[Subscription]:
        query = tuple(volumes)
        entries = [(k, v) for k in self._sub_index.candidates_any(query) for v in self.subscriptions[k].volumes]
        return [self.subscriptions[k] for k in sorted(matching_keys(query, entries))]

    def subscriptions_relevant_to(self, volumes: Iterable[Volume4D]) -> list[Subscription]:
        """Subscriptions to tell of a change in `volumes`: wider than `subscriptions_in`, by
        convex hulls in plan (`geo.matching.relevant` says why)."""
        hulls = tuple(hulled(v) for v in volumes)
        # a hull lies within its footprint's bounding cap, so the index's boxes still bound it
        entries = [(k, hulled(v)) for k in self._sub_index.candidates_any(hulls) for v in self.subscriptions[k].volumes]
        return [self.subscriptions[k] for k in sorted(matching_keys(hulls, entries))]

    def subscription_candidates(self, volumes: Sequence[Volume4D]) -> list[Subscription]:
        """Subscriptions whose index boxes meet these volumes (broad phase only)."""
        return [self.subscriptions[k] for k in sorted(self._sub_index.candidates_any(volumes))]

    def dependents(self, subscription_id: str) -> list[Declaration]:
        """Operations that rely on this subscription for their notifications."""
        found = (self.declarations.get(i) for i in self._dependents.get(subscription_id, ()))
        return sorted((d for d in found if d is not None), key=lambda d: d.id)

    def open_notices(self, party: str | None = None) -> list[Notice]:
        return [n for n in self.notices.values() if n.open and (party is None or n.to_party == party)]

    # -- writes (decided, then committed) ------------------------------------------------
    def apply(self, change: Change) -> None:
        for party in change.put_parties:
            self.parties[party.id] = party
        for declaration_id in change.del_declarations:
            self._drop_declaration(declaration_id)
        for declaration in change.put_declarations:
            self._drop_declaration(declaration.id)
            self.declarations.put(declaration)
            if declaration.subscription_id:
                self._dependents.setdefault(declaration.subscription_id, set()).add(declaration.id)
        for sub_id in change.del_subscriptions:
            self.subscriptions.pop(sub_id, None)
            self._sub_index.remove(sub_id)
        for sub in change.put_subscriptions:
            old = self.subscriptions.get(sub.id)
            self.subscriptions[sub.id] = sub
            # A notification only bumps the index: keep the R-tree entry when volumes are unchanged.
            if old is None or old.volumes != sub.volumes:
                self._sub_index.add(sub.id, sub.volumes)
        for sub_id, index in change.notified:
            if sub_id in self.subscriptions:
                self.subscriptions[sub_id] = self.subscriptions[sub_id].notified(index)
        for status in change.put_availability:
            self.availability[status.uss] = status
        for notice in change.put_notices:
            self.notices[notice.id] = notice
        for webhook in change.put_webhooks:
            self.webhooks[webhook.party] = webhook
        for late in change.late_notices:
            self.late_notices[(late.declaration_id, late.version)] = late
        if change.replays:
            self.replays.update(change.replays)
            newest = max(t for _, t in change.replays)
            if len(self.replays) > 1024:  # forget what no signature window still admits
                self.replays = {k: t for k, t in self.replays.items() if t > newest - REPLAY_MEMORY_S}
        for event in change.events:
            self.event_seq[event.party] = max(self.event_seq.get(event.party, 0), event.seq)

    def _drop_declaration(self, declaration_id: str) -> None:
        old = self.declarations.get(declaration_id)
        if old is None:
            return
        self.declarations.remove(declaration_id)
        if old.subscription_id and old.subscription_id in self._dependents:
            self._dependents[old.subscription_id].discard(declaration_id)
            if not self._dependents[old.subscription_id]:
                del self._dependents[old.subscription_id]

    def numbered(self, events: Iterable[Event]) -> tuple[Event, ...]:
        """The events with their per-party sequence numbers, following what is already numbered."""
        next_seq = dict(self.event_seq)
        out = []
        for event in events:
            next_seq[event.party] = next_seq.get(event.party, 0) + 1
            out.append(replace(event, seq=next_seq[event.party]))
        return tuple(out)


def net_change(changes: Iterable[Change]) -> Change:
    """One change with the net effect of these, in order (what a batch must leave in the store)."""
    parties: dict[str, Party] = {}
    declarations: dict[str, Declaration | None] = {}
    subs: dict[str, Subscription | None] = {}
    notified: dict[str, int] = {}
    statuses: dict[str, UssAvailability] = {}
    notices: dict[str, Notice] = {}
    webhooks: dict[str, Webhook] = {}
    appended: dict[str, list[object]] = {"put_reports": [], "late_notices": [], "events": [], "ledger": [],
                                         "replays": []}
    for change in changes:
        parties.update((p.id, p) for p in change.put_parties)
        for declaration_id in change.del_declarations:
            declarations[declaration_id] = None
        for declaration in change.put_declarations:
            declarations[declaration.id] = declaration
        for sub_id in change.del_subscriptions:
            subs[sub_id] = None
            notified.pop(sub_id, None)
        for sub in change.put_subscriptions:
            subs[sub.id] = sub
            notified.pop(sub.id, None)
        for sub_id, index in change.notified:
            put = subs.get(sub_id)
            if put is not None:
                subs[sub_id] = put.notified(index)
            elif sub_id not in subs:
                notified[sub_id] = index
        statuses.update((s.uss, s) for s in change.put_availability)
        notices.update((n.id, n) for n in change.put_notices)
        webhooks.update((w.party, w) for w in change.put_webhooks)
        for name, items in appended.items():
            items.extend(getattr(change, name))
    return Change(
        put_parties=tuple(parties.values()),
        put_declarations=tuple(d for d in declarations.values() if d is not None),
        del_declarations=tuple(k for k, d in declarations.items() if d is None),
        put_subscriptions=tuple(s for s in subs.values() if s is not None),
        del_subscriptions=tuple(k for k, s in subs.items() if s is None),
        notified=tuple(notified.items()),
        put_availability=tuple(statuses.values()),
        put_notices=tuple(notices.values()),
        put_webhooks=tuple(webhooks.values()),
        **{name: tuple(items) for name, items in appended.items()},  # type: ignore[arg-type]
    )
