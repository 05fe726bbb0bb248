"""Read paths for the API, pages and reports: one function per question, each a bounded number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, User

from .access import SEE_ALL_ROLES, WORK_ROLES, access_case, department_id, visible_cases
from .choices import OPEN_STATUSES, CaseStatus, ChoiceStatus, IncidentStatus
from .models import (
    Case,
    CaseDepartmentClock,
    CaseOrder,
    CustomerChoice,
    Evidence,
    ExceptionType,
    Incident,
    Notification,
    TimelineEntry,
)

OPEN_ALIAS = "open"
MAX_LIMIT = 200


@dataclass
class CaseFilters:
    """Filters of the case queue. `status` is a comma list; `open` stands for every open status; a status
    written `-withdrawn` (or `-rejected,-withdrawn`) excludes it instead.
    `assignee` is a username, a user id, `me` or `none`."""

    status: str | None = None
    type: str | None = None
    severity: str | None = None
    department: str | None = None
    assignee: str | None = None
    escalation_level: int | None = None
    breached: bool | None = None
    near_breach: bool | None = None
    order_no: str | None = None
    incident: int | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


def _statuses(value: str) -> set[str]:
    statuses: set[str] = set()
    for part in value.split(","):
        part = part.strip()
        statuses |= set(OPEN_STATUSES) if part == OPEN_ALIAS else {part}
    return statuses


def filter_cases(queryset, filters: CaseFilters, principal: Principal):
    status = filters.status or ""
    excluded = {part.strip()[1:] for part in status.split(",") if part.strip().startswith("-")}
    if excluded:
        queryset = queryset.exclude(status__in=sorted(excluded))
        status = ",".join(part for part in status.split(",") if part.strip() and not part.strip().startswith("-"))
    if status:
        statuses = _statuses(status)
        # "Every open status" is asked as ended_at IS NULL, the condition of the queue's partial indexes.
        queryset = (
            queryset.filter(ended_at__isnull=True)
            if statuses == OPEN_STATUSES
            else queryset.filter(status__in=sorted(statuses))
        )
    if filters.type:
        queryset = queryset.filter(type__code=filters.type)
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.department:
        queryset = queryset.filter(department_id=department_id(filters.department))
    if filters.assignee:
        if filters.assignee == "me":
            queryset = queryset.filter(assignee_id=principal.user_id) if principal.user_id else queryset.none()
        elif filters.assignee == "none":
            queryset = queryset.filter(assignee__isnull=True)
        elif filters.assignee.isdigit():
            queryset = queryset.filter(assignee_id=int(filters.assignee))
        else:
            queryset = queryset.filter(assignee__username=filters.assignee)
    if filters.escalation_level is not None:
        queryset = queryset.filter(escalation_level=filters.escalation_level)
    if filters.breached is not None:
        queryset = queryset.filter(breached_at__isnull=not filters.breached)
    if filters.near_breach is not None:
        near = Q(near_breach_at__isnull=False, breached_at__isnull=True)
        queryset = queryset.filter(near) if filters.near_breach else queryset.exclude(near)
    if filters.order_no:
        # Every order of a case, the primary one included, is linked in CaseOrder. (An OR with
        # Case.order_no would stop PostgreSQL from using either index: 180 ms instead of 2 at 1M cases.)
        # A case about an order Ordex never received (data_loss) names it only in its subject.
        linked = CaseOrder.objects.filter(order_no=filters.order_no).order_by().values("case_id").union(
            Case.objects.filter(subject_key=f"order:{filters.order_no}").order_by().values("pk"))
        queryset = queryset.filter(pk__in=linked)
    if filters.incident is not None:
        queryset = queryset.filter(incident_id=filters.incident)
    if filters.opened_from is not None:
        queryset = queryset.filter(found_at__gte=filters.opened_from)
    if filters.opened_to is not None:
        queryset = queryset.filter(found_at__lt=filters.opened_to)
    return queryset


def case_queue(principal: Principal, filters: CaseFilters, *, limit: int = 50, offset: int = 0) -> tuple[list[Case], int]:
    """A page of the cases the principal may see, soonest resolution deadline first, and the total count.
    Three queries whatever the page size: count, page (with type, department, assignee), linked orders."""
    limit = max(1, min(limit, MAX_LIMIT))
    queryset = filter_cases(visible_cases(principal), filters, principal)
    count = queryset.count()
    page = list(
        queryset.select_related("type", "department", "assignee", "breach_department")
        .prefetch_related(Prefetch("case_orders", queryset=CaseOrder.objects.only("case_id", "order_no")))
        .order_by("resolve_due_at", "id")[offset : offset + limit]
    )
    return page, count


def cases_of_orders(principal: Principal, order_nos: list[str]) -> dict[str, list[Case]]:
    """The cases the principal may see about each of these orders (newest first), in one query."""
    links = (
        CaseOrder.objects.filter(order_no__in=order_nos, case__in=visible_cases(principal))
        .select_related("case", "case__type")
        .order_by("-case__found_at", "-case_id")
    )
    found: dict[str, list[Case]] = {}
    for link in links:
        found.setdefault(link.order_no, []).append(link.case)
    return found


def queue_filter_options(principal: Principal) -> dict:
    """What the queue's filters offer this principal: active types, the departments it may see, and the
    people of those departments who may hold a case. Three queries."""
    departments = Department.objects.order_by("code")
    if principal.role not in SEE_ALL_ROLES:
        departments = departments.filter(code=principal.department_code or "")
    departments = list(departments)
    people = (
        User.objects.filter(is_active=True, department__in=[d.pk for d in departments], role__in=sorted(WORK_ROLES))
        .order_by("username")
        .only("id", "username", "department_id")
    )
    return {
        "types": list(ExceptionType.objects.filter(active=True).order_by("family", "code").only("code", "name_zh", "name_en")),
        "departments": departments,
        "assignees": list(people),
    }


def case_detail(principal: Principal, case_id: int) -> Case:
    """One case with everything the case page shows (order, steps, timeline, evidence, open choice)."""
    queryset = Case.objects.select_related(
        "type__sla_policy__calendar", "department", "assignee", "order", "incident", "breach_department"
    ).prefetch_related(
        "case_orders",
        "steps",
        Prefetch("timeline", queryset=TimelineEntry.objects.order_by("at", "pk")),
        Prefetch("evidence", queryset=Evidence.objects.order_by("found_at", "pk")),
        Prefetch("choices", queryset=CustomerChoice.objects.order_by("-offered_at"), to_attr="choice_list"),
    )
    return access_case(principal, case_id, queryset)


def department_clocks(case: Case) -> list[CaseDepartmentClock]:
    """Each department's own clock on the case, oldest first (one query)."""
    return list(CaseDepartmentClock.objects.filter(case=case).select_related("department").order_by("started_at", "pk"))


def department_members(department_id: int) -> list[User]:
    """Active people of a department who may hold a case, by name (one query)."""
    return list(User.objects.filter(department_id=department_id, is_active=True, role__in=sorted(WORK_ROLES))
                .order_by("username").only("id", "username", "role", "department_id"))


class SlaState:
    """How a case stands against its deadline, as the queue colours it."""

    ON_TRACK = "on_track"
    NEAR_BREACH = "near_breach"
    BREACHED = "breached"
    PAUSED = "paused"
    ENDED = "ended"


def sla_view(case: Case, now: datetime | None = None) -> dict:
    """The SLA block of a case as shown to people: breached as soon as the deadline passed unpaused,
    even if the periodic evaluation has not flagged it yet. `next_due` is the deadline that comes next:
    the first response while nobody has responded, else the resolution; `state` one of `SlaState`."""
    now = now or timezone.now()
    is_open = case.status in OPEN_STATUSES
    running = is_open and not case.sla_paused
    breached = case.breached_at is not None or (running and now > case.resolve_due_at)
    near_breach = case.near_breach_at is not None or (running and now >= case.near_breach_due_at)
    awaiting_response = case.responded_at is None and case.response_breached_at is None and now <= case.response_due_at
    if not is_open:
        state = SlaState.ENDED
    elif case.sla_paused:
        state = SlaState.PAUSED
    elif breached:
        state = SlaState.BREACHED
    elif near_breach:
        state = SlaState.NEAR_BREACH
    else:
        state = SlaState.ON_TRACK
    return {
        "response_due": case.response_due_at,
        "resolve_due": case.resolve_due_at,
        "paused": case.sla_paused,
        "breached": breached,
        "near_breach": near_breach,
        "breached_at": case.breached_at,
        "breach_department": case.breach_department.code if case.breach_department_id else None,
        "state": state,
        "next_kind": "response" if awaiting_response and is_open else "resolve",
        "next_due": case.response_due_at if awaiting_response and is_open else case.resolve_due_at,
    }


def open_choice(case: Case) -> CustomerChoice | None:
    choices = getattr(case, "choice_list", None)
    if choices is None:
        choices = list(case.choices.order_by("-offered_at"))
    return next((choice for choice in choices if choice.status == ChoiceStatus.OPEN), choices[0] if choices else None)


def incidents(*, status: str | None = None, type_code: str | None = None, unresolved: bool = False,
              limit: int = 50, offset: int = 0):
    """A page of incidents, newest first, each with `case_count` and `open_case_count`, and the total.
    `unresolved` keeps those still open or monitored. Three queries."""
    queryset = Incident.objects.select_related("exception_type", "owner").order_by("-opened_at", "-pk")
    if status:
        queryset = queryset.filter(status=status)
    if unresolved:
        queryset = queryset.exclude(status=IncidentStatus.RESOLVED)
    if type_code:
        queryset = queryset.filter(exception_type__code=type_code)
    count = queryset.count()
    page = list(queryset[offset : offset + max(1, min(limit, MAX_LIMIT))])
    counts = incident_case_counts([incident.pk for incident in page])
    for incident in page:
        incident.case_count, incident.open_case_count = counts.get(incident.pk, (0, 0))
    return page, count


def incident_case_counts(incident_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        Case.objects.filter(incident_id__in=incident_ids)
        .values("incident_id")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)))
        .order_by()
    )
    return {row["incident_id"]: (row["total"], row["open"]) for row in rows}


def rule_outcomes(rule_code: str) -> dict:
    """How a rule's cases ended: total opened, rejected as false positives, withdrawn (late data showed the
    condition never held: not a false positive), still open."""
    return Case.objects.filter(opened_by_rule=rule_code).aggregate(
        total=Count("id"),
        false_positives=Count("id", filter=Q(status=CaseStatus.REJECTED)),
        withdrawn=Count("id", filter=Q(status=CaseStatus.WITHDRAWN)),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )


def notifications_of(user_id: int, *, unread_only: bool = False, limit: int = 20) -> tuple[list[Notification], int]:
    """The user's latest in-app notifications, newest first (with their case and its type), and how many of
    all theirs are unread. Two queries; the count reads the (user, read_at) index alone."""
    rows = Notification.objects.filter(user_id=user_id).select_related("case__type")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
    return list(rows[: max(1, min(limit, MAX_LIMIT))]), unread


def unread_notification_count(user_id: int) -> int:
    """What the bell shows on every page: one indexed count."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
