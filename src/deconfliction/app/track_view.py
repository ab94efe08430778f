"""What a party may see of the live tracks (need to know), as columns for a map console.

A party sees its own tracks; another party's track only while it is near one of the party's own
declarations (in plan within the declaration's bounding cap grown by the nearby radius, and in
time within the declaration's window grown by the nearby window: the same neighbourhood that
decides who hears of a stray aircraft), or while it is in a predicted loss of separation with one
of the party's tracks. Altitude is not used to hide a neighbour: a duty officer watching a volume
wants to see what flies over or under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.state import State
from ..geo.bounds import footprint_cap
from ..geo.plane import unit_vector
from ..model import Declaration
from .tracks import TrackMonitor

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """How far from a party's own declarations it sees other parties' tracks."""

    nearby_m: float
    nearby_s: float


def _near_mask(own: list[Declaration], lat: np.ndarray, lng: np.ndarray, t_s: np.ndarray,
               around: Neighbourhood) -> np.ndarray:
    near = np.zeros(lat.shape, dtype=bool)
    if not own or lat.size == 0:
        return near
    points = unit_vector(lat, lng)  # (n, 3)
    grow_rad = around.nearby_m / EARTH_RADIUS_M
    for declaration in own:
        for volume in declaration.volumes:
            in_time = (t_s >= volume.time_s.lower - around.nearby_s) & (t_s <= volume.time_s.upper + around.nearby_s)
            if not in_time.any():
                continue
            cap = footprint_cap(volume.footprint)
            limit = np.cos(min(np.pi, cap.angle_rad + grow_rad))
            near |= in_time & (points @ cap.direction >= limit)
    return near


def visible_tracks(state: State, monitor: TrackMonitor, party: str, around: Neighbourhood) -> dict[str, Any]:
    """The latest state of every track `party` may see, as parallel columns, with the flags a
    console highlights: `nonconforming` (its operation's volumes were left) and `alert`
    (0 none, 1 predicted loss of separation, 2 loss of separation now)."""
    ids = sorted(monitor.latest)
    rows = [monitor.latest[i] for i in ids]
    lat = np.array([r.lat for r in rows], dtype=float)
    lng = np.array([r.lng for r in rows], dtype=float)
    t_s = np.array([r.t_s for r in rows], dtype=float)
    owner = [monitor.party_of.get(i, "") for i in ids]
    alert: dict[str, int] = {}
    for alarm in monitor.current.values():
        level = 2 if alarm.loss_now else 1
        for track in alarm.tracks:
            alert[track] = max(alert.get(track, 0), level)
    involved = {t for a in monitor.current.values() if party in a.parties for t in a.tracks}
    mine = np.array([o == party for o in owner], dtype=bool)
    own = [d for d in state.declarations if d.party == party]
    shown = mine | _near_mask(own, lat, lng, t_s, around) | np.array([i in involved for i in ids], dtype=bool)
    keep = np.flatnonzero(shown)
    return {
        "id": [ids[k] for k in keep],
        "party": [owner[k] for k in keep],
        "operation": [rows[k].operation for k in keep],
        "t_s": [rows[k].t_s for k in keep],
        "lat": [rows[k].lat for k in keep],
        "lng": [rows[k].lng for k in keep],
        "alt_m": [rows[k].alt_m for k in keep],
        "gs_mps": [rows[k].gs_mps for k in keep],
        "trk_deg": [rows[k].trk_deg for k in keep],
        "nonconforming": [1 if monitor.last_reason.get(ids[k]) is not None else 0 for k in keep],
        "alert": [alert.get(ids[k], 0) for k in keep],
    }
