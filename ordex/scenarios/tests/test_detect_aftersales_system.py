"""After-sales and system families of DESIGN.md's taxonomy."""

import pytest

from .kit import (
    dump,
    fault,
    heartbeat,
    order,
    paid,
    refund_completed,
    refund_failed,
    refund_requested,
    reported,
    ship,
    t,
    track,
)

pytestmark = pytest.mark.django_db


def delivered(no, sku="SKU-CUP"):
    return [order(no, t(), lines=((sku, 1, "99.00"),)), paid(no, t(minutes=2), "99.00"),
            ship(no, t(hours=4), lines=((sku, 1),)), track(f"YD{no}", "picked_up", t(hours=6)),
            track(f"YD{no}", "delivered", t(days=2))]


# --- refund_failed / refund_mismatch ---------------------------------------------------------------------

def test_a_refund_failed_event_opens_refund_failed(desk):
    desk.push_ok(order("RF-1", t()), paid("RF-1", t(minutes=2), "99.00"),
                 refund_requested("RFN-1", "RF-1", "99.00", t(hours=1)),
                 refund_failed("RFN-1", "RF-1", t(hours=2)))
    assert "refund_failed" in desk.types("RF-1")


def test_refunding_less_than_was_requested_opens_refund_mismatch(desk):
    desk.push_ok(order("RM-1", t()), paid("RM-1", t(minutes=2), "99.00"),
                 refund_requested("RMN-1", "RM-1", "50.00", t(hours=1)),
                 refund_completed("RMN-1", "RM-1", "40.00", t(hours=2)))
    assert "refund_mismatch" in desk.types("RM-1")


def test_refunds_adding_up_to_more_than_was_paid_open_refund_mismatch(desk):
    desk.push_ok(order("RM-2", t()), paid("RM-2", t(minutes=2), "99.00"),
                 refund_requested("RMN-2a", "RM-2", "60.00", t(hours=1)),
                 refund_completed("RMN-2a", "RM-2", "60.00", t(hours=2)),
                 refund_requested("RMN-2b", "RM-2", "60.00", t(hours=3)),
                 refund_completed("RMN-2b", "RM-2", "60.00", t(hours=4)))
    assert "refund_mismatch" in desk.types("RM-2")


def test_a_refund_completed_as_requested_opens_no_refund_case(desk):
    desk.push_ok(order("RM-3", t()), paid("RM-3", t(minutes=2), "99.00"),
                 refund_requested("RMN-3", "RM-3", "99.00", t(hours=1)),
                 refund_completed("RMN-3", "RM-3", "99.00", t(hours=2)))
    desk.scan(t(days=2))
    assert not {"refund_mismatch", "refund_failed", "refund_delayed"} & desk.types("RM-3")


# --- refund_delayed -----------------------------------------------------------------------------------

def _unshipped_refund(no):
    return [order(no, t()), paid(no, t(minutes=2), "99.00"),
            refund_requested(f"{no}-R", no, "99.00", t(hours=1))]


def test_an_unshipped_refund_not_completed_in_12_hours_opens_refund_delayed(desk):
    desk.push_ok(*_unshipped_refund("RD-1"))
    desk.scan(t(hours=13, minutes=1))
    assert "refund_delayed" in desk.types("RD-1")


def test_an_unshipped_refund_pending_for_11_hours_59_minutes_is_not_delayed(desk):
    desk.push_ok(*_unshipped_refund("RD-2"))
    desk.scan(t(hours=12, minutes=59))
    assert "refund_delayed" not in desk.types("RD-2")


# --- customer reports ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,type_code", [
    ("not_as_described", "not_as_described"),
    ("quality", "quality_issue"),
    ("complaint", "complaint"),
])
def test_a_customer_report_opens_its_type(desk, kind, type_code):
    no = f"CR-{kind}"
    desk.push_ok(*delivered(no), reported(no, kind, t(days=3), "和描述不一样/用了一天就坏了/客服态度差"))
    assert type_code in desk.types(no)


def test_three_quality_reports_on_one_sku_form_one_incident(desk):
    events = []
    for i in range(3):
        events += delivered(f"QI-{i}", sku="SKU-KETTLE")
        events.append(reported(f"QI-{i}", "quality", t(days=3, hours=i), "烧水壶漏水"))
    desk.push_ok(*events)
    cases = [c for i in range(3) for c in desk.cases(order_no=f"QI-{i}") if c["type"] == "quality_issue"]
    assert len(cases) == 3
    incidents = {c["incident_id"] for c in cases}
    assert len(incidents) == 1 and None not in incidents, incidents


# --- system_outage -----------------------------------------------------------------------------------------

def test_a_system_fault_opens_system_outage(desk):
    desk.push_ok(fault("payment-callback", t()))
    assert desk.cases(type="system_outage"), "no system_outage case"


def test_missed_heartbeats_open_system_outage(desk):
    # DESIGN.md names "missed heartbeats" without a number; two silent hours after beating every
    # 5 minutes is missed by any reading.
    desk.push_ok(*[heartbeat("oms-sync", t(minutes=-60 + 5 * k)) for k in range(13)])  # 09:00 … 10:00
    desk.scan(t(hours=2))
    assert desk.cases(type="system_outage"), "no system_outage case"


def test_a_busy_shop_with_no_order_for_60_minutes_in_business_hours_opens_system_outage(desk):
    # The shop usually takes an order every 5 minutes between 09:00 and 12:00; today it stops at 10:00.
    events = []
    for day in range(-7, 0):
        for k in range(36):
            events.append(order(f"SS-{day}-{k}", t(days=day, hours=-1, minutes=5 * k), shop="tb-busy"))
    for k in range(13):
        events.append(order(f"SS-0-{k}", t(hours=-1, minutes=5 * k), shop="tb-busy"))
    desk.push_ok(*events)
    desk.scan(t(hours=1, minutes=5))
    outages = desk.cases(type="system_outage")
    assert outages, "no system_outage case"
    assert "tb-busy" in dump(outages)


# --- data_loss ---------------------------------------------------------------------------------------------------

def test_a_payment_for_an_order_that_never_arrived_opens_data_loss(desk):
    desk.push_ok(paid("DL-1", t(), "99.00"))
    desk.scan(t(hours=3))
    losses = desk.cases(type="data_loss")
    assert losses and "DL-1" in dump(losses), dump(losses)


def test_a_data_loss_case_is_found_by_its_order_number(desk):
    # A merchant looking for order DL-2 types its number into the queue search.
    desk.push_ok(paid("DL-2", t(), "99.00"))
    desk.scan(t(hours=3))
    assert "data_loss" in desk.types("DL-2")
