"""Stock and fulfilment families of DESIGN.md's taxonomy."""

import pytest

from .kit import dump, order, paid, reported, ship, stock, t, track

pytestmark = pytest.mark.django_db


# --- out_of_stock ------------------------------------------------------------------------------------

def test_ordering_more_than_the_warehouse_has_opens_out_of_stock_and_suggests_another_warehouse(desk):
    desk.push_ok(
        stock("SKU-S1", "WH-HZ", 2, t(hours=-2)),
        stock("SKU-S1", "WH-SH", 40, t(hours=-2)),
        order("OOS-1", t(), lines=(("SKU-S1", 3, "59.00"),), warehouse="WH-HZ"),
    )
    case = desk.one("OOS-1", "out_of_stock")
    # DESIGN.md: "ordered > available at the warehouse; other warehouses are suggested".
    assert "WH-SH" in dump(desk.detail(case["id"])), "the warehouse that has stock is not suggested"


def test_ordering_exactly_what_the_warehouse_has_is_not_out_of_stock(desk):
    desk.push_ok(
        stock("SKU-S2", "WH-HZ", 3, t(hours=-2)),
        order("OOS-2", t(), lines=(("SKU-S2", 3, "59.00"),), warehouse="WH-HZ"),
    )
    assert "out_of_stock" not in desk.types("OOS-2")


# --- inventory_data_error ------------------------------------------------------------------------------

def test_a_negative_stock_snapshot_opens_inventory_data_error(desk):
    results = desk.push(stock("SKU-S3", "WH-HZ", -4, t()))
    # Negative stock is what the rule must find, so the snapshot itself has to be accepted.
    assert results[0]["status"] == "applied", results
    assert desk.cases(type="inventory_data_error"), "no inventory_data_error case"


def test_reserved_above_on_hand_opens_inventory_data_error(desk):
    desk.push_ok(stock("SKU-S4", "WH-HZ", 5, t(), reserved=9))
    assert desk.cases(type="inventory_data_error"), "no inventory_data_error case"


# --- inventory_sync_delay -------------------------------------------------------------------------------

def _selling_sku(sku):
    return [stock(sku, "WH-HZ", 100, t()),
            order(f"SYNC-{sku}", t(hours=1), lines=((sku, 1, "59.00"),), warehouse="WH-HZ")]


def test_a_selling_skus_stock_not_updated_for_24_hours_opens_inventory_sync_delay(desk):
    desk.push_ok(*_selling_sku("SKU-S5"))
    desk.scan(t(hours=24, minutes=1))
    assert desk.cases(type="inventory_sync_delay"), "no inventory_sync_delay case"


def test_a_selling_skus_stock_updated_23_hours_ago_has_no_inventory_sync_delay(desk):
    desk.push_ok(*_selling_sku("SKU-S6"))
    desk.scan(t(hours=23, minutes=59))
    assert not desk.cases(type="inventory_sync_delay")


# --- ship_delay ------------------------------------------------------------------------------------------

def test_an_order_not_shipped_48_hours_after_payment_opens_ship_delay(desk):
    desk.push_ok(order("SD-1", t()), paid("SD-1", t(minutes=5), "99.00"))
    desk.scan(t(hours=48, minutes=5, seconds=1))
    assert "ship_delay" in desk.types("SD-1")


def test_an_order_paid_47_hours_59_minutes_ago_has_no_ship_delay(desk):
    desk.push_ok(order("SD-2", t()), paid("SD-2", t(minutes=5), "99.00"))
    desk.scan(t(hours=48, minutes=4))
    assert "ship_delay" not in desk.types("SD-2")


def test_an_order_shipped_within_48_hours_has_no_ship_delay(desk):
    desk.push_ok(order("SD-3", t()), paid("SD-3", t(minutes=5), "99.00"),
                 ship("SD-3", t(hours=47)), track("YDSD-3", "picked_up", t(hours=48)))
    desk.scan(t(hours=50))
    assert "ship_delay" not in desk.types("SD-3")


def test_the_platforms_ship_by_wins_over_the_48_hour_default(desk):
    desk.push_ok(order("SD-4", t(), ship_by=t(hours=24)), paid("SD-4", t(minutes=5), "99.00"))
    desk.scan(t(hours=24, seconds=1))
    assert "ship_delay" in desk.types("SD-4")


# --- wrong_item / missing_item -------------------------------------------------------------------------

def test_shipping_a_sku_that_was_not_ordered_opens_wrong_item(desk):
    desk.push_ok(order("WI-1", t(), lines=(("SKU-BLUE", 1, "99.00"),)), paid("WI-1", t(minutes=2), "99.00"),
                 ship("WI-1", t(hours=5), lines=(("SKU-RED", 1),)))
    assert "wrong_item" in desk.types("WI-1")


def test_a_customer_report_of_a_wrong_item_with_a_photo_opens_wrong_item(desk):
    desk.push_ok(order("WI-2", t()), paid("WI-2", t(minutes=2), "99.00"), ship("WI-2", t(hours=5)),
                 track("YDWI-2", "delivered", t(days=2)),
                 reported("WI-2", "wrong_item", t(days=2, hours=3), "买的蓝色收到红色"))
    assert "wrong_item" in desk.types("WI-2")


def test_shipping_fewer_than_ordered_opens_missing_item(desk):
    desk.push_ok(order("MI-1", t(), lines=(("SKU-CUP", 3, "99.00"),)), paid("MI-1", t(minutes=2), "297.00"),
                 ship("MI-1", t(hours=5), lines=(("SKU-CUP", 2),)))
    assert "missing_item" in desk.types("MI-1")


def test_shipping_everything_ordered_opens_neither_wrong_nor_missing_item(desk):
    desk.push_ok(order("MI-2", t(), lines=(("SKU-CUP", 3, "99.00"),)), paid("MI-2", t(minutes=2), "297.00"),
                 ship("MI-2", t(hours=5), lines=(("SKU-CUP", 3),)))
    assert not {"missing_item", "wrong_item"} & desk.types("MI-2")


def test_a_customer_report_of_a_missing_item_opens_missing_item(desk):
    desk.push_ok(order("MI-3", t()), paid("MI-3", t(minutes=2), "99.00"), ship("MI-3", t(hours=5)),
                 track("YDMI-3", "delivered", t(days=2)),
                 reported("MI-3", "missing_item", t(days=2, hours=3), "盒子里少了杯盖"))
    assert "missing_item" in desk.types("MI-3")


# --- false_shipment -------------------------------------------------------------------------------------

def _shipped_without_scans(no):
    return [order(no, t()), paid(no, t(minutes=2), "99.00"), ship(no, t(hours=4))]


def test_a_tracking_number_with_no_carrier_event_72_hours_after_shipping_opens_false_shipment(desk):
    desk.push_ok(*_shipped_without_scans("FS-1"))
    desk.scan(t(hours=4 + 72, minutes=1))
    assert "false_shipment" in desk.types("FS-1")


def test_a_tracking_number_silent_for_71_hours_59_minutes_has_no_false_shipment(desk):
    desk.push_ok(*_shipped_without_scans("FS-2"))
    desk.scan(t(hours=4 + 71, minutes=59))
    assert "false_shipment" not in desk.types("FS-2")
