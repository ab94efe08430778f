"""A dynamic 5-D R-tree over volumes: unit-vector box (3-D) x altitude band x time window.

Broad phase only: `candidates` may return keys whose volumes do not overlap (boxes are
conservative and closed), never miss one that does. Callers confirm with `volumes_intersect`.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

import numpy as np
from rtree import index as rtree_index

from .bounds import volume_box
from .cache import BOX_CACHE_BYTES, CachedFunction, bounded_cache, volume_nbytes
from .volume import Volume4D

K = TypeVar("K", bound=Hashable)

_BOX_BYTES = sys.getsizeof((0.0,) * 10) + 10 * sys.getsizeof(0.5)


def _box_nbytes(volume: Volume4D, box: tuple[float, ...]) -> int:
    return volume_nbytes(volume) + _BOX_BYTES


# A write queries with the very volumes it then stores, and a box costs as much as an R-tree
# query: compute each volume's box once (and keep the recent ones, within BOX_CACHE_BYTES).
box_of: CachedFunction[[Volume4D], tuple[float, ...]] = bounded_cache("volume_box", BOX_CACHE_BYTES, _box_nbytes)(
    volume_box)


def boxes_meet(a: Iterable[Volume4D], b: Iterable[Volume4D]) -> bool:
    """Whether any volume of `a` has an index box meeting one of `b`'s (the broad phase's question,
    asked without an index: conservative, never False for volumes that overlap)."""
    boxes_b = [box_of(v) for v in b]
    for volume in a:
        box = box_of(volume)
        for other in boxes_b:
            if all(box[i] <= other[i + 1] and other[i] <= box[i + 1] for i in range(0, len(box), 2)):
                return True
    return False


# From this many volumes on, one bulk query of the R-tree (a call costs ~20 us in ctypes): a /v1
# declaration of 100 volumes made 200 single queries per write.
_BULK_QUERY = 8


def _properties() -> rtree_index.Property:
    """Quadratic split with a fill factor of 0.4 rather than libspatialindex's R* at 0.7: the
    store changes with every write, and R*'s forced reinsertion made a delete cost ~1.3 ms and an
    insert ~0.1 ms (20,000 boxes in 5-D), against ~0.02 ms each here, for queries as fast
    (~0.035 ms). Measured with bench/strategic_bench.py's shapes."""
    properties = rtree_index.Property()
    properties.dimension = 5
    properties.variant = rtree_index.RT_Quadratic
    properties.fill_factor = 0.4
    return properties


class VolumeIndex(Generic[K]):
    """Maps keys to volumes; a key may carry several volumes (an operation's list)."""

    def __init__(self, items: Iterable[tuple[K, Iterable[Volume4D]]] = ()) -> None:
        """An index of `items` (key, volumes), bulk-loaded (packed, several times faster than
        adding one by one)."""
        self._slots: dict[int, tuple[K, tuple[float, ...]]] = {}
        self._by_key: dict[K, list[int]] = {}
        self._next_slot = 0
        for key, volumes in items:
            self._by_key.setdefault(key, [])
            for volume in volumes:
                self._slots[self._next_slot] = (key, box_of(volume))
                self._by_key[key].append(self._next_slot)
                self._next_slot += 1
        entries = [(slot, box, None) for slot, (_, box) in self._slots.items()]
        if entries:
            self._tree = rtree_index.Index(iter(entries), properties=_properties(), interleaved=False)
        else:
            self._tree = rtree_index.Index(properties=_properties(), interleaved=False)

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def add(self, key: K, volumes: Iterable[Volume4D]) -> None:
        """Index `key`'s volumes (replacing any it had)."""
        self.remove(key)
        slots = []
        for volume in volumes:
            box = box_of(volume)
            slot = self._next_slot
            self._next_slot += 1
            self._tree.insert(slot, box)
            self._slots[slot] = (key, box)
            slots.append(slot)
        self._by_key[key] = slots

    def remove(self, key: K) -> None:
        for slot in self._by_key.pop(key, []):
            _, box = self._slots.pop(slot)
            self._tree.delete(slot, box)

    def candidates(self, volume: Volume4D) -> set[K]:
        """Keys with a volume whose box meets this volume's box."""
        return {self._slots[slot][0] for slot in self._tree.intersection(box_of(volume))}

    def candidates_any(self, volumes: Iterable[Volume4D]) -> set[K]:
        """Keys with a volume whose box meets any of these volumes' boxes."""
        volumes = tuple(volumes)
        if len(volumes) < _BULK_QUERY:
            found: set[K] = set()
            for volume in volumes:
                found |= self.candidates(volume)
            return found
        boxes = np.array([box_of(v) for v in volumes])  # (xmin, xmax, ymin, ymax, ...) each
        slots, _ = self._tree.intersection_v(boxes[:, 0::2], boxes[:, 1::2])
        return {self._slots[slot][0] for slot in slots.tolist()}

    def keys(self) -> Iterator[K]:
        return iter(self._by_key)
