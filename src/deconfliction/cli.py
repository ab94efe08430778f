"""The `deconfliction` command: a thin shell over the service and the engines.

Errors of the package's own tree print one line naming the field and the reason and exit 2.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .cli_client import ack, declare, notices
from .cli_errors import exit_2_on_error, fail
from .cli_serve import db_shown, serve, token
from .cli_tactical import tactical_app
from .cli_version import VersionOption
from .store import Database, database_url, ledger_repo, sqlite_url
from .store.database import is_postgres_url

app = typer.Typer(
    name="deconfliction",
    help="Deconfliction for independent parties sharing airspace.",
    no_args_is_help=True,
    add_completion=False,
)
ledger_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(tactical_app, name="tactical")
db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.command("serve")(serve)
app.command("token")(token)
app.command("declare")(declare)
app.command("notices")(notices)
app.command("ack")(ack)

DbOption = Annotated[Path | None, typer.Option("--db", help="SQLite file to keep (default: a temporary one).")]


@app.callback()
def main(version: VersionOption = False) -> None:
    """Declare 4D volumes, find conflicts, notify and acknowledge, keep a tamper-evident log."""


def _replay_and_report(path: Path, db: Path | None, as_json: bool) -> None:
    from .report import render
    from .sim.replay import replay
    from .sim.scenario import load_scenario

    with exit_2_on_error():
        scenario = load_scenario(path)
    if db is not None and db.exists():
        raise fail(f"--db: {db} already exists; a replay starts from an empty store")
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(sqlite_url(db if db is not None else Path(scratch) / "replay.db"))
        try:
            database.upgrade()
            with exit_2_on_error():
                report = asyncio.run(replay(scenario, database))
        finally:
            database.close()
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
    else:
        render(report, Console())


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the report.")] = False,
    db: DbOption = None,
) -> None:
    """Replay a scenario: conflicts, late notices, notices and acknowledgements, advice."""
    if not file.is_file():
        raise fail(f"FILE: {file} does not exist")
    _replay_and_report(file, db, as_json)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the report.")] = False,
    db: DbOption = None,
) -> None:
    """The eastern Mediterranean morning, live: a server on SQLite, each party driving it over /v1
    in fast time and listening to its own event stream; the report is what the server recorded."""
    from .report import render
    from .sim.live import play
    from .sim.scenario import load_scenario

    source = resources.files("deconfliction") / "scenarios" / "eastern_mediterranean.yaml"
    with resources.as_file(source) as path, exit_2_on_error():
        scenario = load_scenario(path)
    if db is not None and db.exists():
        raise fail(f"--db: {db} already exists; the demo starts from an empty store")
    with tempfile.TemporaryDirectory() as scratch, exit_2_on_error():
        report, received = play(scenario, db if db is not None else Path(scratch) / "demo.db")
    if as_json:
        body = report.as_json()
        body["events_received"] = {party: len(events) for party, events in sorted(received.items())}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return
    render(report, Console())
    Console().print("events pushed to each party: " + ", ".join(
        f"{party} {len(events)}" for party, events in sorted(received.items())))


@db_app.command("upgrade")
def db_upgrade(db: Annotated[str, typer.Option("--db", help="SQLite file or postgresql:// URL.")] = "deconfliction.db") -> None:
    """Bring the database to this version's schema (moves older databases into it). A pool's
    servers (PostgreSQL) never migrate on start: run this once, before starting them."""
    database = Database(database_url(db))
    try:
        with exit_2_on_error():
            before = database.revision()
            database.upgrade()
            Console().print(f"database {db_shown(db)}: schema {before or 'none'} -> {database.revision()}")
    finally:
        database.close()


def _open_existing(db: str) -> Database:
    """The database read-only: an inquiry's tools never migrate or write what they examine
    (a PostgreSQL database is read in read-only snapshots: nothing here writes)."""
    if is_postgres_url(db):
        return Database(database_url(db))
    if not Path(db).is_file():
        raise fail(f"--db: {db} does not exist")
    return Database(sqlite_url(db), read_only=True)


@ledger_app.command("verify")
def ledger_verify(db: Annotated[str, typer.Option("--db", help="SQLite file or postgresql:// URL.")] = "deconfliction.db") -> None:
    """Check every link of the hash chain; exit 1 if any entry was edited, removed or reordered."""
    database = _open_existing(db)
    with database.read() as connection:
        result = ledger_repo.verify(connection)
    database.close()
    console = Console()
    if result.ok:
        console.print(f"[green]ledger verified[/]: {result.entries} entries, head {result.head_hash}")
        return
    console.print(f"[bold red]ledger BROKEN[/] at entry {result.first_bad_seq}: {result.reason}")
    raise typer.Exit(1)


@ledger_app.command("export")
def ledger_export(
    db: Annotated[str, typer.Option("--db", help="SQLite file or postgresql:// URL.")] = "deconfliction.db",
    out: Annotated[Path | None, typer.Option("--out", help="JSON Lines file (default: standard output).")] = None,
) -> None:
    """Write every entry as JSON Lines, in order, with its hashes, for an inquiry."""
    database = _open_existing(db)
    stream: Any = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        with database.read() as connection:
            for entry in ledger_repo.entries(connection):
                stream.write(json.dumps(entry.as_json(), sort_keys=True, ensure_ascii=False) + "\n")
    finally:
        if out:
            stream.close()
        database.close()
