"""The DSS in the database: load the registry at start, commit a change with its ledger entry.

`commit` runs inside the caller's write transaction (`Database.write()`), so the rows and the
ledger entry that records them commit together or not at all.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from ..engine.f3548.entities import (
    Availability,
    ConstraintRef,
    OpIntentRef,
    OpIntentState,
    Subscription,
    UssAvailability,
)
from ..engine.f3548.registry import Change, Registry
from ..geo import Circle, Interval, LatLng, Polygon, Volume4D
from . import ledger_repo
from .schema import (
    dss_constraints,
    dss_operational_intents,
    dss_reports,
    dss_subscriptions,
    dss_uss_availability,
)


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _bound(x: float | None, default: float) -> float:
    return default if x is None else float(x)


def encode_volume(v: Volume4D) -> dict[str, Any]:
    """A lossless JSON form (POSIX seconds, metres; null for an open side)."""
    fp = v.footprint
    shape: dict[str, Any] = (
        {"circle": [fp.center.lat, fp.center.lng, fp.radius_m]} if isinstance(fp, Circle)
        else {"polygon": [[p.lat, p.lng] for p in fp.vertices]}
    )
    return {**shape, "alt_m": [_num(v.altitude_m.lower), _num(v.altitude_m.upper)],
            "t_s": [_num(v.time_s.lower), _num(v.time_s.upper)]}


def decode_volume(d: dict[str, Any]) -> Volume4D:
    if "circle" in d:
        lat, lng, r = d["circle"]
        footprint: Circle | Polygon = Circle(LatLng(lat, lng), r)
    else:
        footprint = Polygon(tuple(LatLng(lat, lng) for lat, lng in d["polygon"]))
    alt, t = d["alt_m"], d["t_s"]
    return Volume4D(footprint, Interval(_bound(alt[0], -math.inf), _bound(alt[1], math.inf)),
                    Interval(_bound(t[0], -math.inf), _bound(t[1], math.inf)))


def _extents_json(extents: tuple[Volume4D, ...]) -> str:
    return orjson.dumps([encode_volume(v) for v in extents]).decode()


def _extents(text: str) -> tuple[Volume4D, ...]:
    return tuple(decode_volume(d) for d in json.loads(text))


def load(connection: Connection) -> Registry:
    """The registry as the database holds it."""
    registry = Registry()
    oirs = tuple(
        OpIntentRef(r.id, r.manager, r.version, OpIntentState(r.state), r.ovn, _extents(r.extents),
                    r.uss_base_url, r.subscription_id, r.updated_at_s)
        for r in connection.execute(select(dss_operational_intents))
    )
    crs = tuple(
        ConstraintRef(r.id, r.manager, r.version, r.ovn, _extents(r.extents), r.uss_base_url, r.updated_at_s)
        for r in connection.execute(select(dss_constraints))
    )
    subs = tuple(
        Subscription(r.id, r.manager, r.version, r.notification_index, _extents(r.extents), r.uss_base_url,
                     bool(r.notify_for_operational_intents), bool(r.notify_for_constraints), bool(r.implicit),
                     r.updated_at_s)
        for r in connection.execute(select(dss_subscriptions))
    )
    statuses = tuple(
        UssAvailability(r.uss, Availability(r.availability), r.version)
        for r in connection.execute(select(dss_uss_availability))
    )
    registry.apply(Change(put_oirs=oirs, put_constraints=crs, put_subscriptions=subs, put_availability=statuses))
    return registry


def commit(connection: Connection, change: Change, *, at_s: float, actor: str, kind: str) -> None:
    """Write the change's rows and one ledger entry describing it, in the caller's transaction."""
    write_rows(connection, change)
    ledger_repo.append(connection, at_s=at_s, actor=actor, kind=kind, payload=ledger_payload(change))


# Plain SQL with bound parameters, built once from the table definitions: statement
# construction in SQLAlchemy costs several times the database work for rows this small.
def _sql(connection: Connection, statement: str) -> str:
    return statement if connection.dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def _insert_sql(table: Table) -> str:
    names = [c.name for c in table.columns]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


_KEY = {"dss_uss_availability": "uss"}
_DELETE = {t.name: f"DELETE FROM {t.name} WHERE {_KEY.get(t.name, 'id')} = ?"
           for t in (dss_operational_intents, dss_constraints, dss_subscriptions, dss_uss_availability)}
_INSERT = {t.name: _insert_sql(t) for t in (dss_operational_intents, dss_constraints, dss_subscriptions,
                                              dss_uss_availability, dss_reports)}
_NOTIFY = "UPDATE dss_subscriptions SET notification_index = ? WHERE id = ?"


def _replace(connection: Connection, table: Table, gone: list[str], rows: list[dict[str, Any]]) -> None:
    if gone:
        connection.exec_driver_sql(_sql(connection, _DELETE[table.name]), [(key,) for key in gone])
    if rows:
        columns = [c.name for c in table.columns]
        connection.exec_driver_sql(_sql(connection, _INSERT[table.name]),
                                   [tuple(row[c] for c in columns) for row in rows])


def write_rows(connection: Connection, change: Change) -> None:
    """The change's rows, in the caller's transaction (which must also record it in the ledger)."""
    _replace(connection, dss_operational_intents, list(change.del_oirs) + [o.id for o in change.put_oirs], [
        {"id": o.id, "manager": o.manager, "version": o.version, "state": o.state.value, "ovn": o.ovn,
         "uss_base_url": o.uss_base_url, "subscription_id": o.subscription_id,
         "extents": _extents_json(o.extents), "updated_at_s": o.updated_at_s}
        for o in change.put_oirs
    ])
    _replace(connection, dss_constraints, list(change.del_constraints) + [c.id for c in change.put_constraints], [
        {"id": c.id, "manager": c.manager, "version": c.version, "ovn": c.ovn, "uss_base_url": c.uss_base_url,
         "extents": _extents_json(c.extents), "updated_at_s": c.updated_at_s}
        for c in change.put_constraints
    ])
    _replace(connection, dss_subscriptions,
             list(change.del_subscriptions) + [s.id for s in change.put_subscriptions], [
        {"id": s.id, "manager": s.manager, "version": s.version, "notification_index": s.notification_index,
         "uss_base_url": s.uss_base_url, "notify_for_operational_intents": int(s.notify_for_operational_intents),
         "notify_for_constraints": int(s.notify_for_constraints), "implicit": int(s.implicit),
         "extents": _extents_json(s.extents), "updated_at_s": s.updated_at_s}
        for s in change.put_subscriptions
    ])
    if change.notified:
        connection.exec_driver_sql(_sql(connection, _NOTIFY), [(index, sub_id) for sub_id, index in change.notified])
    _replace(connection, dss_uss_availability, [a.uss for a in change.put_availability], [
        {"uss": a.uss, "availability": a.availability.value, "version": a.version} for a in change.put_availability
    ])
    if change.put_reports:
        _replace(connection, dss_reports, [], [
            {"id": r.id, "reporter": r.reporter, "at_s": r.at_s, "body": json.dumps(r.body)} for r in change.put_reports
        ])


def ledger_payload(change: Change) -> dict[str, Any]:
    """Enough to reconstruct who declared what, where and when; empty parts left out."""
    payload: dict[str, Any] = {}
    if change.put_oirs:
        payload["operational_intents"] = [
            {"id": o.id, "manager": o.manager, "version": o.version, "state": o.state.value, "ovn": o.ovn,
             "subscription_id": o.subscription_id, "uss_base_url": o.uss_base_url,
             "extents": [encode_volume(v) for v in o.extents]}
            for o in change.put_oirs
        ]
    if change.del_oirs:
        payload["deleted_operational_intents"] = list(change.del_oirs)
    if change.put_constraints:
        payload["constraints"] = [
            {"id": c.id, "manager": c.manager, "version": c.version, "ovn": c.ovn, "uss_base_url": c.uss_base_url,
             "extents": [encode_volume(v) for v in c.extents]}
            for c in change.put_constraints
        ]
    if change.del_constraints:
        payload["deleted_constraints"] = list(change.del_constraints)
    if change.put_subscriptions:
        payload["subscriptions"] = [
            {"id": s.id, "manager": s.manager, "version": s.version, "notification_index": s.notification_index,
             "implicit": s.implicit, "notify_for_operational_intents": s.notify_for_operational_intents,
             "notify_for_constraints": s.notify_for_constraints, "uss_base_url": s.uss_base_url,
             "extents": [encode_volume(v) for v in s.extents]}
            for s in change.put_subscriptions
        ]
    if change.notified:
        payload["notified"] = [[sub_id, index] for sub_id, index in change.notified]
    if change.del_subscriptions:
        payload["deleted_subscriptions"] = list(change.del_subscriptions)
    if change.put_availability:
        payload["uss_availability"] = [
            {"uss": a.uss, "availability": a.availability.value, "version": a.version}
            for a in change.put_availability
        ]
    if change.put_reports:
        payload["reports"] = [{"id": r.id, "reporter": r.reporter} for r in change.put_reports]
    return payload
