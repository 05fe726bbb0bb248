"""Who may see and work which case. One function per question; the API and pages call these."""

from django.db.models import Subquery

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, Role
from ordex.core.errors import Forbidden, NotFound

from .models import Case, Incident

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
    case = visible_cases(principal, queryset).filter(pk=case_id).first()
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
