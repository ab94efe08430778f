"""Rich rendering of a scenario replay: what a duty officer reads."""

from __future__ import annotations

import math

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .geo import format_duration, format_instant
from .model import NoticeState
from .sim.replay import ReplayReport

_STATE_STYLE = {
    NoticeState.ACKNOWLEDGED: "green", NoticeState.ESCALATED: "bold red", NoticeState.SENT: "yellow",
    NoticeState.SUPERSEDED: "dim",
}


def _clock(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    return format_instant(seconds)[11:19]


def render(report: ReplayReport, console: Console) -> None:
    scenario = report.scenario
    console.print(Panel.fit(
        f"[bold]{scenario.name}[/]  ·  {len(scenario.parties)} parties  ·  {len(scenario.declarations)} declarations"
        f"  ·  min notice {format_duration(scenario.rules.min_notice_s)}  ·  ack deadline "
        f"{format_duration(scenario.rules.ack_deadline_s)}",
        title="deconfliction", border_style="cyan"))

    conflicts = Table(title="Conflicts", title_justify="left", expand=True)
    for column in ("between", "volumes", "overlap (plan, altitude, time)"):
        conflicts.add_column(column)
    for conflict in report.conflicts:
        overlaps = [
            f"{v.overlap.area_m2 / 1e6:,.2f} km², {v.overlap.altitude_m.lower:,.0f}-{v.overlap.altitude_m.upper:,.0f} m, "
            f"{_clock(v.overlap.time_s.lower)}-{_clock(v.overlap.time_s.upper)}"
            for v in conflict.volumes
        ]
        conflicts.add_row(f"{conflict.a} × {conflict.b}", ", ".join(f"{v.i}×{v.j}" for v in conflict.volumes),
                          "\n".join(overlaps))
    if not report.conflicts:
        conflicts.add_row("none", "", "")

    late = Table(title="Late notices", title_justify="left", expand=True)
    for column in ("operation", "notice given", "notice required"):
        late.add_column(column)
    for item in report.late_notices:
        late.add_row(f"[bold red]{item.declaration_id}[/] v{item.version}", format_duration(item.notice_s),
                     format_duration(item.required_s))
    if not report.late_notices:
        late.add_row("none", "", "")

    notices = Table(title="Hotline", title_justify="left", expand=True)
    for column in ("to", "about", "why", "sent", "delivered", "deadline", "state"):
        notices.add_column(column)
    for notice in report.notices:
        state = notice.state.value
        if notice.state is NoticeState.ACKNOWLEDGED:
            state += f" {_clock(notice.acknowledged_at_s)}"
        elif notice.state is NoticeState.ESCALATED:
            state += f" {_clock(notice.escalated_at_s)}"
        why = notice.reason.value.replace("_", " ") + (f" with {notice.other}" if notice.other else "")
        notices.add_row(notice.to_party, f"{notice.about} v{notice.about_version}", why, _clock(notice.sent_at_s),
                        _clock(notice.delivered_at_s), _clock(notice.deadline_s),
                        Text(state, style=_STATE_STYLE[notice.state]))

    advice = Table(title="Advice (for the side that gives way)", title_justify="left", expand=True)
    for column in ("operation", "earliest delay", "nearest free band"):
        advice.add_column(column)
    for hint in report.advice:
        delay = "none within 7 days" if hint.delay_s is None else f"+{format_duration(hint.delay_s)}"
        shift = "none within 10 km" if hint.altitude_shift_m is None else f"{hint.altitude_shift_m:+,.0f} m"
        advice.add_row(hint.declaration_id, delay, shift)
    if not report.advice:
        advice.add_row("none", "", "")

    acks = Table(title="Acknowledgements (read-back, not approval)", title_justify="left", expand=True)
    for column in ("party", "of", "at", "result"):
        acks.add_column(column)
    for ack in report.acknowledgements:
        acks.add_row(ack.party, ack.notice_of, _clock(ack.at_s),
                     Text("accepted", style="green") if ack.accepted else Text(f"refused: {ack.reason}", style="red"))

    strays = Table(title="Nonconformance (tracks outside their declared volumes)", title_justify="left", expand=True)
    for column in ("track", "operation", "at", "why"):
        strays.add_column(column)
    for event in report.nonconformances:
        strays.add_row(event.track_id, f"{event.operation_id} ({event.party})", _clock(event.t_s),
                       Text(event.reason.value.replace("_", " "), style="bold red"))
    if not report.nonconformances:
        strays.add_row("none", "", "", "")

    ledger = report.ledger
    verdict = (f"[green]verified[/]: {ledger.entries} entries, head {ledger.head_hash[:16]}…" if ledger.ok
               else f"[bold red]BROKEN[/] at entry {ledger.first_bad_seq}: {ledger.reason}")
    console.print(Group(conflicts, late, notices, acks, strays, advice))
    console.print(Panel.fit(f"Ledger {verdict}", border_style="green" if ledger.ok else "red"))
