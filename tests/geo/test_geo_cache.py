"""Geometry caches are bounded in bytes, not entries, and keep their hot entries.

`ByteBoundedCache` (geo/cache.py) charges each entry what it keeps alive, key included; the
geometry caches (densified rings, index boxes, the matcher's planar shapes, convex hulls and
projected pairs) have budgets adding up to 64 MiB."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import threading

import numpy as np

from deconfliction import geo
from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, index, matching, plane
from deconfliction.geo import cache as geo_cache

from .heavy import regular


def test_no_geometry_module_keeps_an_lru_cache():
    for info in pkgutil.iter_modules(geo.__path__):
        module = importlib.import_module(f"deconfliction.geo.{info.name}")
        for name, value in vars(module).items():
            assert not isinstance(value, functools._lru_cache_wrapper), f"geo.{info.name}.{name} is an lru_cache"


def test_geometry_cache_budgets_add_up_to_64_mib():
    caches = {c.name: c for c in geo_cache.geometry_caches()}
    assert {"densified_ring", "volume_box", "matching.planar", "matching.convex_hull", "intersect.plan_pair"} <= set(caches)
    assert sum(c.budget_bytes for c in caches.values()) <= geo_cache.GEOMETRY_CACHE_BYTES == 64 * 2**20


def test_cache_never_exceeds_its_byte_budget():
    cache: geo_cache.ByteBoundedCache[int, np.ndarray] = geo_cache.ByteBoundedCache(
        "test", 1_000_000, lambda key, value: geo_cache.array_nbytes(value))
    try:
        for i in range(500):
            cache.put(i, np.zeros(1_000 + 37 * i))  # 8 KB .. 150 KB
            assert cache.nbytes <= 1_000_000
            assert cache.nbytes == sum(geo_cache.array_nbytes(cache.get(k)) for k in range(500) if k in cache)
        assert 0 < len(cache) < 500 and cache.peak_nbytes <= 1_000_000
        cache.put(-1, np.zeros(200_000))  # 1.6 MB: more than the whole budget, not kept
        assert -1 not in cache and cache.nbytes <= 1_000_000
    finally:
        geo_cache._CACHES.remove(cache)


def test_cache_evicts_the_least_recently_used_entry():
    cache: geo_cache.ByteBoundedCache[str, bytes] = geo_cache.ByteBoundedCache("test", 300, lambda k, v: len(v))
    try:
        for key in "abc":
            cache.put(key, b"x" * 100)
        assert cache.get("a") is not None  # used: now the most recent, survives the next eviction
        cache.put("d", b"x" * 100)
        assert "a" in cache and "b" not in cache and "c" in cache and "d" in cache
        assert cache.nbytes == 300 and (cache.hits, cache.misses) == (1, 0)
    finally:
        geo_cache._CACHES.remove(cache)


def test_a_burst_of_new_entries_outlives_entries_used_once_before_it():
    """A request's volumes each put their entry, then read it again after the others: every new
    entry must still be there for its second read, whatever the cache held. (A clock's pass moved
    the entries used before behind the new ones, which were then evicted first: with the cache
    half full of used entries, a burst larger than the free room evicted its own first half.)"""
    cache: geo_cache.ByteBoundedCache[str, bytes] = geo_cache.ByteBoundedCache("test", 1000, lambda k, v: len(v))
    try:
        for i in range(5):
            cache.put(f"old{i}", b"x" * 100)
            assert cache.get(f"old{i}") is not None
        for i in range(10):  # the first five fit in the free room, the next five need room made
            cache.put(f"new{i}", b"x" * 100)
        assert [i for i in range(10) if f"new{i}" not in cache] == []
        assert not any(f"old{i}" in cache for i in range(5)) and cache.nbytes == 1000
        assert cache.get("new0") is not None  # now the most recent
        cache.put("new1", b"y" * 300)  # a larger value for a kept key: the least recent make room
        assert cache.get("new1") == b"y" * 300 and cache.nbytes <= 1000
        assert "new0" in cache and "new2" not in cache and "new3" not in cache and "new9" in cache
    finally:
        geo_cache._CACHES.remove(cache)


def test_cache_is_consistent_under_threads():
    cache: geo_cache.ByteBoundedCache[int, bytes] = geo_cache.ByteBoundedCache("test", 50_000, lambda k, v: len(v))
    try:
        def work(offset: int) -> None:
            for i in range(3_000):
                key = (i * 7 + offset) % 400
                if cache.get(key) is None:
                    cache.put(key, b"x" * (100 + key))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert cache.nbytes <= 50_000
        assert cache.nbytes == sum(100 + k for k in range(400) if k in cache)
    finally:
        geo_cache._CACHES.remove(cache)


def test_geometry_caches_stay_within_budget_under_many_large_footprints():
    # 60 polygons of 3,000 vertices (0.3-0.8 MB each to keep, key included) through every cache:
    # more than each budget, so each must evict, and none may go over.
    caches = geo_cache.geometry_caches()
    for cache in caches:
        cache.clear()
    keys: list[tuple[Polygon, Volume4D, tuple[Polygon, LatLng]]] = []
    for i in range(60):
        centre = (37.0 + 0.001 * i, -80.0)
        polygon = Polygon(tuple(LatLng(*p) for p in regular(3_000, 5_000.0, centre)))
        volume = Volume4D(polygon, Interval(0, 100), Interval(0, 3600))
        plane.densified_ring(polygon)
        index.box_of(volume)
        matching.convex_hull(polygon)
        matching.overlapping(volume, [Volume4D(Circle(LatLng(*centre), 1_000.0), Interval(0, 100), Interval(0, 3600))])
        keys.append((polygon, volume, (polygon, matching._grid_centre(polygon))))
        for cache in caches:
            assert cache.nbytes <= cache.budget_bytes, cache.name
    for cache in (plane.densified_ring.cache, index.box_of.cache, matching._planar.cache, matching.convex_hull.cache):
        assert cache.peak_nbytes > cache.budget_bytes * 0.8, cache.name  # they did fill up
    polygon, volume, planar_key = keys[0]  # and the first entries were evicted
    assert polygon not in plane.densified_ring.cache and volume not in index.box_of.cache
    assert planar_key not in matching._planar.cache and polygon not in matching.convex_hull.cache
    polygon, volume, planar_key = keys[-1]  # the last ones kept
    assert polygon in plane.densified_ring.cache and volume in index.box_of.cache
    assert planar_key in matching._planar.cache and polygon in matching.convex_hull.cache
    assert sum(c.nbytes for c in caches) <= geo_cache.GEOMETRY_CACHE_BYTES


def test_hot_path_entries_are_reused():
    square = Polygon((LatLng(37.0, -80.0), LatLng(37.0, -79.99), LatLng(37.01, -79.99), LatLng(37.01, -80.0)))
    volume = Volume4D(square, Interval(0, 100), Interval(0, 3600))
    box = index.box_of(volume)
    hits = index.box_of.cache.hits
    assert index.box_of(Volume4D(square, Interval(0, 100), Interval(0, 3600))) is box  # equal key, same entry
    assert index.box_of.cache.hits == hits + 1
    ring = plane.densified_ring(square)
    assert plane.densified_ring(square) is ring and not ring[0].flags.writeable
