"""The event envelope: `{"id", "type", "occurred_at", "data"}` (docs/events.md). One function turns one raw
event into a validated InboundEvent or a rejection naming the field; another validates again an event that
waited in the hub for its order or parcel.

Before the fields are read, the event as a whole must be storable: at most `MAX_EVENT_CHARS` characters as
JSON, nested at most `MAX_DEPTH` levels, and no text holding a lone surrogate (not UTF-8) or a NUL (which
PostgreSQL cannot store) — in any key, including keys the contract does not read."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from .event_data import DATA_MODELS, aware_datetime

MAX_ID_LENGTH = 200
MAX_EVENT_CHARS = 256 * 1024
MAX_DEPTH = 16  # levels of objects and arrays, the envelope included (an order line is at level 4)


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


def envelope_text(raw: Any) -> str | Rejection:
    """The event as JSON text, to store as received (events read from a file keep their own line)."""
    try:
        return orjson.dumps(raw).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; in a key the contract does not read, one is stored as sent.
        return _unstorable(raw) or json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def parse_event(raw: Any, text: str | None = None) -> InboundEvent | Rejection:
    """`text` is the event as JSON (its line in a file; by default `envelope_text`)."""
    if not isinstance(raw, dict):
        return Rejection(None, "an event must be a JSON object", "")
    if text is None:
        text = envelope_text(raw)
        if isinstance(text, Rejection):
            return text
    if "\\u0000" in text or text.count("{") + text.count("[") > MAX_DEPTH:
        # Cheap tests on the text first; only a suspect event is walked, to name the value at fault.
        rejection = _unstorable(raw)
        if rejection is not None:
            return rejection
    event_id = raw.get("id")
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if not isinstance(event_id, str) or not event_id.strip():
        return Rejection(None, "id is required: a unique string per event", "id")
    if len(event_id) > MAX_ID_LENGTH:
        return Rejection(event_id[:MAX_ID_LENGTH], f"id is longer than {MAX_ID_LENGTH} characters", "id")
    if len(text) > MAX_EVENT_CHARS:
        return Rejection(event_id, f"an event may take at most {MAX_EVENT_CHARS} characters as JSON", "")
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


def _unstorable(raw: Any) -> Rejection | None:
    """Why this event cannot be stored, naming the first value at fault; None when it can."""
    event_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or _text_problem(event_id):
        event_id = None
    stack = [(raw, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                return Rejection(event_id, problem, _dotted(path))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return Rejection(event_id, f"values nest deeper than {MAX_DEPTH} levels", _dotted(path))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                problem = _text_problem(key) if isinstance(key, str) else None
                if problem:
                    return Rejection(event_id, f"a key: {problem}", _dotted(path))
                stack.append((item, (*path, key), depth + 1))
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "text must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid UTF-8 (a lone surrogate is not)"
    return None


def _dotted(path) -> str:
    return ".".join(str(part) for part in path)
