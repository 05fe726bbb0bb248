"""record_finding / clear_finding: the contract detection builds on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ordex.cases import actions
from ordex.cases.choices import CaseStatus, TimelineKind
from ordex.cases.models import Case, CaseStep, Evidence, Incident, TimelineEntry
from ordex.core.errors import DomainError

from .conftest import sh

FOUND = sh(2026, 11, 23, 10)


def find(order=None, **overrides):
    kwargs = {
        "type_code": "out_of_stock", "found_at": FOUND, "summary": "SKU-1 需 2 件，仓库仅 0 件",
        "facts": {"sku": "SKU-1", "ordered": 2, "available": 0}, "rule_code": "stock.short", "order": order,
    }
    kwargs.update(overrides)
    return actions.record_finding(**kwargs)


def test_first_finding_opens_a_new_case_with_the_types_department_severity_playbook_and_sla(order):
    result = find(order)
    case = result.case
    assert (result.created, result.reopened, result.evidence_added) == (True, False, True)
    assert case.status == CaseStatus.NEW
    assert case.department.code == "warehouse"
    assert case.severity == "p2"
    assert case.opened_by_rule == "stock.short"
    assert case.order_no == "T-1001"
    assert case.found_at == FOUND == case.sla_started_at
    # office calendar, p2: 8 working hours from Mon 10:00 -> 18:00 that day; first response 2 h -> 12:00.
    assert case.resolve_due_at == sh(2026, 11, 23, 18)
    assert case.response_due_at == sh(2026, 11, 23, 12)
    assert CaseStep.objects.filter(case=case).count() == 5
    assert list(case.timeline.values_list("kind", flat=True)) == [TimelineKind.OPENED]
    assert case.department_clocks.get().department.code == "warehouse"


def test_repeated_finding_adds_evidence_to_the_open_case_instead_of_a_new_case(order):
    first = find(order).case
    again = find(order, found_at=FOUND + timedelta(hours=1), facts={"sku": "SKU-1", "ordered": 2, "available": -1})
    assert (again.case.pk, again.created, again.evidence_added) == (first.pk, False, True)
    assert Case.objects.count() == 1
    assert Evidence.objects.filter(case=first).count() == 2
    assert TimelineEntry.objects.filter(case=first, kind=TimelineKind.FINDING).count() == 1


def test_identical_repeated_finding_is_not_stored_twice(order):
    first = find(order).case
    again = find(order, found_at=FOUND + timedelta(minutes=5))
    assert (again.case.pk, again.created, again.evidence_added) == (first.pk, False, False)
    assert Evidence.objects.filter(case=first).count() == 1


def test_finding_within_15_days_of_resolution_reopens_the_case(order, bob, api_as):
    case = find(order).case
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=None, resolution="cleared", at=FOUND + timedelta(hours=1))
    again = find(order, found_at=FOUND + timedelta(days=14), facts={"again": True})
    assert (again.case.pk, again.created, again.reopened) == (case.pk, False, True)
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert case.sla_started_at == FOUND + timedelta(days=14)
    assert case.ended_at is None


def test_finding_after_15_days_opens_a_new_case(order):
    case = find(order).case
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=None, resolution="cleared", at=FOUND)
    again = find(order, found_at=FOUND + timedelta(days=15, seconds=1), facts={"again": True})
    assert again.created and again.case.pk != case.pk


def test_finding_on_a_case_rejected_as_false_positive_keeps_it_rejected(order):
    case = find(order).case
    actions.transition(case.pk, to=CaseStatus.REJECTED, actor=None, reason="stock was counted wrong")
    again = find(order, found_at=FOUND + timedelta(hours=2), facts={"again": True})
    assert (again.case.pk, again.created, again.reopened, again.evidence_added) == (case.pk, False, False, True)
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED


def test_finding_without_order_is_keyed_by_subject(db):
    first = find(None, type_code="system_outage", subject_key="shop:tmall-1", summary="no orders for 60 min")
    again = find(None, type_code="system_outage", subject_key="shop:tmall-1", summary="still none", facts={"n": 2})
    other = find(None, type_code="system_outage", subject_key="shop:jd-1", summary="no orders")
    assert again.case.pk == first.case.pk
    assert other.case.pk != first.case.pk


def test_finding_links_extra_orders_and_groups_into_an_incident(make_order):
    a, b, c = make_order("A-1"), make_order("A-2"), make_order("A-3")
    result = find(a, type_code="price_error", rule_code="price.below_cost", orders=[b], incident_key="SKU-9",
                  incident_title="SKU-9 标价 9.9")
    again = find(c, type_code="price_error", rule_code="price.below_cost", incident_key="SKU-9")
    incident = Incident.objects.get()
    assert incident.title == "SKU-9 标价 9.9"
    assert set(incident.cases.values_list("pk", flat=True)) == {result.case.pk, again.case.pk}
    assert sorted(result.case.case_orders.values_list("order_no", flat=True)) == ["A-1", "A-2"]
    kinds = list(result.case.timeline.values_list("kind", flat=True))
    assert TimelineKind.ORDER_LINKED in kinds and TimelineKind.INCIDENT in kinds


def test_unknown_type_is_refused_and_opens_nothing(order):
    with pytest.raises(DomainError) as refused:
        find(order, type_code="no_such_type")
    assert refused.value.code == "unknown_type"
    assert not Case.objects.exists()


def test_recording_a_finding_on_an_open_case_takes_few_queries(order):
    find(order)
    with CaptureQueriesContext(connection) as queries:
        find(order, found_at=FOUND + timedelta(hours=1), facts={"n": 2})
    assert len(queries) <= 8


def test_opening_a_case_takes_a_bounded_number_of_queries(order):
    find(order)  # warms the calendar cache
    other = find(None, type_code="out_of_stock", subject_key="x")
    assert other.created
    with CaptureQueriesContext(connection) as queries:
        find(None, type_code="out_of_stock", subject_key="y")
    assert len(queries) <= 14


def test_cleared_condition_resolves_an_untouched_case(order):
    case = find(order).case
    cleared = actions.clear_finding(type_code="out_of_stock", cleared_at=FOUND + timedelta(hours=1),
                                    summary="restocked", rule_code="stock.short", order=order)
    assert cleared.pk == case.pk
    case.refresh_from_db()
    assert (case.status, case.resolution) == (CaseStatus.RESOLVED, "cleared")
    kinds = list(case.timeline.values_list("kind", flat=True))
    assert kinds == [TimelineKind.OPENED, TimelineKind.CLEARED, TimelineKind.TRANSITION]


def test_cleared_condition_only_notes_a_case_someone_works_on(order, alice, dave):
    from ordex.accounts.access import principal_for_user

    case = find(order).case
    actions.add_note(case.pk, actor=principal_for_user(dave), text="checking other warehouses")
    actions.clear_finding(type_code="out_of_stock", cleared_at=FOUND + timedelta(hours=1), summary="restocked",
                          rule_code="stock.short", order=order)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.timeline.filter(kind=TimelineKind.CLEARED).exists()


def test_clear_without_open_case_does_nothing(order):
    assert actions.clear_finding(type_code="out_of_stock", cleared_at=FOUND, summary="x", rule_code="r", order=order) is None


def test_clearing_needs_an_order_or_a_subject_so_it_never_touches_manual_cases(db, carol):
    from ordex.accounts.access import principal_for_user

    manual = actions.open_manual_case(actor=principal_for_user(carol), type_code="complaint", summary="call")
    with pytest.raises(DomainError) as refused:
        actions.clear_finding(type_code="complaint", cleared_at=FOUND, summary="x", rule_code="r")
    assert refused.value.code == "subject_required"
    assert Case.objects.get(pk=manual.pk).status == CaseStatus.NEW


def test_a_caller_wrong_about_no_case_yet_still_gets_the_open_case(order):
    """`no_case_yet` skips the lookup; if another process opened the case meanwhile, the unique open-case
    slot refuses the second case and the finding joins the open one."""
    first = find(order).case
    again = find(order, found_at=FOUND + timedelta(hours=1), facts={"n": 2}, no_case_yet=True)
    assert (again.case.pk, again.created, again.evidence_added) == (first.pk, False, True)
    assert Case.objects.count() == 1


def test_a_batch_copies_the_playbook_of_each_new_case(order, make_order):
    other_order = make_order()
    with actions.batch_of_findings():
        cases = [find(order).case, find(other_order).case]
    assert [CaseStep.objects.filter(case=c).count() for c in cases] == [5, 5]
