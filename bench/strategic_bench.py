"""Strategic check time: one new declaration against 1k / 10k / 100k stored ones.

Traffic: UTM-like operations and constraints (polygons of 4-8 vertices and circles, 100 m to
3 km across) spread over 300 km x 300 km of the eastern Mediterranean, altitude bands inside
0-1,500 m, one-hour-ish windows over 7 days. The anchor, measured in the same run, is the plain
linear scan with the same exact test (no index); it is run for 1k and 10k stored declarations
(at 100k it would take minutes per query).

    .venv/bin/python bench/strategic_bench.py [--sizes 1000 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D
from deconfliction.model import Declaration, DeclarationKind
from deconfliction.engine.strategic import DeclarationSet, can_conflict, conflict_between

T0 = 1_795_420_800.0
CENTRE = (34.5, 34.0)
HALF_SPAN_DEG = 1.4  # ~300 km


def random_volume(rng: random.Random) -> Volume4D:
    lat = CENTRE[0] + rng.uniform(-HALF_SPAN_DEG, HALF_SPAN_DEG)
    lng = CENTRE[1] + rng.uniform(-HALF_SPAN_DEG, HALF_SPAN_DEG)
    size_m = rng.uniform(100, 3000)
    low = rng.uniform(0, 1200)
    start = T0 + rng.uniform(0, 7 * 86400)
    altitude = Interval(low, low + rng.uniform(30, 300))
    window = Interval(start, start + rng.uniform(900, 7200))
    if rng.random() < 0.3:
        return Volume4D(Circle(LatLng(lat, lng), size_m / 2), altitude, window)
    n = rng.randint(4, 8)
    dlat = size_m / 2 / 111_320
    dlng = dlat / math.cos(math.radians(lat))
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    radii = [rng.uniform(0.5, 1) for _ in angles]  # star-shaped about the centre, hence simple
    vertices = tuple(LatLng(lat + dlat * r * math.sin(a), lng + dlng * r * math.cos(a)) for a, r in zip(angles, radii))
    return Volume4D(Polygon(vertices), altitude, window)


def random_declaration(rng: random.Random, i: int) -> Declaration:
    kind = DeclarationKind.CONSTRAINT if rng.random() < 0.1 else DeclarationKind.OPERATION
    volumes = tuple(random_volume(rng) for _ in range(rng.randint(1, 3)))
    return Declaration(f"d{i:07d}", f"party{rng.randrange(50)}", kind, volumes, T0 - 86400, rng.randrange(3))


def linear_scan(stored: list[Declaration], query: Declaration) -> set[tuple[str, str]]:
    return {c.key for d in stored if can_conflict(query, d) and (c := conflict_between(query, d)) is not None}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--service", type=int, default=5_000, help="declarations for the whole-service throughput")
    parser.add_argument("--scan-limit", type=int, default=10_000, help="largest size the linear scan anchor runs at")
    args = parser.parse_args()
    print(f"{'stored':>8} {'build s':>8} {'check p50 ms':>13} {'check p99 ms':>13} {'conflicts/q':>11} "
          f"{'scan p50 ms':>12} {'speed-up':>9} {'bulk decl/s':>12}")
    for size in args.sizes:
        rng = random.Random(size)
        stored = [random_declaration(rng, i) for i in range(size)]
        started = time.perf_counter()
        declarations = DeclarationSet(stored)
        build_s = time.perf_counter() - started
        queries = [random_declaration(rng, size + i) for i in range(args.queries)]
        times, found = [], 0
        for query in queries:
            started = time.perf_counter()
            conflicts = declarations.conflicts_of(query)
            times.append((time.perf_counter() - started) * 1e3)
            found += len(conflicts)
        scan = "-"
        ratio = "-"
        if size <= args.scan_limit:
            scan_times = []
            for query in queries[:20]:
                started = time.perf_counter()
                expected = linear_scan(stored, query)
                scan_times.append((time.perf_counter() - started) * 1e3)
                assert expected == {c.key for c in declarations.conflicts_of(query)}, "index and scan disagree"
            scan_p50 = statistics.median(scan_times)
            scan = f"{scan_p50:.2f}"
            ratio = f"{scan_p50 / statistics.median(times):.0f}x"
        # Bulk: declare-and-check a stream of new declarations into the set.
        stream = [random_declaration(rng, 10 * size + i) for i in range(2_000)]
        started = time.perf_counter()
        for declaration in stream:
            declarations.conflicts_of(declaration)
            declarations.put(declaration)
        bulk = len(stream) / (time.perf_counter() - started)
        print(f"{size:>8} {build_s:>8.1f} {statistics.median(times):>13.3f} {percentile(times, 0.99):>13.3f} "
              f"{found / len(queries):>11.2f} {scan:>12} {ratio:>9} {bulk:>12.0f}")
    if args.service:
        service_throughput(args.service)


def service_throughput(count: int) -> None:
    """Declarations per second through the whole application: `App.declare` (validation, engine,
    notices, events outbox, advice) on the one writer, each declaration committed to a SQLite file
    with its ledger entries in its own transaction (awaited one after another, so no group commit)."""
    import asyncio
    import tempfile
    from pathlib import Path

    from deconfliction.app import App, Rules
    from deconfliction.clock import ManualClock
    from deconfliction.store import Database, ledger_repo, sqlite_url

    rng = random.Random(count)
    items = [random_declaration(rng, i) for i in range(count)]

    async def run(app: App) -> tuple[float, int]:
        for party in sorted({d.party for d in items}):
            await app.add_party(party)
        conflicts = 0
        started = time.perf_counter()
        for d in items:
            outcome = await app.declare(party=d.party, declaration_id=d.id, kind=d.kind, volumes=d.volumes,
                                        priority=d.priority)
            conflicts += len(outcome.conflicts)
        return time.perf_counter() - started, conflicts

    with tempfile.TemporaryDirectory() as scratch:
        database = Database(sqlite_url(Path(scratch) / "bench.db"))
        database.upgrade()
        app = App(database, ManualClock(T0 - 86400), rules=Rules(min_notice_s=900, ack_deadline_s=300))
        try:
            elapsed, conflicts = asyncio.run(run(app))
            notices = len(app.state.notices)
        finally:
            app.writer.close()
        with database.read() as connection:
            verified = ledger_repo.verify(connection)
        database.close()
    print(f"service: {count} declarations through App (one writer) + SQLite + ledger in {elapsed:.2f} s = "
          f"{count / elapsed:.0f} decl/s ({conflicts} conflicts, {notices} notices, ledger {verified.entries} entries, "
          f"ok={verified.ok})")


if __name__ == "__main__":
    main()
