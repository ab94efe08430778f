"""The grid must propose every pair the O(N^2) reference finds in conflict or in LoS."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.engine.tactical import Protection, Traffic, detect_conflicts, grid_pairs

from .helpers import random_traffic

PLACES = {
    "central_europe": (48.0, 10.0, 150.0),
    "antimeridian": (0.0, 180.0, 150.0),
    "near_north_pole": (89.5, 0.0, 150.0),
    "south_pole_cap": (-88.0, 45.0, 400.0),
    "high_lat_antimeridian": (80.0, -180.0, 200.0),
}


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("a", "b", "los_a", "los_b"))


@pytest.mark.parametrize("place", PLACES)
def test_grid_finds_the_same_pairs_as_all_pairs(place):
    lat0, lon0, half_km = PLACES[place]
    traffic = random_traffic(700, seed=5, lat0=lat0, lon0=lon0, half_km=half_km)
    grid = detect_conflicts(traffic)
    reference = detect_conflicts(traffic, broad_phase="all")
    assert len(reference) > 20  # the case must have conflicts to miss
    assert same(grid, reference)
    assert grid.candidates < reference.candidates


@pytest.mark.parametrize(
    "protection",
    [
        Protection(rpz_m=50.0, hpz_m=15.0, lookahead_s=30.0),
        Protection(rpz_m=30_000.0, hpz_m=600.0, lookahead_s=900.0),
    ],
)
def test_grid_matches_all_pairs_for_other_protected_zones(protection):
    traffic = random_traffic(800, seed=9, lat0=-33.0, lon0=151.0, half_km=60.0)
    assert same(
        detect_conflicts(traffic, protection),
        detect_conflicts(traffic, protection, broad_phase="all"),
    )


def test_each_candidate_pair_comes_out_once_and_ordered():
    traffic = random_traffic(1500, seed=2, lat0=10.0, lon0=179.0, half_km=200.0)
    east, north = traffic.velocity_en()
    pairs = grid_pairs(traffic, Protection(), east, north)
    keys = pairs.a * len(traffic) + pairs.b
    assert np.all(pairs.a < pairs.b)
    assert len(np.unique(keys)) == len(keys)


def test_tiny_cells_still_find_everything():
    traffic = random_traffic(300, seed=4, lat0=60.0, lon0=-179.5, half_km=100.0)
    east, north = traffic.velocity_en()
    fine = grid_pairs(traffic, Protection(), east, north, cell_m=2_000.0)
    reference = detect_conflicts(traffic, broad_phase="all")
    found = set(zip(fine.a.tolist(), fine.b.tolist(), strict=True))
    assert set(zip(reference.a.tolist(), reference.b.tolist(), strict=True)) <= found


coordinate = st.tuples(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(0, 12_000),
    st.floats(0, 300),
    st.floats(0, 360),
    st.floats(-20, 20),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=12), st.floats(-90, 90), st.floats(-180, 180))
def test_grid_never_misses_a_pair_of_clustered_aircraft(rows, lat0, lon0):
    # squeeze the aircraft into ~50 km around (lat0, lon0) so that many pairs conflict,
    # anywhere on the globe, poles and antimeridian included
    lat = np.clip(lat0 + np.array([r[0] for r in rows]) / 200.0, -90, 90)
    lon = (lon0 + np.array([r[1] for r in rows]) / 400.0 + 180.0) % 360.0 - 180.0
    traffic = Traffic.of(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=np.array([r[2] for r in rows]) / 10.0,
        gs_mps=np.array([r[3] for r in rows]),
        trk_deg=np.array([r[4] for r in rows]),
        vs_mps=np.array([r[5] for r in rows]),
    )
    assert same(detect_conflicts(traffic), detect_conflicts(traffic, broad_phase="all"))


@pytest.mark.parametrize("slices", [1, 3])
def test_any_number_of_time_slices_finds_the_same_pairs(slices):
    traffic = random_traffic(600, seed=8, lat0=87.0, lon0=179.0, half_km=150.0)
    east, north = traffic.velocity_en()
    found = grid_pairs(traffic, Protection(), east, north, slices=slices)
    keys = found.a * len(traffic) + found.b
    assert len(np.unique(keys)) == len(keys)
    reference = detect_conflicts(traffic, broad_phase="all")
    proposed = set(zip(found.a.tolist(), found.b.tolist(), strict=True))
    assert set(zip(reference.a.tolist(), reference.b.tolist(), strict=True)) <= proposed
