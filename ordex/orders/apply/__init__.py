"""Apply inbound events to the data hub, a chunk at a time.

One chunk (up to a few thousand events) is applied with a fixed number of queries: every row the chunk
refers to is loaded up front, the events change objects in memory in `occurred_at` order, and the
changes are written back with bulk inserts and updates. That is what makes bulk import fast; the caller
(ingest) holds the transaction and the write lock.

Rules of the hub, whatever the arrival order:
- an order or product snapshot older than the one held changes nothing on its row, but every price list and
  stock snapshot is kept by its time (`PriceHistory`, `StockHistory`: what rules judge an order by);
- a parcel's status is the status of its latest tracking event (an older event never rolls it back);
- first-time facts (paid, shipped, cancelled, delivered) keep their earliest `occurred_at`;
- an event whose order or parcel is not known yet waits in `PendingEvent` and is applied when it arrives.
"""

from collections import defaultdict
from collections.abc import Sequence

from ..models import PendingEvent
from ..writes import hub_write
from .cache import HUB_CACHE, forget_cached_rows
from .chunk import ApplyOutcome, Chunk, HubEvent, Refused, Waiting, order_key, tracking_key
from .handlers import HANDLERS, RELEASES

__all__ = ["ApplyOutcome", "HubEvent", "apply_events", "forget_cached_rows", "order_key", "released_keys",
           "tracking_key"]


def released_keys(events: Sequence[HubEvent]) -> set[str]:
    """The waiting keys these events release: the orders and parcels they bring into the hub. The events
    waiting for them (`orders.queries.waiting_events`) go to `apply_events` with the chunk."""
    return {key for e in events if e.type in RELEASES for key in RELEASES[e.type](e.data)}


def apply_events(events: Sequence[HubEvent]) -> ApplyOutcome:
    """Apply a chunk of validated, not-yet-seen events. The caller holds a transaction.

    Events are applied in `occurred_at` order. An event whose order or parcel is unknown waits; when the
    target arrives (in this chunk or a later one) the waiting events are applied right after it.
    The caller includes the events that waited for a key in `released_keys(events)` (`waited` true: read
    with `orders.queries.waiting_events` and validated again).
    """
    outcome = ApplyOutcome()
    HUB_CACHE.begin()
    try:
        with hub_write() as write:
            _apply(list(events), outcome)
    except BaseException:
        HUB_CACHE.clear()
        raise
    HUB_CACHE.commit(write.token)
    return outcome


def _apply(events: list[HubEvent], outcome: ApplyOutcome) -> None:
    chunk = Chunk(events)
    earlier_ids = {e.event_id for e in events if e.waited}

    waiting: dict[str, list[HubEvent]] = defaultdict(list)

    def apply_one(event: HubEvent) -> list[HubEvent]:
        """Apply one event; return the waiting events it released, in time order."""
        try:
            applied = HANDLERS[event.type](chunk, event)
        except Waiting as wait:
            waiting[wait.key].append(event)
            return []
        except Refused as refused:
            outcome.refused[event.event_id] = (refused.field, refused.reason)
            return []
        outcome.applied.append(applied)
        if event.event_id in earlier_ids:
            outcome.released.append(event.event_id)
        released = []
        if event.type in RELEASES:
            for key in RELEASES[event.type](event.data):
                released += sorted(waiting.pop(key, ()), key=lambda e: e.occurred_at)
        return released

    # Released events apply right after the event that released them (depth first), with an explicit
    # stack: a recursive closure would be a reference cycle holding the whole chunk until the next
    # garbage collection.
    for event in sorted(chunk.events, key=lambda e: e.occurred_at):
        stack = [event]
        while stack:
            stack.extend(reversed(apply_one(stack.pop())))

    chunk.flush()
    for key, held in waiting.items():
        for event in held:
            outcome.waiting[event.event_id] = key
    new_waiting = [
        PendingEvent(event_id=e.event_id, type=e.type, occurred_at=e.occurred_at, waiting_key=key,
                     order_no=getattr(e.data, "order_no", ""), data=e.raw_data)
        for key, held in waiting.items() for e in held if e.event_id not in earlier_ids
    ]
    PendingEvent.objects.bulk_create(new_waiting)
    if outcome.released:
        PendingEvent.objects.filter(event_id__in=outcome.released).delete()
    chunk.remember()
