"""Geometry cost of the heaviest polygon the parser accepts, and what the geometry caches keep.

The polygon (tests/geo/heavy.py `heaviest`): 10,000 vertices (the most a polygon may have), its
corners ~1,990 km from its centre (the most is 2,000 km), ~19,800 km of perimeter (the most is
20,000 km), ~19,800 points once densified (the ring budget is 20,000). For each of `--runs` runs,
from cold caches: parse + validate it (`parse_volume4d`), its index box (`index.box_of`), and one
exact overlap test (`footprints_overlap`) against (a) a 100 km circle on its corner and (b) a copy
of itself turned by 30 degrees (parsed beforehand, untimed): medians printed.

Then crossing combs (`--comb-sizes`, tests/geo/heavy.py `comb`): two combs of n vertices, one
upright and one transposed over it, every tooth crossing every other ((n / 4)^2 crossings), each
within every input limit (parsed beforehand, untimed): the median time of the exact overlap test
(`footprints_overlap`), of the overlap with its area (`volumes_overlap`, what a conflict
records) and of the region shown to a party (`overlap_region`).

Then the attack that used to block the server (2,000 and 20,000 vertices alternating between 60 N
and 60 S): how long parsing takes to refuse it. Then a flood: `--flood` distinct heaviest
polygons through every geometry cache (ring, box, planar shapes, convex hull); the caches'
peak bytes (their own accounting) and the process RSS before and after.

    .venv/bin/python bench/geo_cost.py [--runs 5] [--comb-sizes 1000 2000 4000 10000] [--only-combs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.geo.heavy

from deconfliction.errors import InvalidInput
from deconfliction.geo import (
    Circle,
    LatLng,
    Volume4D,
    footprints_overlap,
    index,
    matching,
    overlap_region,
    parse_volume4d,
    plane,
    volumes_overlap,
)
from deconfliction.geo import cache as geo_cache
from tests.geo.heavy import alternating, comb, heaviest, wire

MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def clear_caches() -> None:
    for cache in geo_cache.geometry_caches():
        cache.clear()


def peak_cache_bytes() -> int:
    return sum(cache.peak_nbytes for cache in geo_cache.geometry_caches())


def timed_heaviest(runs: int) -> None:
    body = wire(heaviest())
    partners = {
        "circle": Circle(LatLng(*heaviest()[0]), 100_000.0),
        "turned copy": parse_volume4d(wire(heaviest(rotate_deg=30.0))).footprint,
    }
    for name, partner in partners.items():
        parse_s, box_s, overlap_s, total_s, peaks = [], [], [], [], []
        for _ in range(runs):
            clear_caches()
            if name == "turned copy":
                plane.densified_ring(partner)  # the partner as if already stored (untimed)
            t0 = time.perf_counter()
            volume = parse_volume4d(body)
            t1 = time.perf_counter()
            index.box_of(volume)
            t2 = time.perf_counter()
            overlaps = footprints_overlap(volume.footprint, partner)
            t3 = time.perf_counter()
            assert overlaps
            parse_s.append(t1 - t0)
            box_s.append(t2 - t1)
            overlap_s.append(t3 - t2)
            total_s.append(t3 - t0)
            peaks.append(peak_cache_bytes())
        ring = len(plane.densified_ring(volume.footprint)[0])
        print(f"  vs {name:<11}: parse+validate {1e3 * statistics.median(parse_s):6.1f} ms, box "
              f"{1e3 * statistics.median(box_s):5.1f} ms, overlap {1e3 * statistics.median(overlap_s):6.1f} ms, "
              f"total {1e3 * statistics.median(total_s):6.1f} ms (median of {runs}; ring {ring:,} points; "
              f"peak cache {max(peaks) / MIB:.2f} MiB)")


def timed_combs(sizes: list[int], runs: int) -> None:
    for n in sizes:
        up, across = parse_volume4d(wire(comb(n))), parse_volume4d(wire(comb(n, transposed=True)))
        tests = {"footprints_overlap": lambda: footprints_overlap(up.footprint, across.footprint),
                 "volumes_overlap": lambda: volumes_overlap(up, across),
                 "overlap_region": lambda: overlap_region(up.footprint, across.footprint)}
        figures = []
        for name, test in tests.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                found = test()
                times.append(time.perf_counter() - t0)
                assert found
            figures.append(f"{name} {1e3 * statistics.median(times):7.1f} ms")
        print(f"  {n:>6,} vertices: " + ", ".join(figures) + f" (median of {runs})", flush=True)


def timed_attack(runs: int) -> None:
    for n in (2_000, 20_000):
        body = wire(alternating(n))
        times = []
        reason = ""
        for _ in range(runs):
            t0 = time.perf_counter()
            try:
                parse_volume4d(body)
            except InvalidInput as err:
                reason = err.reason
            times.append(time.perf_counter() - t0)
        print(f"  {n:>6,} vertices: refused in {1e3 * statistics.median(times):6.1f} ms: {reason[:90]}")


def flood(count: int) -> None:
    clear_caches()
    before = rss_bytes()
    for i in range(count):
        centre = (-60.0 + 120.0 * i / count, -170.0 + 340.0 * ((i * 7) % count) / count)
        volume = parse_volume4d(wire(heaviest(centre)))
        index.box_of(volume)
        matching.convex_hull(volume.footprint)
        matching.overlapping(volume, [Volume4D(Circle(LatLng(*centre), 1_000.0), volume.altitude_m, volume.time_s)])
    after = rss_bytes()
    print(f"  {count} distinct heaviest polygons: caches peak {peak_cache_bytes() / MIB:.1f} MiB "
          f"(budget {geo_cache.GEOMETRY_CACHE_BYTES / MIB:.0f} MiB), now {sum(c.nbytes for c in geo_cache.geometry_caches()) / MIB:.1f} MiB")
    for cache in geo_cache.geometry_caches():
        print(f"    {cache.name:<22} peak {cache.peak_nbytes / MIB:6.1f} MiB of {cache.budget_bytes / MIB:4.0f} MiB, "
              f"{len(cache):>3} entries held")
    print(f"  process RSS {before / MIB:.0f} MiB -> {after / MIB:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--flood", type=int, default=60, help="distinct heaviest polygons pushed through the caches")
    parser.add_argument("--comb-sizes", type=int, nargs="*", default=[1_000, 2_000, 4_000, 10_000])
    parser.add_argument("--only-combs", action="store_true", help="measure the crossing combs only")
    args = parser.parse_args()
    print(f"crossing combs (upright x transposed, (n / 4)^2 crossings), load {os.getloadavg()[0]:.1f}:")
    timed_combs(args.comb_sizes, args.runs)
    if args.only_combs:
        return
    print("heaviest accepted polygon (10,000 vertices, ~1,990 km from its centre, ~19,800 km perimeter):")
    timed_heaviest(args.runs)
    print("the attack (60 N / 60 S zigzag):")
    timed_attack(args.runs)
    print("flood:")
    flood(args.flood)


if __name__ == "__main__":
    main()
