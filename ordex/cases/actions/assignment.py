"""Who holds a case: assignment (by hand or round robin) and transfer between departments."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, Role, User
from ordex.core.errors import DomainError, NotFound
from ordex.core.text import stored_text

from ..choices import OPEN_STATUSES, NotificationKind, TimelineKind
from ..models import Case, Notification, RoundRobinCursor, TimelineEntry
from .common import (
    _actor_user,
    _close_department_clock,
    _entry,
    _lock_case,
    _open_department_clock,
    _require_open,
    _touch,
)

# Roles that take cases in automatic assignment (supervisors and admins are assigned by hand).
# Roles that take cases in automatic assignment (supervisors and admins are assigned by hand).
ASSIGNABLE_ROLES = (Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE)


def _assignable_users(department_id: int, exclude_user_id: int | None = None) -> list[int]:
    """Available members of the department under their cap of open cases, by id (one query)."""
    users = (
        User.objects.filter(department_id=department_id, is_active=True, available=True, role__in=ASSIGNABLE_ROLES)
        .annotate(open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)))
        .filter(open_cases__lt=F("max_open_cases"))
        .order_by("pk")
    )
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return list(users.values_list("pk", flat=True))


def _round_robin(department: Department, exclude_user_id: int | None = None) -> User | None:
    """The next available user after the department's cursor; the cursor row lock serialises pickers."""
    RoundRobinCursor.objects.get_or_create(department=department)
    cursor = RoundRobinCursor.objects.select_for_update().get(department=department)
    candidates = _assignable_users(department.pk, exclude_user_id)
    if not candidates:
        return None
    after = [pk for pk in candidates if cursor.last_user_id is None or pk > cursor.last_user_id]
    chosen = (after or candidates)[0]
    cursor.last_user_id = chosen
    cursor.save(update_fields=["last_user"])
    return User.objects.get(pk=chosen)


def _set_assignee(case: Case, user: User | None, actor, at: datetime, why: str) -> TimelineEntry:
    before = case.assignee.username if case.assignee_id else None
    case.assignee = user
    fields = ["assignee", "updated_at"]
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    if user is not None and user != _actor_user(actor):
        Notification.objects.create(user=user, case=case, kind=NotificationKind.ASSIGNED,
                                    message=stored_text(_("Case #%(case)s %(type)s is assigned to you"), case=case.pk,
                                                        type=case.type.name_zh), created_at=at)
    return _entry(case, actor, TimelineKind.ASSIGNMENT, why, at=at, assignee_from=before,
                  assignee_to=user.username if user else None)


@transaction.atomic
def assign(case_id: int, *, actor: Principal, user_id: int | None = None, auto: bool = False) -> Case:
    """Give the case to a member of its department (or nobody), or with `auto` to the next available
    member by round robin, skipping anyone at their cap of open cases."""
    case = _lock_case(case_id, actor)
    _require_open(case)
    at = timezone.now()
    if auto:
        user = _round_robin(case.department, exclude_user_id=case.assignee_id)
        if user is None:
            raise DomainError("no_available_assignee", f"nobody in {case.department.code} is available under the cap")
        why = stored_text(_("Assigned automatically (round robin)"))
    elif user_id is None:
        user, why = None, stored_text(_("Assignment removed"))
    else:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise NotFound("user_not_found", f"user {user_id} does not exist", field="user_id")
        if user.department_id != case.department_id:
            raise DomainError("assignee_not_in_department",
                              f"{user.username} is not in department {case.department.code}", field="user_id")
        why = stored_text(_("Assigned to %(user)s"), user=user.username)
    _set_assignee(case, user, actor, at, why).save()
    return case


@transaction.atomic
def transfer(case_id: int, *, actor: Principal, department_code: str, reason: str = "") -> Case:
    """Hand the case to another department: its clock stops, the new department's clock starts."""
    case = _lock_case(case_id, actor)
    _require_open(case)
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        raise NotFound("department_not_found", f"department '{department_code}' does not exist", field="department")
    if department.pk == case.department_id:
        raise DomainError("same_department", f"the case is already held by {department_code}")
    at = timezone.now()
    before = case.department.code
    _close_department_clock(case, at)
    case.department, case.assignee = department, None
    fields = ["department", "assignee", "updated_at"]
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    _open_department_clock(case, department, at)
    _entry(case, actor, TimelineKind.TRANSFER, reason or f"{before} → {department_code}", at=at,
           department_from=before, department_to=department_code).save()
    return case
