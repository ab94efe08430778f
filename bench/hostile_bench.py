"""Heavy requests against small ones, measured against the real server in one run.

Starts `deconfliction serve` (as live_bench.py does) and measures:

  a. the server time of requests of the heaviest shapes it accepts or must examine: an F3548
     intent whose one polygon has the most vertices allowed (10,000) inside the largest area
     allowed (2,500 km^2), the same polygon as a query, a /v1 declaration of 100 volumes, and a
     10,000-vertex polygon spread as far as the geometry allows (refused for its area, but parsed
     first). Each is sent alone, `--repeat` times; the figure is the median of the server's CPU
     time per request (from /proc) and of the wall time. Goal: about 100 ms at most.
  c. crossing combs (`--comb-sizes`, 1,000 to 10,000 vertices; tests/geo/heavy.py `comb`): the
     longest teeth the 20,000 km perimeter allows, one comb upright, the other transposed over it,
     so that every tooth crosses every other ((n / 4)^2 crossings). Over /dss/v1, USS A writes the
     upright one, then USS B the transposed one with A's OVN in its key (exact 4D matching, the
     key check, subscribers); over /v1, party A declares the upright one, then party B the
     transposed one (a conflict: its area, notices, advice). Each pair lands apart from the others;
     the figures are medians of `--repeat` pairs of the server's CPU time per request.
  b. small requests while heavy ones arrive: `--small-clients` clients query a small area in a
     closed loop while one client sends the heaviest accepted intent (updates of it) back to back;
     the figure is the small requests' p50/p99 latency. Goal: p99 under 50 ms.

    .venv/bin/python bench/hostile_bench.py [--repeat 5] [--seconds 10] [--small-clients 4] \
        [--comb-sizes 1000 2000 4000 10000] [--only-combs]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.geo.heavy
import live_bench  # noqa: E402  (bench/ sibling: the server under test and its tokens)

from tests.geo.heavy import comb  # noqa: E402

SC = "utm.strategic_coordination"
LAT0, LNG0 = 37.2, -80.6


def polygon(n: int, radius_m: float, lat: float = LAT0, lng: float = LNG0) -> dict[str, Any]:
    """A regular n-gon of this radius (its vertices on a circle), as F3548 vertices."""
    dlat = radius_m / 111_320.0
    dlng = dlat / math.cos(math.radians(lat))
    return {"vertices": [{"lat": lat + dlat * math.sin(2 * math.pi * k / n), "lng": lng + dlng * math.cos(2 * math.pi * k / n)}
                         for k in range(n)]}


def extent(outline: dict[str, Any], start: float, end: float, alt: tuple[float, float] = (0, 120)) -> dict[str, Any]:
    return {"volume": {"outline_polygon": outline,
                       "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"}},
            "time_start": {"value": live_bench.rfc3339(start), "format": "RFC3339"},
            "time_end": {"value": live_bench.rfc3339(end), "format": "RFC3339"}}


def largest_polygon(k: int) -> dict[str, Any]:
    """The heaviest accepted polygon: 10,000 vertices, ~2,400 km^2 (the DSS limit is 2,500); `k`
    places it apart from the others (no key races)."""
    return polygon(10_000, math.sqrt(2_400e6 / math.pi), LAT0 - 0.6 * k)


def intent_with(outline: dict[str, Any], now: float) -> dict[str, Any]:
    return {"extents": [extent(outline, now + 600, now + 4200)], "key": [], "state": "Accepted",
            "uss_base_url": "https://uss.example", "new_subscription": {"uss_base_url": "https://uss.example"}}


OIR_PUT = ("PUT", "/dss/v1/operational_intent_references/{id}")


def heavy_bodies(now: float, k: int = 0) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """name -> (method, path, body) of the heaviest shapes; `k` places them apart (no key races)."""
    big = largest_polygon(k)
    widest = polygon(10_000, 1_900_000.0)  # as far as the geometry allows: refused for its area after parsing
    many = {"kind": "operation", "volumes": [
        extent(polygon(100, 2_000.0, LAT0 + 0.5 + 0.01 * i, LNG0 + 0.1 * k), now + 600, now + 4200)
        for i in range(100)]}
    return {
        "intent 10,000 vertices, 2,400 km2": (*OIR_PUT, intent_with(big, now)),
        "query 10,000 vertices": ("POST", "/dss/v1/operational_intent_references/query",
                                  {"area_of_interest": extent(big, now, now + 3600)}),
        "/v1 declaration, 100 volumes x 100 vertices": ("PUT", "/v1/declarations/{id}", many),
        "intent 10,000 vertices, 1,900 km radius (refused)": (*OIR_PUT, intent_with(widest, now)),
    }


def heavy_costs(server: live_bench.Server, repeat: int) -> dict[str, tuple[float, float, int]]:
    """name -> (median server CPU ms, median wall ms, status)."""
    headers = {"Authorization": f"Bearer {server.token('uss-heavy', SC)}"}
    party = {"Authorization": f"Bearer {server.token('heavy-party')}"}
    out: dict[str, tuple[float, float, int]] = {}
    with httpx.Client(base_url=server.base, timeout=60) as http:
        for name in heavy_bodies(time.time()):
            cpu, wall, status = [], [], 0
            for k in range(repeat):
                method, path, body = heavy_bodies(time.time(), k + 1)[name]
                url = path.format(id=str(uuid.uuid4()))
                before_cpu, before = server.cpu_s(), time.perf_counter()
                r = http.request(method, url, json=body, headers=party if url.startswith("/v1") else headers)
                wall.append((time.perf_counter() - before) * 1e3)
                cpu.append((server.cpu_s() - before_cpu) * 1e3)
                status = r.status_code
            out[name] = (statistics.median(cpu), statistics.median(wall), status)
    return out


def comb_outline(vertices: int, centre: tuple[float, float], *, transposed: bool) -> dict[str, Any]:
    return {"vertices": [{"lat": lat, "lng": lng} for lat, lng in comb(vertices, centre, transposed=transposed)]}


def comb_costs(server: live_bench.Server, sizes: list[int], repeat: int) -> dict[str, tuple[float, float, str]]:
    """'door, n vertices, first|second' -> (median server CPU ms, median wall ms, statuses)."""
    uss_a = {"Authorization": f"Bearer {server.token('uss-comb-a', SC)}"}
    uss_b = {"Authorization": f"Bearer {server.token('uss-comb-b', SC)}"}
    party_a = {"Authorization": f"Bearer {server.token('comb-party-a')}"}
    party_b = {"Authorization": f"Bearer {server.token('comb-party-b')}"}
    samples: dict[str, list[tuple[float, float, int]]] = {}

    def timed(http: httpx.Client, key: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        before_cpu, before = server.cpu_s(), time.perf_counter()
        r = http.put(path, json=body, headers=headers)
        sample = ((server.cpu_s() - before_cpu) * 1e3, (time.perf_counter() - before) * 1e3, r.status_code)
        samples.setdefault(key, []).append(sample)
        return r

    with httpx.Client(base_url=server.base, timeout=600) as http:
        for s, n in enumerate(sizes):
            for k in range(repeat):
                now = time.time()
                for door in ("/dss/v1", "/v1"):
                    centre = (20.0 + 1.0 * k + (10.0 if door == "/v1" else 0.0), -40.0 + 1.5 * s)
                    up, across = (extent(comb_outline(n, centre, transposed=t), now + 1200, now + 4800) for t in (False, True))
                    if door == "/dss/v1":
                        first = timed(http, f"{door} {n:,} first", f"/dss/v1/operational_intent_references/{uuid.uuid4()}",
                                      {"extents": [up], "key": [], "state": "Accepted", "uss_base_url": "https://a.example",
                                       "new_subscription": {"uss_base_url": "https://a.example"}}, uss_a)
                        ovn = first.json()["operational_intent_reference"]["ovn"] if first.status_code == 201 else ""
                        timed(http, f"{door} {n:,} second", f"/dss/v1/operational_intent_references/{uuid.uuid4()}",
                              {"extents": [across], "key": [ovn], "state": "Accepted", "uss_base_url": "https://b.example",
                               "new_subscription": {"uss_base_url": "https://b.example"}}, uss_b)
                    else:
                        timed(http, f"{door} {n:,} first", f"/v1/declarations/{uuid.uuid4()}",
                              {"kind": "operation", "volumes": [up]}, party_a)
                        timed(http, f"{door} {n:,} second", f"/v1/declarations/{uuid.uuid4()}",
                              {"kind": "operation", "volumes": [across]}, party_b)
    return {key: (statistics.median(c for c, _, _ in v), statistics.median(w for _, w, _ in v),
                  "/".join(sorted({str(st) for _, _, st in v}))) for key, v in samples.items()}


async def small_while_heavy(server: live_bench.Server, clients: int, seconds: float) -> tuple[list[float], int]:
    """Small queries' latencies (ms) while one client sends the heaviest accepted intent back to back."""
    token = server.token("uss-small", SC)
    heavy_token = server.token("uss-heavy2", SC)
    latencies: list[float] = []
    heavy_sent = 0

    async def small(i: int) -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            n = 0
            while time.monotonic() < deadline and n < 100_000:
                n += 1
                now = time.time()
                body = {"area_of_interest": extent(polygon(4, 500.0, LAT0 + 0.3 + 0.01 * i, LNG0), now, now + 600)}
                start = time.perf_counter()
                r = await http.post("/dss/v1/operational_intent_references/query", json=body)
                latencies.append((time.perf_counter() - start) * 1e3)
                assert r.status_code == 200, r.text

    # The heavy bodies are built and encoded before the clock starts: building one (10,000 sines
    # and dicts) and encoding it (550 kB) held this process's event loop for tens of milliseconds,
    # which the small queries' latencies then counted as the server's.
    most = int(seconds * 10) + 10  # more than this server has ever taken in `seconds`
    now = time.time()
    encoded = [(*OIR_PUT, json.dumps(intent_with(largest_polygon(50 + k), now)).encode()) for k in range(most)]
    deadline = time.monotonic() + seconds

    async def heavy() -> None:
        nonlocal heavy_sent
        async with httpx.AsyncClient(base_url=server.base, timeout=60,
                                     headers={"Authorization": f"Bearer {heavy_token}",
                                              "Content-Type": "application/json"}) as http:
            while time.monotonic() < deadline and heavy_sent < len(encoded):
                # each heavy intent lands apart from the others (no key races), 50 or more away
                method, path, content = encoded[heavy_sent]
                r = await http.request(method, path.format(id=str(uuid.uuid4())), content=content)
                heavy_sent += 1
                if r.status_code != 201:
                    raise SystemExit(f"heavy intent answered {r.status_code}: {r.text[:200]}")

    await asyncio.gather(heavy(), *(small(i) for i in range(clients)))
    return latencies, heavy_sent


def settle(server: live_bench.Server, most_s: float = 15.0) -> None:
    """Wait until the server is idle (its start-up done), so that no start-up work is counted as a
    request's."""
    deadline = time.monotonic() + most_s
    before = server.cpu_s()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_s()
        if now - before < 0.02:
            return
        before = now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--small-clients", type=int, default=4)
    parser.add_argument("--comb-sizes", type=int, nargs="*", default=[1_000, 2_000, 4_000, 10_000])
    parser.add_argument("--only-combs", action="store_true", help="measure the crossing combs only")
    parser.add_argument("--server-spy", type=Path, help="run the server under py-spy (see live_bench.py)")
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory() as scratch:
        server = live_bench.Server(Path(scratch), key, "PT5M", spy=args.server_spy)
        try:
            settle(server)
            combs = comb_costs(server, args.comb_sizes, args.repeat)
            if not args.only_combs:
                costs = heavy_costs(server, args.repeat)
                latencies, heavy_sent = asyncio.run(small_while_heavy(server, args.small_clients, args.seconds))
        finally:
            server.stop()
    print(f"crossing combs (median of {args.repeat} pairs; 'second' crosses 'first', (n / 4)^2 crossings):")
    for name, (cpu, wall, status) in combs.items():
        print(f"  {name:28s} server CPU {cpu:8.1f} ms   wall {wall:8.1f} ms   -> {status}")
    if args.only_combs:
        return
    print("heaviest requests (median of", args.repeat, "each):")
    for name, (cpu, wall, status) in costs.items():
        print(f"  {name:52s} server CPU {cpu:7.1f} ms   wall {wall:7.1f} ms   -> {status}")
    latencies.sort()
    p50, p99 = live_bench.pct(latencies, 0.50), live_bench.pct(latencies, 0.99)
    # /proc counts CPU in clock ticks (10 ms); the differences of their sums carry float noise
    worst = round(max(cpu for cpu, _, _ in costs.values()), 3)
    print(f"small queries while heavy intents arrive: {len(latencies)} queries by {args.small_clients} clients, "
          f"{heavy_sent} heavy intents in {args.seconds:g} s: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(latencies):.1f} ms")
    print(f"goals: heaviest request <= ~100 ms server time: {'met' if worst <= 100 else 'NOT met'} ({worst:.0f} ms); "
          f"small p99 < 50 ms while heavy arrive: {'met' if p99 < 50 else 'NOT met'} ({p99:.1f} ms)")


if __name__ == "__main__":
    main()
