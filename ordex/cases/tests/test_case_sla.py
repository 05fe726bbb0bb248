"""SLA on stored cases: deadlines from the seeded calendars, pauses, near-breach and breach escalation,
department clocks, the exact boundary, and replays with as_of."""

from datetime import timedelta

import time_machine

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.choices import CaseStatus, NotificationKind, TimelineKind
from ordex.cases.models import Case, CaseDepartmentClock, Notification
from ordex.cases.queries import sla_view

from .conftest import sh

MICRO = timedelta(microseconds=1)


def finding(order, found_at, type_code="out_of_stock"):
    return actions.record_finding(type_code=type_code, found_at=found_at, summary="short", facts={},
                                  rule_code="stock.short", order=order).case


def test_office_case_before_national_day_is_due_after_the_holiday(order):
    # office calendar, p2 = 8 working hours; 1 h on 09-30, then 10-01..10-07 off, 7 h on 10-08.
    case = finding(order, sh(2026, 9, 30, 17))
    assert case.resolve_due_at == sh(2026, 10, 8, 16)


def test_office_case_on_a_saturday_counts_the_make_up_sunday(carol):
    with time_machine.travel(sh(2026, 9, 19, 10), tick=False):
        case = actions.open_manual_case(actor=principal_for_user(carol), type_code="out_of_stock", summary="call",
                                        subject_key="call-1", severity="p1").case
    # p1 = 4 working hours; Sat 09-19 is off, Sun 09-20 is a make-up working day (09:00-13:00).
    assert case.resolve_due_at == sh(2026, 9, 20, 13)


def test_waiting_for_the_customer_over_a_weekend_moves_the_deadline_by_the_paused_working_time(order, dave):
    actor = principal_for_user(dave)
    case = finding(order, sh(2026, 11, 20, 14))  # Fri 14:00 + 8 h -> Mon 13:00
    assert case.resolve_due_at == sh(2026, 11, 23, 13)
    actions.transition(case.pk, to=CaseStatus.IN_PROGRESS, actor=actor, at=sh(2026, 11, 20, 15))
    actions.transition(case.pk, to=CaseStatus.WAITING_CUSTOMER, actor=actor, at=sh(2026, 11, 20, 16))
    assert Case.objects.get(pk=case.pk).sla_paused
    actions.transition(case.pk, to=CaseStatus.IN_PROGRESS, actor=actor, at=sh(2026, 11, 23, 10))
    case.refresh_from_db()
    # Paused Fri 16:00 -> Mon 10:00 covers 3 working hours (Fri 16-18, Mon 9-10).
    assert (case.sla_paused, case.resolve_due_at) == (False, sh(2026, 11, 23, 16))


def test_no_breach_is_declared_while_the_case_waits_for_the_customer(order, dave, bob):
    actor = principal_for_user(dave)
    case = finding(order, sh(2026, 11, 23, 9))  # due Mon 17:00
    actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=actor, at=sh(2026, 11, 23, 9, 30))
    actions.transition(case.pk, to=CaseStatus.WAITING_CUSTOMER, actor=actor, at=sh(2026, 11, 23, 10))
    scan = actions.evaluate_sla(sh(2026, 11, 25, 12))
    case.refresh_from_db()
    assert (scan.breached, scan.near_breached) == (0, 0)
    assert case.breached_at is None and case.escalation_level == 0
    assert sla_view(case, sh(2026, 11, 25, 12))["breached"] is False


def test_waiting_for_a_third_party_pauses_only_when_the_policy_says_so(make_order, dave, frank):
    office_case = finding(make_order(), sh(2026, 11, 23, 9))
    carrier_case = finding(make_order(), sh(2026, 11, 23, 9), type_code="tracking_stalled")
    actions.transition(office_case.pk, to=CaseStatus.TRIAGED, actor=principal_for_user(dave))
    actions.transition(office_case.pk, to=CaseStatus.WAITING_THIRD_PARTY, actor=principal_for_user(dave))
    actions.transition(carrier_case.pk, to=CaseStatus.TRIAGED, actor=principal_for_user(frank))
    actions.transition(carrier_case.pk, to=CaseStatus.WAITING_THIRD_PARTY, actor=principal_for_user(frank))
    assert Case.objects.get(pk=office_case.pk).sla_paused is False
    assert Case.objects.get(pk=carrier_case.pk).sla_paused is True


def test_exactly_at_the_deadline_is_not_a_breach_one_microsecond_later_is(order, bob):
    case = finding(order, sh(2026, 11, 23, 9))
    due = case.resolve_due_at
    assert due == sh(2026, 11, 23, 17)
    with time_machine.travel(due, tick=False):
        actions.evaluate_sla()
    case.refresh_from_db()
    assert case.breached_at is None
    with time_machine.travel(due + MICRO, tick=False):
        scan = actions.evaluate_sla()
    case.refresh_from_db()
    assert scan.breached == 1
    assert case.breached_at == due


def test_near_breach_at_80_percent_notifies_the_supervisor_and_raises_the_level(order, bob):
    case = finding(order, sh(2026, 11, 23, 9))
    # 80% of 8 h = 6 h 24 min -> 15:24.
    assert case.near_breach_due_at == sh(2026, 11, 23, 15, 24)
    actions.evaluate_sla(sh(2026, 11, 23, 15, 23))
    assert Case.objects.get(pk=case.pk).escalation_level == 0
    scan = actions.evaluate_sla(sh(2026, 11, 23, 15, 24))
    case.refresh_from_db()
    assert scan.near_breached == 1
    assert (case.escalation_level, case.near_breach_at) == (1, sh(2026, 11, 23, 15, 24))
    notification = Notification.objects.get(user=bob)
    assert notification.kind == NotificationKind.NEAR_BREACH and notification.case_id == case.pk
    assert case.timeline.filter(kind=TimelineKind.SLA_NEAR_BREACH).count() == 1
    # Evaluating again changes nothing.
    actions.evaluate_sla(sh(2026, 11, 23, 15, 30))
    assert Case.objects.get(pk=case.pk).escalation_level == 1


def test_breach_escalates_again_and_names_the_department_holding_the_case(order, bob, dave):
    case = finding(order, sh(2026, 11, 23, 9))  # warehouse, due 17:00
    with time_machine.travel(sh(2026, 11, 23, 12), tick=False):
        actions.transfer(case.pk, actor=principal_for_user(bob), department_code="logistics", reason="carrier issue")
    scan = actions.evaluate_sla(sh(2026, 11, 23, 17, 1))
    case.refresh_from_db()
    assert (scan.near_breached, scan.breached) == (1, 1)
    assert case.escalation_level == 2
    assert case.breach_department.code == "logistics"
    assert {n.kind for n in Notification.objects.filter(user=bob)} == {NotificationKind.NEAR_BREACH, NotificationKind.BREACH}


def test_department_clock_breach_is_charged_to_the_department_that_held_the_case(order, bob):
    case = finding(order, sh(2026, 11, 23, 9))  # warehouse internal target: 8 h office -> 17:00
    with time_machine.travel(sh(2026, 11, 23, 16), tick=False):
        actions.transfer(case.pk, actor=principal_for_user(bob), department_code="finance")
    actions.evaluate_sla(sh(2026, 11, 24, 18))
    warehouse, finance = CaseDepartmentClock.objects.filter(case=case).order_by("started_at")
    assert warehouse.breached_at is None  # it handed the case on before its target
    assert finance.department.code == "finance"
    assert finance.breached_at == sh(2026, 11, 24, 15)  # 8 office hours from Mon 16:00: 2 on Mon, 6 on Tue
    entry = case.timeline.get(kind=TimelineKind.DEPARTMENT_BREACH)
    assert entry.data == {"department": "finance"}


def test_first_response_breach_is_flagged_when_nobody_answered_in_time(order, bob):
    case = finding(order, sh(2026, 11, 23, 9))  # p2 office: first response 2 h -> 11:00
    scan = actions.evaluate_sla(sh(2026, 11, 23, 11, 0, 1))
    case.refresh_from_db()
    assert scan.response_breached == 1
    assert case.response_breached_at == sh(2026, 11, 23, 11)


def test_replaying_a_past_as_of_records_the_moment_the_threshold_was_crossed(order, bob):
    case = finding(order, sh(2026, 9, 30, 17))
    actions.evaluate_sla(sh(2026, 10, 9, 9))
    case.refresh_from_db()
    assert case.breached_at == sh(2026, 10, 8, 16)
    assert case.timeline.get(kind=TimelineKind.SLA_BREACH).at == sh(2026, 10, 8, 16)


def test_reassignment_on_breach_when_the_policy_says_so(db, bob):
    from ordex.accounts.services import create_user

    first = create_user(username="ivy", role="agent", password="x", department="it")
    second = create_user(username="ian", role="agent", password="x", department="it")
    case = actions.record_finding(type_code="system_outage", found_at=sh(2026, 11, 23, 9), summary="down", facts={},
                                  rule_code="system.heartbeat", subject_key="erp").case
    actions.assign(case.pk, actor=principal_for_user(bob), user_id=first.pk)
    actions.evaluate_sla(sh(2026, 11, 23, 12))  # system p1: 2 h on 24x7
    case.refresh_from_db()
    assert case.breached_at == sh(2026, 11, 23, 11)
    assert case.assignee == second


def test_the_worked_example_in_docs_cases_md(order, alice, dave, bob):
    actor = principal_for_user(dave)
    case = finding(order, sh(2026, 11, 20, 14))
    assert (case.response_due_at, case.resolve_due_at) == (sh(2026, 11, 20, 16), sh(2026, 11, 23, 13))
    with time_machine.travel(sh(2026, 11, 20, 15), tick=False):
        actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=actor)
    with time_machine.travel(sh(2026, 11, 20, 16), tick=False):
        actions.offer_choice(case.pk, actor=actor, deadline_hours=72)
    with time_machine.travel(sh(2026, 11, 23, 10), tick=False):
        actions.record_choice(case.pk, actor=actor, chosen="wait_restock")
    case.refresh_from_db()
    assert (case.resolve_due_at, case.near_breach_due_at) == (sh(2026, 11, 23, 16), sh(2026, 11, 23, 14, 24))
    assert actions.evaluate_sla(sh(2026, 11, 23, 14, 24)).near_breached == 1
    assert actions.evaluate_sla(sh(2026, 11, 23, 16)).breached == 0
    scan = actions.evaluate_sla(sh(2026, 11, 23, 16) + MICRO)
    case.refresh_from_db()
    assert (scan.breached, scan.department_breached) == (1, 1)
    assert (case.breached_at, case.breach_department.code, case.escalation_level) == (sh(2026, 11, 23, 16), "warehouse", 2)
    assert case.response_breached_at is None


def test_the_unanswered_choice_variant_of_the_worked_example(order, dave):
    actor = principal_for_user(dave)
    case = finding(order, sh(2026, 11, 20, 14))
    with time_machine.travel(sh(2026, 11, 20, 15), tick=False):
        actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=actor)
    with time_machine.travel(sh(2026, 11, 20, 16), tick=False):
        actions.offer_choice(case.pk, actor=actor)
    actions.evaluate_sla(sh(2026, 11, 22, 16))
    case.refresh_from_db()
    assert (case.chosen_resolution, case.status, case.resolve_due_at) == ("refund", CaseStatus.IN_PROGRESS, sh(2026, 11, 23, 15))
