"""BlueSky's answers on generated traffic, through the shared harness (bench environment only).

The harness `bs_cd_bench.py` lives in `shared/anchors/bluesky/` beside the repository; it
generates traffic and calls BlueSky's detection directly. This module adds what the fixtures
and the benchmark need: traffic anywhere on the globe (longitudes wrapped to [-180, 180),
which BlueSky's own wrap makes no difference to) and BlueSky's pairs as plain values.
Needs `bluesky-simulator` (the `bench` extra); never imported by the package.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HARNESS_DIR = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "bluesky"
COLUMNS = ("lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps")


def harness():
    """The shared harness module (bs_cd_bench.py)."""
    if "bs_cd_bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bs_cd_bench", HARNESS_DIR / "bs_cd_bench.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bs_cd_bench"] = module
        spec.loader.exec_module(module)
    return sys.modules["bs_cd_bench"]


def generate(
    n: int, seed: int, path: Path, *, lat0: float = 48.0, lon0: float = 10.0, half_km: float = 200.0
) -> dict:
    """Write the harness's traffic (longitudes wrapped) to `path`; return it as the harness
    reads it (dict of arrays, 'id' a list of ints)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = harness().gen_traffic(
            n, seed, os.path.join(tmp, "raw.csv"), lat0=lat0, lon0=lon0, half_km=half_km
        )
    raw["lon"] = (raw["lon"] + 180.0) % 360.0 - 180.0
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", *COLUMNS])
        for k, ident in enumerate(raw["id"]):
            out.writerow([ident, *(repr(float(raw[c][k])) for c in COLUMNS)])
    return harness().read_traffic(str(path))


@dataclass
class BlueSkyResult:
    """Unordered pairs (a < b ids) BlueSky reports in either direction, with its values."""

    pairs: dict[tuple[int, int], dict]
    los: set[tuple[int, int]]
    seconds: float


def detect(
    st: dict, variant: str, *, rpz: float, hpz: float, lookahead: float, with_tout: bool = False
) -> BlueSkyResult:
    """Run BlueSky's `variant` ('py' or 'c') once on traffic `st` and time the call."""
    h = harness()
    fn, _ = h.load_detect(variant)
    n = len(st["id"])
    traf = h.make_traf(st)
    args = (np.full(n, rpz), np.full(n, hpz), np.full(n, lookahead))
    t0 = time.perf_counter()
    confpairs, lospairs, _, _, _, _, dcpa, tcpa, tin = fn(traf, traf, *args)
    seconds = time.perf_counter() - t0
    tout = {}
    if with_tout:  # BlueSky computes tout but does not return it: the harness's replica does
        for r in h.replica_statebased(st, *args):
            tout[(st["id"][r["i"]], st["id"][r["j"]])] = r["tout"]
    ids = st["id"]
    index = {ident: k for k, ident in enumerate(ids)}
    pairs: dict[tuple[int, int], dict] = {}
    for k, (a, b) in enumerate(confpairs):
        key = (min(a, b), max(a, b))
        i, j = index[key[0]], index[key[1]]
        dalt = float(st["alt_m"][j] - st["alt_m"][i])
        boundary = bool(
            st["vs_mps"][i] == 0.0 and st["vs_mps"][j] == 0.0 and abs(abs(dalt) - hpz) < 1e-3
        )
        pairs.setdefault(
            key,
            {
                "tcpa": float(tcpa[k]),
                "dcpa": float(dcpa[k]),
                "tin": float(tin[k]),
                "tout": tout.get((a, b)),
                "level_1000ft_boundary": boundary,
            },
        )
    los = {(min(a, b), max(a, b)) for a, b in lospairs}
    return BlueSkyResult(pairs, los, seconds)


def comparable(pairs: dict[tuple[int, int], dict], rpz: float) -> set[tuple[int, int]]:
    """The pairs a comparison may count: not level 1000 ft apart, dcpa not within 1 m of rpz."""
    return {
        k
        for k, p in pairs.items()
        if not p["level_1000ft_boundary"] and abs(p["dcpa"] - rpz) >= 1.0
    }
