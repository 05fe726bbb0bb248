"""Periodic rules, evaluated as of a time: fires past the limit, not just below it, clears, and a second
scan (or a replayed import) adds nothing."""

import pytest

from ordex.detection.models import Finding
from ordex.detection.tests.helpers import (
    active,
    cases_of,
    envelope,
    findings,
    ingest,
    order_created,
    order_paid,
    scan,
    shipment_created,
    tracking,
)


def paid_order(no="A1", created="2026-11-01T10:00:00+08:00", paid="2026-11-01T10:05:00+08:00", **kw):
    return [order_created(no, at=created, **kw), order_paid(no, at=paid)]


# ---- payment_timeout ---------------------------------------------------------------------------------

def test_payment_timeout_fires_just_past_thirty_minutes_not_before(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:29:59+08:00")
    assert findings("payment_timeout") == []
    scan("2026-11-01T10:30:00+08:00")
    assert len(findings("payment_timeout")) == 1


def test_second_scan_adds_nothing_and_payment_clears_and_resolves_the_untouched_case(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:31:00+08:00")
    scan("2026-11-01T10:45:00+08:00")
    assert len(findings("payment_timeout")) == 1 and len(cases_of("payment_timeout")) == 1
    ingest(order_paid("P1", at="2026-11-01T10:50:00+08:00"))
    assert active("payment_timeout") == []
    [case] = cases_of("payment_timeout")
    assert case.status == "resolved" and case.resolution == "cleared"


def test_history_scan_finds_a_late_payment_and_records_it_cleared(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"), order_paid("P1", at="2026-11-01T11:00:00+08:00"))
    scan("2026-11-02T00:00:00+08:00")
    [finding] = findings("payment_timeout")
    assert not finding.active and finding.cleared_at.isoformat() == "2026-11-01T03:00:00+00:00"


def test_cancelled_unpaid_order_is_not_a_payment_timeout(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"),
           envelope("order.cancelled", "2026-11-01T10:20:00+08:00", {"order_no": "P1"}))
    scan("2026-11-01T12:00:00+08:00")
    assert findings("payment_timeout") == []


def test_order_arriving_late_is_found_by_the_next_pass(db):
    ingest(order_created("P0", at="2026-11-01T09:00:00+08:00"), order_paid("P0", at="2026-11-01T09:01:00+08:00"))
    scan("2026-11-01T12:00:00+08:00")
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))  # arrived after the pass that covered it
    scan("2026-11-01T12:01:00+08:00", full=True)
    assert [f.order.order_no for f in findings("payment_timeout")] == ["P1"]


# ---- ship_delay ---------------------------------------------------------------------------------------

def test_ship_delay_at_48_hours_after_payment_with_a_warning_at_36(db):
    ingest(*paid_order())
    scan("2026-11-03T10:04:00+08:00")
    assert findings("ship_delay") == []
    assert Finding.objects.filter(rule_code="ship_delay", level="warning").count() == 1
    assert cases_of("ship_delay") == []
    scan("2026-11-03T10:05:00+08:00")
    assert len(findings("ship_delay")) == 1
    ingest(shipment_created("A1", at="2026-11-03T12:00:00+08:00"))
    assert active("ship_delay") == []


def test_platform_ship_by_wins_over_48_hours(db):
    ingest(*paid_order(ship_by="2026-11-02T10:00:00+08:00"))
    scan("2026-11-02T09:59:00+08:00")
    assert findings("ship_delay") == []
    scan("2026-11-02T10:00:00+08:00")
    assert len(findings("ship_delay")) == 1


def test_order_shipped_late_is_found_in_history(db):
    ingest(*paid_order(), shipment_created("A1", at="2026-11-04T10:00:00+08:00"))
    scan("2026-11-05T00:00:00+08:00")
    [finding] = findings("ship_delay")
    assert not finding.active


def test_shipped_in_time_is_not_delayed(db):
    ingest(*paid_order(), shipment_created("A1", at="2026-11-03T10:00:00+08:00"))
    scan("2026-11-06T00:00:00+08:00")
    assert findings("ship_delay") == []


# ---- pickup_timeout / false_shipment -----------------------------------------------------------------

def shipped(at="2026-11-01T12:00:00+08:00"):
    return [*paid_order(), shipment_created("A1", at=at)]


def test_pickup_timeout_at_24_hours_clears_on_pickup(db):
    ingest(*shipped(), tracking("info_received", "2026-11-01T13:00:00+08:00"))
    scan("2026-11-02T11:59:00+08:00")
    assert findings("pickup_timeout") == []
    scan("2026-11-02T12:00:00+08:00")
    assert len(findings("pickup_timeout")) == 1
    ingest(tracking("picked_up", "2026-11-02T15:00:00+08:00"))
    assert active("pickup_timeout") == []


def test_false_shipment_after_72_hours_without_any_carrier_event(db):
    ingest(*shipped())
    scan("2026-11-04T11:59:00+08:00")
    assert findings("false_shipment") == []
    scan("2026-11-04T12:00:00+08:00")
    assert len(findings("false_shipment")) == 1
    ingest(tracking("picked_up", "2026-11-04T15:00:00+08:00"))
    assert active("false_shipment") == []


# ---- tracking_stalled / parcel_lost --------------------------------------------------------------------

def moving(remote=False):
    address = {"province": "西藏自治区", "city": "拉萨市", "district": "城关区", "detail": "北京中路10号"} if remote else None
    return [order_created("A1", at="2026-11-01T10:00:00+08:00", address=address),
            order_paid("A1", at="2026-11-01T10:05:00+08:00"), shipment_created("A1", at="2026-11-01T12:00:00+08:00"),
            tracking("picked_up", "2026-11-01T14:00:00+08:00")]


@pytest.mark.parametrize("remote, hours", [(False, 48), (True, 72)])
def test_tracking_stalled_after_48_hours_or_72_to_remote_provinces(db, remote, hours):
    ingest(*moving(remote))
    limit_day, limit_hour = divmod(14 + hours, 24)
    scan(f"2026-11-{1 + limit_day:02d}T{limit_hour - 1:02d}:59:00+08:00")
    assert findings("tracking_stalled") == []
    scan(f"2026-11-{1 + limit_day:02d}T{limit_hour:02d}:00:00+08:00")
    [finding] = findings("tracking_stalled")
    assert finding.facts["remote"] is remote
    assert "杭州转运中心" in finding.summary


def test_stalled_parcel_that_moves_clears_and_a_second_stall_is_a_new_finding(db):
    ingest(*moving())
    scan("2026-11-03T15:00:00+08:00")
    ingest(tracking("in_transit", "2026-11-03T16:00:00+08:00"))
    assert active("tracking_stalled") == []
    scan("2026-11-05T17:00:00+08:00")
    assert len(findings("tracking_stalled")) == 2 and len(active("tracking_stalled")) == 1


def test_stall_that_ended_before_the_scan_is_found_on_import(db):
    ingest(*moving(), tracking("in_transit", "2026-11-04T14:00:00+08:00"))
    [finding] = findings("tracking_stalled")
    assert not finding.active


@pytest.mark.parametrize("shop_hours, stalls", [(None, 0), (6, 1)])
def test_a_shop_with_a_shorter_stall_limit_has_shorter_silences_found_on_import(db, shop_hours, stalls):
    from ordex.detection.models import Rule, RuleOverride
    from ordex.orders.models import Shop

    ingest(*moving())
    if shop_hours is not None:
        RuleOverride.objects.create(rule=Rule.objects.get(code="tracking_stalled"),
                                    shop=Shop.objects.get(code="tb-main"), params={"hours": shop_hours})
    ingest(tracking("in_transit", "2026-11-01T22:30:00+08:00"))  # 8.5 h after pickup, in a later chunk
    assert len(findings("tracking_stalled")) == stalls


def test_gap_just_below_48_hours_is_not_a_stall(db):
    ingest(*moving(), tracking("in_transit", "2026-11-03T13:59:00+08:00"))
    scan("2026-11-03T14:30:00+08:00")
    assert findings("tracking_stalled") == []


def test_out_of_order_tracking_does_not_duplicate_a_stall(db):
    events = [*moving(), tracking("in_transit", "2026-11-04T14:00:00+08:00"),
              tracking("in_transit", "2026-11-04T18:00:00+08:00")]
    ingest(*events[:4])
    ingest(events[5])
    ingest(events[4])
    assert len(findings("tracking_stalled")) == 1


def test_carrier_lost_status_and_seven_days_stalled_are_parcel_lost(db):
    ingest(*moving())
    scan("2026-11-08T13:59:00+08:00")
    assert findings("parcel_lost_stalled") == []
    scan("2026-11-08T14:00:00+08:00")
    assert len(findings("parcel_lost_stalled")) == 1
    ingest(tracking("lost", "2026-11-08T15:00:00+08:00"))
    assert len(findings("parcel_lost")) == 1
    assert len(cases_of("parcel_lost")) == 1


# ---- delivery_overdue ----------------------------------------------------------------------------------

@pytest.mark.parametrize("remote, day", [(False, 6), (True, 9)])
def test_delivery_overdue_five_days_after_shipping_eight_for_remote(db, remote, day):
    ingest(*moving(remote))
    scan(f"2026-11-{day:02d}T11:59:00+08:00")
    assert findings("delivery_overdue") == []
    scan(f"2026-11-{day:02d}T12:00:00+08:00")
    assert len(findings("delivery_overdue")) == 1
    ingest(tracking("delivered", f"2026-11-{day:02d}T13:00:00+08:00"))
    assert active("delivery_overdue") == []


def test_platform_deliver_by_wins(db):
    ingest(order_created("A1", at="2026-11-01T10:00:00+08:00", deliver_by="2026-11-03T10:00:00+08:00"),
           order_paid("A1", at="2026-11-01T10:05:00+08:00"), shipment_created("A1", at="2026-11-01T12:00:00+08:00"))
    scan("2026-11-03T10:00:00+08:00")
    assert len(findings("delivery_overdue")) == 1


# ---- refund_delayed / cancel_failed --------------------------------------------------------------------

def refund(no, at, kind="refund.requested", amount="99.00"):
    return envelope(kind, at, {"refund_no": no, "order_no": "A1", "amount": amount})


def test_unshipped_refund_delayed_after_12_hours(db):
    ingest(*paid_order(), refund("R1", "2026-11-01T12:00:00+08:00"))
    scan("2026-11-01T23:59:00+08:00")
    assert findings("refund_delayed") == []
    scan("2026-11-02T00:00:00+08:00")
    assert len(findings("refund_delayed")) == 1
    ingest(refund("R1", "2026-11-02T01:00:00+08:00", kind="refund.completed"))
    assert active("refund_delayed") == []


def test_shipped_refund_only_gets_24_hours(db):
    ingest(*shipped(), refund("R1", "2026-11-02T12:00:00+08:00"))
    scan("2026-11-03T11:59:00+08:00")
    assert findings("refund_delayed") == []
    scan("2026-11-03T12:00:00+08:00")
    assert len(findings("refund_delayed")) == 1


def test_cancel_not_honoured_within_12_hours(db):
    ingest(*paid_order(), envelope("order.cancel_requested", "2026-11-01T11:00:00+08:00", {"order_no": "A1"}))
    scan("2026-11-01T22:59:00+08:00")
    assert findings("cancel_failed") == []
    scan("2026-11-01T23:00:00+08:00")
    assert len(findings("cancel_failed")) == 1
    ingest(envelope("order.cancelled", "2026-11-02T08:00:00+08:00", {"order_no": "A1"}))
    assert active("cancel_failed") == []


def test_shipped_despite_a_cancel_request_is_cancel_failed_at_once(db):
    ingest(*paid_order(), envelope("order.cancel_requested", "2026-11-01T11:00:00+08:00", {"order_no": "A1"}),
           shipment_created("A1", at="2026-11-01T13:00:00+08:00"))
    [finding] = findings("cancel_shipped_anyway")
    assert finding.type_code == "cancel_failed"
    scan("2026-11-02T08:00:00+08:00")
    assert len(cases_of("cancel_failed")) == 1
