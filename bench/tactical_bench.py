"""Tactical conflict detection: ours against BlueSky 1.1.1, then ours alone at scale.

    .venv-bench/bin/python bench/tactical_bench.py

(the bench venv: python3 -m venv .venv-bench && .venv-bench/bin/pip install -e '.[bench]')

1. The harness's traffic (400 km x 400 km around 48N 10E, FL100-FL400, 200-500 kt) at
   N = 1,000, 4,000 and 8,000: BlueSky's compiled `cstatebased.detect` ('c'), its numpy
   `StateBased.detect` with the pure-Python geo ('py', up to 4,000: it needs N x N memory)
   and ours, each timed on the same arrays (median of repeats), with the ratio, and the pair
   sets compared (leaving out level pairs exactly 1000 ft apart and dcpa within 1 m of rpz).
2. Ours alone at 20,000, 100,000 and 200,000 aircraft at continental density (100,000 per
   4,000 km x 4,000 km: the box grows with N), with the peak memory of the call.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bluesky_ref import comparable, detect, generate

from deconfliction.engine.tactical import Protection, Traffic, detect_conflicts

OUT = Path(__file__).resolve().parent / "out"
PROTECTION = Protection()


def timed(call: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def as_traffic(st: dict) -> Traffic:
    return Traffic.of(
        lat_deg=st["lat"],
        lon_deg=st["lon"],
        alt_m=st["alt_m"],
        gs_mps=st["gs_mps"],
        trk_deg=st["trk_deg"],
        vs_mps=st["vs_mps"],
    )


def our_pairs(st: dict, result) -> dict[tuple[int, int], dict]:
    ids = st["id"]
    pairs = {}
    for i, j, dcpa in zip(result.a, result.b, result.dcpa_m, strict=True):
        key = (min(ids[i], ids[j]), max(ids[i], ids[j]))
        dalt = abs(st["alt_m"][j] - st["alt_m"][i])
        level = st["vs_mps"][i] == 0.0 and st["vs_mps"][j] == 0.0
        pairs[key] = {
            "dcpa": float(dcpa),
            "level_1000ft_boundary": bool(level and abs(dalt - PROTECTION.hpz_m) < 1e-3),
        }
    return pairs


def same_pairs(ours: dict, theirs: dict) -> tuple[bool, int, int]:
    """(equal, compared, excluded) over the union of both sides' pairs; excluded are those
    either side flags (level 1000 ft apart, or dcpa within 1 m of rpz)."""
    union = set(ours) | set(theirs)
    skip = (set(ours) - comparable(ours, PROTECTION.rpz_m)) | (
        set(theirs) - comparable(theirs, PROTECTION.rpz_m)
    )
    compared = union - skip
    return (set(ours) & compared) == (set(theirs) & compared), len(compared), len(skip)


def versus_bluesky(n: int, seed: int, repeats: int) -> None:
    st = generate(n, seed, OUT / f"tactical_N{n}_s{seed}.csv")
    traffic = as_traffic(st)
    ours_s, result = timed(lambda: detect_conflicts(traffic, PROTECTION), max(repeats, 7))
    mine = our_pairs(st, result)
    print(
        f"N={n:>6}  ours {ours_s * 1e3:9.1f} ms  pairs {len(result):>6}  "
        f"candidates {result.candidates}"
    )
    variants = ["c", "py"] if n <= 4000 else ["c"]
    for variant in variants:
        runs = [
            detect(
                st,
                variant,
                rpz=PROTECTION.rpz_m,
                hpz=PROTECTION.hpz_m,
                lookahead=PROTECTION.lookahead_s,
            )
            for _ in range(1 if variant == "py" and n > 1000 else repeats)
        ]
        seconds = statistics.median(r.seconds for r in runs)
        equal, compared, excluded = same_pairs(mine, runs[0].pairs)
        los_equal = runs[0].los == {
            (min(st["id"][i], st["id"][j]), max(st["id"][i], st["id"][j]))
            for i, j in zip(result.los_a, result.los_b, strict=True)
        }
        print(
            f"          bluesky {variant:<2} {seconds * 1e3:9.1f} ms  "
            f"ratio {seconds / ours_s:6.1f}x  "
            f"pairs equal: {equal} ({compared} compared, {excluded} excluded)"
            + (f"  LoS equal: {los_equal}" if variant == "py" else "")
        )


def alone(n: int, seed: int, repeats: int) -> None:
    half_km = 2000.0 * math.sqrt(n / 100_000)  # 100,000 per 4,000 km x 4,000 km
    st = generate(n, seed, OUT / f"tactical_cont_N{n}_s{seed}.csv", half_km=half_km)
    traffic = as_traffic(st)
    seconds, result = timed(lambda: detect_conflicts(traffic, PROTECTION), repeats)
    tracemalloc.start()
    detect_conflicts(traffic, PROTECTION)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"N={n:>7}  box {2 * half_km:6.0f} km  ours {seconds * 1e3:8.1f} ms  "
        f"({seconds / n * 1e6:5.2f} us/aircraft)  pairs {len(result):>7}  "
        f"LoS {len(result.los_a):>6}  candidates {result.candidates:>8}  "
        f"peak {peak / 2**20:6.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    print(
        f"numpy {np.__version__}; rpz {PROTECTION.rpz_m} m, hpz {PROTECTION.hpz_m} m, "
        f"look-ahead {PROTECTION.lookahead_s} s; times are medians"
    )
    for n in (1_000, 4_000, 8_000):
        versus_bluesky(n, args.seed, args.repeats)
    print("continental density, ours alone:")
    for n in (20_000, 100_000, 200_000):
        alone(n, args.seed, max(args.repeats, 5))


if __name__ == "__main__":
    main()
