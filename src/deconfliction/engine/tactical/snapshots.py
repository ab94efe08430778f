"""Aircraft states from CSV text: one `Traffic` per snapshot (each distinct `time_s`).

Columns: id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps and optionally time_s, in any order; extra
columns are ignored. The caller opens the file (this module does no I/O), so it can wrap the
lines in a progress bar. Every bad row raises `InvalidInput` with subject "line N" and the
column's name as the field.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ...errors import InvalidInput
from .traffic import Traffic

REQUIRED = ("id", "lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps")
TIME = "time_s"
_NUMERIC = REQUIRED[1:]
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "gs_mps": (0.0, math.inf)}


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """The states observed at one time (`time_s` None when the file has no time column);
    `ids[k]` names aircraft k of `traffic`, and `lines[k]` is the line it came from."""

    time_s: float | None
    ids: tuple[str, ...]
    lines: tuple[int, ...]
    traffic: Traffic


def read_snapshots(lines: Iterable[str]) -> list[Snapshot]:
    """Parse CSV lines into snapshots sorted by time."""
    reader = csv.reader(lines)
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(missing[0], f"missing column (the header has {header})", "line 1")
    where = {name: header.index(name) for name in (*REQUIRED, TIME) if name in header}
    width = max(where.values()) + 1
    groups: dict[float | None, list[tuple[int, str, list[float]]]] = {}
    seen: dict[tuple[float | None, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            name = next(n for n, i in where.items() if i >= len(row))
            raise InvalidInput(name, "missing value (the row is too short)", f"line {line}")
        ident = row[where["id"]].strip()
        if not ident:
            raise InvalidInput("id", "empty id", f"line {line}")
        values = [_number(row[where[name]], name, line) for name in _NUMERIC]
        time_s = _number(row[where[TIME]], TIME, line) if TIME in where else None
        first = seen.setdefault((time_s, ident), line)
        if first != line:
            raise InvalidInput(
                "id", f"{ident!r} appears twice at the same time (line {first})", f"line {line}"
            )
        groups.setdefault(time_s, []).append((line, ident, values))
    return [
        _snapshot(t, groups[t]) for t in sorted(groups, key=lambda t: -math.inf if t is None else t)
    ]


def _number(text: str, name: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(name, f"not a number: {text.strip()!r}", f"line {line}") from None
    if not math.isfinite(value):
        raise InvalidInput(name, f"not a finite number: {text.strip()!r}", f"line {line}")
    low, high = _RANGES.get(name, (-math.inf, math.inf))
    if not low <= value <= high:
        raise InvalidInput(name, f"{value!r} outside [{low}, {high}]", f"line {line}")
    return value


def _snapshot(time_s: float | None, rows: list[tuple[int, str, list[float]]]) -> Snapshot:
    columns = np.array([values for _, _, values in rows], dtype=np.float64).reshape(
        -1, len(_NUMERIC)
    )
    lat, lon, alt, gs, trk, vs = columns.T
    traffic = Traffic.of(lat_deg=lat, lon_deg=lon, alt_m=alt, gs_mps=gs, trk_deg=trk, vs_mps=vs)
    return Snapshot(
        time_s, tuple(ident for _, ident, _ in rows), tuple(line for line, _, _ in rows), traffic
    )
