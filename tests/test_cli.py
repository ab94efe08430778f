"""`deconfliction check` and `demo` as a user runs them."""

import gzip
import json
import random
import sqlite3

import pytest
import yaml
from typer.testing import CliRunner

from deconfliction.cli import app
from tests.builders import box, scenario_declaration

runner = CliRunner()


def _write(tmp_path, body, name="s.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body) if name.endswith(".yaml") else json.dumps(body))
    return path


def _scenario(*declarations, acknowledgements=()):
    return {"name": "t", "rules": {"min_notice": "PT15M", "ack_deadline": "PT5M"},
            "parties": [{"id": "blue"}, {"id": "red"}], "declarations": list(declarations),
            "acknowledgements": list(acknowledgements)}


def test_check_json_reports_conflicts_and_late_notices(tmp_path):
    body = _scenario(
        scenario_declaration("b-op", "red", box(34, 33), declared_at="2026-11-23T07:59:00Z"),
        scenario_declaration("a-op", "blue", box(34.05, 33.05), declared_at="2026-11-23T06:00:00Z"),
        scenario_declaration("c-op", "blue", box(36, 33), declared_at="2026-11-23T06:00:00Z"),
    )
    result = runner.invoke(app, ["check", str(_write(tmp_path, body, "s.json")), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [(c["a"], c["b"], c["volumes"]) for c in out["conflicts"]] == [("a-op", "b-op", [[0, 0]])]
    assert out["late_notices"] == [{"id": "b-op", "version": 1, "notice_s": 60.0, "required_s": 900.0}]
    assert {n["state"] for n in out["notices"]} == {"escalated"}
    assert out["advice"][0]["id"] == "b-op" and out["ledger"]["ok"]


def test_acknowledgement_in_time_prevents_escalation(tmp_path):
    body = _scenario(
        scenario_declaration("a", "blue", box(34, 33), declared_at="2026-11-23T06:00:00Z"),
        scenario_declaration("b", "red", box(34, 33), declared_at="2026-11-23T06:10:00Z"),
        acknowledgements=[{"party": "blue", "notice_of": "b", "at": "2026-11-23T06:15:00Z"},
                          {"party": "red", "notice_of": "a", "at": "2026-11-23T06:15:01Z"}],
    )
    out = json.loads(runner.invoke(app, ["check", str(_write(tmp_path, body)), "--json"]).stdout)
    states = {n["to"]: (n["state"], n["escalated_at"]) for n in out["notices"]}
    # the deadline is 06:15:00 sharp: blue was in time, red was escalated and then acknowledged
    assert states == {"blue": ("acknowledged", None), "red": ("acknowledged", "2026-11-23T06:15:00.000Z")}


def _polygon(vertices):
    return {"volume": {"outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in vertices]},
                       "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": 100, "reference": "W84", "units": "M"}},
            "time_start": {"value": "2026-11-23T08:00:00Z", "format": "RFC3339"},
            "time_end": {"value": "2026-11-23T09:00:00Z", "format": "RFC3339"}}


def _bad(kind):
    good = _polygon([(34, 33), (34, 33.1), (34.1, 33.1)])
    if kind == "too_few":
        return _polygon([(34, 33), (34, 33.1)]), "vertices", "at least 3"
    if kind == "bow_tie":
        return _polygon([(34, 33), (34.1, 33.1), (34, 33.1), (34.1, 33)]), "vertices", "self-intersecting"
    if kind == "lat":
        return _polygon([(91, 33), (34, 33.1), (34.1, 33.1)]), "vertices[0].lat", "outside [-90, 90]"
    if kind == "altitudes":
        good["volume"]["altitude_lower"]["value"] = 500
        return good, "altitude_lower", "not below"
    good["time_end"]["value"] = "2026-11-23T07:00:00Z"
    return good, "time_end", "not after"


@pytest.mark.parametrize("kind", ["too_few", "bow_tie", "lat", "altitudes", "times"])
def test_bad_volume_exits_2_naming_declaration_field_and_reason_and_stores_nothing(tmp_path, kind):
    volume, field, reason = _bad(kind)
    good = scenario_declaration("fine", "blue", box(34, 33))
    bad = {"id": "broken", "party": "red", "kind": "operation", "declared_at": "2026-11-23T07:00:00Z",
           "volumes": [volume]}
    db = tmp_path / "out.db"
    result = runner.invoke(app, ["check", str(_write(tmp_path, _scenario(good, bad))), "--db", str(db)])
    assert result.exit_code == 2
    assert "declaration broken" in result.stderr and field in result.stderr and reason in result.stderr
    assert not db.exists()


@pytest.mark.parametrize("change,message", [
    (lambda d: d.__setitem__("party", "green"), "party: unknown party 'green'"),
    (lambda d: d.__setitem__("id", "fine"), "id: duplicate id 'fine'"),
])
def test_unknown_party_and_duplicate_id_exit_2(tmp_path, change, message):
    second = scenario_declaration("other", "red", box(35, 33))
    change(second)
    body = _scenario(scenario_declaration("fine", "blue", box(34, 33)), second)
    result = runner.invoke(app, ["check", str(_write(tmp_path, body))])
    assert result.exit_code == 2 and message in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("s.yaml", gzip.compress(b"name: t\n"), "is not a UTF-8 text file (byte 0x8b at offset 1)"),
    ("s.yaml", random.Random(0).randbytes(4096), "is not a UTF-8 text file (byte 0x"),
    ("s.json", b'{"name": "t"\x00}', "is not a text file (NUL byte at offset 12)"),
    ("s.yaml", b"name: t\nrules: {min_notice: PT1M\n", "is not valid YAML: did not find expected ',' or '}' (line 3"),
], ids=["gzip", "random-bytes", "nul", "yaml-syntax"])
def test_binary_or_malformed_scenario_file_exits_2_with_one_line_naming_it(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: file: {path} {reason}")


def test_misspelt_top_level_key_exits_2_naming_it(tmp_path):
    body = _scenario(scenario_declaration("a", "blue", box(34, 33)))
    body["declaration"] = body.pop("declarations")
    result = runner.invoke(app, ["check", str(_write(tmp_path, body))])
    assert result.exit_code == 2
    assert "scenario: unknown key 'declaration' (expected one of: acknowledgements, declarations," in result.stderr


def test_demo_shows_conflict_late_notice_ack_escalation_and_verified_ledger(tmp_path):
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("azure-cap-1 × crimson-strike-2", "PT1M", "PT15M", "acknowledged", "escalated",
                 "Ledger verified"):
        assert text in result.stdout
    connection = sqlite3.connect(db)
    kinds = {row[0] for row in connection.execute("SELECT kind FROM ledger")}
    assert {"late_notice", "escalated", "acknowledged", "conflict_detected"} <= kinds


def test_track_leaving_its_volume_is_reported_and_notified(tmp_path):
    body = _scenario(scenario_declaration("a", "blue", box(34, 33), declared_at="2026-11-23T06:00:00Z"),
                     scenario_declaration("b", "red", box(34, 33.105), declared_at="2026-11-23T06:00:00Z"))
    body["tracks"] = [{"track": "blue-1", "operation": "a", "states": [
        {"at": "2026-11-23T08:10:00Z", "lat": 34.05, "lng": 33.05, "alt_m": 500},
        {"at": "2026-11-23T08:20:00Z", "lat": 34.05, "lng": 33.05, "alt_m": 1500},
        {"at": "2026-11-23T08:21:00Z", "lat": 34.05, "lng": 33.05, "alt_m": 1600},
        {"at": "2026-11-23T08:30:00Z", "lat": 34.05, "lng": 33.15, "alt_m": 500},
    ]}]
    out = json.loads(runner.invoke(app, ["check", str(_write(tmp_path, body)), "--json"]).stdout)
    assert [(e["track"], e["at"], e["reason"]) for e in out["nonconformances"]] == [
        ("blue-1", "2026-11-23T08:20:00.000Z", "outside_altitude"),
        ("blue-1", "2026-11-23T08:30:00.000Z", "outside_footprint"),
    ]
    assert sorted(n["to"] for n in out["notices"] if n["reason"] == "nonconforming") == ["blue", "red"]


def test_track_of_an_undeclared_operation_exits_2(tmp_path):
    body = _scenario(scenario_declaration("a", "blue", box(34, 33)))
    body["tracks"] = [{"track": "x", "operation": "nope", "states": []}]
    result = runner.invoke(app, ["check", str(_write(tmp_path, body))])
    assert result.exit_code == 2 and "tracks[0].operation" in result.stderr
