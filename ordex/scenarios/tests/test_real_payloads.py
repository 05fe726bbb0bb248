"""What real clients send and how live systems run: late arrivals, repeated periodic passes, optional
fields, the `raw` address form, phone formats, split parcels, platform deadlines."""

import pytest

from .kit import (
    REMOTE_ADDR,
    addr,
    cancelled,
    dump,
    env,
    order,
    paid,
    product,
    refund_requested,
    ship,
    stock,
    t,
    track,
)

pytestmark = pytest.mark.django_db


# --- periodic passes as a live worker runs them ----------------------------------------------------------

def test_a_scan_before_the_limit_then_one_after_it_opens_payment_timeout(desk):
    desk.push_ok(order("LV-1", t()))
    desk.scan(t(minutes=29))
    desk.scan(t(minutes=31))
    assert "payment_timeout" in desk.types("LV-1")


def test_a_parcel_whose_events_arrive_late_after_a_later_scan_is_still_found_stalled(desk):
    desk.scan(t(days=3))
    no = "LV-3"
    desk.push_ok(order(no, t()), paid(no, t(minutes=2), "99.00"), ship(no, t(hours=4)),
                 track(f"YD{no}", "picked_up", t(hours=6)), track(f"YD{no}", "in_transit", t(hours=10)))
    desk.scan(t(days=3, minutes=10))
    assert "tracking_stalled" in desk.types(no)


# --- state by occurred_at, not arrival ------------------------------------------------------------------

def test_a_stock_snapshot_arriving_after_the_order_it_predates_gives_the_same_out_of_stock_as_in_order(desk):
    # In order (LA-1a): the 07:00 snapshot, then the 10:00 order. Reversed arrival (LA-1b): same events.
    desk.push_ok(stock("SKU-LA1a", "WH-HZ", 1, t(hours=-3)),
                 order("LA-1a", t(), lines=(("SKU-LA1a", 3, "59.00"),), warehouse="WH-HZ"))
    assert "out_of_stock" in desk.types("LA-1a")
    desk.push_ok(order("LA-1b", t(), lines=(("SKU-LA1b", 3, "59.00"),), warehouse="WH-HZ"))
    desk.push_ok(stock("SKU-LA1b", "WH-HZ", 1, t(hours=-3)))
    assert "out_of_stock" in desk.types("LA-1b")


def _bare_order(no, sku):
    return env("order.created", t(), {
        "order_no": no, "shop": "tb-main", "customer": {"name": "王五", "phone": "13700001111"},
        "address": addr(), "lines": [{"sku": sku, "qty": 1, "unit_price": "9.90"}], "total": "9.90"})


def test_a_price_list_arriving_after_the_order_it_predates_gives_the_same_price_error_as_in_order(desk):
    desk.push_ok(product("SKU-LA2a", t(days=-1), "199.00", cost="80.00"), _bare_order("LA-2a", "SKU-LA2a"))
    assert "price_error" in desk.types("LA-2a")
    desk.push_ok(_bare_order("LA-2b", "SKU-LA2b"))
    desk.push_ok(product("SKU-LA2b", t(days=-1), "199.00", cost="80.00"))
    assert "price_error" in desk.types("LA-2b")


def test_a_duplicate_order_arriving_before_the_original_is_still_found(desk):
    home = addr(detail="学院路77号黄龙万科中心G座")
    second = order("LA-3B", t(minutes=4), phone_no="13811113333", address=home)
    first = order("LA-3A", t(), phone_no="13811113333", address=home)
    desk.push_ok(second)
    desk.push_ok(first)
    assert "duplicate_order" in desk.types("LA-3A") | desk.types("LA-3B")


def test_a_failed_attempt_told_after_the_delivery_leaves_no_open_delivery_failed_case(desk):
    # In order, the failed attempt opens delivery_failed and the later delivery clears it; arriving
    # reversed, the outcome must be the same: no open delivery_failed case on a delivered parcel.
    for no, reverse in (("LA-4", False), ("LA-5", True)):
        events = [track(f"YD{no}", "delivery_failed", t(days=1)), track(f"YD{no}", "delivered", t(days=2))]
        desk.push_ok(order(no, t()), paid(no, t(minutes=2), "99.00"), ship(no, t(hours=4)),
                     track(f"YD{no}", "picked_up", t(hours=6)))
        for event in (reversed(events) if reverse else events):
            desk.push_ok(event)
    for no in ("LA-4", "LA-5"):
        still_open = [c for c in desk.cases(order_no=no, status="open") if c["type"] == "delivery_failed"]
        assert not still_open, (no, still_open)


# --- optional fields and forms clients really send ---------------------------------------------------------

def test_unknown_optional_fields_are_accepted(desk):
    event = order("OPT-1", t(), coupon_code="DOUBLE11", platform_extra={"tmall_flag": 1})
    event["data"]["customer"]["wangwang"] = "zhangsan88"
    event["data"]["lines"][0]["spec"] = "蓝色 500ml"
    desk.push_ok(event)


def test_payable_counts_shipping_and_discount_so_paying_the_total_is_not_a_mismatch(desk):
    event = order("OPT-2", t(), total="104.00", shipping_fee="10.00", discount="5.00")
    desk.push_ok(event, paid("OPT-2", t(minutes=2), "104.00"))
    assert "payment_mismatch" not in desk.types("OPT-2")


def test_a_list_price_given_only_on_the_order_line_is_enough_to_find_a_price_error(desk):
    desk.push_ok(order("OPT-3", t(), lines=(("SKU-NEW", 1, "30.00", "100.00"),)))
    assert "price_error" in desk.types("OPT-3")


def test_a_full_raw_address_is_not_a_customer_info_error(desk):
    desk.push_ok(order("OPT-4", t(), phone_no="13912345678",
                       address={"raw": "浙江省杭州市西湖区文三路478号华星时代广场A座1203室"}))
    assert "customer_info_error" not in desk.types("OPT-4")


@pytest.mark.parametrize("number", ["+8613912345678", "86-13912345678", "139 1234 5678", "138****5678"])
def test_common_phone_formats_are_not_a_customer_info_error(desk, number):
    no = f"PH-{abs(hash(number)) % 10000}"
    desk.push_ok(order(no, t(), phone_no=number, address=addr(detail="文三路478号华星时代广场A座1203室")))
    assert "customer_info_error" not in desk.types(no), number


def test_a_time_in_utc_with_z_is_accepted(desk):
    desk.push_ok(order("Z-1", "2026-11-02T02:00:00Z"))


def test_money_without_decimals_as_a_string_is_accepted(desk):
    desk.push_ok(order("M0-1", t(), total="99", lines=(("SKU-CUP", 1, "99"),)), paid("M0-1", t(minutes=1), "99"))
    assert "payment_mismatch" not in desk.types("M0-1")


def test_a_negative_refund_amount_is_rejected(desk):
    desk.push_ok(order("NEG-1", t()), paid("NEG-1", t(minutes=1), "99.00"))
    [result] = desk.push(refund_requested("NEG-1-R", "NEG-1", "-10.00", t(hours=1)))
    assert result["status"] == "rejected" and "amount" in (result["field"] or ""), result


# --- remote provinces written the way clients write them ----------------------------------------------------

@pytest.mark.parametrize("address", [
    {"province": "新疆", "city": "乌鲁木齐市", "district": "天山区", "detail": "解放北路88号2单元301室"},
    {"raw": "内蒙古自治区呼和浩特市新城区中山东路8号波士名人国际B座1101"},
    {"province": "西藏自治区", "city": "拉萨市", "district": "城关区", "detail": "北京中路22号3栋201"},
], ids=["xinjiang-short", "neimenggu-raw", "xizang"])
def test_a_remote_province_gets_the_72_hour_stall_limit_however_it_is_written(desk, address):
    no = f"RM-{abs(hash(str(address))) % 10000}"
    desk.push_ok(order(no, t(), address=address), paid(no, t(minutes=2), "99.00"), ship(no, t(hours=4)),
                 track(f"YD{no}", "picked_up", t(hours=6)), track(f"YD{no}", "in_transit", t(hours=10)))
    desk.scan(t(hours=10 + 60))
    assert "tracking_stalled" not in desk.types(no)


# --- other limits ---------------------------------------------------------------------------------------------

def test_a_later_platform_ship_by_wins_over_the_48_hour_default(desk):
    desk.push_ok(order("SB-1", t(), ship_by=t(hours=72)), paid("SB-1", t(minutes=5), "99.00"))
    desk.scan(t(hours=60))
    assert "ship_delay" not in desk.types("SB-1")


def test_an_order_cancelled_within_30_minutes_has_no_payment_timeout(desk):
    desk.push_ok(order("CX-1", t()), cancelled("CX-1", t(minutes=10)))
    desk.scan(t(hours=2))
    assert "payment_timeout" not in desk.types("CX-1")


def test_a_split_shipment_completed_by_a_second_parcel_leaves_no_open_missing_item(desk):
    desk.push_ok(order("SP-1", t(), lines=(("SKU-CUP", 2, "99.00"),)), paid("SP-1", t(minutes=2), "198.00"),
                 ship("SP-1", t(hours=4), lines=(("SKU-CUP", 1),), shipment_no="SH-SP-1a", tracking_no="YDSP1a"),
                 ship("SP-1", t(hours=8), lines=(("SKU-CUP", 1),), shipment_no="SH-SP-1b", tracking_no="YDSP1b"))
    still_open = [c for c in desk.cases(order_no="SP-1", status="open") if c["type"] == "missing_item"]
    assert not still_open, still_open


def test_a_shipped_refund_pending_13_hours_is_within_its_24_hour_limit(desk):
    desk.push_ok(order("RS-1", t()), paid("RS-1", t(minutes=2), "99.00"), ship("RS-1", t(hours=4)),
                 track("YDRS-1", "picked_up", t(hours=5)),
                 refund_requested("RS-1-R", "RS-1", "99.00", t(hours=6), reason="仅退款：不想要了"))
    desk.scan(t(hours=6 + 13))
    assert "refund_delayed" not in desk.types("RS-1")


def test_a_shipped_refund_only_pending_24_hours_opens_refund_delayed(desk):
    desk.push_ok(order("RS-2", t()), paid("RS-2", t(minutes=2), "99.00"), ship("RS-2", t(hours=4)),
                 track("YDRS-2", "picked_up", t(hours=5)),
                 refund_requested("RS-2-R", "RS-2", "99.00", t(hours=6), reason="仅退款：不想要了"))
    desk.scan(t(hours=6 + 24, minutes=1))
    assert "refund_delayed" in desk.types("RS-2")


@pytest.mark.parametrize("key", ["ip", "address"])
def test_five_unpaid_orders_from_one_ip_or_address_within_an_hour_open_malicious_orders(desk, key):
    shared_addr = addr(detail="滨盛路1509号天恒大厦18楼")
    events = []
    for i in range(5):
        extra = {"buyer_ip": "115.236.10.77"} if key == "ip" else {}
        events.append(order(f"MK-{key}-{i}", t(minutes=8 * i), lines=((f"SKU-K{i}", 1, "59.00"),),
                            address=shared_addr if key == "address" else None, **extra))
    desk.push_ok(*events)
    desk.scan(t(minutes=32 + 31))
    assert any("malicious_orders" in desk.types(f"MK-{key}-{i}") for i in range(5))


def test_remote_addresses_do_not_make_an_ordinary_order_a_customer_info_error(desk):
    desk.push_ok(order("RA-1", t(), phone_no="13912340000", address=REMOTE_ADDR))
    assert "customer_info_error" not in desk.types("RA-1")


# --- late arrival after a later periodic pass, rule by rule -----------------------------------------------------
# A live desk: on-time events, the worker's pass, then the same story for another order arrives late
# (EVENTS.md: "Events may arrive late or out of order"), and the next pass, 10 minutes later, must find it
# exactly as it found the on-time one.

def _story(type_code, no):
    """(events, as_of as t() keywords) of one story whose limit has passed at as_of."""
    base = [order(no, t()), paid(no, t(minutes=2), "99.00")]
    if type_code == "payment_timeout":
        return [order(no, t())], {"hours": 2}
    if type_code == "ship_delay":
        return base, {"days": 3}
    if type_code == "refund_delayed":
        return base + [refund_requested(f"{no}-R", no, "99.00", t(hours=1))], {"days": 4}
    if type_code in ("pickup_timeout", "false_shipment"):
        return base + [ship(no, t(hours=4))], {"days": 4}
    if type_code == "delivery_overdue":
        return base + [ship(no, t(hours=4)), track(f"YD{no}", "picked_up", t(hours=6))] + [
            track(f"YD{no}", "in_transit", t(hours=6 + 20 * k), location=f"中心{k}") for k in range(1, 9)
        ], {"days": 6, "hours": 4}
    if type_code == "malicious_orders":
        buyer = "13711112222" if no.endswith("a") else "13733334444"
        return [order(f"{no}-{i}", t(minutes=5 * i), phone_no=buyer, lines=((f"SKU-{no}-{i}", 1, "59.00"),))
                for i in range(5)], {"hours": 2}
    if type_code == "inventory_sync_delay":
        sku = f"SKU-{no}"
        return [stock(sku, "WH-HZ", 100, t()),
                order(no, t(hours=1), lines=((sku, 1, "59.00"),), warehouse="WH-HZ")], {"days": 2}
    raise AssertionError(type_code)


def _found(desk, type_code, no):
    if type_code == "malicious_orders":
        return any(type_code in desk.types(f"{no}-{i}") for i in range(5))
    if type_code == "inventory_sync_delay":  # one case per SKU, not per order
        return any(f"SKU-{no}" in dump(desk.detail(c["id"])) for c in desk.cases(type=type_code))
    return type_code in desk.types(no)


@pytest.mark.parametrize("type_code", ["payment_timeout", "ship_delay", "refund_delayed", "pickup_timeout",
                                       "false_shipment", "delivery_overdue", "malicious_orders",
                                       "inventory_sync_delay"])
def test_history_arriving_after_a_later_periodic_pass_is_still_found(desk, type_code):
    on_time, as_of = _story(type_code, f"LT-{type_code}-a")
    desk.push_ok(*on_time)
    desk.scan(t(**as_of))
    assert _found(desk, type_code, f"LT-{type_code}-a"), "not found even on time"
    late, _ = _story(type_code, f"LT-{type_code}-b")
    desk.push_ok(*late)
    desk.scan(t(**as_of, minutes=10))
    assert _found(desk, type_code, f"LT-{type_code}-b"), f"{type_code} missed for history that arrived late"
