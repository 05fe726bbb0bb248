"""Group commit: chunks that this process's threads queue while another one writes go in as one transaction,
and each caller still gets exactly its own results."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from ordex.ingest import pipeline
from ordex.ingest.models import Event
from ordex.ingest.pipeline import _GROUP, ingest_events
from ordex.orders.models import Order, Payment

from .events import order_created, order_paid
from .test_pipeline import _hold_writer_lock_elsewhere, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


class Pusher(threading.Thread):
    """One caller (an HTTP request's thread) pushing one batch."""

    def __init__(self, batch):
        super().__init__()
        self.batch = batch
        self.statuses = None
        self.error = None

    def run(self):
        try:
            self.statuses = [r.status for r in ingest_events(self.batch, source="http")]
        except Exception as exc:
            self.error = exc
        finally:
            connections.close_all()


def _queue_behind_a_blocked_writer(first, *batches):
    """`first` is written while another process holds the writer lock; `batches` queue behind it meanwhile,
    each from its own thread. Returns the pushers of `batches`, finished."""
    release = _hold_writer_lock_elsewhere(connection)
    try:
        leader = Pusher(first)
        leader.start()
        wait_until(lambda: _GROUP.writing, "the first writer")
        followers = [Pusher(batch) for batch in batches]
        for follower in followers:
            follower.start()
        wait_until(lambda: len(_GROUP.queue) == len(batches), "the others to queue")
    finally:
        release()
    for pusher in (leader, *followers):
        pusher.join(20)
    assert leader.error is None and leader.statuses == ["applied"] * len(first)
    return followers


def _received_at(*event_ids):
    return set(Event.objects.filter(event_id__in=event_ids).values_list("received_at", flat=True))


def test_chunks_queued_while_another_writes_commit_together_with_their_own_results():
    bad = order_paid(id="q2-bad", amount="12.345")
    first, second = _queue_behind_a_blocked_writer(
        [order_created(id="c1", total="198.00")],
        [order_paid(id="q1-p", amount="99.00", txn_id="T1")],
        [bad, order_paid(id="q2-p", amount="99.00", txn_id="T2")],
    )
    assert first.error is None and first.statuses == ["applied"]
    assert second.error is None and second.statuses == ["rejected", "applied"]
    order = Order.objects.get(order_no="A1001")
    assert order.paid_amount == Decimal("198.00") and order.payment_count == 2
    # One transaction wrote both queued chunks: their envelopes carry the same received time.
    assert len(_received_at("q1-p", "q2-p")) == 1
    assert _received_at("q1-p") != _received_at("c1")
    assert not Event.objects.filter(event_id="q2-bad").exists()


def test_the_same_event_in_two_queued_chunks_is_applied_once():
    batch = [order_paid(id=f"p{i}", txn_id=f"T{i}") for i in range(5)]
    first, second = _queue_behind_a_blocked_writer([order_created(id="c1")], batch, [dict(e) for e in batch])
    assert first.error is None and second.error is None
    assert sorted([first.statuses, second.statuses]) == [["applied"] * 5, ["duplicate"] * 5]
    assert Payment.objects.count() == 5 and Order.objects.get().payment_count == 5


def test_a_failing_group_is_written_again_chunk_by_chunk(monkeypatch):
    apply_events = pipeline.apply_events

    def failing_on_boom(events):
        if any(event.event_id == "boom" for event in events):
            raise RuntimeError("boom")
        return apply_events(events)

    monkeypatch.setattr(pipeline, "apply_events", failing_on_boom)
    good, broken = _queue_behind_a_blocked_writer(
        [order_created(id="c1")],
        [order_paid(id="good", txn_id="T1")],
        [order_paid(id="boom", txn_id="T2")],
    )
    assert good.error is None and good.statuses == ["applied"]
    assert isinstance(broken.error, RuntimeError) and broken.statuses is None
    assert set(Event.objects.values_list("event_id", flat=True)) == {"c1", "good"}
    assert Payment.objects.get().txn_id == "T1"


def test_a_group_stops_at_the_chunk_size(monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 1)
    first, second = _queue_behind_a_blocked_writer(
        [order_created(id="c1")],
        [order_paid(id="q1-p", txn_id="T1")],
        [order_paid(id="q2-p", txn_id="T2")],
    )
    assert first.statuses == ["applied"] and second.statuses == ["applied"]
    # One event per transaction at most: the two queued chunks were written one after the other.
    assert len(_received_at("q1-p", "q2-p")) == 2
    assert Order.objects.get().payment_count == 2
