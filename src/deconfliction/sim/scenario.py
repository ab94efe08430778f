"""Scenario files (YAML or JSON): parties, declarations in the order made, acknowledgements.

The whole file is validated before anything is replayed, so a bad declaration stores nothing;
each error names the declaration, the field and the reason. An unknown key is refused, not ignored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..app.usecases import Rules
from ..errors import InvalidInput
from ..geo import LatLng, Volume4D, parse_duration, parse_instant, parse_volume4d
from ..geo.volume import finite_number
from ..model import DeclarationKind, Party, TrackState

# libyaml's parser when PyYAML was built with it (the PyPI wheels are): several times faster than
# the pure-Python one on large scenarios. Both build the same plain data (SafeConstructor).
YAML_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The keys each mapping may have: any other is refused (a misspelt key would be silently ignored).
# Volumes are F3548 Volume4D, whose unknown fields are ignored as the OpenAPI file asks.
SCENARIO_KEYS = frozenset({"name", "rules", "parties", "declarations", "acknowledgements", "tracks", "until"})
RULES_KEYS = frozenset({"min_notice", "ack_deadline"})
PARTY_KEYS = frozenset({"id", "name"})
DECLARATION_KEYS = frozenset({"id", "party", "kind", "priority", "declared_at", "purpose", "volumes"})
ACKNOWLEDGEMENT_KEYS = frozenset({"party", "notice_of", "at", "version"})
TRACK_KEYS = frozenset({"track", "operation", "states"})
TRACK_STATE_KEYS = frozenset({"at", "lat", "lng", "alt_m"})


@dataclass(frozen=True, slots=True)
class ScenarioDeclaration:
    id: str
    party: str
    kind: DeclarationKind
    priority: int
    declared_at_s: float
    volumes: tuple[Volume4D, ...]
    purpose: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioAcknowledgement:
    party: str
    notice_of: str
    at_s: float
    version: int | None = None


@dataclass(frozen=True, slots=True)
class ScenarioTrack:
    """Observed positions of one aircraft flying for `operation`."""

    track: str
    operation: str
    states: tuple[TrackState, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    rules: Rules
    parties: tuple[Party, ...]
    declarations: tuple[ScenarioDeclaration, ...]
    acknowledgements: tuple[ScenarioAcknowledgement, ...]
    until_s: float | None = None
    tracks: tuple[ScenarioTrack, ...] = ()


@dataclass(frozen=True, slots=True)
class TrackObservation:
    """One observed state of a scenario track, at its place in the timeline."""

    track: ScenarioTrack
    state: TrackState

    @property
    def operation(self) -> str:
        return self.track.operation


TimelineItem = ScenarioDeclaration | ScenarioAcknowledgement | TrackObservation


def timeline(scenario: Scenario) -> list[tuple[float, TimelineItem]]:
    """Everything the scenario's parties do, in time order: at one instant declarations first,
    then acknowledgements, then track states, each in file order."""
    events: list[tuple[float, int, int, TimelineItem]] = [
        (d.declared_at_s, 0, i, d) for i, d in enumerate(scenario.declarations)]
    events += [(a.at_s, 1, i, a) for i, a in enumerate(scenario.acknowledgements)]
    events += [(s.t_s, 2, i, TrackObservation(track, s)) for i, track in enumerate(scenario.tracks) for s in track.states]
    events.sort(key=lambda e: e[:3])
    return [(at_s, item) for at_s, _, _, item in events]


def load_scenario(path: str | Path) -> Scenario:
    data = Path(path).read_bytes()
    text = _decoded(data, path)
    try:
        # libyaml reads UTF-8 bytes as they are (no re-encoding of the text)
        body = json.loads(text) if str(path).endswith(".json") else yaml.load(data, Loader=YAML_LOADER)
    except json.JSONDecodeError as error:
        raise InvalidInput("file", f"{path} is not valid JSON: {error}") from None
    except yaml.YAMLError as error:
        raise InvalidInput("file", f"{path} is not valid YAML: {_one_line(error)}") from None
    return parse_scenario(body)


def _decoded(data: bytes, path: str | Path) -> str:
    """The file's text; a binary file (compressed, random bytes) or another encoding is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            "file", f"{path} is not a UTF-8 text file (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    if "\x00" in text:
        raise InvalidInput("file", f"{path} is not a text file (NUL byte at offset {text.index(chr(0))})")
    return text


def _one_line(error: yaml.YAMLError) -> str:
    """PyYAML's message spans lines (context, problem, marks): the problem and where, in one line."""
    problem = getattr(error, "problem", None) or getattr(error, "reason", None) or str(error)
    mark = getattr(error, "problem_mark", None)
    position = getattr(error, "position", None)  # a ReaderError (a character YAML refuses)
    if mark is not None:
        where = f" (line {mark.line + 1}, column {mark.column + 1})"
    else:
        where = f" (offset {position})" if position is not None else ""
    return " ".join(str(problem).split()) + where


def _mapping(value: object, field: str, subject: str | None = None, *, keys: frozenset[str]) -> dict[str, Any]:
    """`value` as a mapping whose keys are all among `keys`."""
    if not isinstance(value, dict):
        raise InvalidInput(field, f"expected a mapping, got {type(value).__name__}", subject)
    for key in value:
        if key not in keys:
            raise InvalidInput(field, f"unknown key {key!r} (expected one of: {', '.join(sorted(keys))})", subject)
    return value


def _list(value: object, field: str, subject: str | None = None) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(field, f"expected a list, got {type(value).__name__}", subject)
    return value


def _text(value: object, field: str, subject: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "expected a non-empty string", subject)
    return value


def parse_scenario(body: object) -> Scenario:
    root = _mapping(body, "scenario", keys=SCENARIO_KEYS)
    name = _text(root.get("name", "unnamed"), "name")
    rules_body = _mapping(root.get("rules") or {}, "rules", keys=RULES_KEYS)
    defaults = Rules()
    rules = Rules(
        min_notice_s=parse_duration(rules_body["min_notice"], "rules.min_notice") if "min_notice" in rules_body else defaults.min_notice_s,
        ack_deadline_s=parse_duration(rules_body["ack_deadline"], "rules.ack_deadline") if "ack_deadline" in rules_body else defaults.ack_deadline_s,
    )
    parties: list[Party] = []
    for i, raw in enumerate(_list(root.get("parties"), "parties")):
        item = _mapping(raw, f"parties[{i}]", keys=PARTY_KEYS)
        party_id = _text(item.get("id"), f"parties[{i}].id")
        if any(p.id == party_id for p in parties):
            raise InvalidInput(f"parties[{i}].id", f"duplicate party id {party_id!r}")
        parties.append(Party(party_id, str(item.get("name", ""))))
    known = {p.id for p in parties}
    declarations: list[ScenarioDeclaration] = []
    for i, raw in enumerate(_list(root.get("declarations"), "declarations")):
        declarations.append(_parse_declaration(raw, i, known, {d.id for d in declarations}))
    acknowledgements = [
        _parse_acknowledgement(raw, i, known, {d.id for d in declarations})
        for i, raw in enumerate(_list(root.get("acknowledgements"), "acknowledgements"))
    ]
    operations = {d.id for d in declarations if d.kind is DeclarationKind.OPERATION}
    tracks = [_parse_track(raw, i, operations) for i, raw in enumerate(_list(root.get("tracks"), "tracks"))]
    until = parse_instant(root["until"], "until") if root.get("until") is not None else None
    return Scenario(name, rules, tuple(parties), tuple(declarations), tuple(acknowledgements), until, tuple(tracks))


def _parse_track(raw: object, index: int, operations: set[str]) -> ScenarioTrack:
    where = f"tracks[{index}]"
    item = _mapping(raw, where, keys=TRACK_KEYS)
    track = _text(item.get("track"), f"{where}.track")
    operation = _text(item.get("operation"), f"{where}.operation")
    if operation not in operations:
        raise InvalidInput(f"{where}.operation", f"{operation!r} is not a declared operation")
    states = []
    for j, raw_state in enumerate(_list(item.get("states"), f"{where}.states")):
        at = f"{where}.states[{j}]"
        state = _mapping(raw_state, at, keys=TRACK_STATE_KEYS)
        if "at" not in state:
            raise InvalidInput(f"{at}.at", "missing")
        point = LatLng.checked(state.get("lat"), state.get("lng"), at)
        states.append(TrackState(track, parse_instant(state["at"], f"{at}.at"), point.lat, point.lng,
                                 finite_number(state.get("alt_m"), f"{at}.alt_m"), 0.0, 0.0, 0.0))
    return ScenarioTrack(track, operation, tuple(states))


def _parse_declaration(raw: object, index: int, parties: set[str], seen: set[str]) -> ScenarioDeclaration:
    item = _mapping(raw, f"declarations[{index}]", keys=DECLARATION_KEYS)
    declaration_id = _text(item.get("id"), "id", f"declarations[{index}]")
    subject = f"declaration {declaration_id}"
    if declaration_id in seen:
        raise InvalidInput("id", f"duplicate id {declaration_id!r}", subject)
    party = _text(item.get("party"), "party", subject)
    if party not in parties:
        raise InvalidInput("party", f"unknown party {party!r}", subject)
    kind_text = item.get("kind", "operation")
    try:
        kind = DeclarationKind(kind_text)
    except ValueError:
        raise InvalidInput("kind", f"expected 'operation' or 'constraint', got {kind_text!r}", subject) from None
    priority = item.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidInput("priority", f"expected an integer, got {priority!r}", subject)
    if "declared_at" not in item:
        raise InvalidInput("declared_at", "missing", subject)
    try:
        declared_at = parse_instant(item["declared_at"], "declared_at")
    except InvalidInput as error:
        raise error.within(subject) from None
    raw_volumes = _list(item.get("volumes"), "volumes", subject)
    if not raw_volumes:
        raise InvalidInput("volumes", "at least one volume is required", subject)
    volumes = []
    for j, raw_volume in enumerate(raw_volumes):
        try:
            volume = parse_volume4d(raw_volume, f"volumes[{j}]")
        except InvalidInput as error:
            raise error.within(subject) from None
        if kind is DeclarationKind.OPERATION and not (math.isfinite(volume.time_s.lower) and math.isfinite(volume.time_s.upper)):
            raise InvalidInput(f"volumes[{j}].time_start", "an operation's volumes need time_start and time_end", subject)
        volumes.append(volume)
    return ScenarioDeclaration(declaration_id, party, kind, priority, declared_at, tuple(volumes), str(item.get("purpose", "")))


def _parse_acknowledgement(raw: object, index: int, parties: set[str], declarations: set[str]) -> ScenarioAcknowledgement:
    where = f"acknowledgements[{index}]"
    item = _mapping(raw, where, keys=ACKNOWLEDGEMENT_KEYS)
    party = _text(item.get("party"), f"{where}.party")
    if party not in parties:
        raise InvalidInput(f"{where}.party", f"unknown party {party!r}")
    notice_of = _text(item.get("notice_of"), f"{where}.notice_of")
    if notice_of not in declarations:
        raise InvalidInput(f"{where}.notice_of", f"unknown declaration {notice_of!r}")
    version = item.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise InvalidInput(f"{where}.version", f"expected an integer, got {version!r}")
    if "at" not in item:
        raise InvalidInput(f"{where}.at", "missing")
    return ScenarioAcknowledgement(party, notice_of, parse_instant(item["at"], f"{where}.at"), version)
