"""Narrow phase: closest point of approach and loss-of-separation window for given pairs.

The formulas are BlueSky's state-based detection (`bluesky/traffic/asas/statebased.py`), in
the same order of operations, evaluated on candidate pairs only. Where BlueSky uses
sentinels we use what they stand for:

- no vertical relative speed (|dvs| < 1e-6 m/s): vertically in loss of separation for ever
  if |dalt| < hpz now, never otherwise (BlueSky divides by 1e-6 instead; the two agree except
  for pairs within ~T * 1e-6 m of exactly hpz apart, the "1000 ft boundary" pairs);
- no horizontal relative speed (exactly equal velocities): the distance never changes, so
  tcpa = 0, dcpa = the current distance and the window is unbounded (BlueSky floors the
  squared relative speed at 1e-6, which for relative speeds below 1 mm/s can shrink dcpa
  artificially; we compute the exact CPA there);
- unbounded windows are +-inf, never 1e8 or 1e9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .traffic import EARTH_RADIUS_M, Protection, Traffic

_STILL_VS_MPS = 1e-6  # BlueSky's threshold for "no vertical relative speed"


@dataclass(frozen=True, slots=True, eq=False)
class PairGeometry:
    """For pairs (a[k], b[k]): where b is relative to a now, and how they will meet.

    `dist_m` horizontal distance now; `dalt_m` = alt b - alt a; `tcpa_s`, `dcpa_m` the
    horizontal closest point of approach; [`tin_s`, `tout_s`] the window in which both
    horizontal and vertical separation are lost (tin > tout when there is none; -inf / inf
    when unbounded); `conflict` = separation lost within the look-ahead; `los` = lost now.
    """

    a: np.ndarray
    b: np.ndarray
    dist_m: np.ndarray
    dalt_m: np.ndarray
    tcpa_s: np.ndarray
    dcpa_m: np.ndarray
    tin_s: np.ndarray
    tout_s: np.ndarray
    conflict: np.ndarray
    los: np.ndarray


def closest_approach(
    traffic: Traffic,
    protection: Protection,
    a: np.ndarray,
    b: np.ndarray,
    east: np.ndarray,
    north: np.ndarray,
) -> PairGeometry:
    """CPA and loss-of-separation window of each pair (a[k], b[k]), b seen from a."""
    lat, lon = traffic.lat_deg, traffic.lon_deg
    dlat = np.radians(lat[b] - lat[a])
    dlon = np.radians((lon[b] - lon[a] + 180.0) % 360.0 - 180.0)
    cos_mean = np.cos(np.radians(lat[b] + lat[a]) * 0.5)
    dx = EARTH_RADIUS_M * dlon * cos_mean  # east offset of b from a, pair plane
    dy = EARTH_RADIUS_M * dlat
    dist = EARTH_RADIUS_M * np.sqrt(dlat * dlat + (dlon * dlon) * (cos_mean * cos_mean))
    du = east[b] - east[a]
    dv = north[b] - north[a]
    dv2 = du * du + dv * dv
    moving = dv2 > 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tcpa = np.where(moving, -(du * dx + dv * dy) / dv2, 0.0)
        dcpa2 = np.abs(dist * dist - tcpa * tcpa * dv2)
        r2 = protection.rpz_m * protection.rpz_m
        horizontal = dcpa2 < r2
        half_s = np.sqrt(np.maximum(0.0, r2 - dcpa2)) / np.sqrt(dv2)  # inf where not moving
        tin_h = np.where(horizontal, tcpa - half_s, np.inf)
        tout_h = np.where(horizontal, tcpa + half_s, -np.inf)

        alt, vs = traffic.alt_m, traffic.vs_mps
        dalt = alt[b] - alt[a]
        dvs = vs[b] - vs[a]
        hpz = protection.hpz_m
        climbing = np.abs(dvs) >= _STILL_VS_MPS
        cross_hi = (dalt + hpz) / -dvs
        cross_lo = (dalt - hpz) / -dvs
        level_in = np.abs(dalt) < hpz
        tin_v = np.where(
            climbing, np.minimum(cross_hi, cross_lo), np.where(level_in, -np.inf, np.inf)
        )
        tout_v = np.where(
            climbing, np.maximum(cross_hi, cross_lo), np.where(level_in, np.inf, -np.inf)
        )

    tin = np.maximum(tin_v, tin_h)
    tout = np.minimum(tout_v, tout_h)
    conflict = horizontal & (tin <= tout) & (tout > 0.0) & (tin < protection.lookahead_s)
    los = (dist < protection.rpz_m) & level_in
    return PairGeometry(a, b, dist, dalt, tcpa, np.sqrt(dcpa2), tin, tout, conflict, los)
