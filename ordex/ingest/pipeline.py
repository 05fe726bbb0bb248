"""One code path for every source of events (HTTP batch, file import, carrier push).

validate each event → drop ids already seen → apply the rest to the hub → store them as received →
hand the applied events to the subscribers (detection) — all in one transaction per chunk, so a chunk is
either wholly in or wholly out (an import killed halfway resumes cleanly: its finished chunks are
duplicates on the second run).

Writers are serialised: SQLite takes its write lock at BEGIN (IMMEDIATE mode, see settings); on
PostgreSQL an advisory transaction lock does the same. That keeps "check the id, then insert it"
race-free when two identical requests arrive together, and keeps each chunk's view of the hub current.
"""

import fcntl
import logging
import os
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ordex.core.bulk import fast_insert, rows_where_in
from ordex.core.gc_tuning import collect_after
from ordex.orders.apply import apply_events, forget_cached_rows

from .models import Event
from .schemas import Rejection, parse_event

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


@cache
def _subscribers():
    return [import_string(path) for path in settings.ORDEX_EVENT_SUBSCRIBERS]


def ingest_events(raw_events: Sequence[Any], *, source: str, texts: Sequence[str] | None = None) -> list[EventResult]:
    """Take a batch of raw events; return one result per event, in the same order.

    `texts`, when the caller has them (a file's lines), are the events exactly as received: they are
    stored as the envelopes instead of re-serialising the parsed objects."""
    results: list[EventResult | None] = [None] * len(raw_events)
    for start in range(0, len(raw_events), CHUNK_SIZE):
        chunk = raw_events[start:start + CHUNK_SIZE]
        chunk_texts = texts[start:start + CHUNK_SIZE] if texts is not None else None
        with collect_after():
            chunk_results = _ingest_chunk(chunk, source, chunk_texts)
        for offset, result in enumerate(chunk_results):
            results[start + offset] = result
    return results


def _ingest_chunk(raw_events: Sequence[Any], source: str, texts: Sequence[str] | None) -> list[EventResult]:
    results: list[EventResult | None] = [None] * len(raw_events)
    candidates = {}  # event_id -> (index, InboundEvent)
    for index, raw in enumerate(raw_events):
        parsed = parse_event(raw)
        if isinstance(parsed, Rejection):
            results[index] = EventResult(parsed.id, "rejected", parsed.error, parsed.field)
        elif parsed.event_id in candidates:
            results[index] = EventResult(parsed.event_id, "duplicate")
        else:
            candidates[parsed.event_id] = (index, parsed)

    if candidates:
        with _one_writer(), transaction.atomic():
            _take_writer_lock()
            seen = {row[0] for row in rows_where_in(Event, "event_id", candidates, ["event_id"])}
            fresh = []
            for event_id, (index, parsed) in candidates.items():
                if event_id in seen:
                    results[index] = EventResult(event_id, "duplicate")
                else:
                    fresh.append(parsed)
            outcome = apply_events(fresh)
            received_at = timezone.now()
            rows = []
            for parsed in fresh:
                index = candidates[parsed.event_id][0]
                refused = outcome.refused.get(parsed.event_id)
                if refused:
                    results[index] = EventResult(parsed.event_id, "rejected", refused[1], refused[0])
                    continue
                results[index] = EventResult(parsed.event_id, "applied")
                rows.append(_EventRow(
                    parsed.event_id, parsed.type, parsed.occurred_at, received_at, source,
                    Event.Status.WAITING if parsed.event_id in outcome.waiting else Event.Status.APPLIED,
                    texts[index] if texts is not None else orjson.dumps(raw_events[index]).decode(),
                ))
            fast_insert(Event, rows)
            if outcome.released:
                Event.objects.filter(event_id__in=outcome.released).update(status=Event.Status.APPLIED)
            if outcome.applied:
                _notify(outcome.applied)
    return results


_THREADS_WRITING = threading.Lock()


@contextmanager
def _one_writer():
    """On SQLite, queue writers on a lock that wakes the next one the moment it is free.

    SQLite's own busy handler polls with growing sleeps (up to 100 ms), so with several HTTP workers
    pushing at once most of the wait is sleeping while the database is idle. A thread lock orders this
    process's threads, an exclusive `flock` on a file next to the database orders the processes; the
    write transaction then starts without contention. (Inside a caller's transaction, which may
    already hold SQLite's lock, queueing here could deadlock with it: then SQLite's handler decides.)"""
    name = connection.settings_dict.get("NAME")
    if connection.vendor != "sqlite" or connection.in_atomic_block or not name or str(name).startswith(
            (":memory:", "file:")):
        yield
        return
    with _THREADS_WRITING:
        fd = os.open(f"{name}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock


def _take_writer_lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def _notify(applied):
    for subscriber in _subscribers():
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
