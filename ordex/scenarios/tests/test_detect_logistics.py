"""Logistics family of DESIGN.md's taxonomy, plus the kuaidi100 push."""

import hashlib
import json
from urllib.parse import urlencode

import pytest

from .kit import API, REMOTE_ADDR, addr, change_requested, order, paid, reported, ship, t, track

pytestmark = pytest.mark.django_db


def shipped(no, address=None, **order_extra):
    """Paid at 10:02, shipment.created at 14:00 (t(hours=4))."""
    return [order(no, t(), address=address, **order_extra), paid(no, t(minutes=2), "99.00"),
            ship(no, t(hours=4))]


# --- pickup_timeout ---------------------------------------------------------------------------------

def test_no_pickup_scan_24_hours_after_shipment_created_opens_pickup_timeout(desk):
    desk.push_ok(*shipped("PU-1"), track("YDPU-1", "info_received", t(hours=5)))
    desk.scan(t(hours=4 + 24, minutes=1))
    assert "pickup_timeout" in desk.types("PU-1")


def test_no_pickup_scan_for_23_hours_59_minutes_has_no_pickup_timeout(desk):
    desk.push_ok(*shipped("PU-2"), track("YDPU-2", "info_received", t(hours=5)))
    desk.scan(t(hours=4 + 23, minutes=59))
    assert "pickup_timeout" not in desk.types("PU-2")


def test_a_parcel_picked_up_in_time_has_no_pickup_timeout(desk):
    desk.push_ok(*shipped("PU-3"), track("YDPU-3", "picked_up", t(hours=20)))
    desk.scan(t(hours=4 + 24, minutes=1))
    assert "pickup_timeout" not in desk.types("PU-3")


# --- tracking_stalled -------------------------------------------------------------------------------

def moving(no, address=None):
    return [*shipped(no, address), track(f"YD{no}", "picked_up", t(hours=6)),
            track(f"YD{no}", "in_transit", t(hours=10), location="杭州转运中心")]


def test_no_tracking_update_for_48_hours_opens_tracking_stalled(desk):
    desk.push_ok(*moving("TS-1"))
    desk.scan(t(hours=10 + 48, minutes=1))
    assert "tracking_stalled" in desk.types("TS-1")


def test_no_tracking_update_for_47_hours_59_minutes_is_not_stalled(desk):
    desk.push_ok(*moving("TS-2"))
    desk.scan(t(hours=10 + 47, minutes=59))
    assert "tracking_stalled" not in desk.types("TS-2")


def test_a_parcel_to_xinjiang_silent_for_49_hours_is_not_stalled_yet(desk):
    desk.push_ok(*moving("TS-3", REMOTE_ADDR))
    desk.scan(t(hours=10 + 49))
    assert "tracking_stalled" not in desk.types("TS-3")


def test_a_parcel_to_xinjiang_silent_for_72_hours_opens_tracking_stalled(desk):
    desk.push_ok(*moving("TS-4", REMOTE_ADDR))
    desk.scan(t(hours=10 + 72, minutes=1))
    assert "tracking_stalled" in desk.types("TS-4")


# --- delivery_overdue ---------------------------------------------------------------------------------

def daily_scans(no, days):
    """A parcel that moves every 20 hours (never stalled) but is never delivered."""
    return [track(f"YD{no}", "picked_up", t(hours=6))] + [
        track(f"YD{no}", "in_transit", t(hours=6 + 20 * k), location=f"转运中心{k}") for k in range(1, days * 24 // 20 + 1)]


def test_a_parcel_not_delivered_5_days_after_shipping_opens_delivery_overdue(desk):
    desk.push_ok(*shipped("DO-1"), *daily_scans("DO-1", 6))
    desk.scan(t(days=5, hours=4, minutes=1))
    assert "delivery_overdue" in desk.types("DO-1")


def test_a_parcel_in_transit_for_4_days_23_hours_is_not_overdue(desk):
    desk.push_ok(*shipped("DO-2"), *daily_scans("DO-2", 6))
    desk.scan(t(days=5, hours=3, minutes=59))
    assert "delivery_overdue" not in desk.types("DO-2")


def test_a_parcel_to_xinjiang_is_not_overdue_after_6_days(desk):
    desk.push_ok(*shipped("DO-3", REMOTE_ADDR), *daily_scans("DO-3", 9))
    desk.scan(t(days=6, hours=4))
    assert "delivery_overdue" not in desk.types("DO-3")


def test_a_parcel_to_xinjiang_not_delivered_8_days_after_shipping_opens_delivery_overdue(desk):
    desk.push_ok(*shipped("DO-4", REMOTE_ADDR), *daily_scans("DO-4", 9))
    desk.scan(t(days=8, hours=4, minutes=1))
    assert "delivery_overdue" in desk.types("DO-4")


def test_the_platforms_deliver_by_wins_over_the_5_day_default(desk):
    desk.push_ok(*shipped("DO-5", deliver_by=t(days=3)), *daily_scans("DO-5", 4))
    desk.scan(t(days=3, minutes=1))
    assert "delivery_overdue" in desk.types("DO-5")


# --- parcel_lost ----------------------------------------------------------------------------------------

def test_the_carrier_saying_lost_opens_parcel_lost(desk):
    desk.push_ok(*moving("PL-1"), track("YDPL-1", "lost", t(days=2), description="快件遗失"))
    assert "parcel_lost" in desk.types("PL-1")


def test_a_parcel_stalled_for_7_days_opens_parcel_lost(desk):
    desk.push_ok(*moving("PL-2"))
    desk.scan(t(days=7, hours=10, minutes=1))
    assert "parcel_lost" in desk.types("PL-2")


def test_a_parcel_stalled_for_6_days_23_hours_is_not_lost_yet(desk):
    desk.push_ok(*moving("PL-3"))
    desk.scan(t(days=7, hours=9, minutes=59))
    assert "parcel_lost" not in desk.types("PL-3")


# --- parcel_damaged ----------------------------------------------------------------------------------------

def test_the_carrier_reporting_damage_opens_parcel_damaged(desk):
    desk.push_ok(*moving("PD-1"), track("YDPD-1", "damaged", t(days=1), description="外包装破损"))
    assert "parcel_damaged" in desk.types("PD-1")


def test_the_customer_reporting_damage_opens_parcel_damaged(desk):
    desk.push_ok(*moving("PD-2"), track("YDPD-2", "delivered", t(days=2)),
                 reported("PD-2", "damaged", t(days=2, hours=2), "杯子碎了"))
    assert "parcel_damaged" in desk.types("PD-2")


# --- delivery_failed -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["delivery_failed", "refused", "returning", "returned"])
def test_a_failed_refused_or_returned_parcel_opens_delivery_failed(desk, status):
    no = f"DF-{status}"
    desk.push_ok(*moving(no), track(f"YD{no}", status, t(days=2)))
    assert "delivery_failed" in desk.types(no)


# --- signed_not_received ---------------------------------------------------------------------------------

def test_a_signed_parcel_the_customer_did_not_receive_opens_signed_not_received(desk):
    desk.push_ok(*moving("SNR-1"), track("YDSNR-1", "delivered", t(days=2), location="菜鸟驿站（文三路店）",
                                        description="已签收，签收人：驿站代收"),
                 reported("SNR-1", "not_received", t(days=3), "显示签收了但我没收到", with_photo=False))
    assert "signed_not_received" in desk.types("SNR-1")


# --- address_misdelivery ------------------------------------------------------------------------------------

def test_an_address_change_asked_after_shipping_opens_address_misdelivery(desk):
    desk.push_ok(*moving("AM-1"),
                 change_requested("AM-1", t(hours=12), {"address": addr(detail="莫干山路100号耀江国际大厦")}))
    assert "address_misdelivery" in desk.types("AM-1")


def test_a_parcel_delivered_in_another_city_opens_address_misdelivery(desk):
    desk.push_ok(*moving("AM-2"), track("YDAM-2", "delivered", t(days=2), location="上海市浦东新区",
                                       description="【上海市浦东新区】已签收"))
    assert "address_misdelivery" in desk.types("AM-2")


# --- kuaidi100 push -------------------------------------------------------------------------------------------

def kuaidi100_form(tracking_no, state, entries, salt):
    param = json.dumps({
        "status": "polling", "billstatus": "got", "message": "",
        "lastResult": {"message": "ok", "nu": tracking_no, "ischeck": "1", "condition": "F00", "com": "yunda",
                       "status": "200", "state": state, "data": entries},
    }, ensure_ascii=False)
    return {"param": param, "sign": hashlib.md5((param + salt).encode()).hexdigest().upper()}


def test_a_kuaidi100_push_of_state_14_refused_opens_delivery_failed_and_gets_the_expected_reply(desk, settings):
    settings.ORDEX_KUAIDI100_SALT = "s3cr3t"
    desk.push_ok(*shipped("K1-1"))
    entries = [  # newest first, as kuaidi100 sends them
        {"context": "【杭州市】 快件已被拒签", "time": "2026-11-04 15:00:00", "ftime": "2026-11-04 15:00:00",
         "status": "拒签", "areaName": "浙江,杭州市,西湖区"},
        {"context": "【杭州市】 快件已揽收", "time": "2026-11-02 18:00:00", "ftime": "2026-11-02 18:00:00",
         "status": "揽收", "areaName": "浙江,杭州市"},
    ]
    form = kuaidi100_form("YDK1-1", "14", entries, "s3cr3t")
    resp = desk.integration.generic("POST", f"{API}/integrations/kuaidi100", urlencode(form),
                                    content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert "delivery_failed" in desk.types("K1-1")


def test_a_kuaidi100_push_with_a_bad_signature_is_refused_and_changes_nothing(desk, settings):
    settings.ORDEX_KUAIDI100_SALT = "s3cr3t"
    desk.push_ok(*shipped("K1-2"))
    entries = [{"context": "拒签", "time": "2026-11-04 15:00:00", "ftime": "2026-11-04 15:00:00", "status": "拒签"}]
    form = kuaidi100_form("YDK1-2", "14", entries, "wrong-salt")
    resp = desk.integration.generic("POST", f"{API}/integrations/kuaidi100", urlencode(form),
                                    content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 401
    assert "delivery_failed" not in desk.types("K1-2")
