"""F3548-21 wire bodies: pydantic models for requests (they give /docs its schemas and reject
malformed bodies naming the field), and renderers from entities to response JSON.

Geometry is converted once, here, by the engine's own parser (`geo.parse_volume4d`), so the
DSS matches with exactly the volumes the engine would. Unknown fields are ignored, as the
OpenAPI file asks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..engine.f3548 import NULL_SUBSCRIPTION_ID
from ..engine.f3548.availability import current_availability
from ..engine.f3548.oir import NewSubscription, PutOirRequest
from ..engine.f3548.subscriptions import PutSubscriptionRequest
from ..engine.state import State
from ..geo import Volume4D, dump_volume4d, parse_volume4d, parse_volumes
from ..model import Declaration, OperationState, SubscriberToNotify, Subscription
from .limits import (
    MAX_ID_CHARS, MAX_KEY_OVNS, MAX_OVN_CHARS, MAX_TIME_CHARS, MAX_URL_CHARS, MAX_VERTICES_PER_ENTITY, MAX_VOLUMES,
    check_vertex_count,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LatLngPoint(_Model):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


# A polygon's vertices stay plain JSON objects here: the engine's parser checks them (at numpy
# speed, naming the first bad vertex and why), and a pydantic model per vertex, built and then
# dumped again, cost ~25 ms of a 10,000-vertex request. The schema /docs shows is the same.
_VERTICES_SCHEMA = {
    "type": "array", "minItems": 3, "maxItems": MAX_VERTICES_PER_ENTITY,
    "items": {"type": "object", "required": ["lat", "lng"], "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180}}},
}
RawVertices = Annotated[list[dict[str, Any]], Field(min_length=3, max_length=MAX_VERTICES_PER_ENTITY),
                        WithJsonSchema(_VERTICES_SCHEMA)]


class PolygonModel(_Model):
    vertices: RawVertices


class Radius(_Model):
    value: float = Field(gt=0)
    units: Literal["M"] = "M"


class CircleModel(_Model):
    center: LatLngPoint
    radius: Radius


class Altitude(_Model):
    value: float = Field(ge=-8000, le=100000)
    reference: Literal["W84"] = "W84"
    units: Literal["M"] = "M"


class Volume3DModel(_Model):
    outline_circle: CircleModel | None = None
    outline_polygon: PolygonModel | None = None
    altitude_lower: Altitude | None = None
    altitude_upper: Altitude | None = None


class TimeModel(_Model):
    value: str = Field(max_length=MAX_TIME_CHARS)
    format: Literal["RFC3339"] = "RFC3339"


class Volume4DModel(_Model):
    volume: Volume3DModel
    time_start: TimeModel | None = None
    time_end: TimeModel | None = None

    def to_volume(self, field: str) -> Volume4D:
        return parse_volume4d(self.wire(), field)

    def wire(self) -> dict[str, Any]:
        """The volume as the geometry parser reads it (F3548 JSON), its vertex list the very one
        received: dumping 10,000 vertex objects again cost ~4 ms, holding the GIL."""
        wire = self.model_dump(exclude_none=True, exclude={"volume": {"outline_polygon"}})
        if self.volume.outline_polygon is not None:
            wire["volume"]["outline_polygon"] = {"vertices": self.volume.outline_polygon.vertices}
        return wire


class QueryParameters(_Model):
    area_of_interest: Volume4DModel | None = None


BaseUrl = Annotated[str, Field(min_length=1, max_length=MAX_URL_CHARS, pattern=r"^https?://")]
Ovn = Annotated[str, Field(min_length=1, max_length=MAX_OVN_CHARS)]


def checked_volumes(models: list[Volume4DModel], field: str) -> tuple[Volume4D, ...]:
    """The volumes of one entity, within the count of vertices F3548 allows over all of them."""
    check_vertex_count(models, field)
    return parse_volumes([m.wire() for m in models], field)


class ImplicitSubscriptionParameters(_Model):
    uss_base_url: BaseUrl
    notify_for_constraints: bool = False


class PutOperationalIntentReferenceParameters(_Model):
    extents: list[Volume4DModel] = Field(min_length=1, max_length=MAX_VOLUMES)
    key: list[Ovn] | None = Field(None, max_length=MAX_KEY_OVNS)
    state: Literal["Accepted", "Activated", "Nonconforming", "Contingent"]
    uss_base_url: BaseUrl
    subscription_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    new_subscription: ImplicitSubscriptionParameters | None = None

    def to_request(self) -> PutOirRequest:
        extents = checked_volumes(self.extents, "extents")
        new = self.new_subscription
        return PutOirRequest(
            volumes=extents, key=frozenset(self.key or ()), state=OperationState(self.state), uss_base_url=self.uss_base_url,
            subscription_id=self.subscription_id or None,
            new_subscription=NewSubscription(new.uss_base_url, new.notify_for_constraints) if new else None,
        )


class PutConstraintReferenceParameters(_Model):
    extents: list[Volume4DModel] = Field(min_length=1, max_length=MAX_VOLUMES)
    uss_base_url: BaseUrl

    def volumes(self) -> tuple[Volume4D, ...]:
        return checked_volumes(self.extents, "extents")


class PutSubscriptionParameters(_Model):
    extents: Volume4DModel
    uss_base_url: BaseUrl
    notify_for_operational_intents: bool = False
    notify_for_constraints: bool = False

    def to_request(self) -> PutSubscriptionRequest:
        return PutSubscriptionRequest(
            volume=self.extents.to_volume("extents"), uss_base_url=self.uss_base_url,
            notify_for_operational_intents=self.notify_for_operational_intents,
            notify_for_constraints=self.notify_for_constraints,
        )


class SetUssAvailabilityStatusParameters(_Model):
    old_version: str = Field("", max_length=MAX_OVN_CHARS)
    availability: Literal["Unknown", "Normal", "Down"]


class ErrorReport(_Model):
    model_config = ConfigDict(extra="allow")
    report_id: str | None = None
    exchange: dict[str, Any]


# -- responses ------------------------------------------------------------------------------

def time_json(seconds: float) -> dict[str, str]:
    # Microseconds, not the engine's milliseconds: a client that echoes a time we returned
    # (a subscription's start, say) must get back exactly what is stored, or coverage breaks.
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return {"value": moment.isoformat(timespec="microseconds").replace("+00:00", "Z"), "format": "RFC3339"}


def base_url_of(declaration: Declaration, own_base_url: str) -> str:
    """Declarations made over /v1 are managed by this service: their details are at its /uss/v1."""
    return declaration.uss_base_url or own_base_url


def oir_json(oir: Declaration, *, viewer: str, state: State, own_base_url: str = "") -> dict[str, Any]:
    """The reference; its OVN only for its manager (others get it from the manager's details)."""
    body: dict[str, Any] = {
        "id": oir.id, "manager": oir.party,
        "uss_availability": current_availability(state, oir.party).availability.value,
        "version": oir.version, "state": oir.state.value,
        "time_start": time_json(oir.start_s), "time_end": time_json(oir.end_s),
        "uss_base_url": base_url_of(oir, own_base_url),
        "subscription_id": oir.subscription_id or NULL_SUBSCRIPTION_ID,
    }
    if oir.party == viewer:
        body["ovn"] = oir.ovn
    return body


def constraint_json(cr: Declaration, *, viewer: str, state: State, own_base_url: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": cr.id, "manager": cr.party,
        "uss_availability": current_availability(state, cr.party).availability.value,
        "version": cr.version, "time_start": time_json(cr.start_s), "time_end": time_json(cr.end_s),
        "uss_base_url": base_url_of(cr, own_base_url),
    }
    if cr.party == viewer:
        body["ovn"] = cr.ovn
    return body


def subscription_json(sub: Subscription, *, state: State) -> dict[str, Any]:
    return {
        "id": sub.id, "version": sub.version, "notification_index": sub.notification_index,
        "time_start": time_json(sub.start_s), "time_end": time_json(sub.end_s),
        "uss_base_url": sub.uss_base_url,
        "notify_for_operational_intents": sub.notify_for_operational_intents,
        "notify_for_constraints": sub.notify_for_constraints,
        "implicit_subscription": sub.implicit,
        "dependent_operational_intents": [o.id for o in state.dependents(sub.id)],
    }


def subscribers_json(subscribers: tuple[SubscriberToNotify, ...], own_base_url: str = "") -> list[dict[str, Any]]:
    """Subscribers to notify; "" is this service (the subscriptions of declarations made over /v1)."""
    return [
        {"uss_base_url": s.uss_base_url or own_base_url,
         "subscriptions": [{"subscription_id": st.subscription_id, "notification_index": st.notification_index}
                           for st in s.subscriptions]}
        for s in subscribers
    ]


def volume4d_json(volume: Volume4D) -> dict[str, Any]:
    """A Volume4D for USSs: F3548 form with the stored times at full precision."""
    body = dump_volume4d(volume)
    for key, seconds in (("time_start", volume.time_s.lower), ("time_end", volume.time_s.upper)):
        if key in body:
            body[key] = time_json(seconds)
    return body


def operational_intent_details_json(oir: Declaration, *, state: State, own_base_url: str) -> dict[str, Any]:
    """F3548 OperationalIntent (reference and details) as a USS obtains it from its manager."""
    nominal = not oir.state.off_nominal
    volumes = [volume4d_json(v) for v in oir.volumes]
    return {"reference": oir_json(oir, viewer=oir.party, state=state, own_base_url=own_base_url),
            "details": {"volumes": volumes if nominal else [], "off_nominal_volumes": [] if nominal else volumes,
                        "priority": oir.priority}}


def constraint_details_json(cr: Declaration, *, state: State, own_base_url: str) -> dict[str, Any]:
    return {"reference": constraint_json(cr, viewer=cr.party, state=state, own_base_url=own_base_url),
            "details": {"volumes": [volume4d_json(v) for v in cr.volumes], "type": "ProtectedSite"}}
