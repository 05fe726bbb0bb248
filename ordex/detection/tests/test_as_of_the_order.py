"""Prices and stock as of the order (issue 17 §3): `price_error` compares with the list price valid at the
order's time and `out_of_stock` with the stock the warehouse had then, whatever order the order, the price
lists and the stock snapshots arrive in. The hub keeps every price list and snapshot (`PriceHistory`,
`StockHistory`); a case that a late price list or snapshot shows never held ends `withdrawn`."""

import pytest

from ordex.cases.choices import OPEN_STATUSES, CaseStatus
from ordex.detection.tests.helpers import (
    cases_of,
    envelope,
    findings,
    ingest,
    order_created,
    shipment_created,
)
from ordex.orders.apply import forget_cached_rows
from ordex.orders.models import OrderLine, PriceHistory, StockHistory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rows():
    forget_cached_rows()


def price(list_price, at, sku="SKU-P", cost="40.00"):
    return envelope("product.updated", at, {"sku": sku, "name": "保温杯", "list_price": list_price, "cost": cost,
                                            "active": True}, id=f"price-{sku}-{at}")


def stock(on_hand, at, sku="SKU-9", wh="WH-HZ"):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": 0},
                    id=f"stock-{sku}-{wh}-{at}")


def order(no, at, *, sku="SKU-P", qty=1, unit_price="99.00", list_price=None, wh="WH-HZ"):
    event = order_created(no, at=at, sku=sku, qty=qty, unit_price=unit_price, warehouse=wh, id=f"created-{no}")
    if list_price is None:
        del event["data"]["lines"][0]["list_price"]
    else:
        event["data"]["lines"][0]["list_price"] = list_price
    return event


def statuses(type_code):
    return sorted((c.order.order_no, c.status) for c in cases_of(type_code))


def stored_list_price(order_no):
    return OrderLine.objects.get(order__order_no=order_no).list_price


# ---- price_error --------------------------------------------------------------------------------------------


def test_an_order_placed_after_a_price_cut_is_no_price_error_even_if_the_cut_arrives_after_it():
    ingest(price("199.00", "2026-11-01T08:00:00+08:00"))
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="89.00"))  # half of 199 is 99.50: looks wrong
    [case] = cases_of("price_error")
    assert case.status in OPEN_STATUSES

    ingest(price("89.00", "2026-11-01T10:00:00+08:00"))  # the cut, dated before the order, arrives after it

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    [finding] = findings("price_error")
    assert finding.withdrawn_at.isoformat() == "2026-11-01T02:00:00+00:00" and "价目表" in finding.withdraw_summary
    assert stored_list_price("P1") == 89  # the line follows the price list valid at the order's time


def test_the_same_order_after_a_price_cut_in_time_order_opens_nothing():
    ingest(price("199.00", "2026-11-01T08:00:00+08:00"), price("89.00", "2026-11-01T10:00:00+08:00"))
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="89.00"))
    assert cases_of("price_error") == []


def test_an_order_placed_before_a_price_cut_that_arrives_after_the_cut_is_judged_by_the_old_price():
    ingest(price("199.00", "2026-11-01T08:00:00+08:00"))
    ingest(price("89.00", "2026-11-01T14:00:00+08:00"))  # the cut
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="79.00"))  # placed before the cut, arrives late

    [finding] = findings("price_error")
    assert finding.order.order_no == "P1" and finding.facts["list_price"] == "199.00" and finding.active
    assert stored_list_price("P1") == 199


def test_an_order_placed_before_a_price_cut_is_judged_by_the_old_price_when_the_old_list_arrives_last():
    ingest(price("89.00", "2026-11-01T14:00:00+08:00"))
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="79.00"))  # no price list valid then: not judged
    assert findings("price_error") == []
    ingest(price("199.00", "2026-11-01T08:00:00+08:00"))

    [finding] = findings("price_error")
    assert finding.order.order_no == "P1" and finding.facts["list_price"] == "199.00"


def test_the_cost_is_the_one_valid_at_the_order_time():
    ingest(price("100.00", "2026-11-01T08:00:00+08:00", cost="40.00"))
    ingest(price("100.00", "2026-11-01T14:00:00+08:00", cost="80.00"))
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="60.00"))  # above the 40.00 cost then
    assert findings("price_error") == []
    ingest(order("P2", "2026-11-01T15:00:00+08:00", unit_price="60.00"))  # below the 80.00 cost now
    assert [f.order.order_no for f in findings("price_error")] == ["P2"]


def test_a_list_price_the_order_gives_wins_over_the_price_lists():
    ingest(price("89.00", "2026-11-01T08:00:00+08:00"))
    ingest(order("P1", "2026-11-01T12:00:00+08:00", unit_price="89.00", list_price="199.00"))
    ingest(price("150.00", "2026-11-01T10:00:00+08:00"))
    assert stored_list_price("P1") == 199
    assert [f.order.order_no for f in findings("price_error")] == ["P1"]


# ---- out_of_stock -------------------------------------------------------------------------------------------


def test_a_restock_that_arrives_before_the_late_order_opens_the_case_and_clears_it_on_the_restock():
    ingest(stock(1, "2026-11-01T07:00:00+08:00"))
    ingest(stock(50, "2026-11-01T11:00:00+08:00"))  # the restock
    ingest(order("O1", "2026-11-01T10:00:00+08:00", sku="SKU-9", qty=3))  # placed while 1 was available

    [finding] = findings("out_of_stock")
    assert finding.order.order_no == "O1" and finding.withdrawn_at is None
    assert finding.found_at.isoformat() == "2026-11-01T02:00:00+00:00"
    assert finding.cleared_at.isoformat() == "2026-11-01T03:00:00+00:00" and "到货" in finding.clear_summary
    assert statuses("out_of_stock") == [("O1", CaseStatus.RESOLVED)]


def test_the_same_restock_in_time_order_gives_the_same_case():
    ingest(stock(1, "2026-11-01T07:00:00+08:00"))
    ingest(order("O1", "2026-11-01T10:00:00+08:00", sku="SKU-9", qty=3))
    assert statuses("out_of_stock") == [("O1", CaseStatus.NEW)]
    ingest(stock(50, "2026-11-01T11:00:00+08:00"))

    [finding] = findings("out_of_stock")
    assert finding.cleared_at.isoformat() == "2026-11-01T03:00:00+00:00"
    assert statuses("out_of_stock") == [("O1", CaseStatus.RESOLVED)]


def test_an_order_shipped_within_the_same_file_is_still_judged_at_its_time_and_cleared_when_it_shipped():
    ingest(stock(1, "2026-11-01T07:00:00+08:00"),
           order("O1", "2026-11-01T10:00:00+08:00", sku="SKU-9", qty=3),
           shipment_created("O1", "2026-11-01T16:00:00+08:00", lines=[{"sku": "SKU-9", "qty": 3}]))

    [finding] = findings("out_of_stock")
    assert finding.cleared_at.isoformat() == "2026-11-01T08:00:00+00:00" and "发货" in finding.clear_summary
    assert statuses("out_of_stock") == [("O1", CaseStatus.RESOLVED)]


def test_a_late_snapshot_showing_enough_stock_at_the_order_time_withdraws_the_case():
    ingest(stock(1, "2026-11-01T07:00:00+08:00"))
    ingest(order("O1", "2026-11-01T10:00:00+08:00", sku="SKU-9", qty=3))
    assert statuses("out_of_stock") == [("O1", CaseStatus.NEW)]
    ingest(stock(50, "2026-11-01T09:00:00+08:00"))  # dated before the order, arrived after it

    assert statuses("out_of_stock") == [("O1", CaseStatus.WITHDRAWN)]
    [finding] = findings("out_of_stock")
    assert finding.withdrawn_at.isoformat() == "2026-11-01T01:00:00+00:00"


def test_every_price_list_and_snapshot_is_kept_whatever_order_they_arrive_in():
    ingest(price("89.00", "2026-11-01T14:00:00+08:00"), stock(50, "2026-11-01T11:00:00+08:00"))
    ingest(price("199.00", "2026-11-01T08:00:00+08:00"), stock(1, "2026-11-01T07:00:00+08:00"))
    assert sorted(str(p.list_price) for p in PriceHistory.objects.all()) == ["199.00", "89.00"]
    assert sorted(s.on_hand for s in StockHistory.objects.all()) == [1, 50]


# ---- out_of_stock for an order without a warehouse: all warehouses together, as they were then ------------

def loose_order(no, at, qty):
    event = order(no, at, sku="SKU-9", qty=qty)
    del event["data"]["warehouse"]
    return event


def arrive(events, arrival):
    """Deliver the events one request each, in the order `arrival` lists their indexes, or all in one file."""
    if arrival == "one file":
        ingest(*events)
    else:
        for index in arrival:
            ingest(events[index])


def standing():
    """The findings not withdrawn: (order, found at, cleared at), and their cases' statuses."""
    found = [(f.order.order_no, f.found_at.isoformat(), f.cleared_at and f.cleared_at.isoformat())
             for f in findings("out_of_stock") if f.withdrawn_at is None]
    return found, [status for _, status in statuses("out_of_stock") if status != CaseStatus.WITHDRAWN]


SHORT_THEN_RESTOCKED = [stock(1, "2026-11-01T07:00:00+08:00"), stock(1, "2026-11-01T07:00:00+08:00", wh="WH-BJ"),
                        loose_order("L1", "2026-11-01T10:00:00+08:00", qty=3),
                        stock(50, "2026-11-01T11:00:00+08:00", wh="WH-BJ")]


@pytest.mark.parametrize("arrival", [(0, 1, 2, 3), (0, 1, 3, 2), (3, 2, 1, 0), (2, 3, 0, 1), "one file"])
def test_an_order_without_warehouse_short_of_the_total_at_its_time_opens_the_case_whatever_came_later(arrival):
    # 1 + 1 available across the two warehouses at 10:00 for 3 ordered; a restock at 11:00 that arrives before
    # the order must not hide the shortage the order had: opened at the order, cleared at the restock.
    arrive(SHORT_THEN_RESTOCKED, arrival)

    assert standing() == ([("L1", "2026-11-01T02:00:00+00:00", "2026-11-01T03:00:00+00:00")],
                          [CaseStatus.RESOLVED])
    [finding] = [f for f in findings("out_of_stock") if f.withdrawn_at is None]
    assert finding.facts["warehouse"] == "全部仓库" and "到货" in finding.clear_summary


def test_an_order_without_warehouse_short_in_time_order_stays_open_until_the_total_covers_it():
    ingest(*SHORT_THEN_RESTOCKED[:3])
    assert standing() == ([("L1", "2026-11-01T02:00:00+00:00", None)], [CaseStatus.NEW])
    assert findings("out_of_stock")[0].facts["short"] == [{"sku": "SKU-9", "ordered": 3, "available": 2,
                                                          "other_warehouses": []}]
    ingest(stock(0, "2026-11-01T10:30:00+08:00"))  # 0 + 1: still short of 3
    assert standing()[0] == [("L1", "2026-11-01T02:00:00+00:00", None)]
    ingest(stock(3, "2026-11-01T10:45:00+08:00", wh="WH-BJ"))  # 0 + 3: the total covers it
    assert standing() == ([("L1", "2026-11-01T02:00:00+00:00", "2026-11-01T02:45:00+00:00")],
                          [CaseStatus.RESOLVED])


ENOUGH_THEN_DROPPED = [stock(5, "2026-11-01T07:00:00+08:00"), stock(5, "2026-11-01T07:00:00+08:00", wh="WH-BJ"),
                       loose_order("L1", "2026-11-01T10:00:00+08:00", qty=8),
                       stock(0, "2026-11-01T11:00:00+08:00")]


@pytest.mark.parametrize("arrival", [(0, 1, 2, 3), (0, 1, 3, 2), (3, 2, 1, 0), (2, 3, 0, 1), "one file"])
def test_an_order_without_warehouse_covered_by_the_total_at_its_time_is_not_short_after_a_later_drop(arrival):
    # 5 + 5 available at 10:00 for 8 ordered; the drop to 0 at 11:00 at WH-HZ comes after the order.
    arrive(ENOUGH_THEN_DROPPED, arrival)
    assert standing() == ([], [])


def test_a_late_snapshot_of_another_warehouse_dated_before_the_order_withdraws_its_case():
    ingest(stock(1, "2026-11-01T07:00:00+08:00"))
    ingest(loose_order("L1", "2026-11-01T10:00:00+08:00", qty=3))
    assert statuses("out_of_stock") == [("L1", CaseStatus.NEW)]
    ingest(stock(50, "2026-11-01T08:00:00+08:00", wh="WH-BJ"))  # 1 + 50 at the order's time

    assert statuses("out_of_stock") == [("L1", CaseStatus.WITHDRAWN)]
    [finding] = findings("out_of_stock")
    assert finding.withdrawn_at.isoformat() == "2026-11-01T00:00:00+00:00"


def test_a_late_lower_snapshot_dated_before_an_order_without_warehouse_opens_its_case():
    ingest(stock(10, "2026-11-01T07:00:00+08:00"))
    ingest(loose_order("L1", "2026-11-01T10:00:00+08:00", qty=3))
    assert findings("out_of_stock") == []
    ingest(stock(1, "2026-11-01T09:00:00+08:00"))  # what WH-HZ had at the order's time, told late

    assert standing() == ([("L1", "2026-11-01T02:00:00+00:00", None)], [CaseStatus.NEW])
