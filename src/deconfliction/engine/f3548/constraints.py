"""Constraint references: create, update, delete (F3548-21 DSS0005,3). No key: constraints
are imposed, not deconflicted; subscribers watching for constraints are told."""

from __future__ import annotations

from ...errors import VersionMismatch
from ...geo import Volume4D
from .common import (
    CM,
    Caller,
    Outcome,
    Tokens,
    check_bounded_extents,
    notify,
    owned_current,
    require,
    subscription_writes,
)
from .entities import ConstraintRef
from .registry import Change, Registry


def put_constraint(registry: Registry, caller: Caller, entity_id: str, ovn: str | None, *,
                   extents: tuple[Volume4D, ...], uss_base_url: str, now_s: float,
                   tokens: Tokens) -> Outcome[ConstraintRef]:
    require(caller, CM, "managing a constraint")
    old = registry.constraints.get(entity_id)
    if ovn is None and old is not None:
        raise VersionMismatch(f"constraint {entity_id} already exists; update it with its OVN")
    if ovn is not None:
        owned_current(old, caller, label=f"constraint {entity_id}", presented=ovn)
    check_bounded_extents(extents, now_s)
    constraint = ConstraintRef(
        id=entity_id, manager=caller.manager, version=(old.version + 1) if old else 1, ovn=tokens.ovn(),
        extents=extents, uss_base_url=uss_base_url, updated_at_s=now_s,
    )
    touched = extents + (old.extents if old else ())
    bumped, subscribers = notify(registry, touched, for_constraints=True, now_s=now_s, changed={})
    return Outcome(Change(put_constraints=(constraint,), notified=subscription_writes((), bumped)[1]), constraint, subscribers)


def delete_constraint(registry: Registry, caller: Caller, entity_id: str, ovn: str, *,
                      now_s: float) -> Outcome[ConstraintRef]:
    require(caller, CM, "managing a constraint")
    old = owned_current(registry.constraints.get(entity_id), caller, label=f"constraint {entity_id}", presented=ovn)
    bumped, subscribers = notify(registry, old.extents, for_constraints=True, now_s=now_s, changed={})
    return Outcome(Change(del_constraints=(entity_id,), notified=subscription_writes((), bumped)[1]), old, subscribers)
