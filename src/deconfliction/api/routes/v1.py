"""/v1: the party API. The token's `sub` is the party; scopes deconfliction.declare,
deconfliction.acknowledge, deconfliction.inquiry. A party sees its own declarations in full and
others' only as the extent that touches its own; never another party's purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse

from ...app.delivery import event_json, notice_ids
from ...app.track_view import Neighbourhood, visible_tracks
from ...app.transparency import TransparencyLog
from ...app.usecases import DeclarationOutcome, SignedRequest
from ...app.views import (
    conflict_view,
    disclosure,
    notice_view,
    others_declaration_view,
    others_in_view,
    own_declaration_view,
    when,
)
from ...engine.f3548 import Caller
from ...engine.ledger.signing import (
    Receipt,
    RequestSignature,
    encode_public_key,
    key_id,
    load_public_key,
    verify_request,
)
from ...errors import InvalidInput, NotFound, Unauthenticated
from ...model import Event, NoticeState
from ...store import ledger_repo
from ...wire.v1 import DECLARATION_ID, AcknowledgementBody, DeclarationBody, PartyKeyBody, TracksBody, WebhookBody
from ..deps import Core, authorized, off_loop_if_heavy, vertex_count
from ..limits import INT64_MAX
from ..openapi import DocumentedRoute
from ..responses import JSONResponse

router = APIRouter(prefix="/v1", tags=["Parties"], route_class=DocumentedRoute)
DeclarationId = Annotated[str, Path(pattern=DECLARATION_ID, description="The declaration's id, chosen by its party")]
Declarer = Annotated[Caller, authorized("v1.declare")]
Reader = Annotated[Caller, authorized("v1.read")]
Acknowledger = Annotated[Caller, authorized("v1.acknowledge")]
Inquirer = Annotated[Caller, authorized("v1.inquiry")]
KEEP_ALIVE_S = 15.0


def _outcome_json(outcome: DeclarationOutcome, party: str, purpose_secret: bytes | None = None) -> dict[str, Any]:
    late = outcome.late_notice
    return {
        "declaration": own_declaration_view(outcome.declaration, purpose_secret),
        "conflicts": [conflict_view(c) for c in outcome.conflicts],
        "late_notice": None if late is None else {"notice_s": late.notice_s, "required_s": late.required_s},
        "notices": [{"id": n.id, "to": n.to_party, "about": n.about, "about_version": n.about_version,
                     "reason": n.reason.value} for n in outcome.notices],
        # advice is for the party that should give way: each sees the advice about its own declarations
        "advice": [{"id": a.declaration_id, "delay_s": a.delay_s, "altitude_shift_m": a.altitude_shift_m}
                   for a in outcome.advice if a.declaration_id == outcome.declaration.id],
        "receipt": _receipt_json(outcome.receipt),
    }


def _receipt_json(receipt: Receipt | None) -> dict[str, Any] | None:
    """Where the write's last ledger entry sits in the transparency log (null: it logged nothing,
    as an idempotent retry)."""
    return None if receipt is None else receipt.as_json()


SIGNATURE_HEADER = "Deconfliction-Signature"


async def _signed(request: Request, core: Any, caller: Caller, *, with_body: bool = True) -> SignedRequest | None:
    """The request's signature by its party (header Deconfliction-Signature: the JSON of
    engine.ledger.signing.RequestSignature over the method, the request target, the JSON body,
    the time and a nonce), verified with the key the party registered; None when unsigned and
    the server does not require signatures."""
    header = request.headers.get(SIGNATURE_HEADER)
    if header is None:
        if request.app.state.settings.require_signatures:
            raise Unauthenticated(f"this server requires each write to be signed ({SIGNATURE_HEADER})")
        return None
    try:
        raw = orjson.loads(header)
    except orjson.JSONDecodeError:
        raise InvalidInput(SIGNATURE_HEADER, "expected a JSON object {alg, kid, signed_at, nonce, sig}") from None
    signature = RequestSignature.from_json(raw, field=SIGNATURE_HEADER)
    party = core.state.parties.get(caller.party)
    if party is None or not party.public_key:
        raise Unauthenticated(f"no key is registered for {caller.party}: PUT /v1/party-key first")
    body = await request.json() if with_body else None  # parsed once, with the route's body (DocumentedRoute)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    verified = verify_request(signature, load_public_key(party.public_key), party=caller.party, method=request.method,
                              path=target, body=body, now_s=core.clock.now_s())
    return SignedRequest(request.method, target, body, signature.as_json(), verified.replay_key, verified.signed_at_s)


@router.put("/party-key", operation_id="v1PutPartyKey")
async def put_party_key(body: PartyKeyBody, request: Request, core: Core, caller: Declarer) -> JSONResponse:
    """Register the caller's Ed25519 public key: its signed requests are then verified with it,
    and the signatures kept in the ledger for an inquiry. Replacing a key takes a request signed
    with the key it replaces."""
    key = load_public_key(body.public_key, "public_key")
    signed = await _signed(request, core, caller) if request.headers.get(SIGNATURE_HEADER) else None
    receipt = await core.register_key(party=caller.party, public_key=encode_public_key(key), kid=key_id(key),
                                      signed=signed)
    return JSONResponse({"party": caller.party, "kid": key_id(key), "receipt": _receipt_json(receipt)})


@router.put("/declarations/{declaration_id}", operation_id="v1PutDeclaration")
async def put_declaration(declaration_id: DeclarationId, body: DeclarationBody, request: Request, core: Core,
                          caller: Declarer) -> JSONResponse:
    """Create (201) or revise (200, `version` = the current one) a declaration; 409 when stale.
    Conflicting declarations are accepted, flagged, notified and advised. May be signed
    (Deconfliction-Signature); the server may require it."""
    signed = await _signed(request, core, caller)
    volumes = await off_loop_if_heavy(body.parsed_volumes, vertex_count(body.volumes), near=core.volumes_near)
    outcome = await core.declare(party=caller.party, declaration_id=declaration_id, kind=body.declaration_kind,
                                 volumes=volumes, priority=body.priority, purpose=body.purpose, version=body.version,
                                 signed=signed)
    return JSONResponse(_outcome_json(outcome, caller.party, core.rules.purpose_secret),
                        status_code=201 if outcome.created else 200)


@router.post("/declarations/{declaration_id}/dry-run", operation_id="v1DryRunDeclaration")
async def dry_run(declaration_id: DeclarationId, body: DeclarationBody, core: Core, caller: Declarer) -> JSONResponse:
    """What PUT with this body would answer now (same shape: conflicts, late_notice, the notices it
    would send, advice), with nothing stored, logged or notified. Refuses what PUT refuses."""
    volumes = await off_loop_if_heavy(body.parsed_volumes, vertex_count(body.volumes), near=core.volumes_near)
    outcome = await core.dry_run(party=caller.party, declaration_id=declaration_id, kind=body.declaration_kind,
                                 volumes=volumes, priority=body.priority, purpose=body.purpose, version=body.version)
    return JSONResponse({**_outcome_json(outcome, caller.party), "dry_run": True})


@router.delete("/declarations/{declaration_id}", operation_id="v1WithdrawDeclaration")
async def withdraw(declaration_id: DeclarationId, request: Request, core: Core, caller: Declarer,
                   version: Annotated[int, Query(ge=1, le=INT64_MAX)]) -> JSONResponse:
    signed = await _signed(request, core, caller, with_body=False)
    receipt = await core.withdraw(party=caller.party, declaration_id=declaration_id, version=version, signed=signed)
    return JSONResponse({"withdrawn": declaration_id, "version": version, "receipt": _receipt_json(receipt)})


@router.get("/declarations", operation_id="v1ListDeclarations")
async def list_declarations(core: Core, caller: Reader) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        mine = [own_declaration_view(d, core.rules.purpose_secret)
                for d in sorted(state.declarations, key=lambda d: d.id) if d.party == caller.party]
    return JSONResponse({"declarations": mine})


@router.get("/declarations/{declaration_id}", operation_id="v1GetDeclaration")
async def get_declaration(declaration_id: DeclarationId, core: Core, caller: Reader) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        found = state.declaration(declaration_id)
        view = None
        if found is not None:
            view = own_declaration_view(found, core.rules.purpose_secret) if found.party == caller.party else \
                others_declaration_view(state, caller.party, found)
    if view is None:  # another party's declaration that touches none of the caller's is not shown
        raise NotFound(f"no declaration {declaration_id!r} that you may see")
    return JSONResponse({"declaration": view})


@router.get("/conflicts", operation_id="v1ListConflicts")
async def list_conflicts(core: Core, caller: Reader) -> JSONResponse:
    await core.writer.settled()
    with core.writer.reading() as state:
        found: dict[tuple[str, str], Any] = {}
        for d in state.declarations:
            if d.party == caller.party:
                for c in state.declarations.conflicts_of(d):
                    found.setdefault(c.key, c)
    return JSONResponse({"conflicts": [conflict_view(found[k]) for k in sorted(found)]})


@router.get("/airspace", operation_id="v1Airspace")
async def airspace(core: Core, caller: Reader) -> JSONResponse:
    """What the caller may see of the airspace, for a map: its own declarations in full, every
    other party's declaration that touches one of its own as the extent inside its own (never
    more, never the purpose), the conflicts its declarations are in, and the server's time."""
    await core.writer.settled()
    with core.writer.reading() as state:
        mine = sorted((d for d in state.declarations if d.party == caller.party), key=lambda d: d.id)
        found: dict[tuple[str, str], Any] = {}
        for d in mine:
            for c in state.declarations.conflicts_of(d):
                found.setdefault(c.key, c)
        body = {"now": when(core.clock.now_s()), "party": caller.party,
                "declarations": [own_declaration_view(d) for d in mine],
                "others": others_in_view(state, caller.party),
                "conflicts": [conflict_view(found[k]) for k in sorted(found)]}
    return JSONResponse(body)


_STATES = {"open": (NoticeState.SENT, NoticeState.ESCALATED), "acknowledged": (NoticeState.ACKNOWLEDGED,),
           "escalated": (NoticeState.ESCALATED,), "superseded": (NoticeState.SUPERSEDED,), "all": tuple(NoticeState)}


@router.get("/notices", operation_id="v1ListNotices")
async def list_notices(core: Core, caller: Reader,
                       state: Literal["open", "acknowledged", "escalated", "superseded", "all"] = "all") -> JSONResponse:
    await core.writer.settled()
    wanted = _STATES[state]
    with core.writer.reading() as current:
        mine = sorted((n for n in current.notices.values() if n.to_party == caller.party and n.state in wanted),
                      key=lambda n: (n.sent_at_s, n.id))
        body = [notice_view(n, disclosure(current, n), current.late_notices.get((n.about, n.about_version))) for n in mine]
    return JSONResponse({"notices": body})


@router.post("/notices/{notice_id}/acknowledgement", operation_id="v1Acknowledge")
async def acknowledge(notice_id: Annotated[str, Path(max_length=512)], body: AcknowledgementBody, request: Request,
                      core: Core, caller: Acknowledger) -> JSONResponse:
    """The read-back: the declaration and version the party saw, and optionally the digest of
    what it was shown. 409 when not current, or the digest is not that of what is in force
    (logged). May be signed (Deconfliction-Signature); the server may require it."""
    signed = await _signed(request, core, caller)
    notice, receipt = await core.acknowledge_logged(party=caller.party, notice_id=notice_id,
                                                    declaration_id=body.declaration, version=body.version,
                                                    digest=body.digest, signed=signed)
    return JSONResponse({"notice": notice_view(notice, []), "receipt": _receipt_json(receipt)})


def _sse(event: Event) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.seq, event.kind.value.encode(), orjson.dumps(event_json(event)))


@router.get("/events", operation_id="v1Events", response_class=StreamingResponse)
async def events(request: Request, core: Core, caller: Reader,
                 last_event_id: Annotated[str | None, Header()] = None,
                 after: Annotated[int | None, Query(ge=0, le=INT64_MAX,
                                                    description="resume after this sequence number")] = None
                 ) -> StreamingResponse:
    """Server-Sent Events for the caller: notice, escalation, conflict, state_change, alert. Each
    event's `id` is its place in the party's stream; `Last-Event-ID` resumes with nothing lost."""
    start = after or 0
    if last_event_id:
        text = last_event_id.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= INT64_MAX):
            raise InvalidInput("Last-Event-ID", "expected the sequence number of the last event received")
        start = int(text)
    party = caller.party

    async def stream() -> AsyncIterator[bytes]:
        queue = core.broker.subscribe(party)
        last = start
        # The record is read at the start, after a gap and when the stream is idle (another
        # instance of a pool may have written); otherwise events come from the live queue, in order.
        read_record, read_after = True, -1  # read_after: `last` when the record last had nothing newer
        try:
            yield b": connected\n\n"
            while True:
                if read_record:
                    backlog = core.events_after(party, last)
                    for event in backlog:
                        yield _sse(event)
                        last = event.seq
                    if backlog:
                        await core.mark_delivered(party, backlog, via="sse")
                        continue
                    read_record, read_after = False, last
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    read_record = True
                    continue
                if event.seq <= last:
                    continue
                if event.seq > last + 1 and read_after != last:
                    # something in between: read it from the record first (once: what the record,
                    # read after this event was published, lacks was never committed)
                    queue.put_nowait(event)
                    read_record = True
                    continue
                yield _sse(event)
                last = event.seq
                if notice_ids([event]):
                    await core.mark_delivered(party, [event], via="sse")
        finally:
            core.broker.unsubscribe(party, queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.put("/webhook", operation_id="v1SetWebhook")
async def set_webhook(body: WebhookBody, core: Core, caller: Reader) -> JSONResponse:
    """Each of the caller's events is also POSTed there, signed (HMAC-SHA256 of the body with the
    secret returned here, header X-Deconfliction-Signature), retried until delivered or past its
    deadline, idempotent by event id (header X-Deconfliction-Event-Id)."""
    secret = await core.set_webhook(caller.party, body.url)
    return JSONResponse({"url": body.url, "secret": secret})


@router.post("/tracks", operation_id="v1PostTracks")
async def post_tracks(body: TracksBody, core: Core, caller: Declarer) -> JSONResponse:
    """Live states: conformance to their operations (Nonconforming, notified) and predicted
    losses of separation with other parties' tracks (alerts, pushed as events)."""
    observed = await core.ingest_tracks(caller.party, body.to_states())
    return JSONResponse({
        "nonconforming": [{"operation": e.operation_id, "track": e.track_id, "t_s": e.t_s, "reason": e.reason.value}
                          for e in observed.nonconformances],
        "notices": [{"id": n.id, "to": n.to_party, "about": n.about, "reason": n.reason.value}
                    for n in observed.notices],
        "alerts": [{"tracks": list(a.tracks), "tcpa_s": a.tcpa_s, "dcpa_m": a.dcpa_m, "loss_of_separation": a.loss_now}
                   for a in observed.alerts if caller.party in a.parties],
    })


@router.get("/tracks", operation_id="v1ListTracks")
async def list_tracks(core: Core, caller: Reader) -> JSONResponse:
    """The latest state of each live track the caller may see, as parallel columns: its own, and
    another party's while near one of its declarations (the nearby radius and window) or in a
    predicted loss of separation with one of its tracks. `nonconforming` is 1 when the track
    left its operation's volumes; `alert` is 1 for a predicted loss of separation, 2 for one now."""
    around = Neighbourhood(core.rules.nearby_m, core.rules.nearby_s)
    with core.writer.reading() as state:
        columns = visible_tracks(state, core.monitor, caller.party, around)
    return JSONResponse({"now": when(core.clock.now_s()), "count": len(columns["id"]), "tracks": columns})


@router.get("/ledger", operation_id="v1Ledger", response_class=StreamingResponse)
async def ledger(core: Core, caller: Inquirer) -> StreamingResponse:
    """Every ledger entry as JSON Lines, in order, with its hashes (inquiry scope)."""
    def lines() -> Any:
        with core.db.read() as connection:
            for entry in ledger_repo.entries(connection):
                yield orjson.dumps(entry.as_json(), option=orjson.OPT_SORT_KEYS) + b"\n"
    return StreamingResponse(lines(), media_type="application/jsonl")


@router.get("/ledger/verification", operation_id="v1LedgerVerification")
async def verification(core: Core, caller: Inquirer) -> JSONResponse:
    await core.writer.settled()
    with core.db.read() as connection:
        result = ledger_repo.verify(connection)
    return JSONResponse({"ok": result.ok, "entries": result.entries, "head": result.head_hash,
                         "first_bad_seq": result.first_bad_seq, "reason": result.reason})


def _log(core: Any) -> TransparencyLog:
    if core.log is None:
        raise NotFound("this server keeps no transparency log")
    core.sync_log()
    log: TransparencyLog = core.log
    return log


@router.get("/ledger/key", operation_id="v1LedgerKey")
async def log_key(core: Core, caller: Reader) -> JSONResponse:
    """The public key the transparency log's tree heads are signed with (Ed25519, base64url)."""
    return JSONResponse(_log(core).key_json())


@router.get("/ledger/tree-head", operation_id="v1LedgerTreeHead")
async def tree_head(core: Core, caller: Reader) -> JSONResponse:
    """The log's current signed tree head: size, RFC 9162 root hash, time, signature. Keep it:
    each later head must be consistent with it (GET /v1/ledger/consistency)."""
    await core.writer.settled()
    return JSONResponse({"tree_head": _log(core).head().as_json()})


@router.get("/ledger/consistency", operation_id="v1LedgerConsistency")
async def consistency(core: Core, caller: Reader,
                      from_: Annotated[int, Query(alias="from", ge=0, le=INT64_MAX, description="the earlier tree size")],
                      to: Annotated[int, Query(ge=0, le=INT64_MAX, description="the later tree size")]) -> JSONResponse:
    """RFC 9162 consistency proof that the log at size `to` extends the log at size `from`, and the
    current signed tree head. 400 when the sizes are out of order or beyond the log."""
    await core.writer.settled()
    log = _log(core)
    proof = log.consistency(from_, to)
    return JSONResponse({"from": from_, "to": to, "proof": [h.hex() for h in proof], "tree_head": log.head().as_json()})
