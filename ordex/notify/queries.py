"""Read paths of notify: what the customer's page shows, the messages of a case, CSAT rows for reports."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from ordex.cases.choices import CaseStatus, ChoiceSource, ChoiceStatus
from ordex.cases.models import Case, CustomerChoice
from ordex.orders import queries as order_queries

from . import render
from .actions import PHOTO_TYPES
from .choices import Language, SurveyStatus
from .models import Message, Survey


@dataclass(frozen=True)
class Option:
    code: str
    words: str


@dataclass(frozen=True)
class CustomerView:
    """Everything the self-service page shows: plain words, nothing internal, personal data masked."""

    case_no: str
    order_no: str
    problem: str
    customer: str
    stage: str
    stage_detail: str
    steps_done: int
    steps_total: int
    options: list[Option]
    deadline: str
    default_option: str
    chosen: str
    chosen_by_default: bool
    can_choose: bool
    can_change_address: bool
    address: str
    wants_photos: bool
    can_rate: bool
    rated: int | None


def _stage(case: Case) -> tuple[str, str]:
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return _("Settled"), _("We have finished handling this. Thank you for your patience.")
    if case.status == CaseStatus.WAITING_CUSTOMER:
        return _("Waiting for you"), _("We need your choice below to carry on.")
    if case.status == CaseStatus.WAITING_THIRD_PARTY:
        return _("Waiting for the carrier or platform"), _("We have asked them and are chasing an answer.")
    if case.status in (CaseStatus.NEW, CaseStatus.TRIAGED):
        return _("Received"), _("We have your case and someone is picking it up.")
    return _("Being handled"), _("Someone is working on it now.")


def customer_view(case: Case, language: str) -> CustomerView:
    contact = order_queries.customer_contact(case.order_id) if case.order_id else None
    choice = CustomerChoice.objects.filter(case=case).order_by("-offered_at", "-pk").first()
    steps = list(case.steps.values_list("status", flat=True))
    survey = Survey.objects.filter(case=case).first()
    stage, detail = _stage(case)
    zh = language == Language.ZH_HANS
    options = [Option(code, render.resolution_words(code, language)) for code in (choice.options if choice else [])]
    default = case.type.default_resolution
    if choice is not None and default not in choice.options:
        default = choice.options[0]
    return CustomerView(
        case_no=f"#{case.pk}",
        order_no=case.order_no,
        problem=case.type.name_zh if zh else case.type.name_en,
        customer=render.mask_name(contact.customer_name) if contact else "",
        stage=stage,
        stage_detail=detail,
        steps_done=sum(1 for status in steps if status != "open"),
        steps_total=len(steps),
        options=options,
        deadline=render.local_time(choice.deadline_at, language) if choice else "",
        default_option=render.resolution_words(default, language) if choice and default else "",
        chosen=render.resolution_words(choice.chosen, language) if choice and choice.chosen else "",
        chosen_by_default=bool(choice and choice.source == ChoiceSource.DEFAULT),
        can_choose=bool(choice and choice.status == ChoiceStatus.OPEN),
        can_change_address=bool(contact and not contact.shipped and case.is_open),
        address=_masked_address(contact.address) if contact else "",
        wants_photos=case.type.code in PHOTO_TYPES and case.is_open,
        can_rate=case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        and (survey is None or survey.status != SurveyStatus.ANSWERED),
        rated=survey.score if survey and survey.status == SurveyStatus.ANSWERED else None,
    )


def _masked_address(address: str) -> str:
    """Province, city and district as written, the street hidden."""
    from ordex.orders.address import parse_address

    parsed = parse_address(address)
    if parsed.province:
        return f"{parsed.province}{parsed.city}{parsed.district}****"
    return address[:4] + "****" if address else ""


def case_messages(case_id: int) -> list[Message]:
    return list(Message.objects.filter(case_id=case_id).order_by("created_at", "pk"))


def csat_rows(since: datetime | None = None):
    """Answered surveys with the case's type, resolution, department and agent (reports read these)."""
    rows = Survey.objects.filter(status=SurveyStatus.ANSWERED)
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    return rows.values("case_id", "score", "comment", "answered_at", "type_code", "resolution", "department_code",
                       "agent__username")
