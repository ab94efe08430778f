"""The registry's broad phase: a dynamic 5-D R-tree over the engine's volume boxes.

The same boxes as `geo.index.VolumeIndex` (`geo.bounds.volume_box`: conservative, never
missing an overlap), but each volume's box is computed once: a DSS write queries with the very
volumes it then stores (the intent's extents, its implicit subscription's), and a box costs
as much as an R-tree query.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rtree import index as rtree_index

from ..geo import Volume4D
from ..geo.bounds import volume_box

_box = lru_cache(maxsize=65_536)(volume_box)


class SpatialIndex:
    """Maps string keys to their volumes' boxes."""

    def __init__(self) -> None:
        properties = rtree_index.Property()
        properties.dimension = 5
        self._tree = rtree_index.Index(properties=properties, interleaved=False)
        self._slots: dict[int, tuple[str, tuple[float, ...]]] = {}
        self._by_key: dict[str, list[int]] = {}
        self._next_slot = 0

    def add(self, key: str, volumes: Iterable[Volume4D]) -> None:
        """Index `key`'s volumes, replacing any it had."""
        self.remove(key)
        slots = []
        for volume in volumes:
            box = _box(volume)
            slot = self._next_slot
            self._next_slot += 1
            self._tree.insert(slot, box)
            self._slots[slot] = (key, box)
            slots.append(slot)
        self._by_key[key] = slots

    def remove(self, key: str) -> None:
        for slot in self._by_key.pop(key, []):
            _, box = self._slots.pop(slot)
            self._tree.delete(slot, box)

    def candidates(self, volumes: Iterable[Volume4D]) -> set[str]:
        """Keys with a volume whose box meets one of these volumes' boxes (a superset)."""
        found: set[str] = set()
        for volume in volumes:
            found.update(self._slots[slot][0] for slot in self._tree.intersection(_box(volume)))
        return found
