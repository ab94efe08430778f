"""The filling hot cell, on one server (SQLite) and on a pool of servers (PostgreSQL).

16 planners (USSs) in one 1 km x 1 km square, each looping: query the intents in the area of
its next flight, then PUT a new intent whose key holds the OVNs of the intents the query
returned (an OVN is learnt from the PUT answer of the USS that made it, standing in for
USS-to-USS detail exchange). Flights are circles of 40-120 m radius, 0-150 m, 10-30 min
windows in the next 2 h; intents are kept, so the cell fills. A 409 is a planner that lost
a race and re-plans.

Each configuration starts fresh: a SQLite file with one server, or a database of a
throwaway PostgreSQL cluster (tests/postgres.py: initdb, fsync on) with N servers; planner
i talks to server i mod N. Prints successful writes/s, p50/p99 of the PUTs, 409s, 5xx, the
pool's retried transactions (40001/40P01, from the servers' logs) and the serializability check: every overlapping pair of accepted intents (circles closer than
the sum of their radii, windows overlapping; all share 0-150 m) has one holding the other's
OVN in its key.

    .venv/bin/python bench/pool_hot_cell.py                       # sqlite:1 pg:1 pg:2 pg:3, 20 s each
    .venv/bin/python bench/pool_hot_cell.py --configs pg:2 --seconds 10
    .venv/bin/python bench/pool_hot_cell.py --one-uss   # no hotline notices between the planners
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from dss_hot_cell import Connection, free_port, percentile, rfc3339, wait_ready

from tests.postgres import Cluster

CLI = str(Path(sys.executable).parent / "deconfliction")
ISSUER = "https://bench.invalid"
LAT0, LNG0 = 37.2000, -80.5800
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LNG = 111_000.0 * math.cos(math.radians(LAT0))
OIR = "/dss/v1/operational_intent_references"


@dataclass(frozen=True, slots=True)
class Flight:
    x_m: float
    y_m: float
    radius_m: float
    start_s: float
    end_s: float

    def extent(self) -> dict[str, Any]:
        return {"volume": {
            "outline_circle": {"center": {"lat": LAT0 + self.y_m / M_PER_DEG_LAT, "lng": LNG0 + self.x_m / M_PER_DEG_LNG},
                               "radius": {"value": self.radius_m, "units": "M"}},
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 150, "reference": "W84", "units": "M"}},
            "time_start": {"value": rfc3339(self.start_s), "format": "RFC3339"},
            "time_end": {"value": rfc3339(self.end_s), "format": "RFC3339"}}


def random_flight(rng: random.Random, now: float) -> Flight:
    radius = rng.uniform(40, 120)
    start = now + 60 + rng.uniform(0, 7200 - 1800 - 60)
    return Flight(rng.uniform(radius, 1000 - radius), rng.uniform(radius, 1000 - radius), radius, start,
                  start + rng.uniform(600, 1800))


@dataclass
class Tally:
    writes: int = 0
    conflicts: int = 0
    server_errors: int = 0
    other_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    accepted: list[tuple[str, str, frozenset[str], Flight]] = field(default_factory=list)  # id, ovn, key, flight


async def planner(index: int, port: int, token: str, deadline: float, published: dict[str, str], tally: Tally) -> None:
    rng = random.Random(index)
    conn = Connection(port, token)
    base_url = f"https://uss{index}.bench.invalid"
    while time.time() < deadline:
        flight = random_flight(rng, time.time())
        extent = flight.extent()
        status, found = await conn.request("POST", f"{OIR}/query", {"area_of_interest": extent})
        if status != 200:
            tally.server_errors += status >= 500
            tally.other_errors += status < 500
            continue
        key = [published[o["id"]] for o in found["operational_intent_references"] if o["id"] in published]
        oir_id = str(uuid.uuid4())
        body = {"extents": [extent], "key": key, "state": "Accepted", "uss_base_url": base_url,
                "new_subscription": {"uss_base_url": base_url}}
        t0 = time.perf_counter()
        status, answer = await conn.request("PUT", f"{OIR}/{oir_id}", body)
        tally.latencies.append(time.perf_counter() - t0)
        if status in (200, 201):
            ovn = answer["operational_intent_reference"]["ovn"]
            published[oir_id] = ovn
            tally.writes += 1
            tally.accepted.append((oir_id, ovn, frozenset(key), flight))
        elif status == 409:
            tally.conflicts += 1
        elif status >= 500:
            tally.server_errors += 1
            print(f"planner {index}: {status} {answer}", file=sys.stderr)
        else:
            tally.other_errors += 1
            print(f"planner {index}: {status} {answer}", file=sys.stderr)


def violations(accepted: list[tuple[str, str, frozenset[str], Flight]]) -> tuple[int, int]:
    """(overlapping pairs, pairs where neither holds the other's OVN in its key)."""
    if not accepted:
        return 0, 0
    f = [a[3] for a in accepted]
    x = np.array([a.x_m for a in f]); y = np.array([a.y_m for a in f]); r = np.array([a.radius_m for a in f])
    t0 = np.array([a.start_s for a in f]); t1 = np.array([a.end_s for a in f])
    pairs = bad = 0
    for i in range(len(f)):
        j = np.arange(i + 1, len(f))
        # a margin of 1 m and 1 s: pairs that overlap beyond any rounding of the wire form
        hit = j[(np.hypot(x[j] - x[i], y[j] - y[i]) < r[j] + r[i] - 1.0) & (t0[j] < t1[i] - 1) & (t0[i] < t1[j] - 1)]
        for k in hit:
            pairs += 1
            if accepted[i][1] not in accepted[k][2] and accepted[k][1] not in accepted[i][2]:
                bad += 1
    return pairs, bad


def run(config: str, seconds: float, planners: int, cluster: Cluster | None, workdir: Path, pem: Path,
        tokens: list[str]) -> dict[str, Any]:
    kind, _, count = config.partition(":")
    servers = int(count or 1)
    if kind == "sqlite":
        assert servers == 1, "SQLite: one server per database"
        db = str(workdir / f"{uuid.uuid4().hex[:8]}.db")
    else:
        assert cluster is not None
        db = cluster.database()
        subprocess.run([CLI, "db", "upgrade", "--db", db], check=True, capture_output=True)
    processes, ports = [], []
    log = workdir / f"{config.replace(':', '-')}-{uuid.uuid4().hex[:6]}.log"
    for _ in range(servers):
        port = free_port()
        with log.open("ab") as output:
            process = subprocess.Popen([CLI, "serve", "--port", str(port), "--db", db, "--public-key", str(pem),
                                        "--issuer", ISSUER], stdout=output, stderr=subprocess.STDOUT)
        wait_ready(port, process)
        processes.append(process)
        ports.append(port)
    try:
        tally = Tally()
        published: dict[str, str] = {}
        deadline = time.time() + seconds

        async def all_planners() -> None:
            await asyncio.gather(*(planner(i, ports[i % servers], tokens[i], deadline, published, tally)
                                   for i in range(planners)))
        asyncio.run(all_planners())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    pairs, bad = violations(tally.accepted)
    retries = log.read_text(errors="replace").count("pool write retried")
    return {"retries": retries, "config": config, "writes_per_s": tally.writes / seconds, "writes": tally.writes,
            "p50_ms": percentile(tally.latencies, 0.5) * 1000, "p99_ms": percentile(tally.latencies, 0.99) * 1000,
            "conflicts": tally.conflicts, "server_errors": tally.server_errors, "other_errors": tally.other_errors,
            "overlapping_pairs": pairs, "violations": bad}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", default=["sqlite:1", "pg:1", "pg:2", "pg:3"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--planners", type=int, default=16)
    parser.add_argument("--one-uss", action="store_true",
                        help="every planner the same USS: intents still race on the key, but overlaps within one "
                             "party raise no hotline notices (isolates the registry and the pool from the hotline)")
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        pem = workdir / "bench.pem"
        pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
        tokens = [jwt.encode({"sub": "uss0" if args.one_uss else f"uss{i}", "iss": ISSUER, "aud": "127.0.0.1", "exp": int(time.time()) + 3600,
                              "scope": "utm.strategic_coordination"}, key, algorithm="RS256")
                  for i in range(args.planners)]
        cluster = Cluster(fsync=True).start() if any(c.startswith("pg") for c in args.configs) else None
        try:
            print(f"{'config':9} {'writes/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'409s':>6} {'5xx':>5} "
                  f"{'pairs':>8} {'violations':>10} {'retries':>7}")
            for config in args.configs:
                r = run(config, args.seconds, args.planners, cluster, workdir, pem, tokens)
                print(f"{r['config']:9} {r['writes_per_s']:9.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                      f"{r['conflicts']:6d} {r['server_errors']:5d} {r['overlapping_pairs']:8d} {r['violations']:10d} {r['retries']:7d}"
                      + (f"  (other 4xx: {r['other_errors']})" if r["other_errors"] else ""), flush=True)
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
