"""One code path for every source of events (HTTP batch, file import, carrier push).

validate each event → drop ids already seen → apply the rest to the hub → store them as received →
hand the applied events to the hub's listeners (detection) — all in one transaction per chunk, so a chunk is
either wholly in or wholly out (an import killed halfway resumes cleanly: its finished chunks are
duplicates on the second run).

Writers are serialised: SQLite takes its write lock at BEGIN (IMMEDIATE mode, see settings), after the
writer's turn in the writers' line (`ordex.core.writers`); on PostgreSQL an advisory transaction lock does
the same. That keeps "check the id, then insert it"
race-free when two identical requests arrive together, and keeps each chunk's view of the hub current.
Within a process, chunks that threads queue while another one writes are written together as one
transaction (group commit, `group_commit.py`).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from ordex.core.bulk import fast_insert, rows_where_in
from ordex.core.gc_tuning import collect_after
from ordex.core.writers import writers_in_line
from ordex.orders import hooks as hub_hooks
from ordex.orders.apply import ApplyOutcome, apply_events, forget_cached_rows, released_keys
from ordex.orders.queries import waiting_events

from .group_commit import GroupCommit, Submission
from .models import Event
from .schemas import InboundEvent, Rejection, envelope_text, parse_event, parse_waiting

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000
_ADVISORY_LOCK_KEY = 0x0DE7_1A6E  # any constant: "the ingest writer"


@dataclass(frozen=True)
class EventResult:
    id: str | None
    status: str  # applied | duplicate | rejected
    error: str | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        body = {"id": self.id, "status": self.status}
        if self.error is not None:
            body["error"] = self.error
            body["field"] = self.field
        return body


@dataclass(slots=True)
class _EventRow:
    """The columns of an Event row, without the cost of a model instance per event."""

    event_id: str
    type: str
    occurred_at: object
    received_at: object
    source: str
    status: str
    envelope: str


def ingest_events(raw_events: Sequence[Any], *, source: str, texts: Sequence[str] | None = None,
                  history: bool = False) -> list[EventResult]:
    """Take a batch of raw events; return one result per event, in the same order.

    `texts`, when the caller has them (a file's lines), are the events exactly as received: they are
    stored as the envelopes instead of re-serialising the parsed objects. `history`: the events of a history
    import (`ingest.history`), written by this thread alone — another request's chunk must not join their
    transaction, whose findings wait for the import's end."""
    results: list[EventResult | None] = [None] * len(raw_events)
    for start in range(0, len(raw_events), CHUNK_SIZE):
        chunk = raw_events[start:start + CHUNK_SIZE]
        chunk_texts = texts[start:start + CHUNK_SIZE] if texts is not None else None
        with collect_after():
            chunk_results = _ingest_chunk(chunk, source, chunk_texts, history)
        for offset, result in enumerate(chunk_results):
            results[start + offset] = result
    return results


def _ingest_chunk(raw_events: Sequence[Any], source: str, texts: Sequence[str] | None,
                  history: bool) -> list[EventResult]:
    if texts is None:
        texts = [envelope_text(raw) for raw in raw_events]
    submission = Submission(raw_events, texts, source, [None] * len(raw_events))
    for index, raw in enumerate(raw_events):
        text = texts[index]
        parsed = text if isinstance(text, Rejection) else parse_event(raw, text)
        if isinstance(parsed, Rejection):
            submission.results[index] = EventResult(parsed.id, "rejected", parsed.error, parsed.field)
        elif parsed.event_id in submission.candidates:
            submission.results[index] = EventResult(parsed.event_id, "duplicate")
        else:
            submission.candidates[parsed.event_id] = (index, parsed)
    if submission.candidates:
        if connection.in_atomic_block or history:
            # The caller's transaction must hold our writes (and may already hold SQLite's lock): write
            # here, in it, rather than queue behind writers that could be waiting for that lock.
            _write([submission])
        else:
            _GROUP.submit(submission, CHUNK_SIZE)
    return submission.results


def _write(group: list[Submission]) -> None:
    """Write the queued chunks as one transaction: drop ids seen before (or earlier in the group), apply
    the rest to the hub, store the envelopes, notify the subscribers."""
    with writers_in_line(), transaction.atomic():
        _take_writer_lock()
        owners = {}  # event_id -> (submission, index, parsed): the first of each id in the group
        for submission in group:
            for event_id, (index, parsed) in submission.candidates.items():
                if event_id in owners:
                    submission.results[index] = EventResult(event_id, "duplicate")
                else:
                    owners[event_id] = (submission, index, parsed)
        seen = {row[0] for row in rows_where_in(Event, "event_id", owners, ["event_id"])}
        fresh = []
        for event_id, (submission, index, parsed) in owners.items():
            if event_id in seen:
                submission.results[index] = EventResult(event_id, "duplicate")
            else:
                fresh.append(parsed)
        outcome = _apply_isolating(fresh)
        received_at = timezone.now()
        rows = []
        for parsed in fresh:
            submission, index, _ = owners[parsed.event_id]
            refused = outcome.refused.get(parsed.event_id)
            if refused:
                submission.results[index] = EventResult(parsed.event_id, "rejected", refused[1], refused[0])
                continue
            submission.results[index] = EventResult(parsed.event_id, "applied")
            rows.append(_EventRow(
                parsed.event_id, parsed.type, parsed.occurred_at, received_at, submission.source,
                Event.Status.WAITING if parsed.event_id in outcome.waiting else Event.Status.APPLIED,
                submission.texts[index],
            ))
        fast_insert(Event, rows)
        if outcome.released:
            Event.objects.filter(event_id__in=outcome.released).update(status=Event.Status.APPLIED)
        if outcome.applied:
            _notify(outcome.applied)


# This process's queue of chunks: whichever thread writes next writes the queued chunks of the others too.
_GROUP = GroupCommit(_write)


def _take_writer_lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def _apply_isolating(events: list[InboundEvent]) -> ApplyOutcome:
    """Apply the events (with the ones that waited for them); if anything unexpected fails (a value the
    contract let through and the database refused, a bug in one handler), roll back to the savepoint and
    apply each half of them, in time order, the same way — down to the one event that fails alone, which is
    rejected. The others apply: a bad event costs its own place, never its batch's (about 2·log2(n) extra
    passes for one bad event among n; none without one)."""
    try:
        with transaction.atomic():
            return apply_events(events + _waiting_for(events))
    except (OperationalError, InterfaceError):
        raise  # the database, not an event: the chunk fails and is retried whole
    except Exception as exc:
        if len(events) == 1:
            log.warning("event %s could not be applied", events[0].event_id, exc_info=True)
            return ApplyOutcome(refused={events[0].event_id: ("", f"the event could not be applied ({type(exc).__name__})")})
    ordered = sorted(events, key=lambda event: event.occurred_at)
    middle = len(ordered) // 2
    first, second = _apply_isolating(ordered[:middle]), _apply_isolating(ordered[middle:])
    released = set(second.released)
    return ApplyOutcome(
        applied=first.applied + second.applied,
        waiting={event_id: key for event_id, key in {**first.waiting, **second.waiting}.items()
                 if event_id not in released},
        refused={**first.refused, **second.refused},
        released=first.released + second.released,
    )


def _waiting_for(events: list[InboundEvent]) -> list[InboundEvent]:
    """The events that waited in the hub for an order or parcel these events bring, validated again, along
    the whole chain: a parcel that waited for its order releases, once the order comes, the scans that
    waited for the parcel (one read per level, usually none)."""
    found, asked = [], set()
    keys = released_keys(events)
    while keys:
        asked |= keys
        earlier = [event for event in map(parse_waiting, waiting_events(keys)) if event is not None]
        found += earlier
        keys = released_keys(earlier) - asked
    return found


def _notify(applied):
    """Hand the applied events to the hub's listeners (`orders.hooks.applied_events`: detection)."""
    for subscriber in hub_hooks.applied_events:
        try:
            with transaction.atomic():
                subscriber(applied)
        except Exception:
            # A failing rule must not lose the merchant's events: they are stored and can be re-scanned.
            log.exception("event subscriber %s failed on %d events", subscriber, len(applied))
            # What the subscriber wrote rolled back with its savepoint; state it kept in memory between
            # chunks (detection's SKU histogram) may not have: start the next chunk from the database.
            forget_cached_rows()


def summarise(results: Sequence[EventResult]) -> dict[str, int]:
    counts = {"applied": 0, "duplicate": 0, "rejected": 0}
    for result in results:
        counts[result.status] += 1
    return counts
