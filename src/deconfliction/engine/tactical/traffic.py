"""Aircraft states as parallel arrays, and the protected zone they are checked against.

Earth model (BlueSky's, so that our answers are its answers): a sphere of radius
`EARTH_RADIUS_M` = 6,371,000 m and, for each pair, a flat plane tangent at the pair's mean
latitude (equirectangular): east offset = R * dlon * cos(mean lat), north offset = R * dlat,
with dlon wrapped to [-180, 180) degrees. Velocities are (gs sin trk, gs cos trk) in that
plane: the track is a true track, the ground speed is not scaled with latitude, and nothing
curves over the look-ahead. Altitudes are metres on one datum and vertical speeds m/s.
The model is good for the few hundred kilometres a look-ahead covers away from the poles;
near a pole it degrades as BlueSky's does (we keep its answers there, not better ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import InvalidInput

EARTH_RADIUS_M = 6_371_000.0
NM_M = 1852.0
FT_M = 0.3048

DEFAULT_RPZ_M = 5.0 * NM_M  # 5 NM
DEFAULT_HPZ_M = 1000.0 * FT_M  # 1000 ft
DEFAULT_LOOKAHEAD_S = 300.0


@dataclass(frozen=True, slots=True)
class Protection:
    """The protected zone (a cylinder of radius `rpz_m`, half-height `hpz_m`) and the look-ahead."""

    rpz_m: float = DEFAULT_RPZ_M
    hpz_m: float = DEFAULT_HPZ_M
    lookahead_s: float = DEFAULT_LOOKAHEAD_S

    def __post_init__(self) -> None:
        for name in ("rpz_m", "hpz_m", "lookahead_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InvalidInput(name, f"expected a positive finite number, got {value!r}")


DEFAULT_PROTECTION = Protection()

_COLUMNS = ("lat_deg", "lon_deg", "alt_m", "gs_mps", "trk_deg", "vs_mps")


@dataclass(frozen=True, slots=True, eq=False)
class Traffic:
    """N aircraft states as parallel float64 arrays; aircraft k is index k in every array.

    Build with `Traffic.of(...)`, which checks shapes and ranges; the kernels trust it.
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    gs_mps: np.ndarray
    trk_deg: np.ndarray
    vs_mps: np.ndarray

    @classmethod
    def of(
        cls,
        *,
        lat_deg: np.ndarray,
        lon_deg: np.ndarray,
        alt_m: np.ndarray,
        gs_mps: np.ndarray,
        trk_deg: np.ndarray,
        vs_mps: np.ndarray,
    ) -> Traffic:
        given = {
            "lat_deg": lat_deg,
            "lon_deg": lon_deg,
            "alt_m": alt_m,
            "gs_mps": gs_mps,
            "trk_deg": trk_deg,
            "vs_mps": vs_mps,
        }
        arrays = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in given.items()}
        n = len(arrays["lat_deg"])
        for name in _COLUMNS:
            array = arrays[name]
            if array.ndim != 1 or len(array) != n:
                raise InvalidInput(name, f"expected a 1-D array of {n} values, got {array.shape}")
            bad = np.flatnonzero(~np.isfinite(array))
            if len(bad):
                raise InvalidInput(name, f"aircraft {bad[0]}: not a finite number")
        _check_range(arrays["lat_deg"], "lat_deg", -90.0, 90.0)
        _check_range(arrays["lon_deg"], "lon_deg", -180.0, 180.0)
        _check_range(arrays["gs_mps"], "gs_mps", 0.0, math.inf)
        return cls(**arrays)

    def __len__(self) -> int:
        return len(self.lat_deg)

    def velocity_en(self) -> tuple[np.ndarray, np.ndarray]:
        """East and north ground velocity (m/s)."""
        trk = np.radians(self.trk_deg)
        return self.gs_mps * np.sin(trk), self.gs_mps * np.cos(trk)


def _check_range(array: np.ndarray, name: str, low: float, high: float) -> None:
    bad = np.flatnonzero((array < low) | (array > high))
    if len(bad):
        k = int(bad[0])
        raise InvalidInput(name, f"aircraft {k}: {array[k]!r} outside [{low}, {high}]")
