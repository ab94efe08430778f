"""A scenario played live: a real server (uvicorn, on SQLite, in fast time) and each party
driving it over /v1 with its own token, listening to its own event stream. The report is built
from what the server recorded.

The server's clock is a manual clock the driver moves; the server escalates on its own (its
escalation loop runs on that clock), and the driver waits for it at each deadline it passes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ..api import create_app
from ..api.auth import local_signing_key, mint_token
from ..api.server import server_config
from ..api.scopes import PARTY_SCOPES
from ..app import App
from ..clock import ManualClock
from ..config import LOCAL_ISSUER, Settings
from ..geo import dump_volume4d, format_instant
from ..model import Nonconformance, NonconformanceReason, Notice, NoticeState
from .replay import AcknowledgementOutcome, ReplayReport, report_of
from .scenario import Scenario, ScenarioAcknowledgement, ScenarioDeclaration, ScenarioTrack, timeline

WAIT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """uvicorn serving the app in a thread of this process."""

    settings: Settings
    clock: ManualClock
    server: uvicorn.Server | None = None
    app: Any = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.port}"

    @property
    def core(self) -> App:
        return self.app.state.core  # type: ignore[no-any-return]

    def token(self, party: str, scopes: tuple[str, ...] = PARTY_SCOPES) -> str:
        key = local_signing_key(self.settings.key_dir, create=False)
        return mint_token(key, party=party, scopes=scopes, issuer=LOCAL_ISSUER, audience=self.settings.host)


@contextmanager
def live_server(db: Path, clock: ManualClock, port: int | None = None, **settings: Any) -> Iterator[LiveServer]:
    config = Settings(db=db, port=port or free_port(), **settings)
    app = create_app(config, clock=clock)
    server = uvicorn.Server(server_config(
        app, host=config.host, port=config.port, header_timeout_s=config.header_timeout_s,
        body_timeout_s=config.body_timeout_s, keepalive_timeout_s=config.keepalive_timeout_s,
        max_connections=config.max_connections, max_header_bytes=config.max_header_bytes))
    live = LiveServer(config, clock, server, app)
    live.thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    live.thread.start()
    deadline = time.monotonic() + WAIT_S
    while not server.started:
        if not live.thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield live
    finally:
        server.should_exit = True
        live.thread.join(timeout=WAIT_S)


@dataclass
class _Listener:
    """A party's event stream, read in a thread of its own (what its duty officer's screen gets)."""

    url: str
    token: str
    events: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        import orjson

        with httpx.Client(timeout=httpx.Timeout(5.0, read=1.0)) as client:
            last = 0
            while not self.stop.is_set():
                try:
                    with client.stream("GET", f"{self.url}/v1/events",
                                       headers={"Authorization": f"Bearer {self.token}", "Last-Event-ID": str(last)}) as r:
                        for line in r.iter_lines():
                            if line.startswith("data: "):
                                event = orjson.loads(line[6:])
                                self.events.append(event)
                                last = int(event["seq"])
                            if self.stop.is_set():
                                return
                except httpx.HTTPError:
                    time.sleep(0.05)  # a read timeout between events: reconnect from the last one


Hold = Callable[[LiveServer, ReplayReport, dict[str, list[dict[str, Any]]]], None]


def play(scenario: Scenario, db: Path, *, port: int | None = None,
         hold: Hold | None = None) -> tuple[ReplayReport, dict[str, list[dict[str, Any]]]]:
    """Play the scenario against a live server; the report, and the events each party received.

    `hold`, when given, is called with the server still running once the report is built (the
    server stops when it returns): `demo --serve` keeps it for the console."""
    events = timeline(scenario)
    clock = ManualClock(events[0][0] if events else time.time())
    rules = scenario.rules
    with live_server(db, clock, port=port, min_notice=f"PT{rules.min_notice_s:g}S",
                     ack_deadline=f"PT{rules.ack_deadline_s:g}S", v1_max_area_km2=1e6) as server, \
            httpx.Client(base_url=server.url, timeout=10) as http:
        tokens = {p.id: server.token(p.id) for p in scenario.parties}
        listeners = {p: _Listener(server.url, t) for p, t in tokens.items()}
        threads = [threading.Thread(target=li.run, daemon=True) for li in listeners.values()]
        for t in threads:
            t.start()
        acks: list[AcknowledgementOutcome] = []
        strays: list[Nonconformance] = []
        escalations: list[Notice] = []

        def auth(party: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[party]}"}

        for at_s, event in events:
            escalations += _walk_deadlines(server, listeners, at_s)
            clock.set(at_s)
            if isinstance(event, ScenarioDeclaration):
                body = {"kind": event.kind.value, "priority": event.priority, "purpose": event.purpose,
                        "volumes": [dump_volume4d(v) for v in event.volumes]}
                answer = http.put(f"/v1/declarations/{event.id}", json=body, headers=auth(event.party))
                answer.raise_for_status()
            elif isinstance(event, ScenarioAcknowledgement):
                acks.append(_acknowledge(http, auth(event.party), event))
            else:
                party = _party_of(scenario, event.track)
                strays += _post_track(http, auth(party), party, event.track, event.state)
            # let the pushes land before time moves on: delivery is recorded in fast time too
            _settle(listeners, server)
        pending = [n.deadline_s for n in server.core.state.notices.values() if n.state is NoticeState.SENT]
        until = scenario.until_s if scenario.until_s is not None else max([clock.now_s(), *pending])
        escalations += _walk_deadlines(server, listeners, until + 1e-3)
        clock.set(until)
        _settle(listeners, server)
        for li in listeners.values():
            li.stop.set()
        for t in threads:
            t.join(timeout=3)
        report = report_of(server.core, scenario, [], acks, escalations, strays, clock.now_s())
        received = {p: li.events for p, li in listeners.items()}
        if hold is not None:
            hold(server, report, received)
        return report, received


def run_on(clock: ManualClock, stop: threading.Event, every_s: float = 0.2) -> threading.Thread:
    """Move a fast-time clock on at the speed of real time from where it stands, until `stop`:
    after a replay the server's deadlines and the console's countdowns run as they would live."""
    def tick() -> None:
        start_s, start = clock.now_s(), time.monotonic()
        while not stop.wait(every_s):
            clock.set(start_s + time.monotonic() - start)

    thread = threading.Thread(target=tick, name="clock", daemon=True)
    thread.start()
    return thread


def _party_of(scenario: Scenario, track: ScenarioTrack) -> str:
    return next(d.party for d in scenario.declarations if d.id == track.operation)


def _walk_deadlines(server: LiveServer, listeners: dict[str, _Listener], before_s: float) -> list[Notice]:
    """Move the clock through each notice deadline before `before_s` and wait for the server's
    own escalation loop to act on it (no request asks it to)."""
    escalated: list[Notice] = []
    while True:
        state = server.core.state
        due = sorted(n.deadline_s for n in state.notices.values() if n.state is NoticeState.SENT and n.deadline_s < before_s)
        if not due:
            return escalated
        server.clock.set(due[0])
        waiting = [n.id for n in state.notices.values() if n.state is NoticeState.SENT and n.deadline_s <= due[0]]
        limit = time.monotonic() + WAIT_S
        while True:
            notices = server.core.state.notices
            if all(notices[i].state is not NoticeState.SENT for i in waiting):
                escalated += [notices[i] for i in waiting if notices[i].state is NoticeState.ESCALATED]
                _settle(listeners, server)
                break
            if time.monotonic() > limit:
                raise RuntimeError("the server did not escalate at the deadline")
            time.sleep(0.02)


def _acknowledge(http: httpx.Client, headers: dict[str, str], event: ScenarioAcknowledgement) -> AcknowledgementOutcome:
    notices = http.get("/v1/notices", params={"state": "open"}, headers=headers).json()["notices"]
    mine = [n for n in notices if n["about"] == event.notice_of]
    if not mine:
        return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, False,
                                      f"{event.party} has no open notice about {event.notice_of}")
    for notice in mine:
        version = event.version if event.version is not None else notice["about_version"]
        answer = http.post(f"/v1/notices/{notice['id']}/acknowledgement",
                           json={"declaration": event.notice_of, "version": version}, headers=headers)
        if answer.status_code != 200:
            return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, False, answer.json()["message"])
    return AcknowledgementOutcome(event.party, event.notice_of, event.at_s, True)


def _post_track(http: httpx.Client, headers: dict[str, str], party: str, track: ScenarioTrack,
                state: Any) -> list[Nonconformance]:
    body = {"states": [{"track": track.track, "operation": track.operation, "t": format_instant(state.t_s),
                        "lat": state.lat, "lng": state.lng, "alt_m": state.alt_m}]}
    answer = http.post("/v1/tracks", json=body, headers=headers)
    answer.raise_for_status()
    return [Nonconformance(e["operation"], party, e["track"], e["t_s"], NonconformanceReason(e["reason"]))
            for e in answer.json()["nonconforming"]]


def _settle(listeners: dict[str, _Listener], server: LiveServer) -> None:
    """Wait until every party's stream has what the server recorded for it."""
    limit = time.monotonic() + WAIT_S
    while time.monotonic() < limit:
        state = server.core.state
        received = all((li.events[-1]["seq"] if li.events else 0) >= state.event_seq.get(p, 0)
                       for p, li in listeners.items())
        recorded = all(n.delivered_at_s is not None for n in state.notices.values() if n.to_party in listeners)
        if received and recorded:
            return
        time.sleep(0.02)
