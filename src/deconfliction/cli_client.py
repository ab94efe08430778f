"""`deconfliction declare | notices | ack`: a party's commands against a running server (/v1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from .cli_errors import exit_2_on_error, fail
from .errors import InvalidInput

Server = Annotated[str, typer.Option("--server", envvar="DECONFLICTION_SERVER", help="The server's base URL")]
Token = Annotated[str, typer.Option("--token", envvar="DECONFLICTION_TOKEN",
                                    help="Your party's bearer token (env DECONFLICTION_TOKEN)")]
Receipts = Annotated[Path | None, typer.Option(
    "--receipts", envvar="DECONFLICTION_RECEIPTS",
    help="Keep each write's receipt and the log's tree heads in this folder, and check that every new head "
         "extends the last one kept (a rewritten or forked log is refused); `ledger verify --receipts` reads it")]
DEFAULT_SERVER = "http://127.0.0.1:8082"
LAST_HEAD = "last-tree-head.json"
LOG_KEY = "log.pub"


def _keep_receipt(folder: Path, server: str, token: str, answer: dict[str, Any], name: str) -> None:
    """Save the receipt; check its tree head against the last one kept (trusting the server's log
    key the first time it is seen, as SSH trusts a host key); keep the newer head."""
    from .engine.ledger.signing import Receipt, SignedTreeHead, load_public_key, verify_consistency_between

    raw = answer.get("receipt")
    if raw is None:
        return
    with exit_2_on_error():
        receipt = Receipt.from_json(raw)
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / LOG_KEY
    if not key_file.is_file():
        key_file.write_text(_call("GET", server, token, "/v1/ledger/key")["public_key"] + "\n")
    log_key = load_public_key(key_file.read_text().strip(), str(key_file))
    new = receipt.tree_head
    if not new.verify(log_key):
        raise fail(f"the receipt's tree head is not signed by the log key kept in {key_file}", code=1)
    (folder / f"{receipt.leaf_index + 1:09d}-{name}.json").write_text(json.dumps({"receipt": raw}, indent=1))
    last_file = folder / LAST_HEAD
    if last_file.is_file():
        old = SignedTreeHead.from_json(json.loads(last_file.read_text())["tree_head"])
        if new.tree_size < old.tree_size:
            raise fail(f"the server's log has {new.tree_size} entries, fewer than the {old.tree_size} of the head "
                       f"kept in {last_file}: entries were removed", code=1)
        proof = _call("GET", server, token, "/v1/ledger/consistency",
                      params={"from": old.tree_size, "to": new.tree_size})["proof"]
        if not verify_consistency_between(old, new, [bytes.fromhex(h) for h in proof], log_key):
            raise fail(f"the server's log at {new.tree_size} entries does not extend the head kept in {last_file} "
                       f"({old.tree_size} entries): its history was rewritten or forked", code=1)
        if new.tree_size == old.tree_size:
            return
    last_file.write_text(json.dumps({"tree_head": new.as_json()}, indent=1))


def _call(method: str, server: str, token: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = httpx.request(method, f"{server.rstrip('/')}{path}", headers={"Authorization": f"Bearer {token}"},
                                 timeout=30, **kwargs)
    except httpx.HTTPError as error:
        raise fail(f"--server: cannot reach {server}: {error}") from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code >= 400:
        raise fail(f"{response.status_code}: {body.get('message', response.text)}")
    return body


def _read_declarations(file: Path) -> list[dict[str, Any]]:
    import yaml

    try:
        text = file.read_text(encoding="utf-8")
        body = json.loads(text) if file.suffix == ".json" else yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise InvalidInput("FILE", f"{file} cannot be read as {'JSON' if file.suffix == '.json' else 'YAML'}: {error}") from None
    items = body if isinstance(body, list) else [body]
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise InvalidInput(f"FILE[{i}].id", "each declaration needs a string id")
    return items


def declare(
    file: Annotated[Path, typer.Argument(help="A declaration (or a list): {id, kind, priority?, purpose?, volumes, version?}")],
    server: Server = DEFAULT_SERVER, token: Token = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the server's answers as JSON")] = False,
    receipts: Receipts = None,
) -> None:
    """Declare (or revise, with `version`) operations and constraints; print conflicts, the notice
    rule and advice."""
    if not token:
        raise fail("--token: missing (or set DECONFLICTION_TOKEN)")
    with exit_2_on_error():
        items = _read_declarations(file)
    console = Console()
    answers = []
    for item in items:
        body = {k: v for k, v in item.items() if k != "id"}
        answer = _call("PUT", server, token, f"/v1/declarations/{item['id']}", json=body)
        answers.append(answer)
        if receipts is not None:
            _keep_receipt(receipts, server, token, answer, f"declared-{item['id']}")
        if as_json:
            continue
        d = answer["declaration"]
        console.print(f"[bold]{d['id']}[/] v{d['version']} {d['state']}: {len(answer['conflicts'])} conflict(s)")
        for c in answer["conflicts"]:
            console.print(f"  conflict {c['a']} × {c['b']} volumes {c['volumes']}")
        if answer["late_notice"]:
            ln = answer["late_notice"]
            console.print(f"  [bold red]late notice[/]: {ln['notice_s']:.0f} s given, {ln['required_s']:.0f} s required")
        for a in answer["advice"]:
            console.print(f"  advice: delay {a['delay_s']} s, or shift {a['altitude_shift_m']} m")
    if as_json:
        typer.echo(json.dumps(answers, indent=2))


def notices(
    server: Server = DEFAULT_SERVER, token: Token = "",
    state: Annotated[str, typer.Option(help="open, acknowledged, escalated, superseded or all")] = "open",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Your notices, with the declaration and version to read back."""
    if not token:
        raise fail("--token: missing (or set DECONFLICTION_TOKEN)")
    body = _call("GET", server, token, "/v1/notices", params={"state": state})
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    table = Table(title=f"Notices ({state})")
    for column in ("id", "about", "version", "reason", "deadline", "state"):
        table.add_column(column)
    for n in body["notices"]:
        table.add_row(n["id"], n["about"], str(n["about_version"]), n["reason"], n["deadline"] or "-", n["state"])
    Console().print(table)


def ack(
    notice: Annotated[str, typer.Argument(help="The notice id")],
    declaration: Annotated[str, typer.Option("--declaration", help="The declaration id you read back")],
    version: Annotated[int, typer.Option("--version", min=1, help="The version you read back")],
    server: Server = DEFAULT_SERVER, token: Token = "", receipts: Receipts = None,
) -> None:
    """Acknowledge a notice by reading back the declaration and version you saw (refused when stale)."""
    if not token:
        raise fail("--token: missing (or set DECONFLICTION_TOKEN)")
    body = _call("POST", server, token, f"/v1/notices/{notice}/acknowledgement",
                 json={"declaration": declaration, "version": version})
    if receipts is not None:
        _keep_receipt(receipts, server, token, body, f"acknowledged-{notice}")
    Console().print(f"[green]acknowledged[/] {body['notice']['id']} at {body['notice']['acknowledged_at']}")
