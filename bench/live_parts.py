"""Where a /v1 declaration's server time goes: live_bench.py phase b's traffic, in-process.

Two measurements, one after the other, each on a fresh SQLite file (no network, no uvicorn):

  asgi:  the whole FastAPI application (create_app, its lifespan, the same App, routes, auth,
         pydantic, the SSE streams of all parties as ASGI tasks) called directly as an ASGI
         app by N concurrent parties, as in phase b. Process CPU per declaration is the server's
         cost without uvicorn, httptools and sockets.
  parts: the App alone, declarations one at a time, with timers around the parts: the body's
         parsing (JSON, pydantic, Volume4D), the decision (`usecases.declare`: conflicts,
         notices with their disclosed extents, advice, the implicit subscription and the
         subscribers to notify), applying it to the in-memory state, the commit (rows, events
         outbox, ledger), the response body, and what each party's SSE stream does per event
         (read the outbox, mark notices delivered: another write and commit).

Comparing with live_bench.py's server CPU per declaration (phase b) gives the share of uvicorn,
sockets and streaming.

    .venv/bin/python bench/live_parts.py [--count 3000] [--parties 8] [--conflict-share 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_bench import ISSUER, PARTY_SCOPES, Traffic  # noqa: E402

from deconfliction.api import create_app  # noqa: E402
from deconfliction.api.routes import v1 as v1_routes  # noqa: E402
from deconfliction.app import App, usecases  # noqa: E402
from deconfliction.app.delivery import notice_ids  # noqa: E402
from deconfliction.app.transparency import TransparencyLog  # noqa: E402
from deconfliction.app.writer import Writer  # noqa: E402
from deconfliction.clock import SystemClock  # noqa: E402
from deconfliction.config import Settings  # noqa: E402
from deconfliction.engine.state import State  # noqa: E402
from deconfliction.engine.strategic import DeclarationSet  # noqa: E402
from deconfliction.store import Database, repo, sqlite_url  # noqa: E402
from deconfliction.wire.v1 import DeclarationBody  # noqa: E402

TIMES: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - started
            CPU[name] += time.thread_time() - cpu
            CALLS[name] += 1
    return wrapper


# -- asgi ---------------------------------------------------------------------------------------

async def asgi_call(app: Any, method: str, path: str, token: str, body: bytes = b"",
                    on_body: Callable[[bytes], None] | None = None) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"authorization", f"Bearer {token}".encode()), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8082)}
    sent = False
    status = 0
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and on_body is not None:
            on_body(message.get("body", b""))

    await app(scope, receive, send)
    return status


async def run_asgi(workdir: Path, key: rsa.RSAPrivateKey, count: int, parties: int, share: float) -> tuple[float, int, int]:
    pem = workdir / "k.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    settings = Settings.load(None, db=workdir / "asgi.db", public_keys=[pem], issuers=[ISSUER])
    app = create_app(settings)
    names = [f"party{p}" for p in range(parties)]
    tokens = {n: jwt.encode({"sub": n, "iss": ISSUER, "aud": "127.0.0.1", "exp": int(time.time()) + 3600,
                             "scope": PARTY_SCOPES}, key, algorithm="RS256") for n in names}
    received = [0]

    def on_event(chunk: bytes) -> None:
        received[0] += chunk.count(b"event: notice")

    traffic = Traffic(share)
    per_party = count // parties
    async with app.router.lifespan_context(app):
        streams = [asyncio.create_task(asgi_call(app, "GET", "/v1/events", tokens[n], on_body=on_event)) for n in names]
        await asyncio.sleep(0.1)
        statuses: dict[int, int] = defaultdict(int)

        async def party(p: int) -> None:
            rng = random.Random(100 + p)
            for i in range(per_party):
                body, _ = traffic.body(p, rng)
                statuses[await asgi_call(app, "PUT", f"/v1/declarations/p{p}-{i:06d}", tokens[names[p]],
                                         orjson.dumps(body))] += 1
                traffic.declared(p, body)

        cpu0 = time.process_time()
        await asyncio.gather(*(party(p) for p in range(parties)))
        cpu = time.process_time() - cpu0
        await asyncio.sleep(0.2)
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    assert set(statuses) == {201}, dict(statuses)
    return cpu, statuses[201], received[0]


# -- parts --------------------------------------------------------------------------------------

def instrument() -> None:
    usecases.declare = timed("decide", usecases.declare)
    usecases.hotline_effects = timed("  hotline_effects (conflicts, notices, events, advice)", usecases.hotline_effects)
    DeclarationSet.conflicts_of = timed("    conflicts_of (index + exact 4D test)", DeclarationSet.conflicts_of)
    usecases.conflict_notices = timed("    conflict_notices", usecases.conflict_notices)
    usecases.disclosure = timed("    disclosure (extent each receiver may see)", usecases.disclosure)
    usecases.notice_view = timed("    notice_view (event payloads)", usecases.notice_view)
    usecases._advice = timed("    advice (delay / altitude that clears)", usecases._advice)
    usecases._own_subscription = timed("  implicit subscription", usecases._own_subscription)
    usecases.notify = timed("  subscribers to notify (convex hulls)", usecases.notify)
    State.apply = timed("apply to the in-memory state", State.apply)
    Writer._commit = timed("commit (rows, events outbox, ledger; one transaction)", Writer._commit)
    repo.events_after = timed("SSE: read the outbox (events_after)", repo.events_after)
    TransparencyLog.appended = timed("transparency log: leaves appended (after the commit)", TransparencyLog.appended)
    TransparencyLog.head = timed("transparency log: signed tree head (one per batch)", TransparencyLog.head)
    TransparencyLog.receipt = timed("transparency log: receipt (head + inclusion proof)", TransparencyLog.receipt)


async def run_parts(workdir: Path, count: int, parties: int, share: float) -> tuple[float, int, int]:
    database = Database(sqlite_url(workdir / "parts.db"))
    database.upgrade()
    instrument()  # before the App, which binds the log's `appended` as the writer's hook
    app = App(database, SystemClock(), rules=usecases.rules_of(Settings.load(None, db=workdir / "parts.db")),
              log_key=Ed25519PrivateKey.generate())
    app.start()
    traffic = Traffic(share)
    rngs = [random.Random(100 + p) for p in range(parties)]
    last: dict[str, int] = defaultdict(int)
    conflicts = 0
    try:
        cpu0 = time.process_time()
        for i in range(count):
            p = i % parties
            party = f"party{p}"
            body, _ = traffic.body(p, rngs[p])
            raw = orjson.dumps(body)
            started = time.perf_counter()
            parsed = DeclarationBody.model_validate(orjson.loads(raw))
            volumes = parsed.parsed_volumes()
            TIMES["parse (JSON, pydantic, Volume4D)"] += time.perf_counter() - started
            started = time.perf_counter()
            outcome = await app.declare(party=party, declaration_id=f"p{p}-{i:06d}", kind=parsed.declaration_kind,
                                        volumes=volumes, priority=parsed.priority, purpose=parsed.purpose)
            TIMES["App.declare (decide + apply + commit + publish)"] += time.perf_counter() - started
            started = time.perf_counter()
            orjson.dumps(v1_routes._outcome_json(outcome, party))
            TIMES["response body"] += time.perf_counter() - started
            conflicts += len(outcome.conflicts)
            traffic.declared(p, body)
            # What each affected party's stream does: read the outbox, send, mark notices delivered.
            started = time.perf_counter()
            for to in sorted({n.to_party for n in outcome.notices}):
                events = app.events_after(to, last[to])
                for event in events:
                    v1_routes._sse(event)
                    last[to] = event.seq
                if notice_ids(events):
                    await app.mark_delivered(to, events, via="sse")
            TIMES["SSE: per affected party (outbox read, frame, mark delivered)"] += time.perf_counter() - started
        cpu = time.process_time() - cpu0
    finally:
        await app.stop()
        database.close()
    return cpu, count, conflicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--parties", type=int, default=8)
    parser.add_argument("--conflict-share", type=float, default=0.1)
    parser.add_argument("--profile", type=Path, help="also run the parts under cProfile and write the stats here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="live-parts-"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    cpu, n, notices = asyncio.run(run_asgi(workdir, key, args.count, args.parties, args.conflict_share))
    print(f"asgi: {n} declarations by {args.parties} concurrent parties through the FastAPI app in-process "
          f"(SSE streams open, {notices} notices streamed): {1000 * cpu / n:.2f} ms CPU per declaration "
          f"= {n / cpu:.0f} declarations/s of one core")

    cpu, n, conflicts = asyncio.run(run_parts(workdir, args.count, args.parties, args.conflict_share))
    print(f"parts: {n} declarations one at a time through App ({conflicts} conflicts): "
          f"{1000 * cpu / n:.2f} ms CPU per declaration")
    print(f"  {'part':<66} {'ms/decl':>8} {'CPU ms':>7} {'calls':>7}")
    order = ["parse (JSON, pydantic, Volume4D)", "App.declare (decide + apply + commit + publish)", "decide",
             "  hotline_effects (conflicts, notices, events, advice)", "    conflicts_of (index + exact 4D test)",
             "    conflict_notices", "    disclosure (extent each receiver may see)", "    notice_view (event payloads)",
             "    advice (delay / altitude that clears)", "  implicit subscription",
             "  subscribers to notify (convex hulls)","apply to the in-memory state", "commit (rows, events outbox, ledger; one transaction)",
              "response body", "SSE: per affected party (outbox read, frame, mark delivered)",
              "SSE: read the outbox (events_after)", "transparency log: leaves appended (after the commit)",
              "transparency log: signed tree head (one per batch)", "transparency log: receipt (head + inclusion proof)"]
    for name in order:
        if name in TIMES:
            calls = CALLS.get(name, n)
            cpu_ms = f"{1000 * CPU[name] / n:.3f}" if name in CPU else "-"
            print(f"  {name:<66} {1000 * TIMES[name] / n:>8.3f} {cpu_ms:>7} {calls:>7}")
    if args.profile:
        import cProfile

        (workdir / "parts.db").unlink()
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run_parts(workdir, args.count, args.parties, args.conflict_share))
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile of the parts run: {args.profile}")


if __name__ == "__main__":
    main()
