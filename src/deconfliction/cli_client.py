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
DEFAULT_SERVER = "http://127.0.0.1:8082"


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
    server: Server = DEFAULT_SERVER, token: Token = "",
) -> None:
    """Acknowledge a notice by reading back the declaration and version you saw (refused when stale)."""
    if not token:
        raise fail("--token: missing (or set DECONFLICTION_TOKEN)")
    body = _call("POST", server, token, f"/v1/notices/{notice}/acknowledgement",
                 json={"declaration": declaration, "version": version})
    Console().print(f"[green]acknowledged[/] {body['notice']['id']} at {body['notice']['acknowledged_at']}")
