"""Escalating by hand: a person raises an open case one level with a reason; the department's supervisors
hear of it as they do of an SLA escalation; a refusal changes nothing; two at once both count."""

import threading

import pytest
from django.db import close_old_connections

from ordex.accounts.access import principal_for_user
from ordex.accounts.services import create_user
from ordex.cases import actions
from ordex.cases.choices import CaseStatus, NotificationKind, TimelineKind
from ordex.cases.models import Case, Notification, TimelineEntry
from ordex.core.errors import DomainError

from .conftest import sh

FOUND = sh(2026, 11, 23, 10)


def open_case(order):
    return actions.record_finding(type_code="out_of_stock", found_at=FOUND, summary="short", facts={},
                                  rule_code="stock.short", order=order).case


@pytest.fixture
def warehouse_supervisor(db):
    return create_user(username="wendy", role="supervisor", password="pw-wendy-long", department="warehouse")


def state(case):
    case = Case.objects.get(pk=case.pk)
    return (case.escalation_level, TimelineEntry.objects.filter(case=case).count(), Notification.objects.count())


def test_escalating_raises_the_level_records_who_and_why_and_notifies_the_departments_supervisors(
        order, dave, warehouse_supervisor):
    case = open_case(order)
    actions.escalate(case.pk, actor=principal_for_user(dave), reason="供应商三天未回复")
    case.refresh_from_db()
    assert case.escalation_level == 1
    entry = case.timeline.get(kind=TimelineKind.ESCALATION)
    assert (entry.actor, entry.message, entry.data["level"]) == (dave, "供应商三天未回复", 1)
    notification = Notification.objects.get()
    assert (notification.user, notification.case_id, notification.kind) == (
        warehouse_supervisor, case.pk, NotificationKind.ESCALATED)


def test_a_supervisor_escalating_is_not_notified_of_their_own_escalation(order, warehouse_supervisor):
    case = open_case(order)
    actions.escalate(case.pk, actor=principal_for_user(warehouse_supervisor), reason="needs the head of warehouse")
    assert Case.objects.get(pk=case.pk).escalation_level == 1
    assert not Notification.objects.filter(user=warehouse_supervisor).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_escalating_without_a_reason_is_refused_and_changes_nothing(order, dave, reason):
    case = open_case(order)
    before = state(case)
    with pytest.raises(DomainError) as refused:
        actions.escalate(case.pk, actor=principal_for_user(dave), reason=reason)
    assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    assert state(case) == before


def test_an_ended_case_cannot_be_escalated(order, dave):
    case = open_case(order)
    actions.transition(case.pk, to=CaseStatus.REJECTED, actor=principal_for_user(dave), reason="stock was there")
    before = state(case)
    with pytest.raises(DomainError) as refused:
        actions.escalate(case.pk, actor=principal_for_user(dave), reason="late")
    assert refused.value.code == "case_not_open"
    assert state(case) == before


def test_staff_of_another_department_cannot_escalate(order, alice):
    case = open_case(order)
    before = state(case)
    with pytest.raises(DomainError) as refused:
        actions.escalate(case.pk, actor=principal_for_user(alice), reason="why not")
    assert refused.value.code == "forbidden"
    assert state(case) == before


def test_the_api_escalates_with_a_reason_and_refuses_without(api_as, order, dave):
    case = open_case(order)
    api = api_as("warehouse", user=dave, department="warehouse")
    refused = api.post(f"/api/v1/cases/{case.pk}/escalate", {"reason": ""})
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (422, "reason_required", "reason")
    done = api.post(f"/api/v1/cases/{case.pk}/escalate", {"reason": "承运商不回电话"})
    assert done.status_code == 200 and done.json()["escalation_level"] == 1
    other = api_as("agent", department="customer_service").post(f"/api/v1/cases/{case.pk}/escalate", {"reason": "x"})
    assert other.status_code == 404
    assert Case.objects.get(pk=case.pk).escalation_level == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_escalating_at_once_both_count(order, dave, warehouse_supervisor):
    case = open_case(order)
    barrier = threading.Barrier(2)
    errors = []

    def escalate(actor):
        try:
            barrier.wait()
            actions.escalate(case.pk, actor=actor, reason="at once")
        except DomainError as exc:
            errors.append(exc.code)
        finally:
            close_old_connections()

    actors = [principal_for_user(dave), principal_for_user(warehouse_supervisor)]
    threads = [threading.Thread(target=escalate, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert sorted(case.timeline.filter(kind=TimelineKind.ESCALATION).values_list("data__level", flat=True)) == [1, 2]
