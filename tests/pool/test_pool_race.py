"""Three servers on one PostgreSQL database decide serializably: of 1,000 writers racing to
declare overlapping operational intents, all presenting the same key (the one intent they
saw), exactly one wins; every server then answers the same."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from ..api.helpers import OIR, SC, bearer, oir_body, volume
from ..serving import stop
from .servers import start, upgrade

WRITERS = 1000
CONCURRENCY = 48


def test_exactly_one_of_1000_racing_writers_wins(pg_url: str, public_pem, token) -> None:
    upgrade(pg_url)
    servers = [start(pg_url, public_pem) for _ in range(3)]
    headers = bearer(token("uss1", SC, aud="127.0.0.1"))
    area = volume(lat=37.2, lng=-80.58, size=0.005, start_in_s=600)
    try:
        first = httpx.put(f"{servers[0][1]}{OIR}/{uuid.uuid4()}", headers=headers, json=oir_body(area), timeout=30)
        assert first.status_code == 201, first.text
        seen_ovn = first.json()["operational_intent_reference"]["ovn"]

        async def race() -> list[int]:
            limit = asyncio.Semaphore(CONCURRENCY)
            clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY))
                       for _, base in servers]

            async def one(i: int) -> int:
                async with limit:
                    r = await clients[i % 3].put(f"{OIR}/{uuid.uuid4()}", headers=headers,
                                                 json=oir_body(area, key=[seen_ovn]))
                    return r.status_code
            try:
                return await asyncio.gather(*(one(i) for i in range(WRITERS)))
            finally:
                for c in clients:
                    await c.aclose()

        codes = asyncio.run(race())
        assert codes.count(201) == 1, {c: codes.count(c) for c in set(codes)}
        assert set(codes) == {201, 409}, {c: codes.count(c) for c in set(codes)}
        # every server answers the same: the first intent and the one winner
        query = {"area_of_interest": area}
        found = [sorted(o["id"] for o in httpx.post(f"{base}{OIR}/query", headers=headers, json=query, timeout=30)
                        .json()["operational_intent_references"]) for _, base in servers]
        assert len(found[0]) == 2 and found[0] == found[1] == found[2]
    finally:
        for process, _ in servers:
            stop(process)
