"""The `deconfliction` command: a thin shell over the service and the engines.

Errors of the package's own tree print one line naming the field and the reason and exit 2.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Iterable
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
from .engine.ledger.chain import LedgerEntry
from .errors import InvalidInput, Unavailable
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
    serve: Annotated[bool, typer.Option(
        "--serve", help="Keep the server running after the replay for the map console; prints its address and "
                        "a sign-in link per party (local mode, loopback only). Ctrl-C stops it.")] = False,
    port: Annotated[int | None, typer.Option(help="Port for --serve (default: a free one)", min=1, max=65535)] = None,
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
    if serve and as_json:
        raise fail("--serve: not with --json (the console's links are printed as text)")
    hold = _serve_console(scenario, render) if serve else None
    with tempfile.TemporaryDirectory() as scratch, exit_2_on_error():
        report, received = play(scenario, db if db is not None else Path(scratch) / "demo.db", port=port, hold=hold)
    if serve:
        return
    if as_json:
        body = report.as_json()
        body["events_received"] = {party: len(events) for party, events in sorted(received.items())}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return
    render(report, Console())
    Console().print("events pushed to each party: " + ", ".join(
        f"{party} {len(events)}" for party, events in sorted(received.items())))


def _serve_console(scenario: Any, render: Any) -> Any:
    """The `hold` of `demo --serve`: print the report, the console's address and a sign-in link
    per party, move the clock on in real time, and wait for Ctrl-C (or SIGTERM)."""
    import signal
    import threading

    from .sim.live import run_on

    def hold(server: Any, report: Any, received: dict[str, list[Any]]) -> None:
        console = Console()
        render(report, console)
        console.print("events pushed to each party: " + ", ".join(
            f"{party} {len(events)}" for party, events in sorted(received.items())))
        lines = [f"console: {server.url}/  (local mode: this machine only)"]
        for party in scenario.parties:
            label = f"{party.name} ({party.id})" if party.name else party.id
            lines.append(f"sign in as {label}: {server.url}/#token={server.token(party.id)}")
        lines.append("the server keeps running (its clock now moves in real time); Ctrl-C stops it")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        run_on(server.clock, stop)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            signal.signal(signal.SIGTERM, previous)

    return hold


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
def ledger_verify(
    db: Annotated[str | None, typer.Option("--db", help="SQLite file or postgresql:// URL (default "
                                           "deconfliction.db; with --export, the tables to compare with it).")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="An exported ledger (JSON Lines) to check "
                                                "instead of a database: what an inquiry holds.")] = None,
    receipts: Annotated[Path | None, typer.Option("--receipts", help="A folder of receipts and tree heads the "
                                                  "parties kept (JSON files, as the server answered them).")] = None,
    keys: Annotated[Path | None, typer.Option("--keys", help="A folder of keys: log.pub (the server's log key) and "
                                              "PARTY.pub for each party that gave its own (base64url or PEM).")] = None,
) -> None:
    """Check every link of the hash chain; exit 1 if any entry was edited, removed or reordered,
    or if a table is not the log's projection.
    With --export: also every signed request against its party's key, and every kept receipt
    and tree head against the transparency log the export rebuilds; with --export and --db, the
    database's tables against that log (not against the database's own ledger, which whoever
    holds the database could rewrite along with its tables)."""
    if export is not None:
        entries = _verify_export(export, receipts, keys)
        if db is None:
            return
        database = _open_existing(db)
        try:
            database.check_current()
        except Unavailable:
            database.close()
            raise fail(f"--db: {db} has an older schema: `deconfliction db upgrade` a copy first") from None
        try:
            with database.read() as connection:
                mismatches = _table_mismatches(connection, db, entries)
        finally:
            database.close()
        if not mismatches:
            Console().print(f"[green]tables verified[/]: {db}'s tables are the projection of the exported ledger")
            return
        for m in mismatches:
            Console().print(f"[bold red]table {m.table}[/], {m.key}: {m.problem}")
        raise typer.Exit(1)
    db = db or "deconfliction.db"
    database = _open_existing(db)
    try:
        database.check_current()
        current_schema = True
    except Unavailable:
        current_schema = False  # an older schema: its tables are not this code's to project
    try:
        with database.read() as connection:
            result = ledger_repo.verify(connection)
            mismatches = []
            if result.ok and current_schema:  # the tables against the log: an edit the log did not record
                mismatches = _table_mismatches(connection, db, ledger_repo.entries(connection))
    finally:
        database.close()
    console = Console()
    if result.ok and not mismatches:
        tables = ("the tables are its projection" if current_schema else
                  "the tables were not compared (an older schema: `deconfliction db upgrade` first)")
        console.print(f"[green]ledger verified[/]: {result.entries} entries, head {result.head_hash}; {tables}")
        return
    if not result.ok:
        console.print(f"[bold red]ledger BROKEN[/] at entry {result.first_bad_seq}: {result.reason}")
    for m in mismatches:
        console.print(f"[bold red]table {m.table}[/], {m.key}: {m.problem}")
    raise typer.Exit(1)


def _table_mismatches(connection: Any, db: str, entries: Iterable[LedgerEntry]) -> list[Any]:
    """The tables of the database `connection` reads, compared with the projection of `entries`."""
    from .api.auth import PURPOSE_SECRET_FILE
    from .app.projection import compare
    from .store import repo

    # the purpose secret beside a SQLite file (a pool's lives in each server's data directory)
    secret_file = None if is_postgres_url(db) else Path(db).parent / ".deconfliction" / PURPOSE_SECRET_FILE
    secret = secret_file.read_bytes() if secret_file is not None and secret_file.is_file() else None
    try:
        state = repo.load_state(connection)
        versions = list(repo.declaration_version_rows(connection))
        reports = list(repo.report_rows(connection))
    except (ValueError, KeyError, TypeError) as error:  # a value no write of ours stores
        Console().print(f"[bold red]tables unreadable[/] (edited outside the server?): {error}")
        raise typer.Exit(1) from None
    return compare(entries, state, purpose_secret=secret, versions=versions, reports=reports)


def _verify_export(export: Path, receipts: Path | None, keys: Path | None) -> list[LedgerEntry]:
    from .engine.ledger.inquiry import examine
    from .engine.ledger.signing import Receipt, SignedTreeHead, load_public_key

    if not export.is_file():
        raise fail(f"--export: {export} does not exist")
    entries = []
    for number, line in enumerate(export.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            entries.append(LedgerEntry(int(raw["seq"]), float(raw["at_s"]), str(raw["actor"]), str(raw["kind"]),
                                       raw["payload"], str(raw["prev_hash"]), str(raw["hash"])))
        except (ValueError, KeyError, TypeError) as error:
            raise fail(f"--export: line {number} is not a ledger entry ({error})") from None
    log_key, party_keys = None, {}
    if keys is not None:
        if not keys.is_dir():
            raise fail(f"--keys: {keys} is not a folder")
        for path in sorted(keys.glob("*.pub")):
            try:
                key = load_public_key(path.read_text(encoding="utf-8").strip(), str(path))
            except InvalidInput as error:
                raise fail(f"--keys: {error.message}") from None
            if path.stem == "log":
                log_key = key
            else:
                party_keys[path.stem] = key
    heads: list[tuple[str, Any]] = []
    if receipts is not None:
        if not receipts.is_dir():
            raise fail(f"--receipts: {receipts} is not a folder")
        for path in sorted(receipts.glob("*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                if "receipt" in raw and raw["receipt"] is not None:
                    heads.append((path.name, Receipt.from_json(raw["receipt"])))
                elif "leaf_index" in raw:
                    heads.append((path.name, Receipt.from_json(raw)))
                else:
                    heads.append((path.name, SignedTreeHead.from_json(raw.get("tree_head", raw))))
            except (ValueError, InvalidInput) as error:
                raise fail(f"--receipts: {path.name} is not a receipt or tree head ({error})") from None
    report = examine(entries, heads=heads, log_key=log_key, party_keys=party_keys)
    console = Console()
    summary = (f"{report.entries} entries, {report.signatures_checked} signed requests, "
               f"{report.heads_checked} receipts and tree heads")
    if report.ok:
        console.print(f"[green]ledger verified[/]: {summary}")
        return entries
    console.print(f"[bold red]ledger NOT verified[/]: {summary}")
    for finding in report.findings:
        console.print(f"  {finding.what} ({finding.where}): {finding.problem}")
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
