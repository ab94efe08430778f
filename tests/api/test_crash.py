"""Acknowledged means on disk: writers race a server killed with SIGKILL at a random moment;
after a restart every write that was answered 2xx is there, and the ledger verifies."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from ..serving import free_port, start_serve
from .helpers import bearer
from .test_v1 import box

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "3"))  # the 20 by hand: CRASH_ROUNDS=20


def _start(db: Path, port: int, public_pem: Path) -> subprocess.Popen[bytes]:
    return start_serve("--db", str(db), "--public-key", str(public_pem), "--issuer", "https://auth.test", port=port)[0]


def test_no_acknowledged_write_is_lost_to_kill_9(tmp_path: Path, public_pem: Path, token) -> None:
    port = free_port()
    db = tmp_path / "crash.db"
    acknowledged: set[str] = set()
    rng = random.Random(7)
    for round_ in range(ROUNDS):
        process = _start(db, port, public_pem)
        stop = threading.Event()

        def writer(party: str, round_: int = round_) -> None:
            headers = bearer(token(party, "deconfliction.declare", aud="127.0.0.1"))
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
                n = 0
                while not stop.is_set() and n < 10_000:
                    ident = f"{party}-{round_}-{n}"
                    n += 1
                    try:
                        r = http.put(f"/v1/declarations/{ident}", headers=headers, json={
                            "kind": "operation", "volumes": [box(10 + n * 1e-3, 20 + hash(party) % 50, 0.001)]})
                    except httpx.HTTPError:
                        return  # the server died under us: this write was never acknowledged
                    if r.status_code in (200, 201):
                        acknowledged.add(ident)

        threads = [threading.Thread(target=writer, args=(p,)) for p in ("blue", "red", "green", "gold")]
        for t in threads:
            t.start()
        time.sleep(0.5 + rng.random())
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    process = _start(db, port, public_pem)
    try:
        stored: set[str] = set()
        inquiry = bearer(token("inquiry", "deconfliction.inquiry", aud="127.0.0.1"))
        for party in ("blue", "red", "green", "gold"):
            r = httpx.get(f"http://127.0.0.1:{port}/v1/declarations",
                          headers=bearer(token(party, "deconfliction.declare", aud="127.0.0.1")), timeout=10)
            stored |= {d["id"] for d in r.json()["declarations"]}
        assert len(acknowledged) > 10 * ROUNDS  # the writers got through (a busy machine gets fewer)
        assert acknowledged <= stored, f"lost {len(acknowledged - stored)} acknowledged writes"
        verified = httpx.get(f"http://127.0.0.1:{port}/v1/ledger/verification", headers=inquiry, timeout=10).json()
        assert verified["ok"]
    finally:
        process.terminate()
        process.wait(timeout=10)
