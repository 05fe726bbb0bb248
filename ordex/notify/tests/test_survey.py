"""The satisfaction survey: sent a configurable time after resolution, answered once, unanswered after
seven days recorded as such; CSAT kept per case with type, resolution, department and agent."""

from datetime import timedelta

import time_machine

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.notify import actions, queries
from ordex.notify.choices import Moment, SurveyStatus
from ordex.notify.models import Message, Survey

from .conftest import sh

ADMIN = Principal(role="admin", name="carol")
RESOLVED_AT = sh(2026, 12, 1, 10)


def _resolve(case, agent):
    case_actions.transition(case.pk, to="triaged", actor=agent)
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=ADMIN)
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")


def test_survey_goes_out_a_configured_time_after_resolution(open_case, agent, settings):
    with time_machine.travel(RESOLVED_AT, tick=False):
        case = open_case()
        _resolve(case, agent)
    assert actions.send_due_surveys(RESOLVED_AT + timedelta(hours=23, minutes=59)) == 0
    assert actions.send_due_surveys(RESOLVED_AT + timedelta(hours=24)) == 1
    assert actions.send_due_surveys(RESOLVED_AT + timedelta(hours=25)) == 0
    survey = Survey.objects.get(case=case)
    assert (survey.status, survey.type_code, survey.resolution, survey.department_code) == (
        SurveyStatus.SENT, "out_of_stock", "refund", case.department.code)
    assert Message.objects.filter(case=case, moment=Moment.SURVEY).count() == 3

    settings.ORDEX_SURVEY_DELAY_HOURS = 2
    with time_machine.travel(RESOLVED_AT, tick=False):
        other = open_case()
        _resolve(other, agent)
    assert actions.send_due_surveys(RESOLVED_AT + timedelta(hours=2)) == 1


def test_an_unanswered_survey_is_recorded_as_such_after_seven_days(open_case, agent):
    with time_machine.travel(RESOLVED_AT, tick=False):
        case = open_case()
        _resolve(case, agent)
    actions.send_due_surveys(RESOLVED_AT + timedelta(hours=24))
    assert actions.close_unanswered_surveys(RESOLVED_AT + timedelta(days=7, hours=23)) == 0
    assert actions.close_unanswered_surveys(RESOLVED_AT + timedelta(days=8)) == 1
    survey = Survey.objects.get(case=case)
    assert survey.status == SurveyStatus.NO_ANSWER and survey.no_answer_at == RESOLVED_AT + timedelta(days=8)


def test_csat_rows_carry_type_resolution_department_and_agent(open_case, agent, alice):
    case = open_case()
    case_actions.transition(case.pk, to="triaged", actor=agent)
    case.assignee = alice
    case.save(update_fields=["assignee"])
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=ADMIN)
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")
    actions.rate(actions.link_for_case(case), 4, "快")
    [row] = queries.csat_rows()
    assert (row["score"], row["type_code"], row["resolution"], row["agent__username"]) == (4, "out_of_stock", "refund", "alice")


def test_choice_reminder_goes_out_once_before_the_deadline(open_case, agent):
    with time_machine.travel(RESOLVED_AT, tick=False):
        case = open_case()
        case_actions.transition(case.pk, to="triaged", actor=agent)
        case_actions.offer_choice(case.pk, actor=agent)
    assert actions.send_choice_reminders(RESOLVED_AT + timedelta(hours=35)) == 0
    assert actions.send_choice_reminders(RESOLVED_AT + timedelta(hours=36)) == 1
    assert actions.send_choice_reminders(RESOLVED_AT + timedelta(hours=40)) == 0
    assert Message.objects.filter(case=case, moment=Moment.CHOICE_REMINDER).count() == 3


def test_the_default_applied_at_the_deadline_is_told_to_the_customer(open_case, agent):
    with time_machine.travel(RESOLVED_AT, tick=False):
        case = open_case()
        case_actions.transition(case.pk, to="triaged", actor=agent)
        case_actions.offer_choice(case.pk, actor=agent)
    case_actions.apply_expired_choices(RESOLVED_AT + timedelta(hours=49))
    actions.drain()
    sms = Message.objects.get(case=case, moment=Moment.DEFAULT_APPLIED, channel="sms")
    assert "退款" in sms.body and "12月3日 10:00" in sms.body
