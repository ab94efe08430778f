"""Telling F3548 USSs of the declarations this service manages (those made over /v1).

F3548 makes the USS that manages an operational intent or constraint notify the subscribers the
DSS names when it writes it (`POST {uss_base_url}/uss/v1/operational_intents` or
`.../constraints`, with each subscription's new notification index). For a /v1 declaration that
USS is this service. Each notification is sent after the write commits, with an access token
from the configured OAuth 2.0 token endpoint (client credentials, audience = the USS's host, as
F3548 USS-to-USS calls are authorized).

Delivery is at least once per process, in order per USS: one queue and one sender per base URL,
retried with exponential backoff (0.5 s doubling to 30 s) for `GIVE_UP_AFTER_S`. A USS that stays
away longer misses the notification and learns of the change from the DSS: its subscription's
notification index moved, and the declaration is in /dss/v1 with its details at our /uss/v1.
(Notifications are not kept through a restart: they are a prompt, the DSS is the record.)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..engine.state import State
from ..model import Declaration, SubscriberToNotify
from ..wire.f3548 import constraint_details_json, operational_intent_details_json

log = logging.getLogger(__name__)
SC_SCOPE = "utm.strategic_coordination"
GIVE_UP_AFTER_S = 300.0
FIRST_RETRY_S = 0.5
LONGEST_RETRY_S = 30.0
QUEUE_LIMIT = 1000  # per USS: beyond, the oldest is dropped (the DSS still holds the change)
TOKEN_MARGIN_S = 60.0  # a token is renewed this long before it expires


@dataclass(frozen=True, slots=True)
class Notification:
    url: str  # the full URL to POST to
    body: dict[str, Any]
    made_at: float  # time.monotonic()


class AccessTokens:
    """OAuth 2.0 client-credentials access tokens, one per audience, reused until shortly
    before they expire."""

    def __init__(self, token_url: str, client_id: str | None, client_secret: str | None,
                 http: httpx.AsyncClient, scope: str = SC_SCOPE) -> None:
        self.token_url = token_url
        self.auth: httpx.Auth | None = httpx.BasicAuth(client_id, client_secret or "") if client_id else None
        self.http = http
        self.scope = scope
        self._tokens: dict[str, tuple[str, float]] = {}

    async def for_audience(self, audience: str) -> str:
        cached = self._tokens.get(audience)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        # `audience` is the common form; `intended_audience` is what the InterUSS test
        # authority reads. Both name the host the token is for.
        response = await self.http.post(self.token_url, auth=self.auth or httpx.USE_CLIENT_DEFAULT, data={
            "grant_type": "client_credentials", "scope": self.scope, "audience": audience,
            "intended_audience": audience})
        response.raise_for_status()
        body = response.json()
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise ValueError(f"the token endpoint answered without an access_token: {str(body)[:200]}")
        lifetime = body.get("expires_in", 300)
        lifetime = float(lifetime) if isinstance(lifetime, (int, float)) else 300.0
        self._tokens[audience] = (token, time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN_S))
        return token


class UssNotifier:
    """Sends the notifications for this service's declarations; `tell` is called after each commit."""

    def __init__(self, base_url: str, tokens: AccessTokens, http: httpx.AsyncClient,
                 give_up_after_s: float = GIVE_UP_AFTER_S) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.http = http
        self.give_up_after_s = give_up_after_s
        self._queues: dict[str, asyncio.Queue[Notification]] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}
        self.sent = 0
        self.abandoned = 0

    def tell(self, declaration: Declaration, subscribers: tuple[SubscriberToNotify, ...], *, withdrawn: bool,
             state: State) -> None:
        """Queue one notification per subscribing USS (rendered now, from the committed state)."""
        if declaration.is_operation:
            path, id_field, entity_field = "/uss/v1/operational_intents", "operational_intent_id", "operational_intent"
            details = None if withdrawn else operational_intent_details_json(declaration, state=state,
                                                                             own_base_url=self.base_url)
        else:
            path, id_field, entity_field = "/uss/v1/constraints", "constraint_id", "constraint"
            details = None if withdrawn else constraint_details_json(declaration, state=state, own_base_url=self.base_url)
        now = time.monotonic()
        for subscriber in subscribers:
            body: dict[str, Any] = {id_field: declaration.id, "subscriptions": [
                {"subscription_id": s.subscription_id, "notification_index": s.notification_index}
                for s in subscriber.subscriptions]}
            if details is not None:
                body[entity_field] = details
            self._queue(subscriber.uss_base_url).put_nowait(
                Notification(subscriber.uss_base_url.rstrip("/") + path, body, now))

    def _queue(self, base_url: str) -> asyncio.Queue[Notification]:
        queue = self._queues.get(base_url)
        if queue is None:
            queue = self._queues[base_url] = asyncio.Queue()
            self._senders[base_url] = asyncio.create_task(self._send_forever(base_url, queue),
                                                          name=f"uss-notifier {base_url}")
        while queue.qsize() >= QUEUE_LIMIT:
            dropped = queue.get_nowait()
            self.abandoned += 1
            log.warning("USS %s is not keeping up: dropped the notification to %s", base_url, dropped.url)
        return queue

    async def _send_forever(self, base_url: str, queue: asyncio.Queue[Notification]) -> None:
        audience = urlsplit(base_url).hostname or base_url
        while True:
            notification = await queue.get()
            await self._deliver(notification, audience)

    async def _deliver(self, notification: Notification, audience: str) -> None:
        wait = FIRST_RETRY_S
        while True:
            try:
                token = await self.tokens.for_audience(audience)
                response = await self.http.post(notification.url, json=notification.body,
                                                headers={"Authorization": f"Bearer {token}"})
                if response.is_success:
                    self.sent += 1
                    return
                if response.status_code < 500 and response.status_code not in (401, 408, 429):
                    log.warning("USS refused the notification to %s: %s %s", notification.url,
                                response.status_code, response.text[:200])
                    self.abandoned += 1
                    return
                reason = f"HTTP {response.status_code}"
            except (httpx.HTTPError, ValueError) as error:
                reason = f"{type(error).__name__}: {error}"
            if time.monotonic() + wait - notification.made_at > self.give_up_after_s:
                log.warning("gave up notifying %s after %.0f s (%s)", notification.url,
                            time.monotonic() - notification.made_at, reason)
                self.abandoned += 1
                return
            await asyncio.sleep(wait * random.uniform(0.8, 1.2))
            wait = min(wait * 2, LONGEST_RETRY_S)

    async def close(self) -> None:
        for task in self._senders.values():
            task.cancel()
        await asyncio.gather(*self._senders.values(), return_exceptions=True)
