"""Conformance monitoring: is a track inside the volumes its operation declared?

A state conforms when some volume of the track's operation holds it: position in the
footprint, altitude in the band and time in the window, boundaries included (a track on the
edge has not left). A state that no volume holds is nonconforming, for the most telling
reason, checked in this order:

1. `OUTSIDE_TIME`: no volume's window holds the time (the operation is not on now);
2. `OUTSIDE_FOOTPRINT`: some window holds it, but none of those volumes' footprints holds
   the position;
3. `OUTSIDE_ALTITUDE`: some volume holds the time and position, only the altitude is wrong.

The footprints of an operation are projected once into one local azimuthal-equidistant plane
(so the antimeridian and the poles are not special) and tested against all of a track's
states at once with shapely's vectorised point-in-polygon.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from ...errors import InvalidInput, NotFound
from ...geo.plane import LocalPlane, centre_of
from ...model import Declaration, Nonconformance, NonconformanceReason, TrackState


@dataclass(frozen=True, slots=True, eq=False)
class _OperationShape:
    """An operation's volumes, ready for vectorised tests: (V,) bounds and V plane shapes."""

    declaration: Declaration
    plane: LocalPlane
    shapes: tuple[shapely.Geometry, ...]
    alt_lo: np.ndarray
    alt_hi: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray

    @classmethod
    def of(cls, declaration: Declaration) -> _OperationShape:
        volumes = declaration.volumes
        if not volumes:
            raise InvalidInput("volumes", "an operation needs at least one volume", declaration.id)
        plane = LocalPlane(centre_of(*(v.footprint for v in volumes)))
        shapes = tuple(plane.shape(v.footprint) for v in volumes)
        for shape in shapes:
            shapely.prepare(shape)

        def bounds(attribute: str) -> tuple[np.ndarray, np.ndarray]:
            intervals = [getattr(v, attribute) for v in volumes]
            return np.array([i.lower for i in intervals]), np.array([i.upper for i in intervals])

        alt_lo, alt_hi = bounds("altitude_m")
        t_lo, t_hi = bounds("time_s")
        return cls(declaration, plane, shapes, alt_lo, alt_hi, t_lo, t_hi)

    def reasons(self, states: Sequence[TrackState]) -> list[NonconformanceReason | None]:
        """For each state: None if some volume holds it, else the most telling reason."""
        t = np.array([s.t_s for s in states])
        alt = np.array([s.alt_m for s in states])
        x, y = self.plane.project(
            np.array([s.lat for s in states]), np.array([s.lng for s in states])
        )
        in_time = (self.t_lo[:, None] <= t) & (t <= self.t_hi[:, None])  # (V, S)
        in_alt = (self.alt_lo[:, None] <= alt) & (alt <= self.alt_hi[:, None])
        # intersects_xy, not contains_xy: a point on the boundary is still inside
        in_foot = np.stack([shapely.intersects_xy(shape, x, y) for shape in self.shapes])
        timely: np.ndarray = np.asarray(in_time.any(axis=0))
        placed: np.ndarray = np.asarray((in_time & in_foot).any(axis=0))
        inside: np.ndarray = np.asarray((in_time & in_foot & in_alt).any(axis=0))
        out: list[NonconformanceReason | None] = []
        for k in range(len(states)):
            if inside[k]:
                out.append(None)
            elif not timely[k]:
                out.append(NonconformanceReason.OUTSIDE_TIME)
            elif not placed[k]:
                out.append(NonconformanceReason.OUTSIDE_FOOTPRINT)
            else:
                out.append(NonconformanceReason.OUTSIDE_ALTITUDE)
        return out


def nonconformances(
    operations: Iterable[Declaration],
    states: Iterable[TrackState],
    operation_of: Mapping[str, str],
    *,
    transitions_only: bool = True,
) -> list[Nonconformance]:
    """Nonconformance events of the tracks in `operation_of` (track id -> operation id).

    Tracks not in `operation_of` are not monitored (undeclared traffic is the conflict
    detector's business). With `transitions_only`, a track yields an event when it leaves its
    volumes and when the reason changes while it is outside, not for every state; otherwise
    one event per nonconforming state. Events are sorted by time, then track id.
    Raises NotFound for a track mapped to an operation not given, InvalidInput for one mapped
    to a constraint.
    """
    declared = {d.id: d for d in operations}
    tracks: dict[str, list[TrackState]] = {}
    for state in states:
        if state.id in operation_of:
            tracks.setdefault(state.id, []).append(state)
    shapes: dict[str, _OperationShape] = {}
    events: list[Nonconformance] = []
    for track_id, track in tracks.items():
        operation_id = operation_of[track_id]
        declaration = declared.get(operation_id)
        if declaration is None:
            raise NotFound(f"track {track_id}: operation {operation_id} is not declared")
        if not declaration.is_operation:
            raise InvalidInput("operation_of", f"{operation_id} is a constraint", track_id)
        if operation_id not in shapes:
            shapes[operation_id] = _OperationShape.of(declaration)
        track.sort(key=lambda s: s.t_s)
        previous: NonconformanceReason | None = None
        for state, reason in zip(track, shapes[operation_id].reasons(track), strict=True):
            if reason is not None and (reason != previous or not transitions_only):
                events.append(
                    Nonconformance(operation_id, declaration.party, track_id, state.t_s, reason)
                )
            previous = reason
    events.sort(key=lambda e: (e.t_s, e.track_id))
    return events
