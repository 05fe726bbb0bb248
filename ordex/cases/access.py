"""Who may see and work which case. One function per question; the API and pages call these."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Subquery
from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, Role
from ordex.core.errors import Forbidden, NotFound
from ordex.core.lookups import one_or_none

from .choices import OPEN_STATUSES, SYSTEM_ONLY_STATUSES, TRANSITIONS, CaseStatus, ChoiceStatus, StepStatus
from .models import Case, CaseStep, Incident

# Roles that see every case; the others see their own department's.
SEE_ALL_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION})
# Roles that may change a case (integrations only open manual cases and read).
WORK_ROLES = frozenset({Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE, Role.SUPERVISOR, Role.ADMIN})
MANAGE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def visible_cases(principal: Principal, queryset=None):
    queryset = Case.objects.all() if queryset is None else queryset
    if principal.role in SEE_ALL_ROLES:
        return queryset
    if not principal.department_code:
        return queryset.none()
    return queryset.filter(department_id=department_id(principal.department_code))


def department_id(code: str) -> Subquery:
    """The department's id as a scalar subquery: the planner then sees `department_id = <value>` and walks
    the (department, deadline) index in order, where a join on the code would make it sort."""
    return Subquery(Department.objects.filter(code=code).values("id")[:1])


def access_case(principal: Principal, case_id: int, queryset=None) -> Case:
    """The case if the principal may see it; 404 otherwise (so ids of other departments do not leak)."""
    case = one_or_none(visible_cases(principal, queryset).filter(pk=case_id))
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist or is not visible to you")
    return case


def require_case_worker(principal: Principal, case: Case) -> None:
    """May change this case: department staff of the department holding it, supervisors, admins."""
    if principal.role in MANAGE_ROLES:
        return
    if principal.role in WORK_ROLES and principal.department_code and case.department.code == principal.department_code:
        return
    raise Forbidden("forbidden", f"role '{principal.role}' may not work cases of department '{case.department.code}'")


def require_manager(principal: Principal) -> None:
    if principal.role not in MANAGE_ROLES:
        raise Forbidden("forbidden", "only supervisors and admins may do this")


def access_incident(principal: Principal, incident_id: int) -> Incident:
    incident = Incident.objects.select_related("exception_type", "owner").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("incident_not_found", f"incident {incident_id} does not exist")
    return incident


@dataclass(frozen=True)
class CaseActions:
    """What a principal may do to one case right now: the case page offers exactly these, so it shows no
    control that could only be refused. The actions check every rule again under the case's row lock."""

    can_work: bool = False
    transitions: tuple[str, ...] = ()
    # Resolving is in the table but a required playbook step is still open: the step that blocks it.
    resolve_blocked_by: CaseStep | None = None
    resolutions: tuple[str, ...] = ()
    can_take: bool = False
    can_assign: bool = False
    can_transfer: bool = False
    can_change_severity: bool = False
    can_escalate: bool = False
    steps: frozenset[int] = field(default_factory=frozenset)
    skippable_steps: frozenset[int] = field(default_factory=frozenset)
    can_offer_choice: bool = False
    can_record_choice: bool = False
    can_note: bool = False
    can_upload: bool = False


def may_work(principal: Principal, case: Case) -> bool:
    try:
        require_case_worker(principal, case)
    except Forbidden:
        return False
    return True


def allowed_actions(principal: Principal, case: Case, *, now: datetime | None = None) -> CaseActions:
    """The moves the transitions table and the principal's role allow on `case` as loaded (its steps and
    choices prefetched by `queries.case_detail`; no further query)."""
    if not may_work(principal, case):
        return CaseActions()
    now = now or timezone.now()
    is_open = case.status in OPEN_STATUSES
    steps = list(case.steps.all())
    blocker = next((s for s in steps if s.required and s.status == StepStatus.OPEN), None)
    transitions = [
        status for status in CaseStatus.values
        if status in TRANSITIONS[case.status] and status not in SYSTEM_ONLY_STATUSES
        and not (status == CaseStatus.RESOLVED and blocker is not None)
    ]
    choices = getattr(case, "choice_list", None)
    if choices is None:
        choices = list(case.choices.all())
    open_choice = next((choice for choice in choices if choice.status == ChoiceStatus.OPEN), None)
    may_do_step = {s.position for s in steps
                   if is_open and s.status == StepStatus.OPEN and principal.role in (s.role, *MANAGE_ROLES)}
    user = principal.user
    return CaseActions(
        can_work=True,
        transitions=tuple(transitions),
        resolve_blocked_by=blocker if CaseStatus.RESOLVED in TRANSITIONS[case.status] else None,
        resolutions=tuple(case.type.allowed_resolutions),
        can_take=bool(is_open and user is not None and user.department_id == case.department_id
                      and case.assignee_id != user.pk),
        can_assign=is_open,
        can_transfer=is_open,
        can_change_severity=is_open,
        can_escalate=is_open,
        steps=frozenset(may_do_step),
        skippable_steps=frozenset(s.position for s in steps if s.position in may_do_step and not s.required),
        can_offer_choice=is_open and open_choice is None and bool(case.type.allowed_resolutions) and (
            case.status == CaseStatus.WAITING_CUSTOMER or CaseStatus.WAITING_CUSTOMER in TRANSITIONS[case.status]),
        can_record_choice=open_choice is not None and now <= open_choice.deadline_at,
        can_note=True,
        can_upload=True,
    )
