"""History that arrives after a periodic pass already went past its due time (late history): the import hook
queues what it touched, the next incremental pass finds it exactly as a first pass would have, and a
replayed import or another pass adds nothing."""

from ordex.detection.models import LateCheck
from ordex.detection.tests.helpers import (
    envelope,
    findings,
    ingest,
    order_created,
    order_paid,
    scan,
    shipment_created,
    tracking,
)
from ordex.ingest.pipeline import ingest_events


def test_an_unpaid_order_arriving_after_the_pass_that_covered_it_is_found_by_the_next_incremental_pass(db):
    ingest(order_created("P0", at="2026-11-01T09:00:00+08:00"), order_paid("P0", at="2026-11-01T09:01:00+08:00"))
    scan("2026-11-01T12:00:00+08:00")
    late = order_created("P1", at="2026-11-01T10:00:00+08:00", id="late-P1")
    ingest(late)
    assert LateCheck.objects.filter(rule_code="payment_timeout").count() == 1
    passes = {p.code: p for p in scan("2026-11-01T12:01:00+08:00")}
    assert not passes["payment_timeout"].full  # an incremental pass, not a full one
    [finding] = findings("payment_timeout")
    assert finding.order.order_no == "P1" and finding.found_at.isoformat() == "2026-11-01T02:30:00+00:00"
    assert not LateCheck.objects.filter(rule_code="payment_timeout").exists()
    # Replaying the import and running more passes add nothing.
    assert [r.status for r in ingest_events([late], source="test")] == ["duplicate"]
    scan("2026-11-01T12:02:00+08:00")
    scan("2026-11-01T12:03:00+08:00", full=True)
    assert len(findings("payment_timeout")) == 1


def test_late_history_that_was_paid_in_time_opens_nothing_even_when_split_across_imports(db):
    scan("2026-11-01T12:00:00+08:00")
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))  # the payment comes in the next import
    ingest(order_paid("P1", at="2026-11-01T10:05:00+08:00"))
    scan("2026-11-01T12:01:00+08:00")
    assert findings("payment_timeout") == []


def test_a_parcel_shipped_and_picked_up_long_ago_arriving_late_is_found_stalled_and_not_twice(db):
    scan("2026-11-05T10:00:00+08:00")
    events = [order_created("S1", at="2026-11-01T10:00:00+08:00"), order_paid("S1", at="2026-11-01T10:01:00+08:00"),
              shipment_created("S1", at="2026-11-01T14:00:00+08:00"),
              tracking("picked_up", "2026-11-01T16:00:00+08:00"), tracking("in_transit", "2026-11-01T20:00:00+08:00")]
    ingest(*events)
    scan("2026-11-05T10:01:00+08:00")
    assert [f.order.order_no for f in findings("tracking_stalled")] == ["S1"]
    assert findings("pickup_timeout") == [] and findings("false_shipment") == []
    scan("2026-11-05T10:02:00+08:00")
    assert len(findings("tracking_stalled")) == 1


def test_a_late_refund_request_is_found_delayed(db):
    ingest(order_created("R0", at="2026-11-01T09:00:00+08:00"), order_paid("R0", at="2026-11-01T09:01:00+08:00"))
    scan("2026-11-03T00:00:00+08:00")
    ingest(order_created("R1", at="2026-11-01T10:00:00+08:00"), order_paid("R1", at="2026-11-01T10:01:00+08:00"),
           envelope("refund.requested", "2026-11-01T11:00:00+08:00",
                    {"refund_no": "RF1", "order_no": "R1", "amount": "99.00", "reason": "不想要了"}))
    scan("2026-11-03T00:10:00+08:00")
    assert [f.refund.refund_no for f in findings("refund_delayed")] == ["RF1"]


def test_events_on_time_queue_nothing(db):
    ingest(order_created("P0", at="2026-11-01T09:00:00+08:00"))
    scan("2026-11-01T09:10:00+08:00")
    # A pass as of the wall clock's past: new events whose limits are still ahead of the watermark and the
    # clock are left to the incremental windows.
    from django.utils import timezone

    soon = timezone.now().isoformat()
    ingest(order_created("P2", at=soon))
    assert not LateCheck.objects.exists()


def test_a_dry_run_or_an_earlier_pass_leaves_the_queue_for_the_next_real_pass(db):
    scan("2026-11-01T12:00:00+08:00")
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T12:01:00+08:00", dry_run=True)
    scan("2026-11-01T11:00:00+08:00")  # replaying an earlier moment
    assert LateCheck.objects.filter(rule_code="payment_timeout").count() == 1
    scan("2026-11-01T12:01:00+08:00")
    assert len(findings("payment_timeout")) == 1 and not LateCheck.objects.filter(rule_code="payment_timeout").exists()
