"""`App`: the application one process runs, whichever doors it serves (/v1, /dss/v1, /uss/v1,
the CLI, scenario replay). It owns the one writer, the live streams, the track monitor and
the background loops (escalation at deadlines, subscription expiry, webhook delivery).

On PostgreSQL the process is one server of a pool (`PoolWriter`): it also polls what the
others committed (so its live streams carry their events), and it delivers webhooks only
while it holds the pool's webhook lease. Escalation needs no lease: each pass decides in a
serializable transaction on the current notices, so a notice is escalated once in the pool."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..clock import Clock
from ..engine.f3548 import Caller, Outcome, RandomTokens, Tokens
from ..engine.f3548.subscriptions import expire_subscriptions
from ..engine.ledger.signing import Receipt
from ..engine.state import Change, State
from ..engine.tactical import Protection
from ..geo import Volume4D
from ..model import (
    Declaration,
    DeclarationKind,
    Event,
    LedgerRecord,
    Nonconformance,
    Notice,
    NoticeState,
    SubscriberToNotify,
    TrackState,
)
from ..store import Database, ledger_repo, repo
from . import usecases
from .delivery import Broker, WebhookSender, notice_ids
from .records import f3548_payload
from .tracks import Alert, TrackMonitor
from .pool_writer import PoolWriter
from .transparency import TransparencyLog
from .usecases import DeclarationOutcome, Rules, SignedRequest
from .writer import Writer

T = TypeVar("T")
log = logging.getLogger(__name__)
ESCALATION_POLL_S = 0.2  # a notice silent at its deadline is escalated within this (goal: 1 s)
EXPIRE_EVERY_S = 30.0
POOL_POLL_S = 0.1  # a pool server's streams carry the others' events within this
WEBHOOK_LEASE_S = 6.0
WEBHOOK_RENEW_S = 1.5


class UssNotifications(Protocol):
    """Tells F3548 USSs of a change to a declaration this service manages (the API layer renders
    and sends: wire formats stay at the edge)."""

    def tell(self, declaration: Declaration, subscribers: tuple[SubscriberToNotify, ...], *, withdrawn: bool,
             state: State) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TracksOutcome:
    nonconformances: tuple[Nonconformance, ...]
    notices: tuple[Notice, ...]
    alerts: tuple[Alert, ...]


class App:
    def __init__(self, db: Database, clock: Clock, *, rules: Rules | None = None, dss_rules: Rules | None = None,
                 tokens: Tokens | None = None, protection: Protection | None = None, base_url: str = "",
                 log_key: Ed25519PrivateKey | None = None) -> None:
        self.db = db
        self.base_url = base_url  # where USSs reach this service's /uss/v1
        self.clock = clock
        self.rules = rules or Rules()
        self.dss_rules = dss_rules or self.rules
        self.tokens: Tokens = tokens or RandomTokens()
        self.broker = Broker()
        self.writer: Writer | PoolWriter
        if db.is_pool:
            self.writer = PoolWriter(db, clock, on_commit=self._published, on_others=self.broker.publish)
        else:
            self.writer = Writer(db, clock, on_commit=self._published)
        self.server_id = f"{uuid.uuid4().hex[:12]}"  # this process, as a pool's lease holder
        self._webhook_lease_until = 0.0  # time.monotonic() until which this server delivers webhooks
        self.log: TransparencyLog | None = None
        if log_key is not None:
            with db.read() as connection:
                self.log = TransparencyLog(log_key, ledger_repo.hashes(connection))
            if isinstance(self.writer, Writer):  # in a pool, other servers append too: the log reads the database
                self.writer.on_ledger = self.log.appended
        self.monitor = TrackMonitor(protection or Protection())
        self.webhooks: WebhookSender | None = None
        self.uss_notifications: UssNotifications | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def state(self) -> State:
        return self.writer.state

    def _published(self, change: Change) -> None:
        self.broker.publish(change.events)

    # -- background ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the loops that act with no request arriving (inside a running event loop)."""
        self.webhooks = WebhookSender(load=self._webhook_batch, delivered=self._webhook_delivered,
                                      broker=self.broker, now_s=self.clock.now_s)
        self._tasks = [asyncio.create_task(self._escalate_forever(), name="escalation"),
                       asyncio.create_task(self._expire_forever(), name="expiry")]
        if self.db.is_pool:
            self._tasks += [asyncio.create_task(self._poll_pool_forever(), name="pool-poll"),
                            asyncio.create_task(self._webhook_lease_forever(), name="webhook-lease")]
            return
        for party in list(self.state.webhooks):
            self.webhooks.ensure(party)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.webhooks is not None:
            await self.webhooks.close()
        self.writer.close()

    async def _escalate_forever(self) -> None:
        while True:
            await asyncio.sleep(ESCALATION_POLL_S)
            try:
                await self.escalate_due()
            except Exception:  # a failed pass is retried at the next one
                log.exception("escalation pass failed")

    async def _poll_pool_forever(self) -> None:
        while True:
            await asyncio.sleep(POOL_POLL_S)
            try:
                await self.writer.settled()
            except Exception:
                log.exception("catching up with the pool failed")

    async def _webhook_lease_forever(self) -> None:
        """Deliver webhooks while holding the pool's lease (one server at a time)."""
        from ..store import pool

        while True:
            try:
                started = time.monotonic()
                held = await asyncio.to_thread(self.db.retrying, lambda c: pool.claim_lease(
                    c, "webhooks", self.server_id, self.clock.now_s(), WEBHOOK_LEASE_S))
                # a margin below the lease, for this server's pauses and the others' clocks
                self._webhook_lease_until = started + WEBHOOK_LEASE_S - 2 * WEBHOOK_RENEW_S if held else 0.0
                if held and self.webhooks is not None:
                    for party in list(self.state.webhooks):
                        self.webhooks.ensure(party)
            except Exception:
                self._webhook_lease_until = 0.0
                log.exception("claiming the webhook lease failed")
            await asyncio.sleep(WEBHOOK_RENEW_S)

    async def _expire_forever(self) -> None:
        while True:
            await asyncio.sleep(EXPIRE_EVERY_S)
            try:
                now_s = self.clock.now_s()
                if any(s.expired(now_s) for s in self.state.subscriptions.values()):
                    await self.f3548("dss.subscription.expire", Caller("dss", frozenset()), expire_subscriptions)
            except Exception:
                log.exception("expiring subscriptions failed")

    # -- the F3548 door ----------------------------------------------------------------------
    async def f3548(self, kind: str, caller: Caller, decide: Callable[[State, float], Outcome[T]]) -> Outcome[T]:
        """An F3548 registry write, with the hotline's effects of the declarations it writes."""
        def decision(state: State, now_s: float) -> Outcome[T]:
            outcome = decide(state, now_s)
            change = outcome.change
            effects = Change()
            for declaration in change.put_declarations:
                effects += usecases.hotline_effects(state, declaration, now_s=now_s, rules=self.dss_rules)[0]
                before = state.declaration(declaration.id)
                if declaration.state.off_nominal and (before is None or not before.state.off_nominal):
                    with state.declarations.including(declaration):
                        effects += usecases.off_nominal_effects(state, declaration, now_s=now_s, rules=self.dss_rules)
            for declaration_id in change.del_declarations:
                old = state.declaration(declaration_id)
                if old is not None:
                    effects += usecases.withdrawal_effects(state, old, now_s=now_s, actor=caller.party)
            registry = replace(change, put_declarations=(), del_declarations=()) if effects.ledger else change
            record = LedgerRecord(caller.party, kind, f3548_payload(registry))
            first = usecases.register_party(state, caller.party, now_s) if caller.party != "dss" else Change()
            return replace(outcome, change=first + change + Change(ledger=(record,)) + effects)
        return await self.writer.write(decision)

    # -- the party door ----------------------------------------------------------------------
    async def declare(self, *, party: str, declaration_id: str, kind: DeclarationKind, volumes: tuple,
                      priority: int = 0, purpose: str = "", version: int | None = None,
                      rules: Rules | None = None, signed: SignedRequest | None = None) -> DeclarationOutcome:
        outcome, seqs = await self.writer.write_logged(lambda state, now_s: usecases.declare(
            state, party=party, declaration_id=declaration_id, kind=kind, volumes=volumes, priority=priority,
            purpose=purpose, version=version, now_s=now_s, rules=rules or self.rules, tokens=self.tokens,
            signed=signed))
        self._tell_usss(outcome.result.declaration, outcome.subscribers, withdrawn=False)
        return replace(outcome.result, receipt=self.receipt(seqs))

    def volumes_near(self, volumes: Sequence[Volume4D]) -> tuple[Volume4D, ...]:
        """The stored declarations' volumes whose boxes meet these: what a write of them will be
        tested against (read on the event loop, where alone the state changes)."""
        with self.writer.reading() as state:
            return tuple(v for d in state.declarations.candidates_near(volumes) for v in d.volumes)

    def receipt(self, seqs: tuple[int, ...]) -> Receipt | None:
        """The receipt of a write's last ledger entry (None: no log, or the write logged nothing)."""
        if self.log is None or not seqs:
            return None
        if self.log.size < seqs[-1]:
            self.sync_log()
        return self.log.receipt(seqs[-1])

    def sync_log(self) -> None:
        """Bring the transparency log up to the ledger in the database (in a pool, other servers'
        entries; alone, a no-op: each commit appends its own)."""
        if self.log is not None:
            with self.db.read() as connection:
                self.log.extend(ledger_repo.hashes(connection, self.log.size))

    async def dry_run(self, *, party: str, declaration_id: str, kind: DeclarationKind, volumes: tuple,
                      priority: int = 0, purpose: str = "", version: int | None = None) -> DeclarationOutcome:
        """What `declare` would answer now, with nothing written (see `usecases.dry_run`)."""
        await self.writer.settled()
        with self.writer.reading() as state:
            return usecases.dry_run(state, party=party, declaration_id=declaration_id, kind=kind, volumes=volumes,
                                    priority=priority, purpose=purpose, version=version, now_s=self.clock.now_s(),
                                    rules=self.rules, tokens=self.tokens)

    async def withdraw(self, *, party: str, declaration_id: str, version: int,
                       signed: SignedRequest | None = None) -> Receipt | None:
        outcome, seqs = await self.writer.write_logged(lambda state, now_s: usecases.withdraw(
            state, party=party, declaration_id=declaration_id, version=version, now_s=now_s, signed=signed))
        self._tell_usss(outcome.result, outcome.subscribers, withdrawn=True)
        return self.receipt(seqs)

    def _tell_usss(self, declaration: Declaration, subscribers: tuple[SubscriberToNotify, ...], *,
                   withdrawn: bool) -> None:
        """After the commit: USSs whose subscriptions the change concerns (not this service's own,
        base URL "") are told, as F3548 asks of the USS that manages a declaration."""
        others = tuple(s for s in subscribers if s.uss_base_url)
        if others and self.uss_notifications is not None:
            with self.writer.reading() as state:
                self.uss_notifications.tell(declaration, others, withdrawn=withdrawn, state=state)

    async def acknowledge(self, *, party: str, notice_id: str, declaration_id: str, version: int) -> Notice:
        notice, _ = await self.acknowledge_logged(party=party, notice_id=notice_id, declaration_id=declaration_id,
                                                  version=version)
        return notice

    async def acknowledge_logged(self, *, party: str, notice_id: str, declaration_id: str, version: int,
                                 digest: str | None = None, signed: SignedRequest | None = None
                                 ) -> tuple[Notice, Receipt | None]:
        """`acknowledge`, with the receipt of the acknowledgement's ledger entry."""
        outcome, seqs = await self.writer.write_logged(lambda state, now_s: usecases.acknowledge(
            state, party=party, notice_id=notice_id, declaration_id=declaration_id, version=version, now_s=now_s,
            digest=digest, signed=signed))
        if isinstance(outcome.result, Exception):
            raise outcome.result
        return outcome.result, self.receipt(seqs)

    async def acknowledge_about(self, *, party: str, declaration_id: str, version: int | None) -> list[Notice]:
        outcome = await self.writer.write(lambda state, now_s: usecases.acknowledge_about(
            state, party=party, declaration_id=declaration_id, version=version, now_s=now_s))
        if isinstance(outcome.result, Exception):
            raise outcome.result
        return outcome.result

    async def register_key(self, *, party: str, public_key: str, kid: str,
                           signed: SignedRequest | None = None) -> Receipt | None:
        _, seqs = await self.writer.write_logged(lambda state, now_s: usecases.register_key(
            state, party=party, public_key=public_key, kid=kid, now_s=now_s, signed=signed))
        return self.receipt(seqs)

    async def escalate_due(self) -> list[Notice]:
        now_s = self.clock.now_s()
        if not any(n.state is NoticeState.SENT and n.deadline_s <= now_s for n in self.state.notices.values()):
            return []
        outcome = await self.writer.write(lambda state, now: usecases.escalate(state, now_s=now))
        return outcome.result

    async def add_party(self, party: str, name: str = "") -> None:
        await self.writer.write(lambda state, now_s: Outcome(usecases.register_party(state, party, now_s, name), None))

    async def ingest_tracks(self, party: str, states: list[TrackState]) -> TracksOutcome:
        """Conformance (Nonconforming, notified) and loss-of-separation alerts, live."""
        strays, alerts = self.monitor.observe(self.state, party, states)
        notices: list[Notice] = []
        for stray in strays:
            outcome = await self.writer.write(partial(self._nonconformance, stray))
            notices += outcome.result
        for found in alerts:
            payload = {"tracks": list(found.tracks), "parties": list(found.parties), "tcpa_s": found.tcpa_s,
                       "dcpa_m": found.dcpa_m, "loss_of_separation": found.loss_now}
            await self.writer.write(partial(self._alert, found.parties, payload))
        return TracksOutcome(tuple(strays), tuple(notices), tuple(alerts))

    def _nonconformance(self, stray: Nonconformance, state: State, now_s: float) -> Outcome[list[Notice]]:
        return usecases.report_nonconformance(state, stray, now_s=now_s, rules=self.rules)

    @staticmethod
    def _alert(parties: tuple[str, str], payload: dict[str, object], state: State, now_s: float) -> Outcome[None]:
        return usecases.alert(state, parties=parties, payload=payload, now_s=now_s)

    async def set_webhook(self, party: str, url: str) -> str:
        secret = secrets.token_urlsafe(32)
        await self.writer.write(lambda state, now_s: usecases.set_webhook(
            state, party=party, url=url, secret=secret, now_s=now_s))
        if self.webhooks is not None and self._delivers_webhooks():
            self.webhooks.ensure(party)
        return secret

    def _delivers_webhooks(self) -> bool:
        return not self.db.is_pool or time.monotonic() < self._webhook_lease_until

    async def mark_delivered(self, party: str, events: list[Event], *, via: str, webhook_seq: int | None = None) -> None:
        ids = [i for i in notice_ids(events) if i in self.state.notices and self.state.notices[i].delivered_at_s is None]
        hook = self.state.webhooks.get(party)
        if not ids and (webhook_seq is None or hook is None or webhook_seq <= hook.delivered_seq):
            return
        await self.writer.write(lambda state, now_s: usecases.delivered(
            state, party=party, notice_ids=ids, now_s=now_s, via=via, webhook_seq=webhook_seq))

    async def _webhook_batch(self, party: str) -> tuple[str, str, list[Event]] | None:
        """The party's webhook and the next events it has not had (None: no webhook)."""
        hook = self.state.webhooks.get(party)
        if hook is None or not self._delivers_webhooks():
            return None  # (another server of the pool holds the lease)
        if self.db.is_pool:
            await self.writer.settled()  # the delivered seq as the pool has it
            hook = self.state.webhooks.get(party)
            if hook is None:
                return None
        return hook.url, hook.secret, self.events_after(party, hook.delivered_seq, limit=100)

    async def _webhook_delivered(self, party: str, seq: int, events: list[Event]) -> None:
        await self.mark_delivered(party, events, via="webhook", webhook_seq=seq)

    # -- reads -------------------------------------------------------------------------------
    def events_after(self, party: str, after_seq: int, limit: int = 1000) -> list[Event]:
        with self.db.read() as connection:
            return repo.events_after(connection, party, after_seq, limit)
