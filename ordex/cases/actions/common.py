"""Helpers every case action uses: the row lock, timeline entries, department clocks, deadlines."""

from datetime import datetime, timedelta

from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, Role, User
from ordex.core.errors import DomainError, NotFound

from .. import sla
from ..access import require_case_worker
from ..choices import OPEN_STATUSES
from ..clocks import business_calendar, case_deadlines, case_pauses
from ..models import Case, CaseDepartmentClock, DepartmentClock, Notification, TimelineEntry
from .batch import _remembered


def _actor_user(actor: Principal | None):
    user = getattr(actor, "user", None)
    return user if getattr(user, "pk", None) else None


def _entry(case: Case, actor: Principal | None, kind: str, message: str = "", *, at=None,
           from_status: str = "", to_status: str = "", **data) -> TimelineEntry:
    return TimelineEntry(
        case=case,
        at=at or timezone.now(),
        actor=_actor_user(actor),
        actor_name=actor.name if actor else "system",
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data,
    )


def _case_queryset():
    return (
        Case.objects.select_related("type__sla_policy__calendar", "department")
        .prefetch_related("type__sla_policy__targets")
    )


CUSTOMER_ROLE = "customer"


def _lock_case(case_id: int, actor: Principal | None = None) -> Case:
    """Lock the case row. With a person acting, check under the lock that they may work it: the department
    holding the case can change (a transfer) until the lock is held. `actor` None: the system acts."""
    case = _case_queryset().select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist")
    # The customer acts only through a self-service link that notify has already checked names this case.
    if actor is not None and actor.role != CUSTOMER_ROLE:
        require_case_worker(actor, case)
    return case


def _touch(case: Case, actor: Principal | None, at: datetime, fields: list[str]) -> None:
    if actor is not None and case.touched_at is None:
        case.touched_at = at
        fields.append("touched_at")


def _require_open(case: Case) -> None:
    if case.status not in OPEN_STATUSES:
        raise DomainError("case_not_open", f"case {case.pk} is {case.status}; reopen it first")


def _open_department_clock(case: Case, department: Department, at: datetime) -> None:
    clock = _remembered(("department_clock", department.pk),
                        lambda: DepartmentClock.objects.select_related("calendar").filter(department=department).first())
    if clock is None:
        return
    due = sla.deadline(business_calendar(clock.calendar), at, timedelta(minutes=clock.target_minutes))
    CaseDepartmentClock.objects.create(
        case=case, department=department, calendar=clock.calendar, target_minutes=clock.target_minutes,
        started_at=at, due_at=due,
    )


def _close_department_clock(case: Case, at: datetime) -> None:
    CaseDepartmentClock.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)


def _recompute_deadlines(case: Case, at: datetime, fields: list[str]) -> None:
    """Due times after the pauses changed (a pause ended, severity changed, the clock restarted)."""
    pauses = case_pauses(case)
    deadlines = case_deadlines(case.type.sla_policy, case.severity, case.sla_started_at, pauses, at)
    case.response_due_at = deadlines.response_due_at
    case.resolve_due_at = deadlines.resolve_due_at
    case.near_breach_due_at = deadlines.near_breach_due_at
    fields += ["response_due_at", "resolve_due_at", "near_breach_due_at"]
    for clock in CaseDepartmentClock.objects.select_related("calendar").filter(case=case, ended_at__isnull=True):
        clock.due_at = sla.deadline(
            business_calendar(clock.calendar), clock.started_at, timedelta(minutes=clock.target_minutes), pauses, at
        )
        clock.save(update_fields=["due_at"])


def _supervisors_for(department_id: int) -> list[User]:
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True, department_id=department_id))
    return supervisors or list(User.objects.filter(role=Role.SUPERVISOR, is_active=True))


def _notify_supervisors(case: Case, kind: str, message: str, at: datetime, *, except_user_id: int | None = None) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, case=case, kind=kind, message=message, created_at=at)
        for user in _supervisors_for(case.department_id) if user.pk != except_user_id
    )
