"""The ledger catches every edit, removal and reordering, in the database as stored."""

import sqlite3

import pytest
from typer.testing import CliRunner

from deconfliction.cli import app
from deconfliction.engine.ledger import next_entry, verify_chain
from deconfliction.store import Database, ledger_repo, sqlite_url

runner = CliRunner()


def _chain(n):
    entries, head = [], None
    for i in range(n):
        entry = next_entry(head, at_s=float(i), actor="blue", kind="declared", payload={"i": i})
        entries.append(entry)
        head = (entry.seq, entry.hash)
    return entries


def test_an_intact_chain_verifies():
    entries = _chain(5)
    assert verify_chain(entries, expected_head=(5, entries[-1].hash)).ok


@pytest.mark.parametrize("damage", ["edit", "remove_middle", "swap", "truncate"])
def test_damage_is_detected(damage):
    from dataclasses import replace
    entries = _chain(6)
    head = (6, entries[-1].hash)
    if damage == "edit":
        entries[2] = replace(entries[2], payload={"i": 99})
    elif damage == "remove_middle":
        del entries[3]
    elif damage == "swap":
        entries[1], entries[2] = entries[2], entries[1]
    else:
        entries = entries[:-1]
    result = verify_chain(entries, expected_head=head)
    assert not result.ok and result.first_bad_seq is not None


@pytest.fixture
def demo_db(tmp_path):
    path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _sql(path, statement):
    connection = sqlite3.connect(path)
    connection.executescript(statement)
    connection.commit()
    connection.close()


@pytest.mark.parametrize("statement", [
    "UPDATE ledger SET payload = replace(payload, 'crimson', 'azure') WHERE kind = 'declared'",
    "DELETE FROM ledger WHERE seq = 7",
    "UPDATE ledger SET seq = -5 WHERE seq = 5; UPDATE ledger SET seq = 5 WHERE seq = 6;"
    " UPDATE ledger SET seq = 6 WHERE seq = -5",
    "DELETE FROM ledger WHERE seq = (SELECT max(seq) FROM ledger)",
    "UPDATE ledger SET at_s = at_s + 1 WHERE seq = 3",
])
def test_cli_verify_catches_tampering_in_the_database(demo_db, statement):
    assert runner.invoke(app, ["ledger", "verify", "--db", str(demo_db)]).exit_code == 0
    _sql(demo_db, statement)
    result = runner.invoke(app, ["ledger", "verify", "--db", str(demo_db)])
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_export_writes_every_entry_as_json_lines(demo_db, tmp_path):
    import json
    out = tmp_path / "ledger.jsonl"
    assert runner.invoke(app, ["ledger", "export", "--db", str(demo_db), "--out", str(out)]).exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    database = Database(sqlite_url(demo_db))
    with database.read() as connection:
        stored = [e.as_json() for e in ledger_repo.entries(connection)]
    assert lines == stored and len(lines) > 20
    kinds = {line["kind"] for line in lines}
    assert {"declared", "notice_sent", "acknowledged", "escalated", "late_notice"} <= kinds
