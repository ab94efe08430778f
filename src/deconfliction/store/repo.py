"""The state in the database: load it at start, write a change with its ledger records and
events in the caller's transaction, read the event streams and the record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from ..engine.state import REPLAY_MEMORY_S, Change, State
from ..model import (
    Availability,
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    LateNotice,
    Notice,
    NoticeReason,
    NoticeState,
    OperationState,
    Party,
    Subscription,
    UssAvailability,
    Webhook,
)
from . import ledger_repo
from .ledger_repo import executemany
from .codec import volumes_from_json, volumes_json
from .schema import (
    declaration_versions,
    declarations,
    events,
    late_notices,
    notices,
    parties,
    reports,
    subscriptions,
    uss_availability,
    webhooks,
)


def declaration_of(r: Any) -> Declaration:
    return Declaration(
        r.id, r.party, DeclarationKind(r.kind), volumes_from_json(r.volumes), r.declared_at_s, r.priority, r.version,
        OperationState(r.state), r.purpose, r.ovn, r.uss_base_url, r.subscription_id,
    )


def notice_of(r: Any) -> Notice:
    return Notice(r.id, r.to_party, NoticeReason(r.reason), r.about, r.about_version, r.other, r.sent_at_s,
                  r.deadline_s, NoticeState(r.state), r.acknowledged_at_s, r.escalated_at_s, r.delivered_at_s)


def party_of(r: Any) -> Party:
    return Party(r.id, r.name, r.public_key or "")


def availability_of(r: Any) -> UssAvailability:
    return UssAvailability(r.uss, Availability(r.availability), r.version)


def webhook_of(r: Any) -> Webhook:
    return Webhook(r.party, r.url, r.secret, r.delivered_seq)


def late_notice_of(r: Any) -> LateNotice:
    return LateNotice(r.declaration_id, r.version, r.notice_s, r.required_s)


def event_of(r: Any) -> Event:
    return Event(r.party, r.seq, EventKind(r.kind), r.at_s, orjson.loads(r.payload), r.deadline_s)


def subscription_of(r: Any) -> Subscription:
    return Subscription(r.id, r.party, r.version, r.notification_index, volumes_from_json(r.volumes), r.uss_base_url,
                        bool(r.notify_for_operational_intents), bool(r.notify_for_constraints), bool(r.implicit),
                        r.updated_at_s)


def load_state(connection: Connection) -> State:
    """The state as the database holds it."""
    state = State()
    seqs = {r.party: r.seq for r in connection.exec_driver_sql(
        "SELECT party, MAX(seq) AS seq FROM events GROUP BY party")}
    state.apply(Change(
        put_parties=tuple(party_of(r) for r in connection.execute(select(parties))),
        put_declarations=tuple(declaration_of(r) for r in connection.execute(select(declarations))),
        put_subscriptions=tuple(subscription_of(r) for r in connection.execute(select(subscriptions))),
        put_availability=tuple(availability_of(r) for r in connection.execute(select(uss_availability))),
        put_notices=tuple(notice_of(r) for r in connection.execute(select(notices))),
        put_webhooks=tuple(webhook_of(r) for r in connection.execute(select(webhooks))),
        late_notices=tuple(late_notices_of(connection)),
    ))
    state.event_seq.update(seqs)
    state.replays.update(recent_replays(connection))
    return state


def recent_replays(connection: Connection) -> dict[str, float]:
    """Replay keys of the signed requests the ledger holds from the last REPLAY_MEMORY_S (and a
    margin) before its newest entry: what a restarted server must still refuse."""
    newest = connection.exec_driver_sql("SELECT MAX(at_s) FROM ledger").scalar()
    if newest is None:
        return {}
    rows = connection.exec_driver_sql(
        ledger_repo.paramstyle_sql(connection, "SELECT payload FROM ledger WHERE at_s > ? AND kind = ?"),
        (float(newest) - 2 * REPLAY_MEMORY_S, "signed_request"))
    found: dict[str, float] = {}
    for (payload,) in rows:
        body = json.loads(payload)
        found[str(body["replay_key"])] = float(body["signed_at_s"])
    return found


# Plain SQL with bound parameters, built once from the table definitions: statement
# construction in SQLAlchemy costs several times the database work for rows this small.
def _insert_sql(table: Table) -> str:
    names = [c.name for c in table.columns]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _delete_sql(table: Table) -> str:
    keys = [c.name for c in table.primary_key.columns]
    return f"DELETE FROM {table.name} WHERE {' AND '.join(f'{k} = ?' for k in keys)}"


_TABLES = (parties, declarations, declaration_versions, subscriptions, uss_availability, reports, notices,
           late_notices, events, webhooks)
_INSERT = {t.name: _insert_sql(t) for t in _TABLES}
_DELETE = {t.name: _delete_sql(t) for t in _TABLES}
_COLUMNS = {t.name: [c.name for c in t.columns] for t in _TABLES}
_NOTIFY = "UPDATE subscriptions SET notification_index = ? WHERE id = ?"


def _replace(connection: Connection, table: Table, gone: list[tuple[Any, ...]], rows: list[dict[str, Any]]) -> None:
    """Delete rows by primary key, then insert: an upsert every database runs the same way."""
    if gone:
        executemany(connection, _DELETE[table.name], gone)
    if rows:
        columns = _COLUMNS[table.name]
        executemany(connection, _INSERT[table.name], [tuple(row[c] for c in columns) for row in rows])


def _declaration_row(d: Declaration, volumes: str) -> dict[str, Any]:
    return {"id": d.id, "party": d.party, "kind": d.kind.value, "priority": d.priority, "version": d.version,
            "state": d.state.value, "declared_at_s": d.declared_at_s, "purpose": d.purpose, "volumes": volumes,
            "ovn": d.ovn, "uss_base_url": d.uss_base_url, "subscription_id": d.subscription_id}


def write(connection: Connection, change: Change, versions: Iterable[Declaration] | None = None) -> None:
    """The change's rows, its events and its ledger records, in the caller's transaction.

    `versions`: every declaration version the writes put, in order, when `change` is their net
    change (a group commit): the net change keeps only the last version of a declaration (and
    none of one put then withdrawn), but `declaration_versions` is the history of every version
    the ledger records. Default: the change's own puts."""
    _replace(connection, parties, [(p.id,) for p in change.put_parties],
             [{"id": p.id, "name": p.name, "public_key": p.public_key or None} for p in change.put_parties])
    # Each volumes tuple is written once: a declaration's row, its versions' rows and its own
    # implicit subscription (whose volumes are the very same tuple) share the text.
    rows, texts = [], {}
    for d in change.put_declarations:
        texts[id(d.volumes)] = text = volumes_json(d.volumes)
        rows.append(_declaration_row(d, text))
    history: dict[tuple[str, int], dict[str, Any]] = {}  # by key, the last put of a version wins
    for d in change.put_declarations if versions is None else versions:
        text = texts.get(id(d.volumes)) or volumes_json(d.volumes)
        history[(d.id, d.version)] = {"id": d.id, "version": d.version, "party": d.party, "kind": d.kind.value,
                                      "priority": d.priority, "declared_at_s": d.declared_at_s, "volumes": text,
                                      "state": d.state.value, "ovn": d.ovn}
    _replace(connection, declarations, [(k,) for k in change.del_declarations] + [(d.id,) for d in change.put_declarations], rows)
    _replace(connection, declaration_versions, list(history), list(history.values()))
    _replace(connection, subscriptions, [(k,) for k in change.del_subscriptions] + [(s.id,) for s in change.put_subscriptions], [
        {"id": s.id, "party": s.party, "version": s.version, "notification_index": s.notification_index,
         "uss_base_url": s.uss_base_url, "notify_for_operational_intents": int(s.notify_for_operational_intents),
         "notify_for_constraints": int(s.notify_for_constraints), "implicit": int(s.implicit),
         "volumes": texts.get(id(s.volumes)) or volumes_json(s.volumes), "updated_at_s": s.updated_at_s}
        for s in change.put_subscriptions
    ])
    if change.notified:
        executemany(connection, _NOTIFY, [(index, sub_id) for sub_id, index in change.notified])
    _replace(connection, uss_availability, [(a.uss,) for a in change.put_availability], [
        {"uss": a.uss, "availability": a.availability.value, "version": a.version} for a in change.put_availability])
    _replace(connection, reports, [], [
        {"id": r.id, "reporter": r.reporter, "at_s": r.at_s, "body": json.dumps(r.body)} for r in change.put_reports])
    _replace(connection, notices, [(n.id,) for n in change.put_notices], [
        {"id": n.id, "to_party": n.to_party, "reason": n.reason.value, "about": n.about,
         "about_version": n.about_version, "other": n.other, "sent_at_s": n.sent_at_s, "deadline_s": n.deadline_s,
         "state": n.state.value, "acknowledged_at_s": n.acknowledged_at_s, "escalated_at_s": n.escalated_at_s,
         "delivered_at_s": n.delivered_at_s}
        for n in change.put_notices])
    _replace(connection, late_notices, [(n.declaration_id, n.version) for n in change.late_notices], [
        {"declaration_id": n.declaration_id, "version": n.version, "notice_s": n.notice_s, "required_s": n.required_s}
        for n in change.late_notices])
    _replace(connection, webhooks, [(w.party,) for w in change.put_webhooks], [
        {"party": w.party, "url": w.url, "secret": w.secret, "delivered_seq": w.delivered_seq}
        for w in change.put_webhooks])
    _replace(connection, events, [], [
        {"party": e.party, "seq": e.seq, "kind": e.kind.value, "at_s": e.at_s,
         "payload": orjson.dumps(e.payload).decode(), "deadline_s": e.deadline_s}
        for e in change.events])


def append_ledger(connection: Connection, records: list[tuple[float, str, str, dict[str, Any]]]) -> list[tuple[int, str]]:
    return ledger_repo.append_many(connection, records)


def events_after(connection: Connection, party: str, after_seq: int, limit: int = 1000) -> list[Event]:
    rows = connection.execute(
        select(events).where(events.c.party == party, events.c.seq > after_seq).order_by(events.c.seq).limit(limit))
    return [event_of(r) for r in rows]


def late_notices_of(connection: Connection) -> list[LateNotice]:
    rows = connection.execute(select(late_notices).order_by(late_notices.c.declaration_id, late_notices.c.version))
    return [late_notice_of(r) for r in rows]


def declaration_version_rows(connection: Connection) -> Iterator[dict[str, Any]]:
    """The history of declaration versions, volumes as the codec's JSON values (what the ledger
    logs of them): no decision reads it, so `State` does not hold it."""
    for r in connection.execute(select(declaration_versions)):
        yield {"id": r.id, "version": r.version, "party": r.party, "kind": r.kind, "priority": r.priority,
               "declared_at_s": r.declared_at_s, "volumes": json.loads(r.volumes), "state": r.state, "ovn": r.ovn}


def report_rows(connection: Connection) -> Iterator[dict[str, Any]]:
    for r in connection.execute(select(reports)):
        yield {"id": r.id, "reporter": r.reporter, "at_s": r.at_s, "body": json.loads(r.body)}
