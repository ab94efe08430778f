"""`deconfliction tactical ...`: conflict detection on a CSV of aircraft states."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .cli_errors import exit_2_on_error
from .engine.tactical import (
    DEFAULT_HPZ_M,
    DEFAULT_LOOKAHEAD_S,
    DEFAULT_RPZ_M,
    Protection,
    detect_conflicts,
)
from .engine.tactical.snapshots import Snapshot, read_snapshots
from .errors import InvalidInput

tactical_app = typer.Typer(
    help="Tactical deconfliction on aircraft states.", no_args_is_help=True, add_completion=False
)

PROGRESS_ABOVE_BYTES = 2_000_000  # smaller files read in well under a second
SHOWN_PAIRS = 15


@tactical_app.command()
def detect(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV: id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps[,time_s]"
        ),
    ],
    rpz: Annotated[float, typer.Option(help="horizontal protected radius, metres")] = DEFAULT_RPZ_M,
    hpz: Annotated[
        float, typer.Option(help="vertical protected half-height, metres")
    ] = DEFAULT_HPZ_M,
    lookahead: Annotated[float, typer.Option(help="look-ahead, seconds")] = DEFAULT_LOOKAHEAD_S,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="write the pairs as JSON to this file ('-': stdout)"),
    ] = None,
) -> None:
    """Predict every pair that loses separation within the look-ahead, per snapshot.

    Each distinct time_s is one snapshot, detected separately.

    Without --json: a summary and the soonest conflicts. With --json OUT (or - for stdout):

    {"pairs": [{"a", "b", "time_s", "tcpa", "dcpa", "tin", "tout"}], "los": [{"a", "b", "time_s"}]}

    ids as strings with a < b, sorted by time_s, a, b; an unbounded tin or tout is null.
    """
    err = Console(stderr=True)
    with exit_2_on_error():
        protection = Protection(rpz_m=rpz, hpz_m=hpz, lookahead_s=lookahead)
        with _progress(err, file) as progress:
            snapshots = _read(file, progress)
            task = progress.add_task("detecting", total=len(snapshots))
            body: dict[str, list[dict[str, Any]]] = {"pairs": [], "los": []}
            for snapshot in snapshots:
                _add(body, snapshot, protection)
                progress.advance(task)
    body["pairs"].sort(key=_order)
    body["los"].sort(key=_order)
    if json_out is None:
        _summary(Console(), snapshots, body)
    elif str(json_out) == "-":
        json.dump(body, sys.stdout)
        sys.stdout.write("\n")
    else:
        json_out.write_text(json.dumps(body) + "\n")
        err.print(f"{len(body['pairs'])} pairs, {len(body['los'])} in LoS -> {json_out}")


def _progress(console: Console, file: Path) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=file.stat().st_size < PROGRESS_ABOVE_BYTES,
    )


def _read(file: Path, progress: Progress) -> list[Snapshot]:
    task = progress.add_task("reading", total=file.stat().st_size)
    try:
        with open(file, newline="", encoding="utf-8") as f:
            return read_snapshots(_counted(f, progress, task, file))
    except UnicodeDecodeError as error:  # a binary or compressed file, or another encoding
        bad = error.object[error.start]
        raise InvalidInput("file", f"{file} is not a UTF-8 text file (byte 0x{bad:02x})") from None


def _counted(f: IO[str], progress: Progress, task: Any, file: Path) -> Iterator[str]:
    done = 0
    for k, line in enumerate(f):
        if "\x00" in line:  # the csv module would take it as part of a field
            raise InvalidInput("file", f"{file} is not a text file (NUL byte on line {k + 1})")
        done += len(line)
        if k % 20_000 == 0:
            progress.update(task, completed=done)
        yield line


def _add(body: dict[str, list[dict[str, Any]]], snapshot: Snapshot, protection: Protection) -> None:
    result = detect_conflicts(snapshot.traffic, protection)
    ids = snapshot.ids
    for k in range(len(result)):
        a, b = sorted((ids[result.a[k]], ids[result.b[k]]))
        body["pairs"].append(
            {
                "a": a,
                "b": b,
                "time_s": snapshot.time_s,
                "tcpa": _finite(result.tcpa_s[k]),
                "dcpa": _finite(result.dcpa_m[k]),
                "tin": _finite(result.tin_s[k]),
                "tout": _finite(result.tout_s[k]),
            }
        )
    for i, j in zip(result.los_a, result.los_b, strict=True):
        a, b = sorted((ids[i], ids[j]))
        body["los"].append({"a": a, "b": b, "time_s": snapshot.time_s})


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _order(item: dict[str, Any]) -> tuple[float, str, str]:
    t = item["time_s"]
    return (-math.inf if t is None else t, item["a"], item["b"])


def _summary(
    console: Console, snapshots: list[Snapshot], body: dict[str, list[dict[str, Any]]]
) -> None:
    aircraft = sum(len(s.ids) for s in snapshots)
    console.print(
        f"{len(snapshots)} snapshot(s), {aircraft} states: "
        f"[bold]{len(body['pairs'])}[/bold] conflicting pairs, "
        f"[bold]{len(body['los'])}[/bold] in loss of separation"
    )
    if not body["pairs"]:
        return
    table = Table(title=f"Soonest conflicts (first {SHOWN_PAIRS}; --json for all)")
    for column in ("time_s", "a", "b", "tin s", "tcpa s", "dcpa m", "tout s"):
        table.add_column(column, justify="right")
    soonest = sorted(body["pairs"], key=lambda p: -math.inf if p["tin"] is None else p["tin"])
    for p in soonest[:SHOWN_PAIRS]:
        table.add_row(
            _text(p["time_s"]),
            p["a"],
            p["b"],
            _text(p["tin"]),
            _text(p["tcpa"]),
            _text(p["dcpa"]),
            _text(p["tout"]),
        )
    console.print(table)


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
