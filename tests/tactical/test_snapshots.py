import numpy as np
import pytest

from deconfliction.errors import InvalidInput
from deconfliction.engine.tactical.snapshots import read_snapshots


def test_columns_in_any_order_with_extras_grouped_by_time():
    text = [
        "time_s,vs_mps,id,callsign,lat,lon,alt_m,gs_mps,trk_deg",
        "5,0,X,AB1,1,2,3000,100,90",
        "1,2.5,Y,AB2,-1,-2,4000,120,180",
        "5,0,Y,AB2,-1.1,-2,4010,120,180",
    ]
    first, second = read_snapshots(text)
    assert (first.time_s, first.ids, first.lines) == (1.0, ("Y",), (3,))
    assert (second.time_s, second.ids, second.lines) == (5.0, ("X", "Y"), (2, 4))
    assert np.array_equal(second.traffic.lat_deg, [1.0, -1.1])
    assert first.traffic.vs_mps[0] == 2.5


def test_non_finite_values_are_rejected():
    with pytest.raises(InvalidInput) as error:
        read_snapshots(["id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps", "A,0,0,nan,1,1,1"])
    assert (error.value.subject, error.value.field) == ("line 2", "alt_m")


def test_empty_file_names_the_missing_column():
    with pytest.raises(InvalidInput) as error:
        read_snapshots([])
    assert error.value.field == "id"
