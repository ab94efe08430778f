import math

import numpy as np
import pytest

from deconfliction.errors import InvalidInput
from deconfliction.engine.tactical import EARTH_RADIUS_M, Protection, Traffic, detect_conflicts

from .helpers import traffic

M_PER_DEG = math.radians(1.0) * EARTH_RADIUS_M


def test_head_on_pair_meets_at_the_midpoint():
    # 60 km apart on the equator, closing at 400 m/s: CPA after 150 s at 0 m; separation is
    # lost 9260 m before and regained 9260 m after, i.e. 23.15 s either side.
    d = 60_000.0 / M_PER_DEG
    result = detect_conflicts(traffic((0, 0, 10_000, 200, 90, 0), (0, d, 10_000, 200, 270, 0)))
    assert (result.a.tolist(), result.b.tolist()) == ([0], [1])
    assert result.tcpa_s[0] == pytest.approx(150.0)
    assert result.dcpa_m[0] == pytest.approx(0.0, abs=1e-3)
    assert result.tin_s[0] == pytest.approx(150.0 - 9260.0 / 400.0)
    assert result.tout_s[0] == pytest.approx(150.0 + 9260.0 / 400.0)
    assert result.los_a.size == 0


def test_conflict_beyond_the_lookahead_is_not_reported():
    d = 200_000.0 / M_PER_DEG  # meets after 500 s
    pair = traffic((0, 0, 10_000, 200, 90, 0), (0, d, 10_000, 200, 270, 0))
    assert len(detect_conflicts(pair)) == 0
    assert len(detect_conflicts(pair, Protection(lookahead_s=600.0))) == 1


def test_vertical_separation_of_more_than_hpz_prevents_a_conflict():
    d = 60_000.0 / M_PER_DEG
    apart = traffic((0, 0, 10_000, 200, 90, 0), (0, d, 10_400, 200, 270, 0))
    assert len(detect_conflicts(apart)) == 0


def test_climb_through_the_other_level_gives_the_vertical_window():
    # Same track, 1 km behind horizontally and in LoS horizontally throughout; b climbs 10 m/s
    # from 1000 m below: vertical LoS from (1000 - 304.8) / 10 s to (1000 + 304.8) / 10 s.
    d = 1_000.0 / M_PER_DEG
    result = detect_conflicts(traffic((0, d, 10_000, 200, 90, 0), (0, 0, 9_000, 200, 90, 10)))
    assert len(result) == 1
    assert result.tin_s[0] == pytest.approx(69.52)
    assert result.tout_s[0] == pytest.approx(130.48)
    assert result.tcpa_s[0] == 0.0 and result.dcpa_m[0] == pytest.approx(1_000.0, rel=1e-9)


def test_pair_in_loss_of_separation_is_reported_in_both_lists():
    d = 5_000.0 / M_PER_DEG
    result = detect_conflicts(traffic((10, 20, 9_000, 200, 0, 0), (10, 20 + d, 9_100, 220, 180, 0)))
    assert (result.los_a.tolist(), result.los_b.tolist()) == ([0], [1])
    assert len(result) == 1 and result.tin_s[0] < 0 < result.tout_s[0]


def test_loss_of_separation_boundaries_are_strict():
    d = 9_260.0 / M_PER_DEG
    at_rpz = detect_conflicts(
        traffic((0, 0, 9_000, 200, 0, 0), (0, d * 1.000001, 9_000, 200, 0, 0))
    )
    # exactly representable altitudes: 9300 - 9000 == 300.0 == hpz
    at_hpz = detect_conflicts(
        traffic((0, 0, 9_000, 200, 0, 0), (0, 0.01, 9_300, 200, 0, 0)), Protection(hpz_m=300.0)
    )
    assert at_rpz.los_a.size == 0 and len(at_rpz) == 0
    assert at_hpz.los_a.size == 0 and len(at_hpz) == 0


def test_formation_flight_is_in_loss_of_separation_for_ever():
    d = 2_000.0 / M_PER_DEG
    result = detect_conflicts(traffic((45, 7, 9_000, 150, 33, 0), (45, 7 + d, 9_050, 150, 33, 0)))
    assert len(result) == 1
    assert result.tcpa_s[0] == 0.0
    assert result.tin_s[0] == -math.inf and result.tout_s[0] == math.inf


def test_diverging_pair_is_not_in_conflict():
    d = 15_000.0 / M_PER_DEG
    result = detect_conflicts(traffic((0, 0, 9_000, 200, 270, 0), (0, d, 9_000, 200, 90, 0)))
    assert len(result) == 0


def test_pair_across_the_antimeridian_is_found():
    # 20 km apart across 180 degrees, converging head on
    d = 10_000.0 / M_PER_DEG
    result = detect_conflicts(
        traffic((0, 180 - d, 9_000, 200, 90, 0), (0, -180 + d, 9_000, 200, 270, 0))
    )
    assert len(result) == 1
    assert result.tcpa_s[0] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("lat_deg", 91.0), ("lon_deg", -181.0), ("gs_mps", -1.0), ("alt_m", math.nan)],
)
def test_traffic_rejects_values_out_of_range(field, value):
    columns = {
        k: np.zeros(2) for k in ("lat_deg", "lon_deg", "alt_m", "gs_mps", "trk_deg", "vs_mps")
    }
    columns[field][1] = value
    with pytest.raises(InvalidInput) as error:
        Traffic.of(**columns)
    assert error.value.field == field


def test_protection_rejects_non_positive_values():
    with pytest.raises(InvalidInput):
        Protection(rpz_m=0.0)
