"""The DSS's current state in memory: entities by id plus a 5-D index per kind.

The database is the record; this is its cache in the one server process, loaded at start
(`dss_repo.load`). A write is applied here as soon as it is decided, so the next write decides
on top of it; if its commit fails the shell reloads the registry from the database. Queries are
exact: index candidates are confirmed with the 4D test (only who to notify is wider:
`subscriptions_relevant_to`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ..geo import Volume4D
from ..geo.index import VolumeIndex
from .entities import ConstraintRef, OpIntentRef, Report, Subscription, UssAvailability
from .matching import hulled, matching_keys


class _HasExtents(Protocol):
    @property
    def extents(self) -> tuple[Volume4D, ...]: ...


@dataclass(frozen=True, slots=True)
class Change:
    """What one write does: entities to put or delete, applied to memory and committed to the store."""

    put_oirs: tuple[OpIntentRef, ...] = ()
    del_oirs: tuple[str, ...] = ()
    put_constraints: tuple[ConstraintRef, ...] = ()
    del_constraints: tuple[str, ...] = ()
    put_subscriptions: tuple[Subscription, ...] = ()
    notified: tuple[tuple[str, int], ...] = ()  # (subscription id, new notification index)
    del_subscriptions: tuple[str, ...] = ()
    put_availability: tuple[UssAvailability, ...] = ()
    put_reports: tuple[Report, ...] = ()


class Registry:
    def __init__(self) -> None:
        self.oirs: dict[str, OpIntentRef] = {}
        self.constraints: dict[str, ConstraintRef] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.availability: dict[str, UssAvailability] = {}
        self._oir_index = VolumeIndex[str]()
        self._cr_index = VolumeIndex[str]()
        self._sub_index = VolumeIndex[str]()
        self._dependents: dict[str, set[str]] = {}

    # -- reads ---------------------------------------------------------------------------
    def oirs_in(self, volumes: Iterable[Volume4D]) -> list[OpIntentRef]:
        return [self.oirs[k] for k in _matching(self._oir_index, self.oirs, tuple(volumes))]

    def constraints_in(self, volumes: Iterable[Volume4D]) -> list[ConstraintRef]:
        return [self.constraints[k] for k in _matching(self._cr_index, self.constraints, tuple(volumes))]

    def subscriptions_in(self, volumes: Iterable[Volume4D]) -> list[Subscription]:
        return [self.subscriptions[k] for k in _matching(self._sub_index, self.subscriptions, tuple(volumes))]

    def subscriptions_relevant_to(self, volumes: Iterable[Volume4D]) -> list[Subscription]:
        """Subscriptions to tell of a change in `volumes`: wider than `subscriptions_in`, by
        convex hulls in plan (`matching.relevant` says why)."""
        hulls = tuple(hulled(v) for v in volumes)
        # a hull lies within its footprint's bounding cap, so the index's boxes still bound it
        entries = [(k, hulled(v)) for k in self._sub_index.candidates_any(hulls)
                   for v in self.subscriptions[k].extents]
        return [self.subscriptions[k] for k in sorted(matching_keys(hulls, entries))]

    def dependents(self, subscription_id: str) -> list[OpIntentRef]:
        """Intents that rely on this subscription for their notifications."""
        return sorted((self.oirs[i] for i in self._dependents.get(subscription_id, ())), key=lambda o: o.id)

    # -- writes (after commit) -----------------------------------------------------------
    def apply(self, change: Change) -> None:
        for oir_id in change.del_oirs:
            self._drop_oir(oir_id)
        for oir in change.put_oirs:
            self._drop_oir(oir.id)
            self.oirs[oir.id] = oir
            self._oir_index.add(oir.id, oir.extents)
            if oir.subscription_id:
                self._dependents.setdefault(oir.subscription_id, set()).add(oir.id)
        for cr_id in change.del_constraints:
            self.constraints.pop(cr_id, None)
            self._cr_index.remove(cr_id)
        for cr in change.put_constraints:
            self.constraints[cr.id] = cr
            self._cr_index.add(cr.id, cr.extents)
        for sub_id in change.del_subscriptions:
            self.subscriptions.pop(sub_id, None)
            self._sub_index.remove(sub_id)
        for sub in change.put_subscriptions:
            old = self.subscriptions.get(sub.id)
            self.subscriptions[sub.id] = sub
            # A notification only bumps the index: keep the R-tree entry when extents are unchanged.
            if old is None or old.extents != sub.extents:
                self._sub_index.add(sub.id, sub.extents)
        for sub_id, index in change.notified:
            self.subscriptions[sub_id] = self.subscriptions[sub_id].notified(index)
        for status in change.put_availability:
            self.availability[status.uss] = status

    def _drop_oir(self, oir_id: str) -> None:
        old = self.oirs.pop(oir_id, None)
        if old is None:
            return
        self._oir_index.remove(oir_id)
        if old.subscription_id and old.subscription_id in self._dependents:
            self._dependents[old.subscription_id].discard(oir_id)
            if not self._dependents[old.subscription_id]:
                del self._dependents[old.subscription_id]


def _matching(index: VolumeIndex[str], entities: Mapping[str, _HasExtents], volumes: tuple[Volume4D, ...]) -> list[str]:
    """Ids (sorted) of entities with a volume that overlaps one of `volumes`: broad, then exact."""
    entries = [(key, v) for key in index.candidates_any(volumes) for v in entities[key].extents]
    return sorted(matching_keys(volumes, entries))


def net_change(changes: Iterable[Change]) -> Change:
    """One change with the net effect of these, in order (what a batch must leave in the store)."""
    oirs: dict[str, OpIntentRef | None] = {}
    crs: dict[str, ConstraintRef | None] = {}
    subs: dict[str, Subscription | None] = {}
    notified: dict[str, int] = {}
    statuses: dict[str, UssAvailability] = {}
    reports: list[Report] = []
    for change in changes:
        for oir_id in change.del_oirs:
            oirs[oir_id] = None
        for oir in change.put_oirs:
            oirs[oir.id] = oir
        for cr_id in change.del_constraints:
            crs[cr_id] = None
        for cr in change.put_constraints:
            crs[cr.id] = cr
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
            else:
                notified[sub_id] = index
        statuses.update((s.uss, s) for s in change.put_availability)
        reports.extend(change.put_reports)
    return Change(
        put_oirs=tuple(o for o in oirs.values() if o is not None),
        del_oirs=tuple(k for k, o in oirs.items() if o is None),
        put_constraints=tuple(c for c in crs.values() if c is not None),
        del_constraints=tuple(k for k, c in crs.items() if c is None),
        put_subscriptions=tuple(s for s in subs.values() if s is not None),
        del_subscriptions=tuple(k for k, s in subs.items() if s is None),
        notified=tuple(notified.items()),
        put_availability=tuple(statuses.values()),
        put_reports=tuple(reports),
    )
