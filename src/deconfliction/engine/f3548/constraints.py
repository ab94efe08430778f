"""Constraint references: create, update, delete (F3548-21 DSS0005,3). No key: constraints
are imposed, not deconflicted; subscribers watching for constraints are told."""

from __future__ import annotations

from ...errors import VersionMismatch
from ...geo import Volume4D
from ...model import Declaration, DeclarationKind
from ..state import Change, State
from .common import (
    of_kind,
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


def put_constraint(state: State, caller: Caller, entity_id: str, ovn: str | None, *,
                   extents: tuple[Volume4D, ...], uss_base_url: str, now_s: float,
                   tokens: Tokens) -> Outcome[Declaration]:
    require(caller, CM, "managing a constraint")
    old = of_kind(state, entity_id, DeclarationKind.CONSTRAINT)
    if ovn is None and old is not None:
        raise VersionMismatch(f"constraint {entity_id} already exists; update it with its OVN")
    if ovn is not None:
        owned_current(old, caller, label=f"constraint {entity_id}", presented=ovn)
    check_bounded_extents(extents, now_s)
    constraint = Declaration(
        id=entity_id, party=caller.party, kind=DeclarationKind.CONSTRAINT, volumes=extents, declared_at_s=now_s,
        version=(old.version + 1) if old else 1, ovn=tokens.ovn(), uss_base_url=uss_base_url,
        priority=old.priority if old else 0, purpose=old.purpose if old else "",
    )
    touched = extents + (old.volumes if old else ())
    bumped, subscribers = notify(state, touched, for_constraints=True, now_s=now_s, changed={})
    return Outcome(Change(put_declarations=(constraint,), notified=subscription_writes((), bumped)[1]), constraint, subscribers)


def delete_constraint(state: State, caller: Caller, entity_id: str, ovn: str, *,
                      now_s: float) -> Outcome[Declaration]:
    require(caller, CM, "managing a constraint")
    old = owned_current(state.constraint(entity_id), caller, label=f"constraint {entity_id}", presented=ovn)
    bumped, subscribers = notify(state, old.volumes, for_constraints=True, now_s=now_s, changed={})
    return Outcome(Change(del_declarations=(entity_id,), notified=subscription_writes((), bumped)[1]), old, subscribers)
