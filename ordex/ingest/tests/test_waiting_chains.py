"""An event that waits for its order or parcel is applied as soon as everything it needs exists, however long
the chain (order.created ← shipment.created ← tracking.updated) and however the arrivals are split into
commits: every arrival order, every split into batches, a scan dated before its own shipment.created."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordex.ingest.models import Event
from ordex.ingest.pipeline import ingest_events
from ordex.orders.apply import forget_cached_rows
from ordex.orders.models import Order, PendingEvent, Shipment, TrackingEvent

from .events import order_created, order_paid, shipment_created, tracking

pytestmark = pytest.mark.django_db


def _chain(scan_before_shipment: bool) -> list[dict]:
    # A carrier's first scan can carry a time before the merchant's own shipment.created (clock skew).
    scan_at = "2026-11-02T08:55:00+08:00" if scan_before_shipment else "2026-11-02T18:00:00+08:00"
    return [
        order_created("CH1", id="o"),
        shipment_created("CH1", id="s", tracking_no="YDCH1"),
        tracking("picked_up", scan_at, tracking_no="YDCH1", id="t"),
    ]


def _splits(events: list) -> list[list[list]]:
    """Every way of cutting a sequence into consecutive non-empty batches."""
    cuts = []
    for mask in itertools.product((False, True), repeat=len(events) - 1):
        batches, current = [], [events[0]]
        for event, cut in zip(events[1:], mask, strict=True):
            if cut:
                batches.append(current)
                current = []
            current.append(event)
        cuts.append([*batches, current])
    return cuts


def _deliver(batches):
    for batch in batches:
        results = ingest_events(batch, source="test")
        assert {r.status for r in results} <= {"applied"}, results


def _assert_all_applied():
    assert list(PendingEvent.objects.values_list("event_id", "waiting_key")) == []
    assert set(Event.objects.values_list("status", flat=True)) == {Event.Status.APPLIED}


CASES = [(order, split, skew) for skew in (False, True)
         for order in itertools.permutations(range(3)) for split in range(4)]


@pytest.mark.parametrize(("arrival", "split", "scan_before_shipment"), CASES)
def test_a_three_level_chain_is_applied_in_every_arrival_order_and_batch_split(arrival, split,
                                                                              scan_before_shipment):
    forget_cached_rows()
    chain = _chain(scan_before_shipment)
    arrived = [chain[i] for i in arrival]

    _deliver(_splits(arrived)[split])

    _assert_all_applied()
    shipment = Shipment.objects.get(shipment_no="SH1")
    assert shipment.order == Order.objects.get(order_no="CH1")
    assert shipment.status == "picked_up"
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_a_scan_and_its_shipment_waiting_in_one_commit_are_both_applied_when_the_order_comes():
    forget_cached_rows()
    _deliver([[tracking("picked_up", "2026-11-02T18:00:00+08:00", tracking_no="YDCH2", id="t2"),
               shipment_created("CH2", id="s2", tracking_no="YDCH2", shipment_no="SH2")]])
    assert PendingEvent.objects.count() == 2

    _deliver([[order_created("CH2", id="o2")]])

    _assert_all_applied()
    assert Shipment.objects.get(shipment_no="SH2").status == "picked_up"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arrival_order_and_batching_of_an_order_with_payment_parcels_and_scans_applies_everything(data):
    PendingEvent.objects.all().delete()
    Event.objects.all().delete()
    TrackingEvent.objects.all().delete()
    Shipment.objects.all().delete()
    Order.objects.all().delete()
    forget_cached_rows()
    events = [
        order_created("CH3", id="h-o"),
        order_paid("CH3", id="h-p"),
        shipment_created("CH3", id="h-s1", shipment_no="SH3A", tracking_no="YDCH3A"),
        shipment_created("CH3", id="h-s2", shipment_no="SH3B", tracking_no="YDCH3B",
                         at="2026-11-02T10:00:00+08:00"),
        tracking("picked_up", "2026-11-02T18:00:00+08:00", tracking_no="YDCH3A", id="h-t1"),
        tracking("in_transit", "2026-11-03T08:00:00+08:00", tracking_no="YDCH3A", id="h-t2"),
        tracking("picked_up", "2026-11-02T09:30:00+08:00", tracking_no="YDCH3B", id="h-t3"),
    ]
    arrived = data.draw(st.permutations(events))
    cuts = data.draw(st.lists(st.booleans(), min_size=len(arrived) - 1, max_size=len(arrived) - 1))
    batches, current = [], [arrived[0]]
    for event, cut in zip(arrived[1:], cuts, strict=True):
        if cut:
            batches.append(current)
            current = []
        current.append(event)

    _deliver([*batches, current])

    _assert_all_applied()
    assert dict(Shipment.objects.values_list("shipment_no", "status")) == {"SH3A": "in_transit", "SH3B": "picked_up"}
    assert Order.objects.get(order_no="CH3").paid_at is not None
