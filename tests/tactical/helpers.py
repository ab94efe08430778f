"""Traffic builders for the tactical tests."""

from __future__ import annotations

import math

import numpy as np

from deconfliction.engine.tactical import EARTH_RADIUS_M, Traffic


def traffic(*rows: tuple[float, float, float, float, float, float]) -> Traffic:
    """Rows of (lat, lon, alt_m, gs_mps, trk_deg, vs_mps)."""
    lat, lon, alt, gs, trk, vs = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return Traffic.of(lat_deg=lat, lon_deg=lon, alt_m=alt, gs_mps=gs, trk_deg=trk, vs_mps=vs)


def random_traffic(
    n: int, seed: int, *, lat0: float, lon0: float, half_km: float, level_frac: float = 0.6
) -> Traffic:
    """Like the BlueSky harness's generator: uniform in a box, FL100-FL400, 200-500 kt."""
    rng = np.random.default_rng(seed)
    dlat = math.degrees(half_km * 1000.0 / EARTH_RADIUS_M)
    dlon = min(180.0, dlat / max(math.cos(math.radians(lat0)), 1e-9))
    lat = np.clip(rng.uniform(lat0 - dlat, lat0 + dlat, n), -90.0, 90.0)
    lon = (rng.uniform(lon0 - dlon, lon0 + dlon, n) + 180.0) % 360.0 - 180.0
    level = rng.random(n) < level_frac
    alt = np.where(level, rng.integers(10, 41, n) * 1000 * 0.3048, rng.uniform(3048, 12192, n))
    vs = np.where(level, 0.0, rng.uniform(2.5, 15.0, n) * rng.choice([-1.0, 1.0], n))
    return Traffic.of(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        gs_mps=rng.uniform(103, 257, n),
        trk_deg=rng.uniform(0, 360, n),
        vs_mps=vs,
    )
