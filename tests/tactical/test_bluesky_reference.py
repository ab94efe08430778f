"""Our pairs equal BlueSky's (bluesky-simulator 1.1.1, StateBased, pure-Python geo).

The fixtures were made by `bench/tactical_fixtures.py` in the bench environment. Pairs of
level aircraft exactly 1000 ft apart and pairs whose dcpa is within 1 m of rpz are decided
by rounding in BlueSky and are left out of the comparison, as its harness's README says.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from deconfliction.engine.tactical import Protection, detect_conflicts
from deconfliction.engine.tactical.snapshots import read_snapshots

DATA = Path(__file__).parent / "data"
BENCH = Path(__file__).resolve().parents[2] / "bench"
CASES = sorted(p.name.removesuffix(".csv") for p in DATA.glob("*.csv"))


def ours(csv_path: Path, protection: Protection) -> tuple[dict, set]:
    with open(csv_path, newline="") as f:
        (snapshot,) = read_snapshots(f)
    result = detect_conflicts(snapshot.traffic, protection)
    ids = [int(i) for i in snapshot.ids]

    def key(i: int, j: int) -> tuple[int, int]:
        return (min(ids[i], ids[j]), max(ids[i], ids[j]))

    pairs = {
        key(i, j): {"tcpa": tc, "dcpa": dc, "tin": ti, "tout": to}
        for i, j, tc, dc, ti, to in zip(
            result.a,
            result.b,
            result.tcpa_s,
            result.dcpa_m,
            result.tin_s,
            result.tout_s,
            strict=True,
        )
    }
    return pairs, {key(i, j) for i, j in zip(result.los_a, result.los_b, strict=True)}


def excluded(pairs: dict, rpz: float) -> set:
    return {
        k for k, p in pairs.items() if p.get("level_1000ft_boundary") or abs(p["dcpa"] - rpz) < 1.0
    }


def compare(mine: dict, theirs: dict, rpz: float) -> int:
    """Assert equal pair sets (outside the excluded ones) and equal values; return the count."""
    skip = excluded(theirs, rpz) | excluded(mine, rpz)
    assert set(mine) - skip == set(theirs) - skip
    for k in set(theirs) - skip:
        for field in ("tcpa", "dcpa", "tin", "tout"):
            if theirs[k].get(field) is not None:
                assert mine[k][field] == pytest.approx(theirs[k][field], abs=1e-5), (k, field)
    return len(set(theirs) - skip)


@pytest.mark.parametrize("case", CASES)
def test_pairs_equal_bluesky_fixture(case):
    ref = json.loads((DATA / f"{case}.bluesky.json").read_text())
    protection = Protection(ref["rpz_m"], ref["hpz_m"], ref["lookahead_s"])
    columns = ref["columns"]
    theirs = {
        (row[0], row[1]): dict(zip(columns[2:], row[2:], strict=True)) for row in ref["pairs"]
    }
    mine, los = ours(DATA / f"{case}.csv", protection)
    assert compare(mine, theirs, protection.rpz_m) > 50
    assert los == {tuple(p) for p in ref["los"]}


@pytest.mark.skipif(
    importlib.util.find_spec("bluesky") is None, reason="bluesky-simulator not installed"
)
def test_pairs_equal_bluesky_live(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import bluesky_ref
    finally:
        sys.path.remove(str(BENCH))
    protection = Protection()
    for seed, (lat0, lon0) in enumerate([(48.0, 10.0), (-40.0, -179.9), (75.0, 120.0)]):
        path = tmp_path / f"traffic_{seed}.csv"
        st = bluesky_ref.generate(600, 100 + seed, path, lat0=lat0, lon0=lon0, half_km=150.0)
        ref = bluesky_ref.detect(
            st,
            "py",
            rpz=protection.rpz_m,
            hpz=protection.hpz_m,
            lookahead=protection.lookahead_s,
            with_tout=True,
        )
        mine, los = ours(path, protection)
        assert compare(mine, ref.pairs, protection.rpz_m) > 20
        assert los == ref.los
