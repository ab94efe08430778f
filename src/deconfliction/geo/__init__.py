"""Geodesy and 4D geometry: footprints, volumes, exact intersection, broad-phase boxes."""

from .bounds import volume_box
from .f3548 import dump_volume4d, parse_volume4d, parse_volumes
from .instants import format_duration, format_instant, parse_duration, parse_instant
from .intersect import (
    Overlap,
    footprints_overlap,
    overlap_region,
    plan_intersection,
    volumes_intersect,
    volumes_overlap,
)
from .volume import Circle, Footprint, Interval, LatLng, Polygon, Volume4D

__all__ = [
    "Circle", "Footprint", "Interval", "LatLng", "Overlap", "Polygon", "Volume4D",
    "dump_volume4d", "footprints_overlap", "format_duration", "format_instant", "overlap_region",
    "parse_duration", "parse_instant", "parse_volume4d", "parse_volumes", "plan_intersection", "volume_box",
    "volumes_intersect", "volumes_overlap",
]
