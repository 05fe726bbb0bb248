from ordex.detection.tests.helpers import (
    active,
    cases_of,
    findings,
    ingest,
    order_created,
    order_paid,
    scan,
    shipment_created,
    tracking,
)


def test_unpaid_order_times_out_and_clears_when_paid(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T10:29:00+08:00")
    assert findings("payment_timeout") == []
    scan("2026-11-01T10:31:00+08:00")
    [finding] = findings("payment_timeout")
    assert finding.active
    assert len(cases_of("payment_timeout")) == 1
    ingest(order_paid("P1", at="2026-11-01T10:40:00+08:00", amount="99.00"))
    assert active("payment_timeout") == []


def test_stall_that_ended_is_found_on_import(db):
    ingest(order_created("S1", at="2026-11-01T10:00:00+08:00"), order_paid("S1", at="2026-11-01T10:05:00+08:00"),
           shipment_created("S1", at="2026-11-01T12:00:00+08:00"),
           tracking("picked_up", "2026-11-01T14:00:00+08:00"),
           tracking("in_transit", "2026-11-04T14:00:00+08:00"))
    [finding] = findings("tracking_stalled")
    assert not finding.active and finding.cleared_at is not None


def test_a_second_stall_of_the_same_parcel_reopens_its_cleared_case(db):
    """The chunk reads which orders already have a case of the type (any status) before opening cases:
    a case resolved as cleared within the reopen window takes the new finding and reopens."""
    ingest(order_created("S2", at="2026-11-01T10:00:00+08:00"), order_paid("S2", at="2026-11-01T10:05:00+08:00"),
           shipment_created("S2", at="2026-11-01T12:00:00+08:00"),
           tracking("picked_up", "2026-11-01T14:00:00+08:00"),
           tracking("in_transit", "2026-11-04T14:00:00+08:00"))
    [case] = cases_of("tracking_stalled")
    assert case.status == "resolved" and case.resolution == "cleared"
    ingest(tracking("in_transit", "2026-11-07T15:00:00+08:00"))
    assert len(findings("tracking_stalled")) == 2
    [again] = cases_of("tracking_stalled")
    assert again.pk == case.pk and again.status == "reopened"
