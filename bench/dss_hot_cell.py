"""DSS hot cell: N concurrent clients writing overlapping intents into one 1 km^2 area.

Starts the real server (`deconfliction serve`) as a subprocess on a free loopback port with a
fresh database and a keypair made for the run, then runs N concurrent clients (asyncio, one
process), each a different USS with its own keep-alive HTTP connection. Every client keeps up
to K live intents in the same 1 km^2 square (random sub-squares, 30 min windows within the next
2 h), creating, moving (update) and deleting them, each with an implicit subscription, so
intents crowd one area and the same hours. Altitude (`--bands`): `own`, each USS its own band,
so intents overlap in 4D only within a USS (a cell-based DSS would still see one busy cell);
`shared`, any of 8 overlapping bands, so intents of different USSs overlap in 4D and writes
race on the key. The key of each write holds the OVNs the clients have published (standing in
for USS-to-USS detail exchange); a write that loses a race gets 409 and is retried with fresh
OVNs, as a USS would.

Prints successful writes/s and latency percentiles of the write requests (p50/p99), plus the
409 share. The reference DSS manages 2-8 writes/s in one busy cell; the goal here is at least
500 writes/s with p99 under 20 ms.

    .venv/bin/python bench/dss_hot_cell.py --clients 8 --seconds 10 --bands own
    .venv/bin/python bench/dss_hot_cell.py --clients 16 --seconds 10 --bands shared
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://bench.invalid"
LAT0, LNG0 = 37.2000, -80.5800
SIDE_LAT = 1000 / 111_000  # 1 km north-south
SIDE_LNG = 1000 / (111_000 * 0.7965)  # 1 km east-west at 37.2 deg
BANDS = [(b * 15.0, b * 15.0 + 20.0) for b in range(8)]  # neighbouring bands overlap by 5 m


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat().replace("+00:00", "Z")


def random_extent(rng: random.Random, now: float, band: tuple[float, float] | None = None) -> dict[str, Any]:
    size = rng.uniform(0.3, 0.6)
    lat = LAT0 + rng.uniform(0, 1 - size) * SIDE_LAT
    lng = LNG0 + rng.uniform(0, 1 - size) * SIDE_LNG
    dlat, dlng = size * SIDE_LAT, size * SIDE_LNG
    lo, hi = band or rng.choice(BANDS)
    start = now + 60 + rng.uniform(0, 5400)
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + dlng},
                                             {"lat": lat + dlat, "lng": lng + dlng}, {"lat": lat + dlat, "lng": lng}]},
            "altitude_lower": {"value": lo, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": hi, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": rfc3339(start), "format": "RFC3339"},
        "time_end": {"value": rfc3339(start + 1800), "format": "RFC3339"},
    }


class Connection:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams: the load generator must cost far
    less CPU than the server it measures (the machine may have only a couple of cores)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n").encode()
        self.writer.write(head + self.auth + b"\r\n" + data)
        assert self.reader is not None
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), json.loads(payload) if payload else None


@dataclass
class Tally:
    writes: int = 0
    conflicts: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def client(index: int, port: int, token: str, deadline: float, per_client: int,
                 published: dict[str, str], tally: Tally, own_band: bool) -> None:
    """One USS: keeps up to `per_client` live intents, creating, moving and deleting them."""
    rng = random.Random(index)
    conn = Connection(port, token)
    mine: list[tuple[str, str]] = []  # (id, ovn), oldest first
    base_url = f"https://uss{index}.bench.invalid"
    band = (25.0 * index, 25.0 * index + 20.0) if own_band else None
    while time.time() < deadline:
        action = "delete" if len(mine) >= per_client else rng.choice(["create", "create", "update"] if mine else ["create"])
        for _attempt in range(50):
            body = {"extents": [random_extent(rng, time.time(), band)], "key": list(published.values()),
                    "state": "Accepted", "uss_base_url": base_url, "new_subscription": {"uss_base_url": base_url}}
            if action == "create":
                oir_id = str(uuid.uuid4())
                method, path = "PUT", f"/dss/v1/operational_intent_references/{oir_id}"
            else:
                oir_id, ovn = mine[-1] if action == "update" else mine[0]
                method, path = ("PUT" if action == "update" else "DELETE"), f"/dss/v1/operational_intent_references/{oir_id}/{ovn}"
            t0 = time.perf_counter()
            status, answer = await conn.request(method, path, body if method == "PUT" else None)
            tally.latencies.append(time.perf_counter() - t0)
            if status in (200, 201):
                tally.writes += 1
                if action == "delete":
                    mine.pop(0)
                    published.pop(oir_id, None)
                else:
                    new_ovn = answer["operational_intent_reference"]["ovn"]
                    if action == "update":
                        mine[-1] = (oir_id, new_ovn)
                    else:
                        mine.append((oir_id, new_ovn))
                    published[oir_id] = new_ovn  # what the others learn from this USS's details
                break
            if status == 409:
                tally.conflicts += 1
                continue
            tally.errors += 1
            print(f"client {index}: {status} {answer}", file=sys.stderr)
            break


async def run_clients(port: int, tokens: list[str], seconds: float, per_client: int, own_band: bool = False) -> Tally:
    published: dict[str, str] = {}
    tally = Tally()
    deadline = time.time() + seconds
    await asyncio.gather(*(client(i, port, t, deadline, per_client, published, tally, own_band) for i, t in enumerate(tokens)))
    return tally


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/docs")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--per-client", type=int, default=4, help="live intents each client keeps")
    parser.add_argument("--bands", choices=["shared", "own"], default="own",
                        help="shared: every USS flies any of 8 overlapping altitude bands, so intents of "
                             "different USSs overlap in 4D and writes race on the key; own: each USS its own "
                             "band, so intents crowd the same area and hours but overlap in 4D only within a USS")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dss-bench-"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = workdir / "bench.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    port = free_port()
    cli = str(Path(sys.executable).parent / "deconfliction")
    server = subprocess.Popen([cli, "serve", "--port", str(port), "--db", str(workdir / "dss.db"),
                               "--public-key", str(pem), "--issuer", ISSUER],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, server)
        tokens = [jwt.encode({"sub": f"uss{i}", "iss": ISSUER, "aud": "127.0.0.1", "exp": int(time.time()) + 3600,
                              "scope": "utm.strategic_coordination"}, key, algorithm="RS256")
                  for i in range(args.clients)]
        tally = asyncio.run(run_clients(port, tokens, args.seconds, args.per_client, args.bands == "own"))
    finally:
        server.terminate()
        server.wait(timeout=10)

    writes, conflicts, errors, latencies = tally.writes, tally.conflicts, tally.errors, tally.latencies
    print(f"DSS hot cell: {args.clients} clients, {args.seconds:.0f} s, 1 km^2, up to "
          f"{args.clients * args.per_client} live intents with implicit subscriptions, {args.bands} altitude bands")
    print(f"  successful writes/s : {writes / args.seconds:8.1f}  ({writes} writes)")
    print(f"  write requests/s    : {len(latencies) / args.seconds:8.1f}  (409 key races: {conflicts}, "
          f"{100 * conflicts / max(1, len(latencies)):.1f}%; other errors: {errors})")
    print(f"  latency p50 / p99   : {1000 * statistics.median(latencies):6.2f} ms / "
          f"{1000 * percentile(latencies, 0.99):6.2f} ms  (max {1000 * max(latencies):.1f} ms)")


if __name__ == "__main__":
    main()
