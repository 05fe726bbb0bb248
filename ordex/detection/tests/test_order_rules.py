"""Order audit rules (on event): fires; not just below the limit; clears; no duplicate on replay."""

import pytest

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
)

T0 = "2026-11-02T10:00:00+08:00"


def test_invalid_phone_is_a_customer_info_error_and_a_corrected_order_clears_it(db):
    ingest(order_created("C1", at=T0, phone="12345"))
    [finding] = findings("customer_info_error")
    assert "手机号无效" in finding.summary and finding.active
    assert len(cases_of("customer_info_error")) == 1
    fixed = order_created("C1", at="2026-11-02T10:05:00+08:00", phone="13812345678")
    fixed["type"] = "order.updated"
    ingest(fixed)
    assert active("customer_info_error") == []


@pytest.mark.parametrize("phone", ["138****5678", "13800001234-5678", "13812345678"])
def test_masked_and_virtual_numbers_are_valid(db, phone):
    ingest(order_created("C2", at=T0, phone=phone))
    assert findings("customer_info_error") == []


def test_address_without_street_detail_is_a_customer_info_error(db):
    ingest(order_created("C3", at=T0, address={"province": "浙江省", "city": "杭州市", "district": "临平区",
                                               "detail": ""}))
    [finding] = findings("customer_info_error")
    assert "详细地址" in finding.summary


def test_replayed_order_event_does_not_add_a_second_finding(db):
    event = order_created("C4", at=T0, phone="12345", id="evt-c4")
    ingest(event)
    ingest_results = __import__("ordex.ingest.pipeline", fromlist=["x"]).ingest_events([event], source="test")
    assert ingest_results[0].status == "duplicate"
    assert len(findings("customer_info_error")) == 1


def test_same_buyer_same_lines_within_ten_minutes_is_a_duplicate_the_later_one(db):
    ingest(order_created("D1", at="2026-11-02T10:00:00+08:00"), order_created("D2", at="2026-11-02T10:09:00+08:00"))
    [finding] = findings("duplicate_order")
    assert finding.order.order_no == "D2" and finding.facts["original_order_no"] == "D1"


def test_eleven_minutes_apart_is_not_a_duplicate(db):
    ingest(order_created("D1", at="2026-11-02T10:00:00+08:00"), order_created("D2", at="2026-11-02T10:11:00+08:00"))
    assert findings("duplicate_order") == []


def test_duplicate_found_when_the_earlier_order_arrives_last(db):
    ingest(order_created("D2", at="2026-11-02T10:05:00+08:00"))
    ingest(order_created("D1", at="2026-11-02T10:00:00+08:00"))
    [finding] = findings("duplicate_order")
    assert finding.order.order_no == "D2"
    ingest(order_created("D3", at="2026-11-02T12:00:00+08:00"))
    assert len(findings("duplicate_order")) == 1


def test_different_quantity_is_not_a_duplicate(db):
    ingest(order_created("D1", at=T0), order_created("D2", at="2026-11-02T10:03:00+08:00", qty=2, total="198.00"))
    assert findings("duplicate_order") == []


def _burst(n, minutes_apart=5, **kw):
    return [order_created(f"M{i}", at=f"2026-11-02T10:{i * minutes_apart:02d}:00+08:00", sku=f"SKU-{i}", **kw)
            for i in range(n)]


def test_five_unpaid_orders_from_one_phone_in_an_hour_form_one_incident(db):
    ingest(*_burst(5))
    scan("2026-11-02T10:49:00+08:00")
    assert findings("malicious_orders") == []
    scan("2026-11-02T10:50:00+08:00")
    hits = findings("malicious_orders")
    assert {f.order.order_no for f in hits} == {f"M{i}" for i in range(5)}
    cases = cases_of("malicious_orders")
    assert len(cases) == 5 and len({c.incident_id for c in cases}) == 1 and cases[0].incident_id


def test_platform_masked_numbers_do_not_make_a_burst(db):
    ingest(*[order_created(f"M{i}", at=f"2026-11-02T10:{i * 5:02d}:00+08:00", sku=f"SKU-{i}", phone="138****5678",
                           address={"province": "浙江省", "city": "杭州市", "district": "临平区", "detail": f"南苑街道{i}号"})
             for i in range(6)])
    scan("2026-11-02T12:00:00+08:00")
    assert findings("malicious_orders") == []


def test_four_unpaid_orders_are_not_malicious(db):
    ingest(*_burst(4))
    scan("2026-11-02T12:00:00+08:00")
    assert findings("malicious_orders") == []


def test_paid_orders_do_not_count_as_malicious(db):
    events = _burst(5)
    events.insert(1, order_paid("M0", at="2026-11-02T10:01:00+08:00"))
    ingest(*events)
    scan("2026-11-02T12:00:00+08:00")
    assert findings("malicious_orders") == []


def test_quantity_above_the_per_order_cap_is_an_anomaly(db):
    ingest(order_created("Q1", at=T0, qty=51, total="5049.00"))
    [finding] = findings("quantity_anomaly")
    assert finding.facts["qty"] == 51


def test_quantity_at_the_cap_is_not_an_anomaly(db):
    ingest(order_created("Q1", at=T0, qty=50, total="4950.00"))
    assert findings("quantity_anomaly") == []


def test_quantity_ten_times_the_skus_median_is_an_anomaly(db):
    ingest(*[order_created(f"H{i}", at=f"2026-11-0{1 + i // 20}T1{i % 10}:00:00+08:00", qty=2, phone=f"1381234{i:04d}",
                           total="198.00") for i in range(20)])
    ingest(order_created("Q2", at="2026-11-03T10:00:00+08:00", qty=21, total="2079.00", phone="13900000000"))
    ingest(order_created("Q3", at="2026-11-03T11:00:00+08:00", qty=20, total="1980.00", phone="13900000001"))
    assert [f.order.order_no for f in findings("quantity_anomaly")] == ["Q2"]


def test_the_median_follows_orders_another_process_recorded(db):
    """The histogram behind the median is kept between chunks only while this process is the hub's last
    writer: orders another process recorded (its own version token) count at the next chunk."""
    from datetime import date

    from ordex.detection.models import SkuQtyDay
    from ordex.orders.models import HubVersion

    ingest(*[order_created(f"H{i}", at=f"2026-11-01T1{i % 10}:00:00+08:00", qty=2, phone=f"1381234{i:04d}",
                           total="198.00") for i in range(20)])
    ingest(order_created("Q1", at="2026-11-02T09:00:00+08:00", qty=30, total="2970.00", phone="13900000000"))
    assert [f.order.order_no for f in findings("quantity_anomaly")] == ["Q1"]  # 15 times the median of 2
    # Another web process records 40 orders of 25 on the same SKU and day, in its own transaction.
    SkuQtyDay.objects.create(sku="SKU-1", day=date(2026, 11, 2), qty=25, orders=40)
    HubVersion.objects.filter(pk=1).update(token="written-elsewhere")
    ingest(order_created("Q2", at="2026-11-02T10:00:00+08:00", qty=30, total="2970.00", phone="13900000001"))
    assert [f.order.order_no for f in findings("quantity_anomaly")] == ["Q1"]  # the median is now 25


def test_quantities_of_a_chunk_whose_detection_failed_are_not_counted(db, monkeypatch):
    """A failing rule rolls back what detection wrote for its chunk (the events stay applied); the median
    must not count that chunk's quantities from memory either."""
    from ordex.detection import engine

    ingest(*[order_created(f"H{i}", at=f"2026-11-01T1{i % 10}:00:00+08:00", qty=2, phone=f"1381234{i:04d}",
                           total="198.00") for i in range(20)])

    def broken(hits, **kwargs):
        raise RuntimeError("a rule failed")

    monkeypatch.setattr(engine, "record", broken)
    ingest(*[order_created(f"B{i}", at=f"2026-11-02T0{i % 10}:00:00+08:00", qty=30, phone=f"1391234{i:04d}",
                           total="2970.00") for i in range(30)])
    monkeypatch.undo()
    ingest(order_created("Q1", at="2026-11-02T12:00:00+08:00", qty=30, total="2970.00", phone="13900000000"))
    assert [f.order.order_no for f in findings("quantity_anomaly")] == ["Q1"]  # stored median: 2


@pytest.mark.parametrize("unit_price, fires", [("49.00", True), ("49.50", False), ("198.00", False),
                                               ("198.01", True)])
def test_price_below_half_or_above_double_the_list_price(db, unit_price, fires):
    ingest(order_created("PR1", at=T0, unit_price=unit_price, total=unit_price))
    assert bool(findings("price_error")) is fires


def test_price_below_cost_is_a_price_error(db):
    ingest(envelope("product.updated", "2026-11-01T09:00:00+08:00", {"sku": "SKU-1", "list_price": "99.00",
                                                                      "cost": "80.00"}))
    ingest(order_created("PR2", at=T0, unit_price="79.00", total="79.00"))
    [finding] = findings("price_error")
    assert "成本" in finding.summary


def test_three_price_errors_on_one_sku_form_one_incident_and_paid_orders_are_not_auto_cancelled(db):
    ingest(order_created("PR1", at=T0, unit_price="9.90", total="9.90", phone="13800000001"),
           order_paid("PR1", at="2026-11-02T10:01:00+08:00", amount="9.90"))
    ingest(order_created("PR2", at="2026-11-02T10:10:00+08:00", unit_price="9.90", total="9.90", phone="13800000002"))
    assert all(c.incident_id is None for c in cases_of("price_error"))
    ingest(order_created("PR3", at="2026-11-02T10:20:00+08:00", unit_price="9.90", total="9.90", phone="13800000003"))
    cases = cases_of("price_error")
    assert len(cases) == 3 and len({c.incident_id for c in cases}) == 1 and cases[0].incident_id is not None


def _stock(sku, wh, on_hand, at, reserved=0):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": reserved})


def test_ordered_more_than_available_is_out_of_stock_with_other_warehouses_suggested(db):
    ingest(_stock("SKU-1", "WH-HZ", 1, "2026-11-02T09:00:00+08:00"), _stock("SKU-1", "WH-BJ", 30, "2026-11-02T09:00:00+08:00"))
    ingest(order_created("O1", at=T0, qty=2, total="198.00", warehouse="WH-HZ"))
    [finding] = findings("out_of_stock")
    assert finding.facts["short"][0]["other_warehouses"] == [{"warehouse": "WH-BJ", "available": 30}]
    assert "WH-BJ" in finding.summary
    ingest(_stock("SKU-1", "WH-HZ", 50, "2026-11-02T11:00:00+08:00"))
    assert active("out_of_stock") == []


def test_ordered_exactly_the_available_stock_is_not_out_of_stock(db):
    ingest(_stock("SKU-1", "WH-HZ", 5, "2026-11-02T09:00:00+08:00", reserved=3))
    ingest(order_created("O1", at=T0, qty=2, total="198.00", warehouse="WH-HZ"))
    assert findings("out_of_stock") == []


def test_stock_is_judged_as_it_was_when_the_order_came_in(db):
    """A low snapshot, the order and the restock in one import chunk: found, and cleared at the restock."""
    ingest(_stock("SKU-1", "WH-HZ", 0, "2026-11-02T09:55:00+08:00"),
           order_created("O1", at=T0, qty=2, total="198.00", warehouse="WH-HZ"),
           _stock("SKU-1", "WH-HZ", 80, "2026-11-02T11:00:00+08:00"))
    [finding] = findings("out_of_stock")
    assert not finding.active and finding.cleared_at.isoformat().startswith("2026-11-02T03:00")


def test_change_request_before_shipping_opens_a_case_and_after_shipping_an_address_misdelivery(db):
    ingest(order_created("CH1", at=T0), order_paid("CH1", at="2026-11-02T10:01:00+08:00"))
    ingest(envelope("order.change_requested", "2026-11-02T11:00:00+08:00",
                    {"order_no": "CH1", "changes": {"address": {"raw": "上海市浦东新区世纪大道100号"}}}))
    assert len(findings("order_change_request")) == 1
    ingest(shipment_created("CH1", at="2026-11-02T12:00:00+08:00"))
    ingest(envelope("order.change_requested", "2026-11-02T13:00:00+08:00",
                    {"order_no": "CH1", "changes": {"address": {"raw": "上海市浦东新区世纪大道200号"}}}))
    assert len(findings("order_change_request")) == 1
    assert len(findings("address_misdelivery")) == 1
