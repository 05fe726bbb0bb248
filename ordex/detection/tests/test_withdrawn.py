"""Gaps are judged between neighbours in `occurred_at` order, and a finding whose premise a late event
disproves is withdrawn: its case ends `withdrawn` with the reason on its timeline, is not a false positive of
the rule, and can be left out of the case list."""

from datetime import datetime, timedelta

import pytest

from ordex.cases.choices import OPEN_STATUSES, CaseStatus, TimelineKind
from ordex.cases.models import Case, TimelineEntry
from ordex.cases.queries import rule_outcomes
from ordex.detection.tests.helpers import (
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
from ordex.orders.apply import forget_cached_rows

pytestmark = pytest.mark.django_db

START = datetime.fromisoformat("2026-11-02T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _fresh_rows():
    forget_cached_rows()


def beat(minutes: int, component="oms-sync"):
    return envelope("system.heartbeat", (START + timedelta(minutes=minutes)).isoformat(), {"component": component},
                    id=f"hb-{component}-{minutes}")


def standing(type_code):
    return [c for c in cases_of(type_code) if c.status != CaseStatus.WITHDRAWN]


def test_a_heartbeat_that_overtakes_earlier_ones_is_no_outage_once_they_arrive():
    ingest(*[beat(m) for m in (0, 5, 10)])
    ingest(*[beat(m) for m in (40, 45, 50)])  # overtook 15 … 35: looks like a 30-minute silence
    [case] = cases_of("system_outage")
    ingest(*[beat(m) for m in (15, 20, 25, 30, 35)])

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert standing("system_outage") == []
    [finding] = findings("heartbeat_missing")
    assert finding.withdrawn_at is not None and not finding.active
    entry = TimelineEntry.objects.filter(case=case, kind=TimelineKind.WITHDRAWN).get()
    assert "从未成立" in entry.message


def test_an_outage_a_live_scan_opened_is_withdrawn_when_the_missing_beats_arrive_late():
    ingest(*[beat(m) for m in (0, 5, 10)])
    scan((START + timedelta(minutes=30)).isoformat())
    [case] = cases_of("system_outage")
    assert case.status == CaseStatus.NEW

    ingest(*[beat(m) for m in (15, 20, 25, 30)])

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert case.ended_at is not None
    assert rule_outcomes("heartbeat_missing")["false_positives"] == 0
    assert rule_outcomes("heartbeat_missing")["withdrawn"] == 1


def test_a_late_beat_inside_a_real_outage_leaves_the_silence_after_it_as_an_outage():
    ingest(*[beat(m) for m in (0, 5, 90, 95)])  # a real 85-minute silence
    ingest(beat(20))  # late, inside it: the silence now runs from 10:20 to 11:30

    [kept] = standing("system_outage")
    gaps = {(f.basis_at, f.withdrawn_at is None) for f in findings("heartbeat_missing")}
    assert gaps == {(START + timedelta(minutes=5), False), (START + timedelta(minutes=20), True)}
    assert kept.status == CaseStatus.RESOLVED  # already over when imported


def _parcel(*scans):
    return [order_created("WD1", at="2026-11-01T10:00:00+08:00"), order_paid("WD1", at="2026-11-01T10:05:00+08:00"),
            shipment_created("WD1", at="2026-11-01T12:00:00+08:00", tracking_no="YDWD1"),
            *[tracking(status, (datetime.fromisoformat("2026-11-01T18:00:00+08:00") + timedelta(hours=h)).isoformat(),
                       tracking_no="YDWD1", id=f"scan-{h}") for status, h in scans]]


def test_a_scan_that_arrives_a_day_late_withdraws_the_stall_it_disproves():
    events = _parcel(("picked_up", 0), ("in_transit", 28), ("in_transit", 50), ("delivered", 60))
    late = events.pop(4)  # the +28 h scan
    ingest(*events)
    [case] = cases_of("tracking_stalled")  # a 50-hour silence, as far as anyone knew
    ingest(late)

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert standing("tracking_stalled") == []


def test_a_late_scan_early_in_a_long_silence_keeps_the_stall_after_it():
    events = _parcel(("picked_up", 0), ("in_transit", 10), ("in_transit", 100))
    late = events.pop(4)  # +10 h
    ingest(*events)
    ingest(late)

    [kept] = standing("tracking_stalled")
    # 18:00+08 is 10:00 UTC: the silence from pickup was withdrawn, the one from the +10 h scan stands.
    assert {(f.basis_at.isoformat(), f.withdrawn_at is None) for f in findings("tracking_stalled")} == {
        ("2026-11-01T10:00:00+00:00", False), ("2026-11-01T20:00:00+00:00", True)}
    assert kept.status == CaseStatus.RESOLVED


def test_a_pickup_scan_dated_before_the_limit_withdraws_pickup_timeout_opened_by_a_scan():
    ingest(*_parcel())
    scan("2026-11-02T13:00:00+08:00")  # shipped 12:00 the day before, no pickup scan: 25 h
    [case] = cases_of("pickup_timeout")

    ingest(tracking("picked_up", "2026-11-01T20:00:00+08:00", tracking_no="YDWD1", id="late-pickup"))

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_a_payment_dated_within_the_limit_withdraws_payment_timeout():
    ingest(order_created("WD2", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:45:00+08:00")
    [case] = cases_of("payment_timeout")

    ingest(order_paid("WD2", at="2026-11-01T10:20:00+08:00"))

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_a_payment_after_the_limit_clears_payment_timeout_instead():
    ingest(order_created("WD3", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:45:00+08:00")
    ingest(order_paid("WD3", at="2026-11-01T10:40:00+08:00"))

    [case] = cases_of("payment_timeout")
    assert case.status == CaseStatus.RESOLVED and case.resolution == "cleared"


def test_the_case_list_can_leave_out_withdrawn_cases_and_says_which_are(api_as):
    ingest(*[beat(m) for m in (0, 5, 10, 40)])
    ingest(*[beat(m) for m in (15, 20, 25, 30, 35)])
    ingest(order_created("WD4", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:45:00+08:00")
    client = api_as("supervisor")

    every = client.get("/api/v1/cases").json()["items"]
    kept = client.get("/api/v1/cases", {"status": "-withdrawn"}).json()["items"]
    only = client.get("/api/v1/cases", {"status": "withdrawn"}).json()["items"]

    assert {(c["type"], c["withdrawn"]) for c in every} == {("system_outage", True), ("payment_timeout", False)}
    assert [c["type"] for c in kept] == ["payment_timeout"]
    assert [(c["type"], c["status"]) for c in only] == [("system_outage", "withdrawn")]


def test_nobody_moves_a_case_to_withdrawn_by_hand(api_as):
    ingest(order_created("WD5", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:45:00+08:00")
    [case] = cases_of("payment_timeout")

    response = api_as("supervisor").post(f"/api/v1/cases/{case.pk}/transitions", {"to": "withdrawn", "reason": "x"},
                                  content_type="application/json")

    assert response.status_code == 409 and response.json()["code"] == "system_only_status"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_a_signed_for_scan_that_arrives_after_the_not_received_report_makes_it_signed_not_received():
    # The buyer wrote at 21:00 that nothing came; the carrier's "delivered" scan from 15:00 reaches Ordex after.
    ingest(*_parcel(("picked_up", 0), ("in_transit", 6)))
    ingest(envelope("customer.reported", "2026-11-02T21:00:00+08:00",
                    {"order_no": "WD1", "kind": "not_received", "message": "一直没收到"}, id="report-1"))
    [chasing] = cases_of("complaint")  # not signed for yet, as far as Ordex knows
    assert cases_of("signed_not_received") == []

    ingest(tracking("delivered", "2026-11-02T15:00:00+08:00", tracking_no="YDWD1", id="scan-delivered"))

    chasing.refresh_from_db()
    assert chasing.status == CaseStatus.WITHDRAWN
    assert "签收" in TimelineEntry.objects.get(case=chasing, kind=TimelineKind.WITHDRAWN).message
    [signed] = standing("signed_not_received")
    assert signed.status == CaseStatus.NEW
    assert findings("report_not_received")[0].found_at == datetime.fromisoformat("2026-11-02T21:00:00+08:00")


def test_a_signed_for_scan_from_after_the_report_leaves_the_complaint_standing():
    ingest(*_parcel(("picked_up", 0), ("in_transit", 6)))
    ingest(envelope("customer.reported", "2026-11-02T09:00:00+08:00",
                    {"order_no": "WD1", "kind": "not_received", "message": "一直没收到"}, id="report-1"))
    ingest(tracking("delivered", "2026-11-02T15:00:00+08:00", tracking_no="YDWD1", id="scan-delivered"))

    assert [c.status for c in cases_of("complaint")] == [CaseStatus.NEW]
    assert cases_of("signed_not_received") == []


def test_an_outage_that_arrives_late_and_had_ended_does_not_resolve_the_later_outage_still_running():
    ingest(*[beat(m) for m in range(45, 80, 5)])  # 10:45 … 11:15, then nothing
    scan((START + timedelta(minutes=95)).isoformat())
    [case] = cases_of("system_outage")
    assert case.status == CaseStatus.NEW

    ingest(beat(0))  # 10:00, late: a 45-minute silence before 10:45 that was over long ago

    case.refresh_from_db()
    assert case.status in OPEN_STATUSES  # the silence since 11:15 still runs
    assert TimelineEntry.objects.filter(case=case, kind=TimelineKind.CLEARED).count() == 1
    assert sorted((f.basis_at, f.active) for f in findings("heartbeat_missing")) == [
        (START, False), (START + timedelta(minutes=75), True)]
