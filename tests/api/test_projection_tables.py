"""Every table whose rows are facts the ledger records is the log's projection: a real server's
database (both doors: F3548 subscriptions, intents with implicit subscriptions, availability,
reports; /v1 declarations with their own subscriptions, revisions, a withdrawal, a late notice,
a webhook) is compared clean, and one row edited, deleted or added behind the log's back with
sqlite3 is reported, naming its table and key."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from deconfliction.api import Settings, create_app
from deconfliction.api.auth import PURPOSE_SECRET_FILE
from deconfliction.app.projection import Mismatch, compare
from deconfliction.cli import app as cli
from deconfliction.store import Database, ledger_repo, repo, sqlite_url

from .helpers import AA, ISSUER, OIR, SC, SUBS, bearer, new_id, oir_body, sub_body, volume
from .test_transparency import PARTY_SCOPES
from .test_v1 import box

runner = CliRunner()
LAT, LNG = 37.20, -80.58  # where helpers.volume() puts F3548 extents


def mismatches(db: Path) -> list[Mismatch]:
    """What `ledger verify --db` compares, as values (the purpose secret beside the file, as there)."""
    secret_file = db.parent / ".deconfliction" / PURPOSE_SECRET_FILE
    database = Database(sqlite_url(db), read_only=True)
    try:
        with database.read() as c:
            return compare(ledger_repo.entries(c), repo.load_state(c), purpose_secret=secret_file.read_bytes(),
                           versions=list(repo.declaration_version_rows(c)), reports=list(repo.report_rows(c)))
    finally:
        database.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, public_pem: Path, token) -> dict[str, Any]:  # noqa: ANN001
    work = tmp_path_factory.mktemp("projection")
    settings = Settings(db=work / "p.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"])
    azure, crimson = bearer(token("azure", *PARTY_SCOPES)), bearer(token("crimson", *PARTY_SCOPES))
    ids: dict[str, Any] = {"db": settings.db}
    with TestClient(create_app(settings)) as client:
        # F3548: uss1 watches the area; uss2 plans an intent there with an implicit subscription
        # (uss1's notification index moves); uss3's subscription comes and goes
        ids["sub"] = new_id()
        r = client.put(f"{SUBS}/{ids['sub']}", json=sub_body(), headers=bearer(token("uss1", SC)))
        assert r.status_code == 200, r.text
        uss2 = bearer(token("uss2", SC))
        ids["oir"] = new_id()
        r = client.put(f"{OIR}/{ids['oir']}", json=oir_body(), headers=uss2)
        assert r.status_code == 201, r.text
        ids["oir_sub"] = r.json()["operational_intent_reference"]["subscription_id"]
        gone = new_id()
        uss3 = bearer(token("uss3", SC))
        made = client.put(f"{SUBS}/{gone}", json=sub_body(volume(lat=38)), headers=uss3).json()
        version = made["subscription"]["version"]
        assert client.delete(f"{SUBS}/{gone}/{version}", headers=uss3).status_code == 200
        arbiter = bearer(token("arbiter", AA))
        assert client.put("/dss/v1/uss_availability/uss3", json={"old_version": "", "availability": "Down"},
                          headers=arbiter).status_code == 200
        r = client.post("/dss/v1/reports", json={"exchange": {"url": "https://uss3.example/x", "method": "GET",
                                                              "recorder_role": "Client"}}, headers=uss2)
        assert r.status_code == 201, r.text
        ids["report"] = r.json()["report_id"]
        # /v1: azure declares over the same area at short notice (a late notice, conflict notices,
        # its own implicit subscription, the USSs' indices moved) and revises it
        cap = {"kind": "operation", "volumes": [box(LAT, LNG, 0.01, start_in_s=300, duration_s=1200)]}
        assert client.put("/v1/declarations/cap", json=cap, headers=azure).status_code == 201
        cap2 = {**cap, "volumes": [box(LAT, LNG, 0.012, start_in_s=300, duration_s=1200)], "version": 1}
        r = client.put("/v1/declarations/cap", json=cap2, headers=azure)
        assert r.status_code == 200, r.text
        # crimson declares elsewhere and withdraws: its implicit subscription is deleted, the
        # version stays in the history
        strike = {"kind": "operation", "volumes": [box(LAT + 1, LNG, 0.01)]}
        assert client.put("/v1/declarations/strike", json=strike, headers=crimson).status_code == 201
        assert client.delete("/v1/declarations/strike?version=1", headers=crimson).status_code == 200
        # last, so that no event is waiting for it (nothing is delivered to this closed port)
        assert client.put("/v1/webhook", json={"url": "http://127.0.0.1:9/hook"}, headers=azure).status_code == 200
    with sqlite3.connect(settings.db) as connection:
        ids["cap_sub"] = connection.execute("SELECT subscription_id FROM declarations WHERE id = 'cap'").fetchone()[0]
        ids["notice"] = connection.execute("SELECT MIN(id) FROM notices").fetchone()[0]
    return ids


def edited(world: dict[str, Any], tmp_path: Path, sql: str, *params: Any) -> Path:
    db = tmp_path / "p.db"
    shutil.copy(world["db"], db)
    shutil.copytree(world["db"].parent / ".deconfliction", tmp_path / ".deconfliction")
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        assert connection.execute(sql, params).rowcount == 1, sql
    return db


def test_the_honest_database_is_the_logs_projection_of_every_table(world: dict[str, Any]) -> None:
    assert mismatches(world["db"]) == []
    with sqlite3.connect(world["db"]) as connection:  # every projected table has rows to compare
        count = {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in (  # noqa: S608
            "subscriptions", "declaration_versions", "late_notices", "uss_availability", "reports", "webhooks",
            "parties", "notices")}
        indices = dict(connection.execute("SELECT id, notification_index FROM subscriptions").fetchall())
    assert count["subscriptions"] == 3  # uss1's, the intent's implicit one, cap's own (strike's deleted)
    assert count["declaration_versions"] == 4  # the intent, cap 1 and 2, strike 1 (withdrawn)
    assert min(count.values()) >= 1
    # uss1's index moved with the intent and with each /v1 write there: logged by both doors
    assert indices[world["sub"]] == 3 and indices[world["cap_sub"]] >= 1


Case = Callable[[dict[str, Any]], tuple[str, tuple[Any, ...], Mismatch]]

CASES: dict[str, Case] = {
    # subscriptions: an F3548 one, an intent's implicit one, a /v1 operation's own
    "subscription callback redirected": lambda w: (
        "UPDATE subscriptions SET uss_base_url = 'https://evil.example/utm' WHERE id = ?", (w["sub"],),
        Mismatch("subscriptions", w["sub"], "uss_base_url differs from the log")),
    "subscription notification index rewound": lambda w: (
        "UPDATE subscriptions SET notification_index = 0 WHERE id = ?", (w["sub"],),
        Mismatch("subscriptions", w["sub"], "notification_index differs from the log")),
    "implicit subscription stops notifying": lambda w: (
        "UPDATE subscriptions SET notify_for_operational_intents = 0 WHERE id = ?", (w["oir_sub"],),
        Mismatch("subscriptions", w["oir_sub"], "notify_for_operational_intents differs from the log")),
    "own subscription index of a /v1 operation": lambda w: (
        "UPDATE subscriptions SET notification_index = notification_index + 5 WHERE id = ?", (w["cap_sub"],),
        Mismatch("subscriptions", w["cap_sub"], "notification_index differs from the log")),
    "own subscription of a /v1 operation reshaped": lambda w: (
        "UPDATE subscriptions SET volumes = (SELECT volumes FROM subscriptions WHERE id = ?) WHERE id = ?",
        (w["sub"], w["cap_sub"]), Mismatch("subscriptions", w["cap_sub"], "volumes differs from the log")),
    "subscription deleted": lambda w: (
        "DELETE FROM subscriptions WHERE id = ?", (w["sub"],),
        Mismatch("subscriptions", w["sub"], "in the log, missing from the table")),
    "subscription added": lambda w: (
        "INSERT INTO subscriptions SELECT 'planted', party, version, notification_index, uss_base_url, "
        "notify_for_operational_intents, notify_for_constraints, implicit, volumes, updated_at_s "
        "FROM subscriptions WHERE id = ?", (w["sub"],),
        Mismatch("subscriptions", "planted", "in the table, not in the log")),
    # webhooks: the URL (the secret is not logged)
    "webhook redirected": lambda w: (
        "UPDATE webhooks SET url = 'https://evil.example/hook' WHERE party = ?", ("azure",),
        Mismatch("webhooks", "azure", "url differs from the log")),
    "webhook deleted": lambda w: (
        "DELETE FROM webhooks WHERE party = ?", ("azure",),
        Mismatch("webhooks", "azure", "in the log, missing from the table")),
    "webhook added": lambda w: (
        "INSERT INTO webhooks (party, url, secret, delivered_seq) VALUES (?, 'https://evil.example/', 's', 0)",
        ("crimson",), Mismatch("webhooks", "crimson", "in the table, not in the log")),
    # parties: the registered name
    "party renamed": lambda w: (
        "UPDATE parties SET name = 'Azure Air' WHERE id = ?", ("azure",),
        Mismatch("parties", "azure", "name differs from the log")),
    "party deleted": lambda w: (
        "DELETE FROM parties WHERE id = ?", ("crimson",),
        Mismatch("parties", "crimson", "in the log, missing from the table")),
    "party added": lambda w: (
        "INSERT INTO parties (id, name) VALUES (?, '')", ("ghost",),
        Mismatch("parties", "ghost", "in the table, not in the log")),
    # late notices: the notice given
    "late notice softened": lambda w: (
        "UPDATE late_notices SET notice_s = required_s WHERE declaration_id = ? AND version = 1", ("cap",),
        Mismatch("late_notices", "cap version 1", "notice_s differs from the log")),
    "late notice deleted": lambda w: (
        "DELETE FROM late_notices WHERE declaration_id = ? AND version = 1", ("cap",),
        Mismatch("late_notices", "cap version 1", "in the log, missing from the table")),
    "late notice added": lambda w: (
        "INSERT INTO late_notices VALUES (?, 1, 10.0, 900.0)", ("strike",),
        Mismatch("late_notices", "strike version 1", "in the table, not in the log")),
    # declaration versions: the history, withdrawn ones included
    "older version's priority rewritten": lambda w: (
        "UPDATE declaration_versions SET priority = 9 WHERE id = ? AND version = 1", ("cap",),
        Mismatch("declaration_versions", "cap version 1", "priority differs from the log")),
    "older version's volumes rewritten": lambda w: (
        "UPDATE declaration_versions SET volumes = (SELECT volumes FROM declarations WHERE id = 'cap') "
        "WHERE id = ? AND version = 1", ("cap",),
        Mismatch("declaration_versions", "cap version 1", "volumes differs from the log")),
    "withdrawn declaration's history erased": lambda w: (
        "DELETE FROM declaration_versions WHERE id = ?", ("strike",),
        Mismatch("declaration_versions", "strike version 1", "in the log, missing from the table")),
    "version added to the history": lambda w: (
        "INSERT INTO declaration_versions SELECT id, 3, party, kind, priority, declared_at_s, volumes, state, ovn "
        "FROM declaration_versions WHERE id = ? AND version = 2", ("cap",),
        Mismatch("declaration_versions", "cap version 3", "in the table, not in the log")),
    # USS availability and reports (F3548)
    "USS brought back up": lambda w: (
        "UPDATE uss_availability SET availability = 'Normal' WHERE uss = ?", ("uss3",),
        Mismatch("uss_availability", "uss3", "availability differs from the log")),
    "availability deleted": lambda w: (
        "DELETE FROM uss_availability WHERE uss = ?", ("uss3",),
        Mismatch("uss_availability", "uss3", "in the log, missing from the table")),
    "report body rewritten": lambda w: (
        "UPDATE reports SET body = '{\"exchange\": {}}' WHERE id = ?", (w["report"],),
        Mismatch("reports", w["report"], "body differs from the log")),
    "report deleted": lambda w: (
        "DELETE FROM reports WHERE id = ?", (w["report"],),
        Mismatch("reports", w["report"], "in the log, missing from the table")),
    # declarations and notices: the fields now compared besides the earlier ones
    "intent's base URL redirected": lambda w: (
        "UPDATE declarations SET uss_base_url = 'https://evil.example/utm' WHERE id = ?", (w["oir"],),
        Mismatch("declarations", w["oir"], "uss_base_url differs from the log")),
    "notice deadline extended": lambda w: (
        "UPDATE notices SET deadline_s = deadline_s + 3600 WHERE id = ?", (w["notice"],),
        Mismatch("notices", w["notice"], "deadline_s differs from the log")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_edited_row_is_reported_with_its_table_and_key(world: dict[str, Any], tmp_path: Path, case: str) -> None:
    sql, params, expected = CASES[case](world)
    assert mismatches(edited(world, tmp_path, sql, *params)) == [expected]


def test_what_the_log_does_not_hold_is_not_compared(world: dict[str, Any], tmp_path: Path) -> None:
    """A webhook's secret (never logged) and how far delivery got (progress of the outbox)."""
    db = edited(world, tmp_path, "UPDATE webhooks SET secret = 'other', delivered_seq = 99 WHERE party = ?", "azure")
    assert mismatches(db) == []


def test_ledger_verify_reports_a_history_or_report_edit(world: dict[str, Any], tmp_path: Path) -> None:
    """The CLI compares the tables `State` does not hold too (declaration_versions, reports)."""
    honest = runner.invoke(cli, ["ledger", "verify", "--db", str(world["db"])])
    assert honest.exit_code == 0 and "the tables are its projection" in " ".join(honest.output.split()), honest.output
    for sql, params, table in (
            ("UPDATE declaration_versions SET ovn = 'forged' WHERE id = ? AND version = 1", ("cap",),
             "declaration_versions"),
            ("UPDATE reports SET reporter = 'uss9' WHERE id = ?", (world["report"],), "reports")):
        case = tmp_path / table
        case.mkdir()
        result = runner.invoke(cli, ["ledger", "verify", "--db", str(edited(world, case, sql, *params))])
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and f"table {table}" in output, output


def as_written_by_an_older_server(db: Path) -> None:
    """Rewrite the log as a server before this projection wrote it (no "registry" in /v1 entries,
    no updated_at_s of subscriptions, no time or digest of reports), the chain made whole again:
    what an upgraded database holds."""
    from deconfliction.engine.ledger.chain import next_link

    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT seq, at_s, actor, kind, payload FROM ledger ORDER BY seq").fetchall()
        head = None
        for seq, at_s, actor, kind, text in rows:
            payload = json.loads(text)
            payload.pop("registry", None)
            for sub in payload.get("subscriptions", ()):
                sub.pop("updated_at_s", None)
            for report in payload.get("reports", ()):
                report.pop("at_s", None)
                report.pop("body_digest", None)
            link = next_link(head, at_s=at_s, actor=actor, kind=kind, payload=payload)
            connection.execute("UPDATE ledger SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                               (link.payload_json, link.prev_hash, link.hash, seq))
            head = (link.seq, link.hash)
        assert head is not None
        connection.execute("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", head)


def test_a_log_written_before_registry_writes_were_logged_is_no_false_mismatch(
        tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    settings = Settings(db=tmp_path / "old.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"])
    azure, crimson = bearer(token("azure", *PARTY_SCOPES)), bearer(token("crimson", *PARTY_SCOPES))
    sub = new_id()
    cap = {"kind": "operation", "volumes": [box(LAT, LNG, 0.01, start_in_s=300, duration_s=1200)]}
    with TestClient(create_app(settings)) as client:
        r = client.put(f"{SUBS}/{sub}", json=sub_body(), headers=bearer(token("uss1", SC)))
        assert r.status_code == 200, r.text
        assert client.put("/v1/declarations/cap", json=cap, headers=azure).status_code == 201
        assert client.put("/v1/declarations/strike", json={"kind": "operation", "volumes": [box(LAT + 1, LNG, 0.01)]},
                          headers=crimson).status_code == 201
        assert client.delete("/v1/declarations/strike?version=1", headers=crimson).status_code == 200
        exchange = {"url": "x", "method": "GET", "recorder_role": "Client"}
        assert client.post("/dss/v1/reports", json={"exchange": exchange},
                           headers=bearer(token("uss1", SC))).status_code == 201
    as_written_by_an_older_server(settings.db)
    with sqlite3.connect(settings.db) as connection:
        own, index = connection.execute("SELECT s.id, s.notification_index FROM subscriptions s "
                                        "JOIN declarations d ON d.subscription_id = s.id").fetchone()
        moved = connection.execute("SELECT notification_index FROM subscriptions WHERE id = ?", (sub,)).fetchone()[0]
        assert moved == 1  # by cap's /v1 declaration
    # cap's own subscription and uss1's index moved by the /v1 write are in the table, not in this log
    assert mismatches(settings.db) == []
    world = {"db": settings.db}
    (tmp_path / "a").mkdir()
    redirected = edited(world, tmp_path / "a", "UPDATE subscriptions SET uss_base_url = 'https://evil.example' "
                        "WHERE id = ?", sub)
    assert mismatches(redirected) == [Mismatch("subscriptions", sub, "uss_base_url differs from the log")]

    # the upgraded server logs the revision's registry writes: the indices are known again
    with TestClient(create_app(settings)) as client:
        r = client.put("/v1/declarations/cap", json={**cap, "version": 1}, headers=azure)
        assert r.status_code == 200, r.text
    assert mismatches(settings.db) == []
    (tmp_path / "b").mkdir()
    rewound = edited(world, tmp_path / "b", "UPDATE subscriptions SET notification_index = 0 WHERE id = ?", sub)
    assert mismatches(rewound) == [Mismatch("subscriptions", sub, "notification_index differs from the log")]
    (tmp_path / "c").mkdir()
    own_rewound = edited(world, tmp_path / "c", "UPDATE subscriptions SET notification_index = ? WHERE id = ?",
                         index + 7, own)
    assert mismatches(own_rewound) == [Mismatch("subscriptions", own, "notification_index differs from the log")]
