"""Memo caches bounded in bytes, not entries: what a footprint costs to keep grows with its
vertices, so an entry count bounds nothing (65,536 rings of 10,000-vertex polygons are gigabytes).

Each cache is least-recently-used, O(1) per lookup (one dict lookup and a move to the end),
thread-safe, and charges every entry what it keeps alive: the key (the footprint or
volume, which the cache holds on to after the caller has dropped it) and the value (numpy arrays,
shapely geometries). An entry larger than its cache's whole budget is computed and not kept.

The budgets of the geometry caches are named here and add up to `GEOMETRY_CACHE_BYTES`.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import update_wrapper
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

import numpy as np
import shapely

from .volume import Circle, Footprint, Interval, LatLng, Volume4D

MIB = 1024 * 1024
# All geometry caches together: a process never keeps more than this for them.
GEOMETRY_CACHE_BYTES = 64 * MIB
RING_CACHE_BYTES = 12 * MIB  # plane.densified_ring: densified rings, read by validation, boxes and exact tests
VERTEX_PLANE_CACHE_BYTES = 4 * MIB  # plane.vertex_plane: vertices in their own plane (validation, convex hulls)
BOX_CACHE_BYTES = 8 * MIB  # index: a volume's 5-D box, computed by a write's query and reused by its insert
PLANAR_CACHE_BYTES = 24 * MIB  # matching: footprints projected into a grid point's plane, prepared
HULL_CACHE_BYTES = 8 * MIB  # matching.convex_hull: convex hulls for notification relevance
# intersect: two footprints projected into the plane centred on both, whether they meet and their
# intersection. One write asks of one pair up to four times (conflict, disclosure, two kinds of advice).
PAIR_CACHE_BYTES = 8 * MIB
assert (RING_CACHE_BYTES + VERTEX_PLANE_CACHE_BYTES + BOX_CACHE_BYTES + PLANAR_CACHE_BYTES + HULL_CACHE_BYTES
        + PAIR_CACHE_BYTES <= GEOMETRY_CACHE_BYTES)

# --- what things cost to keep (CPython 3.11, 64-bit; shapely 2 on GEOS 3.13, measured by RSS) --

_FLOAT = sys.getsizeof(0.5)
LATLNG_BYTES = sys.getsizeof(LatLng(0.5, 0.5)) + 2 * _FLOAT
_INTERVAL = sys.getsizeof(Interval(0.5, 1.5)) + 2 * _FLOAT
_ARRAY_HEADER = sys.getsizeof(np.empty(0))
# GEOS keeps 3 doubles per coordinate (24 bytes); a prepared geometry, once a polygon predicate
# has built its segment index, about 104 more per coordinate; a geometry object itself a few
# hundred bytes (Python wrapper, GEOS geometry, envelope).
GEOS_COORD_BYTES = 24
GEOS_PREPARED_COORD_BYTES = 104
GEOS_GEOMETRY_BYTES = 256


def footprint_nbytes(footprint: Footprint) -> int:
    if isinstance(footprint, Circle):
        return sys.getsizeof(footprint) + LATLNG_BYTES + _FLOAT
    vertices = footprint.vertices
    return sys.getsizeof(footprint) + sys.getsizeof(vertices) + len(vertices) * LATLNG_BYTES


def volume_nbytes(volume: Volume4D) -> int:
    return sys.getsizeof(volume) + footprint_nbytes(volume.footprint) + 2 * _INTERVAL


def array_nbytes(array: np.ndarray) -> int:
    return _ARRAY_HEADER + int(array.nbytes)


def geometry_nbytes(geometry: shapely.Geometry, *, prepared: bool = False) -> int:
    per_coord = GEOS_COORD_BYTES + (GEOS_PREPARED_COORD_BYTES if prepared else 0)
    return GEOS_GEOMETRY_BYTES + int(shapely.get_num_coordinates(geometry)) * per_coord


def tuple_nbytes(items: tuple[Any, ...]) -> int:
    return sys.getsizeof(items)


# --- the cache ---------------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)
P = ParamSpec("P")
_VALUE, _SIZE = 0, 1


class ByteBoundedCache(Generic[K, V]):
    """A map that keeps the total size of its entries within `budget_bytes`; `sizeof(key, value)`
    says what an entry costs. Eviction is least-recently-used: a hit moves its entry to the end
    (one dict lookup and `move_to_end`, both O(1) in C), an insert that overflows the budget drops
    entries from the front. (A clock approximation, which only marks a hit, evicted a request's new
    entries before their first reuse whenever the cache was full of entries used once before: the
    pass moved those behind the new ones. A request's 100 volumes then projected every polygon
    twice.) Lookups take no lock (each dict operation is atomic under the GIL; an entry evicted
    between the lookup and the move is simply not moved); inserts and evictions do."""

    def __init__(self, name: str, budget_bytes: int, sizeof: Callable[[K, V], int]) -> None:
        if budget_bytes <= 0:
            raise ValueError("a cache needs a positive budget")
        self.name = name
        self.budget_bytes = budget_bytes
        self._sizeof = sizeof
        self._entries: OrderedDict[K, list[Any]] = OrderedDict()  # key -> [value, size], least recent first
        self._lock = threading.Lock()
        self._bytes = 0
        self._peak = 0
        self.hits = 0
        self.misses = 0
        _CACHES.append(self)

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """(found, value): O(1), the hot path."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return False, None
        self._touch(key)
        self.hits += 1
        return True, entry[_VALUE]

    def _touch(self, key: K) -> None:
        try:
            self._entries.move_to_end(key)
        except KeyError:  # evicted by another thread since the lookup
            pass

    def get(self, key: K, default: V | None = None) -> V | None:
        found, value = self.lookup(key)
        return value if found else default

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `key` unless it alone is over the budget; evict to stay within it.
        The key is hashed once here (a footprint's hash walks its vertices)."""
        size = int(self._sizeof(key, value))
        with self._lock:
            if size > self.budget_bytes:  # not kept: it would evict everything else and still not fit
                old = self._entries.pop(key, None)
                self._bytes -= 0 if old is None else old[_SIZE]
                return
            current = self._entries.get(key)
            if current is not None:  # another thread computed it meanwhile, or a new value: replaced in place
                self._bytes += size - current[_SIZE]
                current[_VALUE], current[_SIZE] = value, size
                self._entries.move_to_end(key)
            else:
                self._entries[key] = [value, size]
                self._bytes += size
            while self._bytes > self.budget_bytes:  # from the front; the entry just put is last, and fits alone
                _, oldest = self._entries.popitem(last=False)
                self._bytes -= oldest[_SIZE]
            self._peak = max(self._peak, self._bytes)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """What the entries held now cost, by `sizeof`; never above `budget_bytes`."""
        return self._bytes

    @property
    def peak_nbytes(self) -> int:
        """The most `nbytes` has been since the cache was made, cleared or its peak reset."""
        return self._peak

    def reset_peak(self) -> None:
        self._peak = self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = self._peak = 0
            self.hits = self.misses = 0


_CACHES: list[ByteBoundedCache[Any, Any]] = []


def geometry_caches() -> tuple[ByteBoundedCache[Any, Any], ...]:
    """Every cache made so far (the geometry caches, once their modules are imported)."""
    return tuple(_CACHES)


class CachedFunction(Protocol[P, V_co]):
    """A function memoized in a `ByteBoundedCache` (what `bounded_cache` makes)."""

    cache: ByteBoundedCache[Any, Any]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> V_co: ...

    def cache_clear(self) -> None: ...


def bounded_cache(name: str, budget_bytes: int, sizeof: Callable[[Any, Any], int]
                  ) -> Callable[[Callable[P, V]], CachedFunction[P, V]]:
    """Decorator: memoize a function of hashable positional arguments in a `ByteBoundedCache` of
    `budget_bytes`; the key is the single argument, or the tuple of them (keyword arguments
    bypass the cache). The wrapper has `.cache` and `.cache_clear()`."""

    def decorate(function: Callable[P, V]) -> CachedFunction[P, V]:
        cache: ByteBoundedCache[Any, V] = ByteBoundedCache(name, budget_bytes, sizeof)
        lookup = cache._entries.get  # the hot path below is `lookup`, inlined
        touch = cache._touch
        put = cache.put

        def wrapper(*args: Any, **kwargs: Any) -> V:
            if kwargs:
                return function(*args, **kwargs)
            key = args[0] if len(args) == 1 else args
            entry = lookup(key)
            if entry is not None:
                touch(key)
                cache.hits += 1
                return entry[_VALUE]  # type: ignore[no-any-return]
            cache.misses += 1
            value = function(*args, **kwargs)
            put(key, value)
            return value

        update_wrapper(wrapper, function)
        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


__all__ = [
    "BOX_CACHE_BYTES", "GEOMETRY_CACHE_BYTES", "HULL_CACHE_BYTES", "LATLNG_BYTES", "PAIR_CACHE_BYTES", "PLANAR_CACHE_BYTES",
    "RING_CACHE_BYTES",
    "VERTEX_PLANE_CACHE_BYTES",
    "ByteBoundedCache", "CachedFunction", "array_nbytes", "bounded_cache", "footprint_nbytes", "geometry_caches", "geometry_nbytes",
    "tuple_nbytes", "volume_nbytes",
]
