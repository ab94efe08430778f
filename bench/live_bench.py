"""The live hotline over /v1, measured against the real server in one run.

Starts `deconfliction serve` as a subprocess on a free loopback port with a fresh SQLite file
and a keypair made for the run (RS256 tokens signed here), then measures, one phase after the
other (never two at once):

  a. write -> SSE: party B keeps its event stream open (GET /v1/events) and has declared one
     operation; party A declares operations inside it (PUT /v1/declarations/{id}), one at a
     time. Each sample is the time from just before A's PUT is sent to the arrival at B of the
     `notice` event about A's declaration. Goal: p99 under 100 ms.
  b. /v1 declarations per second: 8 parties (one httpx.AsyncClient each, each with its own SSE
     stream open) declare distinct operations for a fixed time, closed loop (one request in
     flight per party). Most are away from the others; a share (default 10 %) is placed over a
     recent declaration of another party, so it conflicts and both sides are notified live.
     Goal: 500 declarations/s.
  c. the DSS hot cell: bench/dss_hot_cell.py's measurement with its defaults (8 USSs, 10 s,
     own bands, 4 live intents each) against the same server. By default it runs first, on the
     fresh store (as dss_hot_cell.py does), and again last, with a's and b's /v1 declarations
     stored (in another region): `--phases c a b c`.

Prints each phase's figures, then one summary table with the goals. Every loop is bounded in
count and time; the server is stopped at the end.

    .venv/bin/python bench/live_bench.py [--samples 300] [--parties 8] [--seconds 10]
        [--conflict-share 0.1] [--hot-seconds 10] [--phases c a b c]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dss_hot_cell  # noqa: E402  (bench/ sibling: the hot cell's clients)

ISSUER = "https://bench.invalid"
PARTY_SCOPES = "deconfliction.declare deconfliction.acknowledge"
LAT0, LNG0 = 34.0, 33.0  # the /v1 traffic: eastern Mediterranean, far from the hot cell (37.2N 80.6W)
TICKS = os.sysconf("SC_CLK_TCK")


def rfc3339(t: float) -> str:
    return dss_hot_cell.rfc3339(t)


def volume(lat: float, lng: float, dlat: float, dlng: float, start: float, end: float,
           alt: tuple[float, float]) -> dict[str, Any]:
    """An F3548 Volume4D: a lat/lng box, an altitude band (W84 metres), a time window."""
    return {"volume": {"outline_polygon": {"vertices": [
        {"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + dlng}, {"lat": lat + dlat, "lng": lng + dlng},
        {"lat": lat + dlat, "lng": lng}]},
        "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
        "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"}},
        "time_start": {"value": rfc3339(start), "format": "RFC3339"},
        "time_end": {"value": rfc3339(end), "format": "RFC3339"}}


def pct(values: list[float], q: float) -> float:
    return dss_hot_cell.percentile(values, q)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_s() -> tuple[float, float]:
    """(CPU seconds busy on all cores, seconds stolen by the hypervisor) since boot, /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq) / TICKS, steal / TICKS


class Others:
    """How much CPU work other than this benchmark (server and load generator) ran meanwhile."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.start()

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.busy0, self.steal0 = machine_busy_s()
        self.ours0 = self.server.cpu_s() + time.process_time()

    def note(self) -> str:
        wall = time.perf_counter() - self.t0
        busy, steal = machine_busy_s()
        ours = self.server.cpu_s() + time.process_time() - self.ours0
        others = max(0.0, busy - self.busy0 - ours)
        self.start()
        return (f"[machine: this bench {ours / wall:.2f} cores, other work {others / wall:.2f} cores, "
                f"stolen {(steal - self.steal0) / wall:.2f}]")


class Server:
    def __init__(self, workdir: Path, key: rsa.RSAPrivateKey, ack_deadline: str, profile: Path | None = None,
                 spy: Path | None = None) -> None:
        pem = workdir / "bench.pem"
        pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
        self.port = dss_hot_cell.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.key = key
        cli = str(Path(sys.executable).parent / "deconfliction")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DECONFLICTION_")}
        self.log = (workdir / "server.log").open("wb")
        self.profiling = profile is not None
        wrap = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else []
        if spy is not None:  # py-spy (not a project dependency) samples without cProfile's 2x inflation
            wrap = ["py-spy", "record", "--format", "raw", "--rate", "200", "--output", str(spy),
                    *os.environ.get("BENCH_SPY_FLAGS", "").split(), "--", sys.executable]
        self.profiling = self.profiling or spy is not None
        self.process = subprocess.Popen(
            [*wrap, cli, "serve", "--port", str(self.port), "--db", str(workdir / "live.db"), "--public-key", str(pem),
             "--issuer", ISSUER, "--ack-deadline", ack_deadline, "--min-notice", "PT15M"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited early; see {workdir / 'server.log'}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start within 30 s")
            time.sleep(0.1)

    def token(self, party: str, scope: str = PARTY_SCOPES) -> str:
        return jwt.encode({"sub": party, "iss": ISSUER, "aud": "127.0.0.1", "exp": int(time.time()) + 3600,
                           "scope": scope}, self.key, algorithm="RS256")

    def cpu_s(self) -> float:
        return cpu_s(self.process.pid)

    def stop(self) -> None:
        # uvicorn re-raises the signal it caught once shut down; SIGINT lets cProfile write its stats
        self.process.send_signal(signal.SIGINT if self.profiling else signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


class Stream:
    """A party's SSE stream (GET /v1/events) read by an asyncio task; each `notice` event's
    arrival time (perf_counter) is kept by the id of the declaration it is about."""

    def __init__(self, base: str, token: str, *, max_events: int) -> None:
        self.client = httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                        timeout=httpx.Timeout(10, read=None))
        self.arrivals: dict[str, float] = {}
        self.notices = 0
        self.events = 0
        self.max_events = max_events
        self.connected = asyncio.Event()
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with self.client.stream("GET", "/v1/events") as response:
            response.raise_for_status()
            self.connected.set()
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                at = time.perf_counter()
                event = json.loads(line[6:])
                self.events += 1
                if event.get("kind") == "notice":
                    self.notices += 1
                    self.arrivals.setdefault(event["notice"]["about"], at)
                    self.changed.set()
                if self.events >= self.max_events:
                    return

    async def arrival_of(self, about: str, timeout_s: float) -> float | None:
        deadline = time.perf_counter() + timeout_s
        while about not in self.arrivals:
            left = deadline - time.perf_counter()
            if left <= 0 or self.task.done():
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=left)
            except TimeoutError:
                return None
        return self.arrivals[about]

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.client.aclose()


# -- a. write -> SSE ---------------------------------------------------------------------------

@dataclass
class Hotline:
    sse_ms: list[float] = field(default_factory=list)
    put_ms: list[float] = field(default_factory=list)
    missed: int = 0
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0


async def write_to_sse(server: Server, samples: int, max_seconds: float) -> Hotline:
    rng = random.Random(1)
    now = time.time()
    start, end = now + 3600, now + 3 * 3600  # well beyond the 15 min notice: conflicts, no late notice
    b_stream = Stream(server.base, server.token("listener-b"), max_events=10 * samples + 100)
    result = Hotline()
    async with httpx.AsyncClient(base_url=server.base, timeout=10,
                                 headers={"Authorization": f"Bearer {server.token('declarer-a')}"}) as a, \
            httpx.AsyncClient(base_url=server.base, timeout=10,
                              headers={"Authorization": f"Bearer {server.token('listener-b')}"}) as b:
        try:
            await asyncio.wait_for(b_stream.connected.wait(), timeout=10)
            r = await b.put("/v1/declarations/b-area", json={"kind": "operation", "volumes": [
                volume(LAT0, LNG0, 0.2, 0.2, start, end, (0, 3000))]})
            assert r.status_code == 201, r.text
            cpu0, began = server.cpu_s(), time.perf_counter()
            deadline = began + max_seconds
            for i in range(samples):
                if time.perf_counter() > deadline:
                    print(f"  a: stopped after {i} samples ({max_seconds:.0f} s limit)")
                    break
                ident = f"a-{i:05d}"
                lat, lng = LAT0 + rng.uniform(0, 0.18), LNG0 + rng.uniform(0, 0.18)
                t = start + rng.uniform(0, 3600)
                body = {"kind": "operation", "volumes": [
                    volume(lat, lng, 0.01, 0.01, t, t + 1800, (rng.uniform(0, 2000), 2500))]}
                sent = time.perf_counter()
                r = await a.put(f"/v1/declarations/{ident}", json=body)
                answered = time.perf_counter()
                assert r.status_code == 201, r.text
                assert any(n["to"] == "listener-b" for n in r.json()["notices"]), r.text
                result.put_ms.append((answered - sent) * 1e3)
                arrived = await b_stream.arrival_of(ident, timeout_s=5.0)
                if arrived is None:
                    result.missed += 1
                    continue
                result.sse_ms.append((arrived - sent) * 1e3)
                await asyncio.sleep(0.005)  # one write at a time, with the server idle in between
            result.elapsed_s = time.perf_counter() - began
            result.server_cpu_s = server.cpu_s() - cpu0
        finally:
            await b_stream.close()
    return result


# -- b. declarations per second -----------------------------------------------------------------

@dataclass
class Throughput:
    declarations: int = 0
    conflicting: int = 0
    conflicts_found: int = 0
    notices_sent: int = 0
    notices_received: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0


class Traffic:
    """Phase b's declarations: each party in its own sector (8 sectors side by side over about
    100 km x 50 km), random 2 km boxes, 300 m bands, windows of 30 min to 2 h over the next 6
    days; a share is placed over a recent declaration of another party instead (a conflict)."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.recent: list[tuple[int, dict[str, Any]]] = []  # (party, volume) of the latest declarations

    def body(self, p: int, rng: random.Random) -> tuple[dict[str, Any], bool]:
        others = [v for q, v in self.recent[-50:] if q != p]
        if others and rng.random() < self.share:
            extent, placed = others[rng.randrange(len(others))], True
        else:
            lat = LAT0 + 1.0 + rng.uniform(0, 0.45)
            lng = LNG0 + 1.0 + p * 0.125 + rng.uniform(0, 0.1)
            t = time.time() + 3600 + rng.uniform(0, 6 * 86400)
            low = rng.uniform(0, 1200)
            extent, placed = volume(lat, lng, 0.02, 0.02, t, t + rng.uniform(1800, 7200), (low, low + 300)), False
        return {"kind": "operation", "volumes": [extent]}, placed

    def declared(self, p: int, body: dict[str, Any]) -> None:
        self.recent.append((p, body["volumes"][0]))
        if len(self.recent) > 1000:
            del self.recent[:500]


async def declarations_per_second(server: Server, parties: int, seconds: float, share: float, streams: bool,
                                  max_per_party: int) -> Throughput:
    tally = Throughput()
    traffic = Traffic(share)
    names = [f"party{p}" for p in range(parties)]
    tokens = {n: server.token(n) for n in names}
    listening = [Stream(server.base, tokens[n], max_events=10_000_000) for n in names] if streams else []
    clients = [httpx.AsyncClient(base_url=server.base, timeout=10, headers={"Authorization": f"Bearer {tokens[n]}"})
               for n in names]

    async def party(p: int, client: httpx.AsyncClient, deadline: float) -> None:
        rng = random.Random(100 + p)
        for i in range(max_per_party):
            if time.perf_counter() >= deadline:
                return
            body, placed = traffic.body(p, rng)
            tally.conflicting += placed
            sent = time.perf_counter()
            r = await client.put(f"/v1/declarations/p{p}-{i:06d}", json=body)
            tally.latencies_ms.append((time.perf_counter() - sent) * 1e3)
            if r.status_code != 201:
                tally.errors += 1
                print(f"  b: party{p}: {r.status_code} {r.text[:200]}", file=sys.stderr)
                continue
            tally.declarations += 1
            answer = r.json()
            tally.conflicts_found += len(answer["conflicts"])
            tally.notices_sent += sum(1 for n in answer["notices"] if n["to"] in names)
            traffic.declared(p, body)

    try:
        if listening:
            await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in listening)), timeout=10)
        cpu0, client0, began = server.cpu_s(), time.process_time(), time.perf_counter()
        await asyncio.gather(*(party(p, c, began + seconds) for p, c in enumerate(clients)))
        tally.seconds = time.perf_counter() - began
        tally.server_cpu_s = server.cpu_s() - cpu0
        tally.client_cpu_s = time.process_time() - client0
        if listening:  # let the last events arrive (bounded)
            settle = time.perf_counter() + 3
            while sum(s.notices for s in listening) < tally.notices_sent and time.perf_counter() < settle:
                await asyncio.sleep(0.05)
            tally.notices_received = sum(s.notices for s in listening)
    finally:
        for s in listening:
            await s.close()
        for c in clients:
            await c.aclose()
    return tally


# -- c. the DSS hot cell --------------------------------------------------------------------------

@dataclass
class HotCell:
    writes_s: float
    requests_s: float
    share_409: float
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_s: float


def hot_cell(server: Server, clients: int, seconds: float, per_client: int, own: bool, run: int) -> HotCell:
    """dss_hot_cell.run_clients as its main() calls it. A repeated run uses new USSs in a new
    1 km^2 square 5.5 km further north: the intents an earlier run left are not theirs to know."""
    tokens = [server.token(f"uss{i}" if run == 0 else f"run{run}-uss{i}", "utm.strategic_coordination")
              for i in range(clients)]
    lat0 = dss_hot_cell.LAT0
    dss_hot_cell.LAT0 = lat0 + 0.05 * run
    cpu0 = server.cpu_s()
    try:
        tally = asyncio.run(dss_hot_cell.run_clients(server.port, tokens, seconds, per_client, own))
    finally:
        dss_hot_cell.LAT0 = lat0
    lat = tally.latencies
    return HotCell(tally.writes / seconds, len(lat) / seconds, 100 * tally.conflicts / max(1, len(lat)), tally.errors,
                   1000 * statistics.median(lat), 1000 * pct(lat, 0.99), server.cpu_s() - cpu0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=300, help="a: write -> SSE samples")
    parser.add_argument("--samples-max-seconds", type=float, default=120.0, help="a: time limit")
    parser.add_argument("--parties", type=int, default=8, help="b: concurrent parties")
    parser.add_argument("--seconds", type=float, default=10.0, help="b: duration")
    parser.add_argument("--conflict-share", type=float, default=0.1, help="b: share placed over another party's")
    parser.add_argument("--no-streams", action="store_true", help="b: parties do not keep their SSE streams open")
    parser.add_argument("--max-per-party", type=int, default=100_000, help="b: bound on declarations per party")
    parser.add_argument("--hot-clients", type=int, default=8, help="c: USSs (dss_hot_cell default 8)")
    parser.add_argument("--hot-seconds", type=float, default=10.0, help="c: duration (dss_hot_cell default 10)")
    parser.add_argument("--hot-per-client", type=int, default=4, help="c: live intents per USS (default 4)")
    parser.add_argument("--hot-bands", choices=["own", "shared"], default="own", help="c: altitude bands (default own)")
    parser.add_argument("--phases", nargs="+", choices=["a", "b", "c"], default=["c", "a", "b", "c"],
                        help="phases to run, in this order (default c a b c: the hot cell first on the fresh "
                             "store, as dss_hot_cell.py runs it, and again once a and b have stored their "
                             "/v1 declarations elsewhere)")
    parser.add_argument("--ack-deadline", default="PT5M", help="server's --ack-deadline")
    parser.add_argument("--server-profile", type=Path, help="run the server under cProfile, writing stats here "
                        "(slows it down: for finding where the time goes, not for figures)")
    parser.add_argument("--server-spy", type=Path, help="run the server under py-spy (on PATH; not a project "
                        "dependency), writing raw collapsed stacks here")
    args = parser.parse_args()

    load = os.getloadavg()
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "src"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        head += " (src/ modified)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        head = "?"
    print(f"live bench {time.strftime('%Y-%m-%d %H:%M:%S')}, commit {head}, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    workdir = Path(tempfile.mkdtemp(prefix="live-bench-"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = Server(workdir, key, args.ack_deadline, args.server_profile, args.server_spy)
    print(f"server pid {server.process.pid} on {server.base}, database {workdir / 'live.db'}")
    a = b = None
    hot: list[tuple[HotCell, int]] = []  # each hot-cell run with the /v1 declarations stored before it
    stored = 0
    notes: list[str] = []
    try:
        others = Others(server)
        time.sleep(2)
        notes.append(f"idle 2 s before the phases {others.note()}")
        print(notes[-1])
        for phase in args.phases:
            if phase == "a":
                a = asyncio.run(write_to_sse(server, args.samples, args.samples_max_seconds))
                stored += 1 + len(a.put_ms)
                s = a.sse_ms
                print(f"a. write -> SSE notice, {len(s)} samples ({a.missed} missed), one at a time:")
                if s:
                    print(f"   p50 {statistics.median(s):.2f} ms  p90 {pct(s, 0.9):.2f}  p99 {pct(s, 0.99):.2f}  "
                          f"max {max(s):.2f} ms;  A's PUT answered p50 {statistics.median(a.put_ms):.2f} ms "
                          f"p99 {pct(a.put_ms, 0.99):.2f} ms; server CPU {1000 * a.server_cpu_s / len(s):.2f} ms/sample")
            elif phase == "b":
                b = asyncio.run(declarations_per_second(server, args.parties, args.seconds, args.conflict_share,
                                                        not args.no_streams, args.max_per_party))
                stored += b.declarations
                rate = b.declarations / b.seconds
                print(f"b. {args.parties} parties, {b.seconds:.1f} s, streams {'off' if args.no_streams else 'on'}: "
                      f"{b.declarations} declarations = {rate:.1f}/s ({b.conflicting} placed to conflict, "
                      f"{b.conflicts_found} conflicts found, "
                      f"{b.errors} errors); PUT p50 {statistics.median(b.latencies_ms):.2f} ms "
                      f"p99 {pct(b.latencies_ms, 0.99):.2f} ms")
                print(f"   notices to the parties {b.notices_sent}, received over SSE {b.notices_received}; "
                      f"server CPU {b.server_cpu_s:.1f} s ({100 * b.server_cpu_s / b.seconds:.0f}% of a core, "
                      f"{1000 * b.server_cpu_s / max(1, b.declarations):.2f} ms/declaration); "
                      f"client CPU {b.client_cpu_s:.1f} s")
            else:
                c = hot_cell(server, args.hot_clients, args.hot_seconds, args.hot_per_client, args.hot_bands == "own",
                             len(hot))
                hot.append((c, stored))
                print(f"c. DSS hot cell, {args.hot_clients} USSs, {args.hot_seconds:.0f} s, {args.hot_bands} bands, "
                      f"{stored} /v1 declarations stored elsewhere: "
                      f"{c.writes_s:.1f} writes/s ({c.requests_s:.1f} requests/s, 409 {c.share_409:.1f}%, "
                      f"errors {c.errors}); p50 {c.p50_ms:.2f} ms p99 {c.p99_ms:.2f} ms; "
                      f"server CPU {100 * c.server_cpu_s / args.hot_seconds:.0f}% of a core")
            notes.append(f"{phase}: {others.note()}")
            print(f"   {notes[-1]}")
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"server stopped; load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    rows: list[tuple[str, str, str, str]] = []
    if a is not None and a.sse_ms:
        p99 = pct(a.sse_ms, 0.99)
        rows.append(("a. write -> SSE p50 / p99 / max",
                     f"{statistics.median(a.sse_ms):.1f} / {p99:.1f} / {max(a.sse_ms):.1f} ms",
                     "p99 < 100 ms", "met" if p99 < 100 and not a.missed else "NOT met"))
    if b is not None:
        rate = b.declarations / b.seconds
        rows.append((f"b. /v1 declarations/s ({args.parties} parties)", f"{rate:.0f}/s", ">= 500/s",
                     "met" if rate >= 500 else "NOT met"))
        rows.append(("   PUT latency p50 / p99", f"{statistics.median(b.latencies_ms):.1f} / "
                     f"{pct(b.latencies_ms, 0.99):.1f} ms", "-", ""))
        rows.append(("   server CPU per declaration", f"{1000 * b.server_cpu_s / max(1, b.declarations):.2f} ms",
                     "<= 2 ms (500/s)", ""))
    for c, before in hot:
        ok = c.writes_s >= 500 and c.p99_ms < 20
        rows.append((f"c. DSS hot cell writes/s, p50 / p99 ({before} /v1 stored)",
                     f"{c.writes_s:.0f}/s, {c.p50_ms:.1f} / {c.p99_ms:.1f} ms", ">= 500/s, p99 < 20 ms",
                     "met" if ok else "NOT met"))
    print()
    print("machine load, per phase: " + "; ".join(notes))
    width = max(len(r[0]) for r in rows) if rows else 10
    print()
    print(f"{'measure':<{width}}  {'measured':>28}  {'goal':>21}  result")
    for name, value, goal, verdict in rows:
        print(f"{name:<{width}}  {value:>28}  {goal:>21}  {verdict}")


if __name__ == "__main__":
    main()
