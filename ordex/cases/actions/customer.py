"""Customer communication seen from the case (called by notify): messages on the timeline, and the
follow-up case a bad experience opens."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.core.text import stored_text

from .. import hooks, sla
from ..choices import OPEN_STATUSES, CaseStatus, NotificationKind, TimelineKind
from ..clocks import business_calendar
from ..models import Case, CaseStep, TimelineEntry
from .batch import _exception_type
from .common import _entry, _lock_case, _notify_supervisors, _supervisors_for
from .findings import MANUAL_RULE, _create_case, _find_case_for


@transaction.atomic
def record_message(case_id: int, *, kind: str, message: str, at: datetime | None = None, **data) -> TimelineEntry:
    """A message to or from the customer, or its failure, on the case's timeline (so the agent sees every
    message where the rest of the case is). `kind` is MESSAGE or MESSAGE_FAILED."""
    if kind not in (TimelineKind.MESSAGE, TimelineKind.MESSAGE_FAILED):
        raise InvalidInput("invalid_kind", "a message entry is a message or a failed message", field="kind")
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist")
    entry = _entry(case, None, kind, message, at=at, **data)
    entry.save()
    return entry


@transaction.atomic
def open_follow_up_case(original_case_id: int, *, actor: Principal | None, type_code: str, summary: str,
                        details: str = "", first_step_due_in_working_minutes: int = 8 * 60) -> Case:
    """Open a case that follows up another one (a low survey score, a complaint about the handling): same
    order, linked both ways on the timelines, assigned to a supervisor of the new case's department (any
    supervisor when the department has none), its first playbook step due within the given working time on
    the type's calendar, the supervisors told. Refused with `case_already_open` when the order already has
    an open case of that type."""
    original = _lock_case(original_case_id)
    exception_type = _exception_type(type_code)
    at = timezone.now()
    if original.order_id is not None:
        existing = _find_case_for(exception_type, original.order, "", at)
        if existing is not None and existing.status in OPEN_STATUSES:
            raise DomainError("case_already_open", f"case {existing.pk} is already open for this order and type")
    try:
        with transaction.atomic():
            case = _create_case(
                exception_type=exception_type, found_at=at, title=summary,
                facts={"follow_up_of": original.pk, **({"details": details} if details else {})},
                rule_code=MANUAL_RULE, order=original.order, subject_key="" if original.order_id else f"case:{original.pk}",
                severity=None, actor=actor,
            )
    except IntegrityError:
        raise DomainError("case_already_open", "a case is already open for this order and type")
    supervisors = _supervisors_for(case.department_id)
    fields = []
    if supervisors:
        case.assignee = supervisors[0]
        case.save(update_fields=["assignee", "updated_at"])
        fields.append("assignee")
    step = CaseStep.objects.filter(case=case).order_by("position").first()
    due = None
    if step is not None:
        calendar = business_calendar(exception_type.sla_policy.calendar)
        due = sla.deadline(calendar, at, timedelta(minutes=first_step_due_in_working_minutes))
        step.due_at = due
        step.save(update_fields=["due_at"])
    _notify_supervisors(case, NotificationKind.FOLLOW_UP, stored_text(_("Case #%(case)s %(type)s: %(summary)s"), case=case.pk,
                                                                   type=exception_type.name_zh, summary=summary), at)
    TimelineEntry.objects.bulk_create([
        _entry(case, actor, TimelineKind.OPENED, summary, at=at, to_status=CaseStatus.NEW, rule_code=MANUAL_RULE,
               follow_up_of=original.pk, step_due_at=due.isoformat() if due else None,
               assignee_to=case.assignee.username if case.assignee_id else None),
        _entry(original, actor, TimelineKind.NOTE, stored_text(_("Follow-up case #%(case)s opened: %(summary)s"), case=case.pk, summary=summary), at=at,
               follow_up_case=case.pk),
    ])
    hooks.case_opened(hooks.CaseOpened(case=case, at=at))
    return case
