"""Payments, shipped lines, carrier statuses, customer reports, refunds, stock and system health."""

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

T0 = "2026-11-02T10:00:00+08:00"


def test_underpaid_order_is_a_payment_mismatch(db):
    ingest(order_created("A1", at=T0, total="99.00"), order_paid("A1", at="2026-11-02T10:01:00+08:00", amount="89.00"))
    [finding] = findings("payment_mismatch")
    assert finding.facts["variant"] == "underpaid"


def test_exact_payment_is_not_a_mismatch_and_the_same_transaction_told_twice_is_one_payment(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00", txn_id="T1"),
           order_paid("A1", at="2026-11-02T10:02:00+08:00", txn_id="T1"))
    assert findings("payment_mismatch") == []


def test_paid_twice_is_a_payment_mismatch(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00", txn_id="T1"))
    ingest(order_paid("A1", at="2026-11-02T10:05:00+08:00", txn_id="T2"))
    [finding] = findings("payment_mismatch")
    assert finding.facts["variant"] == "paid_twice"


def delivered_order(no="A1"):
    return [order_created(no, at=T0), order_paid(no, at="2026-11-02T10:01:00+08:00"),
            shipment_created(no, at="2026-11-02T12:00:00+08:00"), tracking("picked_up", "2026-11-02T13:00:00+08:00"),
            tracking("delivered", "2026-11-03T13:00:00+08:00", location="杭州市临平区南苑街道")]


def test_shipping_a_sku_that_was_not_ordered_is_a_wrong_item(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00"),
           shipment_created("A1", at="2026-11-02T12:00:00+08:00", lines=[{"sku": "SKU-9", "qty": 1}]))
    [finding] = findings("wrong_item")
    assert finding.facts["shipped_not_ordered"] == ["SKU-9"]
    assert findings("missing_item") == []


def test_short_shipment_is_missing_items_until_the_rest_ships(db):
    ingest(order_created("A1", at=T0, qty=3, total="297.00"), order_paid("A1", at="2026-11-02T10:01:00+08:00", amount="297.00"),
           shipment_created("A1", at="2026-11-02T12:00:00+08:00", lines=[{"sku": "SKU-1", "qty": 2}]))
    assert len(active("missing_item")) == 1
    ingest(shipment_created("A1", at="2026-11-02T15:00:00+08:00", shipment_no="SH2", tracking_no="YD200",
                            lines=[{"sku": "SKU-1", "qty": 1}]))
    assert active("missing_item") == []


def test_complete_shipment_is_neither_wrong_nor_missing(db):
    ingest(*delivered_order())
    assert findings("wrong_item") == [] and findings("missing_item") == []


def test_carrier_damage_and_failed_delivery_open_their_types_and_delivery_clears_the_failure(db):
    ingest(*delivered_order()[:4], tracking("damaged", "2026-11-02T18:00:00+08:00"),
           tracking("delivery_failed", "2026-11-03T10:00:00+08:00"))
    assert len(findings("parcel_damaged")) == 1
    assert len(active("delivery_failed")) == 1
    ingest(tracking("delivered", "2026-11-04T10:00:00+08:00", location="杭州市临平区南苑街道"))
    assert active("delivery_failed") == []
    assert len(cases_of("parcel_damaged")) == 1


def test_refused_parcel_is_a_delivery_failure(db):
    ingest(*delivered_order()[:4], tracking("refused", "2026-11-03T10:00:00+08:00"))
    assert len(findings("delivery_failed")) == 1


def report(kind, at="2026-11-04T10:00:00+08:00", message="有问题", no="A1"):
    return envelope("customer.reported", at, {"order_no": no, "kind": kind, "message": message,
                                              "attachments": [{"name": "photo.jpg", "url": "https://x/1.jpg"}]})


def test_customer_reports_open_the_matching_type(db):
    ingest(*delivered_order())
    ingest(report("wrong_item"), report("damaged", at="2026-11-04T10:01:00+08:00"),
           report("not_as_described", at="2026-11-04T10:02:00+08:00"),
           report("quality", at="2026-11-04T10:03:00+08:00"), report("complaint", at="2026-11-04T10:04:00+08:00"),
           report("not_received", at="2026-11-04T10:05:00+08:00"),
           report("missing_item", at="2026-11-04T10:06:00+08:00"))
    for type_code in ("wrong_item", "parcel_damaged", "not_as_described", "quality_issue", "complaint",
                      "signed_not_received", "missing_item"):
        assert len(cases_of(type_code)) == 1, type_code


def test_not_received_before_any_delivery_is_a_complaint_not_signed_not_received(db):
    ingest(*delivered_order()[:4], report("not_received", at="2026-11-03T09:00:00+08:00"))
    assert cases_of("signed_not_received") == []
    assert len(cases_of("complaint")) == 1


def test_repeated_report_adds_evidence_to_the_open_case(db):
    ingest(*delivered_order(), report("quality"))
    ingest(report("quality", at="2026-11-04T12:00:00+08:00", message="又坏了"))
    assert len(cases_of("quality_issue")) == 1
    assert len(findings("report_quality")) == 2


def test_delivered_in_another_district_or_reported_wrong_address_is_address_misdelivery(db):
    ingest(*delivered_order()[:4], tracking("delivered", "2026-11-03T13:00:00+08:00", location="杭州市西湖区文三路驿站"))
    assert len(findings("address_misdelivery")) == 1


def test_delivered_in_the_orders_district_is_not_a_misdelivery(db):
    ingest(*delivered_order())
    assert findings("address_misdelivery") == []


def refund(kind, at, no="R1", amount="99.00", order="A1"):
    data = {"refund_no": no, "order_no": order}
    if kind != "refund.failed":
        data["amount"] = amount
    else:
        data["reason"] = "银行卡已注销"
    return envelope(kind, at, data)


def test_refund_failure_opens_refund_failed_and_completion_clears_it(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00"),
           refund("refund.requested", "2026-11-02T11:00:00+08:00"), refund("refund.failed", "2026-11-02T11:30:00+08:00"))
    assert len(active("refund_failed")) == 1
    ingest(refund("refund.completed", "2026-11-02T13:00:00+08:00"))
    assert active("refund_failed") == []


def test_refunded_amount_different_from_requested_and_refunds_above_paid_are_mismatches(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00"),
           refund("refund.requested", "2026-11-02T11:00:00+08:00"),
           refund("refund.completed", "2026-11-02T11:30:00+08:00", amount="80.00"))
    assert [f.facts["variant"] for f in findings("refund_mismatch")] == ["completed_differs"]
    ingest(refund("refund.requested", "2026-11-02T12:00:00+08:00", no="R2", amount="30.00"),
           refund("refund.completed", "2026-11-02T12:30:00+08:00", no="R2", amount="30.00"))
    assert "refunds_exceed_paid" in [f.facts["variant"] for f in findings("refund_mismatch")]


def test_refund_completed_as_requested_is_not_a_mismatch(db):
    ingest(order_created("A1", at=T0), order_paid("A1", at="2026-11-02T10:01:00+08:00"),
           refund("refund.completed", "2026-11-02T11:30:00+08:00"), refund("refund.requested", "2026-11-02T11:00:00+08:00"))
    assert findings("refund_mismatch") == []


def stock(sku, wh, on_hand, at, reserved=0):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": reserved})


def test_negative_stock_is_a_data_error(db):
    ingest(stock("SKU-1", "WH-HZ", -3, T0))
    [finding] = findings("inventory_data_error")
    assert finding.facts["variant"] == "negative_on_hand"


def test_selling_sku_with_stock_not_updated_for_24_hours_is_a_sync_delay(db):
    ingest(stock("SKU-1", "WH-HZ", 100, "2026-11-01T08:00:00+08:00"))
    ingest(order_created("A1", at="2026-11-01T12:00:00+08:00"))
    scan("2026-11-02T07:59:00+08:00")
    assert findings("inventory_sync_delay") == []
    scan("2026-11-02T08:00:00+08:00")
    [finding] = findings("inventory_sync_delay")
    assert finding.subject_key == "sku:SKU-1"
    ingest(stock("SKU-1", "WH-HZ", 90, "2026-11-02T09:00:00+08:00"))
    assert active("inventory_sync_delay") == []


def test_stale_stock_of_a_sku_nobody_buys_is_not_a_sync_delay(db):
    ingest(stock("SKU-1", "WH-HZ", 100, "2026-11-01T08:00:00+08:00"))
    scan("2026-11-03T08:00:00+08:00")
    assert findings("inventory_sync_delay") == []


def test_system_fault_opens_a_system_outage_case_per_component(db):
    ingest(envelope("system.fault", T0, {"component": "wms", "severity": "critical", "message": "数据库连接池耗尽"}))
    ingest(envelope("system.fault", "2026-11-02T10:05:00+08:00", {"component": "wms", "message": "仍然失败"}))
    assert len(cases_of("system_outage")) == 1
    assert len(findings("system_fault")) == 2


def beat(at, component="erp"):
    return envelope("system.heartbeat", at, {"component": component})


def test_missed_heartbeats_found_now_and_in_history(db):
    ingest(beat("2026-11-02T10:00:00+08:00"), beat("2026-11-02T10:05:00+08:00"), beat("2026-11-02T10:25:00+08:00"))
    [gap] = findings("heartbeat_missing")
    assert not gap.active
    ingest(beat("2026-11-02T10:39:00+08:00"))
    assert len(findings("heartbeat_missing")) == 1
    scan("2026-11-02T10:53:00+08:00")
    assert len(findings("heartbeat_missing")) == 1
    scan("2026-11-02T10:54:00+08:00")
    assert len(active("heartbeat_missing")) == 1
    ingest(beat("2026-11-02T11:00:00+08:00"))
    assert active("heartbeat_missing") == []


def test_payment_channel_failure_is_one_incident_per_method(db):
    events = []
    for i in range(8):
        no = f"A{i}"
        events.append(order_created(no, at=f"2026-11-02T10:{i:02d}:00+08:00", phone=f"1380000{i:04d}"))
        events.append(envelope("payment.failed", f"2026-11-02T10:{i:02d}:30+08:00", {"order_no": no, "method": "alipay"}))
    ingest(*events)
    scan("2026-11-02T10:10:00+08:00")
    [finding] = findings("payment_channel_failure")
    assert finding.subject_key == "method:alipay"
    assert cases_of("payment_channel_failure")[0].incident_id is not None


def test_a_few_failed_payments_are_not_a_channel_failure(db):
    ingest(*[order_created(f"A{i}", at=f"2026-11-02T10:{i:02d}:00+08:00") for i in range(6)],
           *[order_paid(f"A{i}", at=f"2026-11-02T10:{i:02d}:30+08:00") for i in range(4)],
           *[envelope("payment.failed", f"2026-11-02T10:{i:02d}:40+08:00", {"order_no": f"A{i}", "method": "alipay"})
             for i in (4, 5)])
    scan("2026-11-02T10:30:00+08:00")
    assert findings("payment_channel_failure") == []


def test_events_for_an_order_that_never_arrives_are_data_loss_after_an_hour(db):
    ingest(order_paid("LOST1", at="2026-11-02T10:00:00+08:00"))
    scan("2026-11-02T10:59:00+08:00")
    assert findings("data_loss") == []
    scan("2026-11-02T11:00:00+08:00")
    [finding] = findings("data_loss")
    assert finding.subject_key == "order:LOST1"
    ingest(order_created("LOST1", at="2026-11-02T09:55:00+08:00"))
    scan("2026-11-02T11:30:00+08:00")
    assert active("data_loss") == []


def _busy_shop(days, silent_from=None, silent_to=None):
    """Orders every 5 minutes from 09:00 to 22:00 on the given days, except during the silence."""
    from datetime import datetime, timedelta

    events, n = [], 0
    for day in days:
        t = datetime.fromisoformat(f"2026-11-{day:02d}T09:00:00+08:00")
        end = t.replace(hour=22)
        while t < end:
            if not (silent_from and silent_from <= t < silent_to):
                events.append(order_created(f"S{n}", at=t.isoformat(), phone=f"1390000{n:04d}", shop="busy"))
                n += 1
            t += timedelta(minutes=5)
    return events


def test_shop_silent_for_an_hour_in_business_hours_is_a_system_outage(db):
    from datetime import datetime

    start = datetime.fromisoformat("2026-11-04T14:00:00+08:00")
    end = datetime.fromisoformat("2026-11-04T15:30:00+08:00")
    ingest(*_busy_shop([1, 2, 3, 4], start, end))
    scan("2026-11-04T23:00:00+08:00")
    [finding] = findings("shop_silent")
    assert finding.subject_key == "shop:busy" and not finding.active


def test_shop_quiet_for_50_minutes_is_not_an_outage(db):
    from datetime import datetime

    start = datetime.fromisoformat("2026-11-04T14:00:00+08:00")
    end = datetime.fromisoformat("2026-11-04T14:45:00+08:00")
    ingest(*_busy_shop([1, 2, 3, 4], start, end))
    scan("2026-11-04T23:00:00+08:00")
    assert findings("shop_silent") == []


def test_an_event_stuck_waiting_for_an_order_that_is_there_is_data_loss_naming_what_it_waits_for(db):
    from datetime import datetime

    from ordex.orders.models import PendingEvent

    ingest(order_created("STUCK1", at="2026-11-02T09:55:00+08:00"))
    # A row left waiting by an older release path: its order is in the hub, the payment never applied.
    PendingEvent.objects.create(event_id="stuck-pay", type="order.paid", waiting_key="order:STUCK1",
                                occurred_at=datetime.fromisoformat("2026-11-02T10:00:00+08:00"),
                                order_no="STUCK1", data={"order_no": "STUCK1", "amount": "99.00"})
    scan("2026-11-02T11:00:00+08:00")

    [finding] = findings("data_loss")
    assert finding.subject_key == "order:STUCK1"
    assert finding.facts["stuck"] is True and finding.facts["event_ids"] == ["stuck-pay"]
    assert "仍在等待" in finding.summary
