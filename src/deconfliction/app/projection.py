"""The state tables as a projection of the ledger: what the log says each declaration, notice
and party key is now, compared with what the tables hold. An edit to a table that the log did
not record (a notice marked acknowledged, a volume moved, a purpose changed, a key swapped) is
found here, by `deconfliction ledger verify --db`.

What is projected: declarations (the latest full payload of each: declared, revised, or an
F3548 write's registry part; withdrawn and deleted ones removed), their purposes (through the
salted commitment, when the server's purpose secret is at hand), notices (the latest full
payload of each, with delivery marks) and party keys. Subscriptions, events and webhooks are
not yet projected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.ledger.chain import LedgerEntry
from ..engine.ledger.signing import commit
from ..engine.state import State
from ..store.codec import encode_volume
from .records import purpose_salt

_DECLARATION_FIELDS = ("party", "kind", "version", "priority", "state")
_NOTICE_FIELDS = ("to", "reason", "about", "version", "state", "acknowledged_at_s", "escalated_at_s", "delivered_at_s")


@dataclass(frozen=True, slots=True)
class Mismatch:
    table: str
    key: str
    problem: str


def project(entries: Iterable[LedgerEntry]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, str]]:
    """(declarations by id, notices by id, party keys by party) as the log says they are now."""
    declarations: dict[str, dict[str, Any]] = {}
    notices: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    for entry in entries:
        p = entry.payload
        if entry.kind in ("declared", "revised"):
            declarations[p["id"]] = p
        elif entry.kind == "withdrawn":
            declarations.pop(p["id"], None)
        elif entry.kind == "nonconforming" and p["operation"] in declarations:
            declarations[p["operation"]] = {**declarations[p["operation"]], "state": "Nonconforming"}
        elif entry.kind.startswith("dss."):
            for d in p.get("declarations", ()):
                declarations[d["id"]] = d
            for gone in p.get("deleted_declarations", ()):
                declarations.pop(gone, None)
        elif entry.kind in ("notice_sent", "notice_superseded", "acknowledged", "escalated"):
            notices[p["notice"]] = {**notices.get(p["notice"], {}), **p}
        elif entry.kind == "notice_delivered" and p["notice"] in notices:
            notices[p["notice"]] = {**notices[p["notice"]], "delivered_at_s": p["delivered_at_s"]}
        elif entry.kind == "party_key_registered":
            keys[p["party"]] = p["public_key"]
    return declarations, notices, keys


def compare(entries: Iterable[LedgerEntry], state: State, *, purpose_secret: bytes | None = None) -> list[Mismatch]:
    """Every difference between the log's projection and the tables (loaded as `state`)."""
    declarations, notices, keys = project(entries)
    found: list[Mismatch] = []
    held = {d.id: d for d in state.declarations}
    for key in sorted(set(declarations) | set(held)):
        logged, row = declarations.get(key), held.get(key)
        if logged is None or row is None:
            found.append(Mismatch("declarations", key, "in the table, not in the log" if logged is None
                                  else "in the log, missing from the table"))
            continue
        table = {"party": row.party, "kind": row.kind.value, "version": row.version, "priority": row.priority,
                 "state": row.state.value}
        wrong = [f for f in _DECLARATION_FIELDS if f in logged and logged[f] != table[f]]
        if "volumes" in logged and [encode_volume(v) for v in row.volumes] != logged["volumes"]:
            wrong.append("volumes")
        if purpose_secret is not None and "purpose_commitment" in logged and logged["purpose_commitment"] != commit(
                row.purpose, purpose_salt(purpose_secret, row.id, row.version)):
            wrong.append("purpose")
        if wrong:
            found.append(Mismatch("declarations", key, f"{', '.join(wrong)} differ from the log"))
    for key in sorted(set(notices) | set(state.notices)):
        logged_notice, notice = notices.get(key), state.notices.get(key)
        if logged_notice is None or notice is None:
            found.append(Mismatch("notices", key, "in the table, not in the log" if logged_notice is None
                                  else "in the log, missing from the table"))
            continue
        row_notice = {"to": notice.to_party, "reason": notice.reason.value, "about": notice.about,
                      "version": notice.about_version, "state": notice.state.value,
                      "acknowledged_at_s": notice.acknowledged_at_s, "escalated_at_s": notice.escalated_at_s,
                      "delivered_at_s": notice.delivered_at_s}
        wrong = [f for f in _NOTICE_FIELDS if f in logged_notice and logged_notice[f] != row_notice[f]]
        if wrong:
            found.append(Mismatch("notices", key, f"{', '.join(wrong)} differ from the log"))
    table_keys: Mapping[str, str] = {p.id: p.public_key for p in state.parties.values() if p.public_key}
    for party in sorted(set(keys) | set(table_keys)):
        if keys.get(party) != table_keys.get(party):
            found.append(Mismatch("parties", party, "public key differs from the log"))
    return found
