"""The state tables as a projection of the ledger: replaying the log rebuilds every table whose
content is a fact the log records, and `compare` reports each row where the tables differ from
it. An edit that the log did not record (a notice marked acknowledged, a volume moved, a purpose
changed, a key swapped, a subscription's callback URL or notification index changed, a webhook
redirected, a late notice softened) is found here, by `deconfliction ledger verify --db`.

Projected and compared, each row by its key (a row in one and not the other is reported too):

- declarations: the latest full payload of each (declared, revised, or an F3548 write's registry
  part; Nonconforming after a stray track; withdrawn and deleted ones removed): party, kind,
  version, priority, state, declared_at_s, ovn, uss_base_url, subscription_id, volumes, and the
  purpose through its salted commitment, when the server's purpose secret is at hand.
- declaration_versions: every version the log records, kept after a withdrawal (the history):
  party, kind, priority, declared_at_s, state, ovn, volumes.
- notices: the latest payload of each, with delivery marks.
- late_notices: notice_s and required_s of each (declaration, version) flagged.
- parties: every registered party, its name and public key.
- subscriptions: F3548 ones and implicit ones (an F3548 intent's, a /v1 operation's own): party,
  version, notification_index, implicit, notify flags, uss_base_url, volumes, updated_at_s;
  deleted and expired ones removed.
- uss_availability: availability and version of each USS.
- reports (when given): reporter, time, and the SHA-256 digest of the body (the log keeps the
  digest, not what a USS wrote in it).
- webhooks: each party's URL.

Not projected, and why:

- webhooks.secret: the HMAC key of deliveries; it must never be in a log that inquiries read.
  webhooks.delivered_seq: how far delivery got in the outbox, progress rather than a fact (it
  moves with every delivery, which would otherwise each be an entry).
- events: the outbox, each party's stream of what it is told; derived from the logged facts
  (notices, conflicts, state changes) for delivery, its text is not itself a fact.
- ledger, ledger_head: the log itself; `ledger_repo.verify` checks the chain and the head.
- cell_locks, changes, leases: coordination of a pool's servers, with no content of their own.
- declarations.purpose in clear (only its commitment is logged); the fields an older server did
  not log (each field is compared only where the log carries it).

Logs written by older servers: /v1 declarations and withdrawals did not log their registry writes
before their entries carried "registry". Such an entry (a declaration managed here, "" as its
uss_base_url, and no "registry") may have moved any subscription's notification index, and its
operation's own implicit subscription was never logged: those indices are compared again only once
the log carries them (a later put or notification), and that subscription is not compared until a
later entry logs it. Rows the 0003 migration moved in from the DSS tables were never logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.ledger.chain import LedgerEntry
from ..engine.ledger.signing import commit
from ..engine.state import State
from ..store.codec import encode_volume
from .records import purpose_salt, report_digest

_DECLARATION_FIELDS = ("party", "kind", "version", "priority", "state", "declared_at_s", "ovn", "uss_base_url",
                       "subscription_id")
_VERSION_FIELDS = ("party", "kind", "priority", "declared_at_s", "state", "ovn")
_NOTICE_FIELDS = ("to", "reason", "about", "version", "other", "sent_at_s", "deadline_s", "state",
                  "acknowledged_at_s", "escalated_at_s", "delivered_at_s")
_SUBSCRIPTION_FIELDS = ("party", "version", "notification_index", "implicit", "notify_for_operational_intents",
                        "notify_for_constraints", "uss_base_url", "updated_at_s")
_NOTICE_KINDS = ("notice_sent", "notice_superseded", "acknowledged", "escalated")


@dataclass(frozen=True, slots=True)
class Mismatch:
    table: str
    key: str
    problem: str


@dataclass(slots=True)
class Projection:
    """What the log says each table holds now (payload dicts as logged, by each table's key)."""

    declarations: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)
    late_notices: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)  # "name", "public_key" when logged
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[str, str] = field(default_factory=dict)  # party -> URL
    # what entries of older servers left unknown (see the module's docstring)
    unlogged_subscriptions: set[str] = field(default_factory=set)
    unknown_indices: set[str] = field(default_factory=set)

    def registry(self, part: Mapping[str, Any], declaration_volumes: Any = None) -> None:
        """Apply a registry part (an F3548 entry's payload, a /v1 entry's "registry") in the
        order `State.apply` does: deletions, puts, then notification indices."""
        for sub_id in part.get("deleted_subscriptions", ()):
            self.subscriptions.pop(sub_id, None)
            self.unlogged_subscriptions.discard(sub_id)
            self.unknown_indices.discard(sub_id)
        for sub in part.get("subscriptions", ()):
            if sub.get("volumes_of_declaration"):  # logged once, with the declaration of the entry
                sub = {**sub, "volumes": declaration_volumes}
            self.subscriptions[sub["id"]] = sub
            self.unlogged_subscriptions.discard(sub["id"])
            self.unknown_indices.discard(sub["id"])
        for sub_id, index in part.get("notified", ()):
            if sub_id in self.subscriptions:
                self.subscriptions[sub_id] = {**self.subscriptions[sub_id], "notification_index": index}
                self.unknown_indices.discard(sub_id)
        for status in part.get("uss_availability", ()):
            self.availability[status["uss"]] = status
        for report in part.get("reports", ()):
            self.reports[report["id"]] = report

    def unlogged_registry_writes(self, subscription_id: str | None) -> None:
        """An older server's /v1 entry: it may have bumped any subscription's notification index,
        and it put (or deleted) its operation's own subscription, none of which it logged."""
        self.unknown_indices.update(self.subscriptions)
        if subscription_id:
            self.subscriptions.pop(subscription_id, None)
            self.unlogged_subscriptions.add(subscription_id)

    def put_declaration(self, payload: dict[str, Any]) -> None:
        self.declarations[payload["id"]] = payload
        self.versions[(payload["id"], payload["version"])] = payload


def project(entries: Iterable[LedgerEntry]) -> Projection:
    """Every projected table as the log says it is now."""
    out = Projection()
    registry_logged = False  # from the first entry carrying "registry", every /v1 entry does
    for entry in entries:
        p, kind = entry.payload, entry.kind
        if kind in ("declared", "revised"):
            out.put_declaration(p)
            if "registry" in p:
                registry_logged = True
                out.registry(p["registry"], p.get("volumes"))
            elif not registry_logged and not p.get("uss_base_url"):  # "" = a /v1 declaration
                out.unlogged_registry_writes(p.get("subscription_id"))
        elif kind == "withdrawn":
            gone = out.declarations.pop(p["id"], None)
            if "registry" in p:
                registry_logged = True
                out.registry(p["registry"])
            elif not registry_logged and (gone is None or not gone.get("uss_base_url")):
                out.unlogged_registry_writes(gone.get("subscription_id") if gone else None)
        elif kind == "nonconforming" and p["operation"] in out.declarations:
            out.put_declaration({**out.declarations[p["operation"]], "state": "Nonconforming"})
        elif kind.startswith("dss."):
            for d in p.get("declarations", ()):
                out.put_declaration(d)
            for gone_id in p.get("deleted_declarations", ()):
                out.declarations.pop(gone_id, None)
            out.registry(p)
        elif kind in _NOTICE_KINDS:
            out.notices[p["notice"]] = {**out.notices.get(p["notice"], {}), **p}
        elif kind == "notice_delivered" and p["notice"] in out.notices:
            out.notices[p["notice"]] = {**out.notices[p["notice"]], "delivered_at_s": p["delivered_at_s"]}
        elif kind == "late_notice":
            out.late_notices[(p["declaration"], p["version"])] = p
        elif kind == "party_registered":
            party = out.parties.setdefault(p["party"], {})
            if "name" in p:
                party["name"] = p["name"]
        elif kind == "party_key_registered":
            out.parties.setdefault(p["party"], {})["public_key"] = p["public_key"]
        elif kind == "webhook_set":
            out.webhooks[p["party"]] = p["url"]
    return out


def _problem(logged: object, row: object) -> str | None:
    if logged is None:
        return "in the table, not in the log"
    if row is None:
        return "in the log, missing from the table"
    return None


def _differ(wrong: list[str]) -> str:
    return f"{', '.join(wrong)} {'differs' if len(wrong) == 1 else 'differ'} from the log"


def _fields(logged: Mapping[str, Any], table: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The fields that differ, of those the log carries (an older entry may lack some)."""
    return [f for f in names if f in logged and logged[f] != table[f]]


def compare(entries: Iterable[LedgerEntry], state: State, *, purpose_secret: bytes | None = None,
            versions: Iterable[Mapping[str, Any]] | None = None,
            reports: Iterable[Mapping[str, Any]] | None = None) -> list[Mismatch]:
    """Every difference between the log's projection and the tables (loaded as `state`; the
    rows of `declaration_versions` and `reports`, which no decision reads and `State` does not
    hold, as given by `store.repo.declaration_version_rows` and `report_rows`, or not compared)."""
    log = project(entries)
    found: list[Mismatch] = []

    def check(table: str, logged_rows: Mapping[Any, Any], held: Mapping[Any, Any], key_text: Any,
              differs: Any) -> None:
        for key in sorted(set(logged_rows) | set(held)):
            logged, row = logged_rows.get(key), held.get(key)
            problem = _problem(logged, row) or differs(key, logged, row)
            if problem:
                found.append(Mismatch(table, key_text(key), problem))

    def declaration(_key: str, logged: dict[str, Any], row: Any) -> str | None:
        table = {"party": row.party, "kind": row.kind.value, "version": row.version, "priority": row.priority,
                 "state": row.state.value, "declared_at_s": row.declared_at_s, "ovn": row.ovn,
                 "uss_base_url": row.uss_base_url, "subscription_id": row.subscription_id}
        wrong = _fields(logged, table, _DECLARATION_FIELDS)
        if "volumes" in logged and [encode_volume(v) for v in row.volumes] != logged["volumes"]:
            wrong.append("volumes")
        if purpose_secret is not None and "purpose_commitment" in logged and logged["purpose_commitment"] != commit(
                row.purpose, purpose_salt(purpose_secret, row.id, row.version)):
            wrong.append("purpose")
        return _differ(wrong) if wrong else None

    check("declarations", log.declarations, {d.id: d for d in state.declarations}, str, declaration)

    if versions is not None:
        def version(_key: tuple[str, int], logged: dict[str, Any], row: Mapping[str, Any]) -> str | None:
            wrong = _fields(logged, row, _VERSION_FIELDS)
            if "volumes" in logged and row["volumes"] != logged["volumes"]:
                wrong.append("volumes")
            return _differ(wrong) if wrong else None

        check("declaration_versions", log.versions, {(r["id"], r["version"]): r for r in versions},
              lambda k: f"{k[0]} version {k[1]}", version)

    def notice(_key: str, logged: dict[str, Any], n: Any) -> str | None:
        table = {"to": n.to_party, "reason": n.reason.value, "about": n.about, "version": n.about_version,
                 "other": n.other, "sent_at_s": n.sent_at_s, "deadline_s": n.deadline_s, "state": n.state.value,
                 "acknowledged_at_s": n.acknowledged_at_s, "escalated_at_s": n.escalated_at_s,
                 "delivered_at_s": n.delivered_at_s}
        wrong = _fields(logged, table, _NOTICE_FIELDS)
        return _differ(wrong) if wrong else None

    check("notices", log.notices, state.notices, str, notice)

    def late(_key: tuple[str, int], logged: dict[str, Any], row: Any) -> str | None:
        wrong = _fields(logged, {"notice_s": row.notice_s, "required_s": row.required_s}, ("notice_s", "required_s"))
        return _differ(wrong) if wrong else None

    check("late_notices", log.late_notices, state.late_notices, lambda k: f"{k[0]} version {k[1]}", late)

    def party(_key: str, logged: dict[str, Any], row: Any) -> str | None:
        wrong = ["name"] if "name" in logged and logged["name"] != row.name else []
        if logged.get("public_key") != (row.public_key or None):
            wrong.append("public key")
        return _differ(wrong) if wrong else None

    check("parties", log.parties, state.parties, str, party)

    def subscription(key: str, logged: dict[str, Any], s: Any) -> str | None:
        table = {"party": s.party, "version": s.version, "notification_index": s.notification_index,
                 "implicit": s.implicit, "notify_for_operational_intents": s.notify_for_operational_intents,
                 "notify_for_constraints": s.notify_for_constraints, "uss_base_url": s.uss_base_url,
                 "updated_at_s": s.updated_at_s}
        wrong = [f for f in _fields(logged, table, _SUBSCRIPTION_FIELDS)
                 if not (f == "notification_index" and key in log.unknown_indices)]
        if logged.get("volumes") is not None and [encode_volume(v) for v in s.volumes] != logged["volumes"]:
            wrong.append("volumes")
        return _differ(wrong) if wrong else None

    # a subscription an older server put without logging it cannot be compared (module docstring)
    held_subscriptions = {k: s for k, s in state.subscriptions.items() if k not in log.unlogged_subscriptions}
    check("subscriptions", log.subscriptions, held_subscriptions, str, subscription)

    def availability(_key: str, logged: dict[str, Any], row: Any) -> str | None:
        wrong = _fields(logged, {"availability": row.availability.value, "version": row.version},
                        ("availability", "version"))
        return _differ(wrong) if wrong else None

    check("uss_availability", log.availability, state.availability, str, availability)

    if reports is not None:
        def report(_key: str, logged: dict[str, Any], row: Mapping[str, Any]) -> str | None:
            wrong = _fields(logged, row, ("reporter", "at_s"))
            if "body_digest" in logged and logged["body_digest"] != report_digest(row["body"]):
                wrong.append("body")
            return _differ(wrong) if wrong else None

        check("reports", log.reports, {r["id"]: r for r in reports}, str, report)

    def webhook(_key: str, logged: str, row: Any) -> str | None:
        return None if logged == row.url else _differ(["url"])

    check("webhooks", log.webhooks, state.webhooks, str, webhook)
    return found
