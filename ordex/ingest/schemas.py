"""The event envelope: `{"id", "type", "occurred_at", "data"}` (docs/events.md). One function turns one raw
event into a validated InboundEvent or a rejection naming the field; another validates again an event that
waited in the hub for its order or parcel."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from .event_data import DATA_MODELS, aware_datetime

MAX_ID_LENGTH = 200


@dataclass
class InboundEvent:
    """A validated event on its way into the hub (what `orders.apply` reads as a `HubEvent`)."""

    event_id: str
    type: str
    occurred_at: datetime
    data: object  # the pydantic model for the type
    raw_data: dict  # the data as received, kept to re-validate a waiting event later
    waited: bool = False  # read back from the hub's PendingEvent: it waited for its order or parcel


@dataclass(frozen=True)
class Rejection:
    id: str | None
    error: str
    field: str


def parse_event(raw: Any) -> InboundEvent | Rejection:
    if not isinstance(raw, dict):
        return Rejection(None, "an event must be a JSON object", "")
    event_id = raw.get("id")
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if not isinstance(event_id, str) or not event_id.strip():
        return Rejection(None, "id is required: a unique string per event", "id")
    if len(event_id) > MAX_ID_LENGTH:
        return Rejection(event_id[:MAX_ID_LENGTH], f"id is longer than {MAX_ID_LENGTH} characters", "id")
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not event_type:
        return Rejection(event_id, "type is required", "type")
    model = DATA_MODELS.get(event_type)
    if model is None:
        return Rejection(event_id, f"unknown event type '{event_type}'", "type")
    if "occurred_at" not in raw:
        return Rejection(event_id, "occurred_at is required", "occurred_at")
    try:
        occurred_at = aware_datetime(raw["occurred_at"])
    except ValueError as exc:
        return Rejection(event_id, str(exc), "occurred_at")
    data = raw.get("data")
    if not isinstance(data, dict):
        return Rejection(event_id, "data is required and must be an object", "data")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        location = ".".join(str(part) for part in ("data", *first["loc"]))
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = f"{location} is required"
        return Rejection(event_id, message, location)
    return InboundEvent(event_id, event_type, occurred_at, parsed, data)


def parse_waiting(pending) -> InboundEvent | None:
    """An event that waited in the hub (`PendingEvent`) for its order or parcel, validated again."""
    try:
        data = DATA_MODELS[pending.type].model_validate(pending.data)
    except ValidationError:  # pragma: no cover - it was valid when it was accepted
        return None
    return InboundEvent(pending.event_id, pending.type, pending.occurred_at, data, pending.data, waited=True)
