"""Tactical deconfliction on live states: conflict prediction (CPA) and conformance monitoring.

Pure functions over values: no I/O, no clock, no globals.
"""

from .broadphase import BROAD_PHASES, CandidatePairs, grid_pairs
from .conformance import nonconformances
from .cpa import PairGeometry, closest_approach
from .detect import Detection, detect_conflicts
from .traffic import (
    DEFAULT_HPZ_M,
    DEFAULT_LOOKAHEAD_S,
    DEFAULT_RPZ_M,
    EARTH_RADIUS_M,
    Protection,
    Traffic,
)

__all__ = [
    "BROAD_PHASES",
    "DEFAULT_HPZ_M",
    "DEFAULT_LOOKAHEAD_S",
    "DEFAULT_RPZ_M",
    "EARTH_RADIUS_M",
    "CandidatePairs",
    "Detection",
    "PairGeometry",
    "Protection",
    "Traffic",
    "closest_approach",
    "detect_conflicts",
    "grid_pairs",
    "nonconformances",
]
