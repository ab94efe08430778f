"""The CLI for ongoing use, against a real server in the local mode: token, declare, notices,
ack; the database commands (db upgrade; ledger verify read-only, never migrating); and the live
demo against the offline replay of the same scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from tests.builders import box
from tests.serving import start_serve, stop

CLI = str(Path(sys.executable).parent / "deconfliction")


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DECONFLICTION_")}
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, env={**base, **(env or {})},
                          check=False)


@pytest.fixture
def local_server(tmp_path: Path):
    db = tmp_path / "srv.db"
    process, url = start_serve("--db", str(db), "--ack-deadline", "PT10M")
    yield url, db
    stop(process)


def _declaration_file(tmp_path: Path, name: str, volume, **extra) -> Path:  # noqa: ANN001
    from deconfliction.geo import dump_volume4d
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"id": name, "kind": "operation", "volumes": [dump_volume4d(volume)], **extra}))
    return path


def test_a_party_declares_reads_its_notices_and_acknowledges_from_the_command_line(local_server, tmp_path) -> None:
    url, db = local_server
    blue = run("token", "--party", "blue", "--db", str(db))
    red = run("token", "--party", "red", "--db", str(db))
    assert blue.returncode == 0 and "local" in blue.stderr
    now = time.time()
    later = box(34, 33, t=(now + 7200, now + 9000))
    done = run("declare", str(_declaration_file(tmp_path, "blue-op", later)), "--server", url, "--token", blue.stdout.strip())
    assert done.returncode == 0 and "blue-op v1 Accepted: 0 conflict(s)" in done.stdout
    done = run("declare", str(_declaration_file(tmp_path, "red-op", later)), "--server", url,
               env={"DECONFLICTION_TOKEN": red.stdout.strip()})
    assert done.returncode == 0 and "conflict blue-op × red-op" in done.stdout and "advice" in done.stdout
    listed = run("notices", "--server", url, "--token", blue.stdout.strip(), "--json")
    notices = json.loads(listed.stdout)["notices"]
    assert [n["about"] for n in notices] == ["red-op"]
    stale = run("ack", notices[0]["id"], "--declaration", "red-op", "--version", "2", "--server", url,
                "--token", blue.stdout.strip())
    assert stale.returncode == 2 and "409" in stale.stderr
    acked = run("ack", notices[0]["id"], "--declaration", "red-op", "--version", "1", "--server", url,
                "--token", blue.stdout.strip())
    assert acked.returncode == 0 and "acknowledged" in acked.stdout
    # the inquiry's tool reads the live database read-only
    verified = run("ledger", "verify", "--db", str(db))
    assert verified.returncode == 0 and "ledger verified" in verified.stdout


def test_cli_errors_exit_2_without_a_traceback(tmp_path) -> None:
    assert run("token", "--party", "blue", "--db", str(tmp_path / "none.db")).returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\x00\x01\x02")
    r = run("declare", str(bad), "--server", "http://127.0.0.1:9", "--token", "x")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run("notices", "--server", "http://127.0.0.1:9", "--token", "x")
    assert r.returncode == 2 and "cannot reach" in r.stderr
    r = run("serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "loopback" in r.stderr


def test_db_upgrade_and_ledger_verify_never_migrates(tmp_path) -> None:
    import sqlite3

    from alembic import command

    from deconfliction.store import Database, sqlite_url

    old = tmp_path / "old.db"
    database = Database(sqlite_url(old))
    config = database._alembic()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    database.close()
    assert run("ledger", "verify", "--db", str(old)).returncode == 0
    with sqlite3.connect(old) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    upgraded = run("db", "upgrade", "--db", str(old))
    assert upgraded.returncode == 0 and "0002 -> 0004" in upgraded.stdout
    with sqlite3.connect(old) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)


def test_version_and_help_list_the_commands() -> None:
    r = run("--help")
    for command in ("serve", "token", "declare", "notices", "ack", "check", "demo", "ledger", "db"):
        assert command in r.stdout


def test_the_live_demo_records_what_the_offline_replay_finds(tmp_path) -> None:
    """`demo` drives a real server over /v1; `check` replays the same file through the App directly:
    both must find the same conflicts, late notices, notices (with their states) and advice."""
    live = run("demo", "--json", "--db", str(tmp_path / "live.db"))
    assert live.returncode == 0, live.stderr
    source = resources.files("deconfliction") / "scenarios" / "eastern_mediterranean.yaml"
    with resources.as_file(source) as path:
        offline = run("check", str(path), "--json")
    assert offline.returncode == 0, offline.stderr
    a, b = json.loads(live.stdout), json.loads(offline.stdout)
    for key in ("conflicts", "late_notices", "advice", "acknowledgements", "nonconformances"):
        assert a[key] == b[key], key
    strip = ("delivered_at",)
    assert [{k: v for k, v in n.items() if k not in strip} for n in a["notices"]] == \
        [{k: v for k, v in n.items() if k not in strip} for n in b["notices"]]
    assert a["ledger"]["ok"] and all(count > 0 for count in a["events_received"].values())
    assert any(n["state"] == "escalated" for n in a["notices"]) and any(n["state"] == "acknowledged" for n in a["notices"])
