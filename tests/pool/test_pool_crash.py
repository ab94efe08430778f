"""Three servers on one PostgreSQL database under load; a random one is killed with SIGKILL
(and restarted), 20 times. Every write answered 2xx is stored, the one ledger chain verifies,
no notice is escalated twice, and every server (the restarted ones too) answers the same."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import threading
import time

import httpx

from ..api.helpers import bearer
from ..api.test_v1 import box
from ..serving import free_port, stop
from .servers import start, upgrade

ROUNDS = int(os.environ.get("POOL_CRASH_ROUNDS", "20"))
PARTIES = ("blue", "red", "green", "gold", "teal", "plum")
DECLARE, INQUIRY = "deconfliction.declare", "deconfliction.inquiry"


def test_kill_9_of_random_servers_loses_no_acknowledged_write(pg_url: str, public_pem, token) -> None:
    upgrade(pg_url)
    ports = [free_port() for _ in range(3)]
    processes = [start(pg_url, public_pem, port=port)[0] for port in ports]
    acknowledged: set[str] = set()
    stopping = threading.Event()
    rng = random.Random(11)

    def writer(index: int, party: str) -> None:
        headers = bearer(token(party, DECLARE, aud="127.0.0.1"))
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) for port in ports]
        n = 0
        while not stopping.is_set():
            http = clients[(index + n) % 3]
            ident = f"{party}-{n}"
            n += 1
            try:
                # the parties' n-th declarations overlap: conflicts, notices, escalations
                r = http.put(f"/v1/declarations/{ident}", json={
                    "kind": "operation", "volumes": [box(10 + (n % 400) * 1e-3, 20, 0.0005, start_in_s=7200)]})
            except httpx.HTTPError:
                time.sleep(0.01)
                continue  # that server died under us: this write was never acknowledged
            if r.status_code in (200, 201):
                acknowledged.add(ident)
            time.sleep(0.002)  # load, leaving the killed servers some CPU to restart
        for client in clients:
            client.close()

    threads = [threading.Thread(target=writer, args=(i, p)) for i, p in enumerate(PARTIES)]
    for t in threads:
        t.start()
    ready = [True, True, True]
    restarts: list[threading.Thread] = []

    def restart(victim: int) -> None:
        processes[victim] = start(pg_url, public_pem, port=ports[victim])[0]
        ready[victim] = True

    try:
        # a kill every 0.3-1 s, of a server that is up, while at least one other is up too;
        # the killed one restarts meanwhile (a start takes seconds on a busy machine)
        for _ in range(ROUNDS):
            time.sleep(0.3 + rng.random() * 0.7)
            while sum(ready) < 2:
                time.sleep(0.05)
            victim = rng.choice([i for i in range(3) if ready[i]])
            ready[victim] = False
            os.kill(processes[victim].pid, signal.SIGKILL)
            processes[victim].wait(timeout=10)
            restarts.append(threading.Thread(target=restart, args=(victim,)))
            restarts[-1].start()
        for t in restarts:
            t.join(timeout=120)
        assert all(ready)
        time.sleep(1.0)  # load on three servers again
        stopping.set()
        for t in threads:
            t.join(timeout=30)
        time.sleep(3.0)  # deadlines (PT2S) pass; the pool escalates the silence

        answers = []
        for port in ports:
            stored: set[str] = set()
            for party in PARTIES:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/declarations",
                              headers=bearer(token(party, DECLARE, aud="127.0.0.1")), timeout=30)
                stored |= {d["id"] for d in r.json()["declarations"]}
            answers.append(stored)
        assert len(acknowledged) > 20 * ROUNDS, len(acknowledged)
        assert acknowledged <= answers[0], f"lost {len(acknowledged - answers[0])} acknowledged writes"
        assert answers[0] == answers[1] == answers[2]

        inquiry = bearer(token("inquiry", INQUIRY, aud="127.0.0.1"))
        for port in ports:
            verified = httpx.get(f"http://127.0.0.1:{port}/v1/ledger/verification", headers=inquiry, timeout=60).json()
            assert verified["ok"], verified
        lines = httpx.get(f"http://127.0.0.1:{ports[0]}/v1/ledger", headers=inquiry, timeout=60).text.splitlines()
        escalated = collections.Counter(e["payload"]["notice"] for e in map(json.loads, lines)
                                        if e["kind"] == "escalated")
        assert escalated, "no notice was escalated: the test did not exercise escalation"
        assert max(escalated.values()) == 1, [k for k, v in escalated.items() if v > 1]
    finally:
        stopping.set()
        for process in processes:
            stop(process)
