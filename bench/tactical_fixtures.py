"""Regenerate the BlueSky reference fixtures in tests/tactical/data (bench environment).

    .venv-bench/bin/python bench/tactical_fixtures.py

For each case: the traffic CSV and BlueSky's answer (`StateBased` with the pure-Python geo,
the 'py' variant; tout from the harness's replica), written compactly as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from bluesky_ref import detect, generate

DATA = Path(__file__).resolve().parents[1] / "tests" / "tactical" / "data"
RPZ, HPZ, LOOKAHEAD = 9260.0, 304.8, 300.0

# name: (n, seed, lat0, lon0, half_km)
CASES = {
    "central_europe_n1200_s7": (1200, 7, 48.0, 10.0, 200.0),
    "antimeridian_n900_s11": (900, 11, -17.0, 180.0, 200.0),
    "arctic_antimeridian_n700_s3": (700, 3, 82.0, -180.0, 250.0),
}


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, (n, seed, lat0, lon0, half_km) in CASES.items():
        st = generate(n, seed, DATA / f"{name}.csv", lat0=lat0, lon0=lon0, half_km=half_km)
        ref = detect(st, "py", rpz=RPZ, hpz=HPZ, lookahead=LOOKAHEAD, with_tout=True)
        pairs = [
            [
                a,
                b,
                round(p["tcpa"], 6),
                round(p["dcpa"], 6),
                round(p["tin"], 6),
                round(p["tout"], 6),
                p["level_1000ft_boundary"],
            ]
            for (a, b), p in sorted(ref.pairs.items())
        ]
        body = {
            "source": "bluesky-simulator 1.1.1 StateBased.detect (pure-Python geo)",
            "rpz_m": RPZ,
            "hpz_m": HPZ,
            "lookahead_s": LOOKAHEAD,
            "columns": ["a", "b", "tcpa", "dcpa", "tin", "tout", "level_1000ft_boundary"],
            "pairs": pairs,
            "los": sorted([a, b] for a, b in ref.los),
        }
        (DATA / f"{name}.bluesky.json").write_text(json.dumps(body, separators=(",", ":")) + "\n")
        print(f"{name}: {n} aircraft, {len(pairs)} pairs, {len(ref.los)} in LoS")


if __name__ == "__main__":
    main()
