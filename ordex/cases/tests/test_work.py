"""Working the queue: assignment (manual, round robin with a cap), customer choice with a deadline,
notes, incidents and bulk actions."""

from datetime import timedelta

import pytest
import time_machine

from ordex.accounts.access import principal_for_user
from ordex.accounts.services import create_user
from ordex.cases import actions
from ordex.cases.choices import CaseStatus, ChoiceStatus, TimelineKind
from ordex.cases.models import Case, CustomerChoice, Notification
from ordex.core.errors import DomainError

from .conftest import sh

FOUND = sh(2026, 11, 23, 10)


def finding(order, type_code="out_of_stock", **kwargs):
    return actions.record_finding(type_code=type_code, found_at=FOUND, summary="short", facts={},
                                  rule_code="stock.short", order=order, **kwargs).case


def triaged(order, user):
    case = finding(order)
    actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=principal_for_user(user))
    return case


@pytest.fixture
def warehouse_team(db):
    return [create_user(username=name, role="warehouse", password="x") for name in ("wang", "li", "zhao")]


def test_manual_assignment_to_a_member_of_the_department(order, bob, dave):
    case = finding(order)
    actions.assign(case.pk, actor=principal_for_user(bob), user_id=dave.pk)
    case.refresh_from_db()
    assert case.assignee == dave
    assert case.timeline.filter(kind=TimelineKind.ASSIGNMENT).count() == 1
    assert Notification.objects.filter(user=dave, case=case).exists()


def test_assigning_outside_the_department_is_refused_and_changes_nothing(order, bob, alice):
    case = finding(order)
    with pytest.raises(DomainError) as refused:
        actions.assign(case.pk, actor=principal_for_user(bob), user_id=alice.pk)
    assert refused.value.code == "assignee_not_in_department"
    case.refresh_from_db()
    assert case.assignee is None and not case.timeline.filter(kind=TimelineKind.ASSIGNMENT).exists()


def test_round_robin_takes_turns_and_skips_unavailable_users(make_order, bob, warehouse_team):
    wang, li, zhao = warehouse_team
    li.available = False
    li.save(update_fields=["available"])
    picked = []
    for _ in range(3):
        case = finding(make_order())
        actions.assign(case.pk, actor=principal_for_user(bob), auto=True)
        picked.append(Case.objects.get(pk=case.pk).assignee.username)
    assert picked == ["wang", "zhao", "wang"]


def test_round_robin_respects_the_cap_of_open_cases(make_order, bob, warehouse_team):
    for user in warehouse_team:
        user.max_open_cases = 1
        user.save(update_fields=["max_open_cases"])
    for _ in range(3):
        actions.assign(finding(make_order()).pk, actor=principal_for_user(bob), auto=True)
    case = finding(make_order())
    with pytest.raises(DomainError) as refused:
        actions.assign(case.pk, actor=principal_for_user(bob), auto=True)
    assert refused.value.code == "no_available_assignee"
    assert Case.objects.get(pk=case.pk).assignee is None


def test_offering_a_choice_waits_for_the_customer_with_a_48_hour_deadline(order, dave):
    case = triaged(order, dave)
    with time_machine.travel(sh(2026, 11, 23, 11), tick=False):
        choice = actions.offer_choice(case.pk, actor=principal_for_user(dave))
    case.refresh_from_db()
    assert choice.options == ["wait_restock", "partial_shipment", "substitute", "refund"]
    assert choice.deadline_at == sh(2026, 11, 25, 11)
    assert (case.status, case.sla_paused) == (CaseStatus.WAITING_CUSTOMER, True)


def test_recording_the_customers_choice_resumes_the_case(order, dave):
    case = triaged(order, dave)
    actor = principal_for_user(dave)
    actions.offer_choice(case.pk, actor=actor, options=["wait_restock", "refund"])
    actions.record_choice(case.pk, actor=actor, chosen="wait_restock")
    case.refresh_from_db()
    assert (case.status, case.chosen_resolution) == (CaseStatus.IN_PROGRESS, "wait_restock")
    assert CustomerChoice.objects.get(case=case).source == "agent"


def test_a_choice_not_offered_is_refused(order, dave):
    case = triaged(order, dave)
    actor = principal_for_user(dave)
    actions.offer_choice(case.pk, actor=actor, options=["wait_restock", "refund"])
    with pytest.raises(DomainError) as refused:
        actions.record_choice(case.pk, actor=actor, chosen="substitute")
    assert refused.value.code == "choice_not_offered"
    assert CustomerChoice.objects.get(case=case).status == ChoiceStatus.OPEN


def test_when_the_deadline_passes_the_default_resolution_applies_and_the_timeline_says_so(order, dave):
    case = triaged(order, dave)
    with time_machine.travel(sh(2026, 11, 23, 11), tick=False):
        actions.offer_choice(case.pk, actor=principal_for_user(dave))
    assert actions.apply_expired_choices(sh(2026, 11, 25, 10, 59)) == 0
    assert actions.apply_expired_choices(sh(2026, 11, 25, 11)) == 1
    case.refresh_from_db()
    choice = CustomerChoice.objects.get(case=case)
    assert (choice.status, choice.chosen, choice.chosen_at) == (ChoiceStatus.DEFAULTED, "refund", sh(2026, 11, 25, 11))
    assert (case.chosen_resolution, case.status) == ("refund", CaseStatus.IN_PROGRESS)
    entry = case.timeline.get(kind=TimelineKind.CHOICE_DEFAULTED)
    # Stored in the default language (zh-Hans), the deadline in Asia/Shanghai, the resolution in words.
    assert entry.message == "客户未在 2026-11-25 11:00 前选择：按默认方案退款处理，并已告知客户"
    assert entry.data["chosen"] == "refund"
    assert actions.apply_expired_choices(sh(2026, 11, 26, 11)) == 0


def test_the_recorded_choice_is_the_resolution_when_none_is_given(order, dave):
    case = triaged(order, dave)
    actor = principal_for_user(dave)
    actions.offer_choice(case.pk, actor=actor, options=["refund"])
    actions.record_choice(case.pk, actor=actor, chosen="refund")
    case.steps.update(status="done")
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=actor)
    assert Case.objects.get(pk=case.pk).resolution == "refund"


def test_offering_a_choice_on_an_untriaged_case_is_refused_and_offers_nothing(order, dave):
    case = finding(order)
    with pytest.raises(DomainError) as refused:
        actions.offer_choice(case.pk, actor=principal_for_user(dave))
    assert refused.value.code == "illegal_transition"
    assert not CustomerChoice.objects.exists()


def test_bulk_note_and_transition_on_an_incident_record_on_each_case(make_order, bob):
    cases = [finding(make_order(), type_code="price_error", incident_key="SKU-9") for _ in range(3)]
    incident_id = cases[0].incident_id
    actor = principal_for_user(bob)
    actions.transition(cases[0].pk, to=CaseStatus.TRIAGED, actor=actor)
    results = actions.bulk_on_incident(incident_id, actor=actor, action="note",
                                       text="price fixed at 14:00")
    assert all(result["ok"] for result in results)
    results = actions.bulk_on_incident(incident_id, actor=actor, action="transition",
                                       to=CaseStatus.TRIAGED)
    assert [r["ok"] for r in results] == [False, True, True]
    assert results[0]["code"] == "illegal_transition"
    for case in cases:
        assert case.timeline.filter(kind=TimelineKind.NOTE, message="price fixed at 14:00").count() == 1
        assert Case.objects.get(pk=case.pk).status == CaseStatus.TRIAGED


def test_reopened_case_gets_a_fresh_deadline_from_the_new_finding(order, dave):
    case = finding(order)
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=None, resolution="cleared", at=FOUND)
    again = actions.record_finding(type_code="out_of_stock", found_at=FOUND + timedelta(days=1), summary="again",
                                   facts={"again": 1}, rule_code="stock.short", order=order).case
    assert again.pk == case.pk
    assert again.resolve_due_at == sh(2026, 11, 24, 18)


def test_the_sla_scan_settles_expired_choices_too_so_a_replay_does_both(order, dave):
    case = triaged(order, dave)
    with time_machine.travel(sh(2026, 11, 23, 11), tick=False):
        actions.offer_choice(case.pk, actor=principal_for_user(dave))
    scan = actions.evaluate_sla(sh(2026, 11, 25, 12))
    assert scan.choices_defaulted == 1
    assert Case.objects.get(pk=case.pk).chosen_resolution == "refund"


def test_the_periodic_task_runs_the_scan(order, dave):
    from ordex.cases.tasks import sla_tick

    triaged(order, dave)
    with time_machine.travel(sh(2026, 11, 24, 9), tick=False):
        summary = sla_tick.call_local()
    assert summary["breached"] == 1 and summary["near_breached"] == 1


def test_the_action_checks_under_the_lock_that_the_actor_may_work_the_case(order, bob, dave):
    case = finding(order, incident_key="SKU-1")  # held by the warehouse
    actions.transfer(case.pk, actor=principal_for_user(bob), department_code="logistics")
    # dave was allowed a moment ago; the department holding the case is read again under the lock.
    with pytest.raises(DomainError) as refused:
        actions.add_note(case.pk, actor=principal_for_user(dave), text="checked the shelf")
    assert refused.value.code == "forbidden"
    results = actions.bulk_on_incident(case.incident_id, actor=principal_for_user(dave), action="note", text="x")
    assert [(r["case_id"], r["ok"], r["code"]) for r in results] == [(case.pk, False, "forbidden")]
    assert not case.timeline.filter(kind=TimelineKind.NOTE).exists()
