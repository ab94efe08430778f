"""The party API's bodies (/v1): pydantic models that reject malformed input naming the field,
converted to the model here. Volumes are F3548 Volume4D, parsed by the engine's own parser."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidInput
from ..geo import Volume4D, parse_instant, parse_volumes
from ..geo.instants import EARLIEST_S, LATEST_S
from ..model import DeclarationKind, TrackState
from .limits import MAX_ID_CHARS, MAX_TIME_CHARS, MAX_URL_CHARS, MAX_VOLUMES, check_vertex_count

DECLARATION_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
MAX_PURPOSE = 4_000
MAX_TRACK_STATES = 5_000  # about 1.3 MB at full precision: within the 2 MiB body limit


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclarationBody(_Model):
    kind: Literal["operation", "constraint"]
    priority: int = Field(0, ge=-1_000_000, le=1_000_000)
    purpose: str = Field("", max_length=MAX_PURPOSE, description="Seen by its own party only, never by others")
    volumes: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_VOLUMES, description="F3548 Volume4D")
    version: int | None = Field(None, ge=1, description="The current version, to revise; omit to create")

    def parsed_volumes(self) -> tuple[Volume4D, ...]:
        check_vertex_count(self.volumes, "volumes")
        return parse_volumes(self.volumes, "volumes")

    @property
    def declaration_kind(self) -> DeclarationKind:
        return DeclarationKind(self.kind)


class AcknowledgementBody(_Model):
    declaration: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="The declaration id read back")
    version: int = Field(ge=1, description="The version read back: it must be the current one")
    digest: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$", description=(
        "SHA-256 (hex) of the RFC 8785 canonical JSON of {about, about_version, disclosed} as the notice "
        "showed them: the read-back then binds the content shown, not only a version number"))


class PartyKeyBody(_Model):
    public_key: str = Field(min_length=40, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                            description="The party's Ed25519 public key, 32 bytes in base64url")


class WebhookBody(_Model):
    url: str = Field(pattern=r"^https?://", max_length=MAX_URL_CHARS)


class TrackStateBody(_Model):
    track: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    operation: str = Field("", max_length=MAX_ID_CHARS)
    t: Annotated[str, Field(max_length=MAX_TIME_CHARS)] | float = Field(description="RFC 3339 time, or POSIX seconds")
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    alt_m: float = Field(ge=-1_000, le=100_000)
    gs_mps: float = Field(0.0, ge=0, le=2_000)
    trk_deg: float = Field(0.0, ge=-360, le=360)
    vs_mps: float = Field(0.0, ge=-500, le=500)

    def to_state(self, field: str) -> TrackState:
        if isinstance(self.t, str):
            t_s = parse_instant(self.t, f"{field}.t")
        elif math.isfinite(self.t) and EARLIEST_S <= self.t <= LATEST_S:
            t_s = float(self.t)
        else:
            raise InvalidInput(f"{field}.t", "expected a finite time")
        return TrackState(self.track, t_s, self.lat, self.lng, self.alt_m, self.gs_mps, self.trk_deg % 360.0,
                          self.vs_mps, self.operation)


class TracksBody(_Model):
    states: list[TrackStateBody] = Field(min_length=1, max_length=MAX_TRACK_STATES)

    def to_states(self) -> list[TrackState]:
        return [s.to_state(f"states[{i}]") for i, s in enumerate(self.states)]
