"""Stock and price snapshots that arrive after the orders they predate: the same cases as in order, for
exactly the orders placed while that snapshot was current, and nothing twice on replay."""

import pytest

from ordex.detection import context
from ordex.detection.tests.helpers import envelope, findings, ingest, order_created
from ordex.ingest.pipeline import ingest_events


@pytest.fixture(autouse=True, params=["orders in the window", "lines of the SKU"])
def read_path(request, monkeypatch):
    """Every test here runs both ways of finding the orders a late snapshot predates (the second is taken
    when the window holds more than context._PREDATED_BY_TIME orders)."""
    if request.param == "lines of the SKU":
        monkeypatch.setattr(context, "_PREDATED_BY_TIME", 0)


def stock(sku, on_hand, at, id=None, wh="WH-HZ", reserved=0):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand,
                                              "reserved": reserved}, id)


def product(sku, list_price, at, cost=None, id=None):
    data = {"sku": sku, "name": "保温杯", "list_price": list_price, "active": True}
    if cost is not None:
        data["cost"] = cost
    return envelope("product.updated", at, data, id)


def order(no, at, sku="SKU-9", qty=3, unit_price="59.00", list_price="59.00", **kw):
    event = order_created(no, at=at, sku=sku, qty=qty, unit_price=unit_price, warehouse="WH-HZ", **kw)
    if list_price is None:
        del event["data"]["lines"][0]["list_price"]
    else:
        event["data"]["lines"][0]["list_price"] = list_price
    return event


def test_an_older_stock_snapshot_arriving_after_the_order_opens_out_of_stock_once(db):
    ingest(order("O1", "2026-11-01T10:00:00+08:00"))
    late = stock("SKU-9", 1, "2026-11-01T07:00:00+08:00", id="late-stock")
    ingest(late)
    [finding] = findings("out_of_stock")
    assert finding.order.order_no == "O1" and finding.active
    assert finding.found_at.isoformat() == "2026-11-01T02:00:00+00:00"
    assert [r.status for r in ingest_events([late], source="test")] == ["duplicate"]
    ingest(stock("SKU-9", 1, "2026-11-01T06:00:00+08:00"))  # an even older one: judged the same order again
    assert len(findings("out_of_stock")) == 1


def test_only_orders_placed_while_the_snapshot_was_current_are_judged_by_it(db):
    ingest(stock("SKU-9", 50, "2026-11-01T12:00:00+08:00"),
           order("O-before", "2026-11-01T06:00:00+08:00"), order("O-during", "2026-11-01T10:00:00+08:00"),
           order("O-after", "2026-11-01T13:00:00+08:00"))
    assert findings("out_of_stock") == []
    ingest(stock("SKU-9", 1, "2026-11-01T07:00:00+08:00"))  # older than the held 12:00 snapshot
    [finding] = findings("out_of_stock")
    assert finding.order.order_no == "O-during"
    assert not finding.active and finding.cleared_at.isoformat() == "2026-11-01T04:00:00+00:00"  # 12:00 restock


def test_a_snapshot_replaced_within_a_chunk_is_still_the_stock_of_an_order_placed_before_the_replacement(db):
    ingest(stock("SKU-9", 1, "2026-11-01T07:00:00+08:00"))
    ingest(order("O1", "2026-11-01T10:00:00+08:00"), stock("SKU-9", 50, "2026-11-01T11:00:00+08:00"))
    [finding] = findings("out_of_stock")
    assert finding.order.order_no == "O1" and not finding.active


def test_an_older_price_list_arriving_after_the_order_opens_price_error_once(db):
    ingest(order("P1", "2026-11-01T10:00:00+08:00", sku="SKU-P", qty=1, unit_price="9.90", list_price=None))
    assert findings("price_error") == []
    late = product("SKU-P", "199.00", "2026-10-31T10:00:00+08:00", cost="80.00", id="late-price")
    ingest(late)
    [finding] = findings("price_error")
    assert finding.order.order_no == "P1" and finding.facts["list_price"] == "199.00"
    ingest_events([late], source="test")
    ingest(product("SKU-P", "199.00", "2026-10-30T10:00:00+08:00", cost="80.00"))
    assert len(findings("price_error")) == 1


def test_a_price_list_newer_than_the_order_does_not_judge_it(db):
    ingest(order("P1", "2026-11-01T10:00:00+08:00", sku="SKU-P", qty=1, unit_price="9.90", list_price=None))
    ingest(product("SKU-P", "199.00", "2026-11-01T11:00:00+08:00", cost="80.00"))
    assert findings("price_error") == []


def test_snapshots_at_the_same_moment_in_one_chunk_are_read_together(db):
    ingest(order("O1", "2026-11-01T10:00:00+08:00"))
    ingest(stock("SKU-9", 1, "2026-11-01T07:00:00+08:00"), stock("SKU-9", 1, "2026-11-01T07:00:00+08:00", wh="WH-BJ"),
           product("SKU-9", "59.00", "2026-11-01T07:00:00+08:00"))
    assert [f.order.order_no for f in findings("out_of_stock")] == ["O1"]


def test_a_late_price_list_still_judges_lines_that_a_late_stock_snapshot_of_the_same_chunk_covers(db):
    """Lines that no stock snapshot of the chunk can make short are dropped before their orders are read,
    unless a price list of the same chunk needs them."""
    ingest(order("P1", "2026-11-01T10:00:00+08:00", sku="SKU-P", qty=1, unit_price="9.90", list_price=None),
           order("P2", "2026-11-01T10:30:00+08:00", sku="SKU-P", qty=5, unit_price="199.00", list_price=None))
    ingest(stock("SKU-P", 3, "2026-11-01T07:00:00+08:00"), product("SKU-P", "199.00", "2026-11-01T07:00:00+08:00",
                                                                   cost="80.00"))
    assert [f.order.order_no for f in findings("price_error")] == ["P1"]
    assert [f.order.order_no for f in findings("out_of_stock")] == ["P2"]
