"""Pushing each party's events: live Server-Sent Event streams and signed webhooks.

Events are committed (the outbox) before they are published, so a stream that resumes from
its Last-Event-ID reads what it missed from the database and loses nothing. A webhook gets
every event in order, POSTed with an HMAC-SHA256 signature of its body under the party's
secret and the event id (`party:seq`, the idempotency key); a failed POST is retried with
jittered exponential backoff until it is delivered or its deadline (a notice's acknowledgement
deadline) has passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
from collections.abc import Awaitable, Callable

import httpx
import orjson

from ..model import Event, EventKind

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Deconfliction-Signature"
EVENT_ID_HEADER = "X-Deconfliction-Event-Id"
FIRST_RETRY_S = 0.25
MAX_RETRY_S = 30.0
UNDATED_EVENT_TTL_S = 3600.0  # how long an event without deadline is retried


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_json(event: Event) -> dict[str, object]:
    return {"id": event.id, "seq": event.seq, "kind": event.kind.value, "at_s": event.at_s, **event.payload}


def notice_ids(events: list[Event]) -> list[str]:
    return [str(e.payload["notice"]["id"]) for e in events  # type: ignore[index]
            if e.kind is EventKind.NOTICE and isinstance(e.payload.get("notice"), dict)]


class Broker:
    """Live fan-out of committed events to the open streams of each party."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Event]]] = {}
        self._wakers: dict[str, asyncio.Event] = {}

    def subscribe(self, party: str) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._queues.setdefault(party, set()).add(queue)
        return queue

    def unsubscribe(self, party: str, queue: asyncio.Queue[Event]) -> None:
        self._queues.get(party, set()).discard(queue)

    def waker(self, party: str) -> asyncio.Event:
        return self._wakers.setdefault(party, asyncio.Event())

    def publish(self, events: tuple[Event, ...]) -> None:
        for event in events:
            for queue in self._queues.get(event.party, ()):
                queue.put_nowait(event)
            if event.party in self._wakers:
                self._wakers[event.party].set()


class WebhookSender:
    """One task per party with a webhook: sends its events in order, at least once."""

    def __init__(self, *, load: Callable[[str], Awaitable[tuple[str, str, list[Event]] | None]],
                 delivered: Callable[[str, int, list[Event]], Awaitable[None]], broker: Broker,
                 now_s: Callable[[], float], client: httpx.AsyncClient | None = None) -> None:
        self._load = load
        self._delivered = delivered
        self._broker = broker
        self._now_s = now_s
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def ensure(self, party: str) -> None:
        task = self._tasks.get(party)
        if task is None or task.done():
            self._tasks[party] = asyncio.create_task(self._run(party), name=f"webhook-{party}")
        self._broker.waker(party).set()

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        await self._client.aclose()

    async def _run(self, party: str) -> None:
        waker = self._broker.waker(party)
        while True:
            waker.clear()
            loaded = await self._load(party)
            if loaded is None:
                return  # the webhook was removed
            url, secret, events = loaded
            if not events:
                await waker.wait()
                continue
            for event in events:
                sent = await self._send(url, secret, event)
                await self._delivered(party, event.seq, [event] if sent else [])

    async def _send(self, url: str, secret: str, event: Event) -> bool:
        body = orjson.dumps(event_json(event))
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body), EVENT_ID_HEADER: event.id}
        give_up = event.deadline_s if event.deadline_s is not None else event.at_s + UNDATED_EVENT_TTL_S
        wait = FIRST_RETRY_S
        while True:
            try:
                response = await self._client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    return True
                log.info("webhook %s answered %s for %s", url, response.status_code, event.id)
            except httpx.HTTPError as error:
                log.info("webhook %s failed for %s: %s", url, event.id, error)
            if self._now_s() + wait > give_up:
                log.warning("webhook %s: giving up on %s past its deadline", url, event.id)
                return False
            await asyncio.sleep(wait * (0.5 + random.random()))
            wait = min(MAX_RETRY_S, wait * 2)
