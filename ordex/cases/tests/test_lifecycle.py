"""The lifecycle: one transitions table, one action under a row lock, refusals that change nothing,
an append-only timeline."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.choices import OPEN_STATUSES, TRANSITIONS, CaseStatus, StepStatus, TimelineKind
from ordex.cases.models import AppendOnlyError, Case, CasePause, CaseStep, TimelineEntry
from ordex.core.errors import DomainError

from .conftest import sh

FOUND = sh(2026, 11, 23, 10)


def open_case(order, type_code="out_of_stock"):
    return actions.record_finding(type_code=type_code, found_at=FOUND, summary="short", facts={"n": 1},
                                  rule_code="stock.short", order=order).case


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (case.status, case.resolution, case.ended_at, case.sla_paused, case.resolve_due_at,
            TimelineEntry.objects.filter(case=case).count(), CasePause.objects.filter(case=case).count())


def finish_required_steps(case, actor):
    for step in CaseStep.objects.filter(case=case, required=True):
        step.status = StepStatus.DONE
        step.save(update_fields=["status"])


def test_every_status_has_a_row_in_the_transitions_table():
    assert set(TRANSITIONS) == set(CaseStatus.values)
    assert all(targets <= set(CaseStatus.values) for targets in TRANSITIONS.values())


def test_allowed_transition_changes_status_and_writes_who_from_to_why(order, dave):
    case = open_case(order)
    actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=principal_for_user(dave), reason="looked at it")
    case.refresh_from_db()
    assert case.status == CaseStatus.TRIAGED
    entry = case.timeline.filter(kind=TimelineKind.TRANSITION).get()
    assert (entry.actor, entry.from_status, entry.to_status, entry.message) == (dave, "new", "triaged", "looked at it")
    assert case.responded_at is not None


def test_illegal_transition_is_refused_with_a_code_and_changes_nothing(order, dave):
    case = open_case(order)
    before = snapshot(case)
    with pytest.raises(DomainError) as refused:
        actions.transition(case.pk, to=CaseStatus.CLOSED, actor=principal_for_user(dave))
    assert (refused.value.code, refused.value.status) == ("illegal_transition", 409)
    assert snapshot(case) == before


def test_rejecting_needs_a_reason_and_counts_as_a_false_positive_of_the_rule(order, dave):
    case = open_case(order)
    before = snapshot(case)
    with pytest.raises(DomainError) as refused:
        actions.transition(case.pk, to=CaseStatus.REJECTED, actor=principal_for_user(dave), reason="  ")
    assert refused.value.code == "reason_required"
    assert snapshot(case) == before
    actions.transition(case.pk, to=CaseStatus.REJECTED, actor=principal_for_user(dave), reason="stock was there")
    from ordex.cases.queries import rule_outcomes

    assert rule_outcomes("stock.short") == {"total": 1, "false_positives": 1, "withdrawn": 0, "open": 0}


def test_resolving_with_a_required_step_open_is_refused_naming_the_step(order, dave):
    case = open_case(order)
    actions.transition(case.pk, to=CaseStatus.IN_PROGRESS, actor=principal_for_user(dave))
    before = snapshot(case)
    with pytest.raises(DomainError) as refused:
        actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=principal_for_user(dave), resolution="refund")
    assert (refused.value.code, refused.value.status) == ("required_step_open", 409)
    assert "step 1" in refused.value.message and "Check other warehouses" in refused.value.message
    assert snapshot(case) == before


def test_resolving_after_the_required_steps_records_the_resolution(order, dave):
    case = open_case(order)
    actions.transition(case.pk, to=CaseStatus.IN_PROGRESS, actor=principal_for_user(dave))
    finish_required_steps(case, dave)
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=principal_for_user(dave), resolution="refund")
    case.refresh_from_db()
    assert (case.status, case.resolution) == (CaseStatus.RESOLVED, "refund")
    assert case.ended_at is not None
    assert case.department_clocks.get().ended_at == case.ended_at


def test_resolution_must_be_one_the_type_allows(order, dave):
    case = open_case(order)
    finish_required_steps(case, dave)
    before = snapshot(case)
    with pytest.raises(DomainError) as refused:
        actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=principal_for_user(dave), resolution="carrier_claim")
    assert refused.value.code == "resolution_not_allowed"
    assert snapshot(case) == before


def test_reopening_a_closed_case_restarts_its_clock(order, dave):
    case = open_case(order)
    finish_required_steps(case, dave)
    actor = principal_for_user(dave)
    actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=actor, resolution="refund")
    actions.transition(case.pk, to=CaseStatus.CLOSED, actor=actor)
    actions.transition(case.pk, to=CaseStatus.REOPENED, actor=actor, reason="customer called again")
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED and case.status in OPEN_STATUSES
    assert case.ended_at is None and case.closed_at is None and case.resolution == ""
    assert case.department_clocks.filter(ended_at__isnull=True).count() == 1


def test_completing_a_step_needs_the_steps_role(order, alice, dave):
    case = open_case(order)  # step 1 is the warehouse's
    with pytest.raises(DomainError) as refused:
        actions.complete_step(case.pk, 1, actor=principal_for_user(alice))
    assert refused.value.code == "step_role"
    assert CaseStep.objects.get(case=case, position=1).status == StepStatus.OPEN
    actions.complete_step(case.pk, 1, actor=principal_for_user(dave), note="none elsewhere")
    step = CaseStep.objects.get(case=case, position=1)
    assert (step.status, step.done_by, step.note) == (StepStatus.DONE, dave, "none elsewhere")
    assert case.timeline.filter(kind=TimelineKind.STEP).count() == 1


def test_a_required_step_cannot_be_skipped(order, dave):
    case = open_case(order)
    with pytest.raises(DomainError) as refused:
        actions.complete_step(case.pk, 1, actor=principal_for_user(dave), status=StepStatus.SKIPPED)
    assert refused.value.code == "required_step_cannot_be_skipped"
    assert CaseStep.objects.get(case=case, position=1).status == StepStatus.OPEN


def test_timeline_entries_cannot_be_updated_or_deleted(order):
    case = open_case(order)
    entry = case.timeline.get()
    entry.message = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(case=case).update(message="rewritten")
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(case=case).delete()
    assert TimelineEntry.objects.get(pk=entry.pk).message == "short"


def test_a_case_with_a_timeline_cannot_be_deleted(order):
    from django.db.models import ProtectedError

    case = open_case(order)
    with pytest.raises(ProtectedError):
        case.delete()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_triaging_the_same_new_case_at_once_exactly_one_wins(order, dave):
    case = open_case(order)
    actor = principal_for_user(dave)
    barrier = threading.Barrier(2)
    outcomes = []

    def triage(reason):
        try:
            barrier.wait()
            actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=actor, reason=reason)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=triage, args=(f"agent {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["illegal_transition", "ok"]
    case.refresh_from_db()
    assert case.status == CaseStatus.TRIAGED
    assert case.timeline.filter(kind=TimelineKind.TRANSITION).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_findings_for_one_order_open_one_case(order):
    barrier = threading.Barrier(2)
    results = []

    def finding(n):
        try:
            barrier.wait()
            results.append(actions.record_finding(type_code="out_of_stock", found_at=FOUND + timedelta(seconds=n),
                                                  summary="short", facts={"n": n}, rule_code="stock.short",
                                                  order=order))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=finding, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Case.objects.count() == 1
    assert sorted(result.created for result in results) == [False, True]
