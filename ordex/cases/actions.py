"""The only functions that change cases. Each runs in one transaction, locks the case row, re-checks its
rule under the lock, saves with `update_fields` and writes the timeline entry in the same transaction.

`actor` is the `Principal` acting, or None for the system (rules, scans, the periodic worker).
Refusals raise `DomainError` with a stable code (listed in docs/cases.md); nothing changes then.

Entry points used by other modules:
- detection: `record_finding`, `clear_finding` (inside the ingest transaction and from scans),
  `evaluate_sla(as_of)` and `apply_expired_choices(as_of)` (from `ordex scan --as-of` and the worker).
"""

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.accounts.models import Department, Role, User
from ordex.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from ordex.orders.models import Order

from . import hooks, sla
from .choices import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    REOPENABLE_STATUSES,
    TRANSITIONS,
    CaseStatus,
    ChoiceSource,
    ChoiceStatus,
    EvidenceKind,
    IncidentStatus,
    NotificationKind,
    Resolution,
    Severity,
    StepStatus,
    TimelineKind,
)
from .clocks import business_calendar, case_deadlines, case_pauses, near_fraction, pauses_status, target_for
from .models import (
    Case,
    CaseDepartmentClock,
    CaseOrder,
    CasePause,
    CaseStep,
    CustomerChoice,
    DepartmentClock,
    Evidence,
    ExceptionType,
    Incident,
    Notification,
    RoundRobinCursor,
    TimelineEntry,
)

# A finding this long after a case was resolved/closed reopens it; later, it opens a new case.
REOPEN_WINDOW = timedelta(days=15)
MANUAL_RULE = "manual"
# Roles that take cases in automatic assignment (supervisors and admins are assigned by hand).
ASSIGNABLE_ROLES = (Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE)
EVIDENCE_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_max_bytes() -> int:
    return getattr(settings, "ORDEX_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES)


@dataclass(frozen=True)
class FindingResult:
    case: Case
    created: bool
    reopened: bool
    evidence_added: bool


@dataclass(frozen=True)
class SlaScanResult:
    """What one SLA evaluation did (counts of flags newly raised)."""

    as_of: datetime
    response_breached: int = 0
    near_breached: int = 0
    breached: int = 0
    department_breached: int = 0
    choices_defaulted: int = 0


# --- helpers ----------------------------------------------------------------------------------------


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


def _lock_case(case_id: int) -> Case:
    case = _case_queryset().select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist")
    return case


_BATCH_MEMO: ContextVar[dict | None] = ContextVar("batch_memo", default=None)


@contextmanager
def batch_of_findings():
    """Within the block, each exception type (with its policy, calendar and targets) and each department's
    clock is read once: what detection wraps around recording one chunk's findings, and `ordex import`
    around the whole file (settings changed while a file is being imported apply to the next import)."""
    if _BATCH_MEMO.get() is not None:  # an outer batch already remembers them
        yield
        return
    token = _BATCH_MEMO.set({})
    try:
        yield
    finally:
        _BATCH_MEMO.reset(token)


def _remembered(key, load):
    """`load()`, read once per `batch_of_findings` block (every time outside one)."""
    memo = _BATCH_MEMO.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _exception_type(code: str) -> ExceptionType:
    return _remembered(("type", code), lambda: _read_exception_type(code))


def _read_exception_type(code: str) -> ExceptionType:
    exception_type = (
        ExceptionType.objects.select_related("sla_policy__calendar", "default_department")
        .prefetch_related("sla_policy__targets")
        .filter(code=code)
        .first()
    )
    if exception_type is None:
        raise InvalidInput("unknown_type", f"unknown exception type '{code}'", field="type")
    return exception_type


def _playbook(exception_type: ExceptionType) -> list:
    """The type's playbook steps (copied into each case it opens), read once per batch of findings."""
    return _remembered(("playbook", exception_type.pk), lambda: list(exception_type.playbook.all()))


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


def _notify_supervisors(case: Case, kind: str, message: str, at: datetime) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, case=case, kind=kind, message=message, created_at=at)
        for user in _supervisors_for(case.department_id)
    )


# --- opening cases ----------------------------------------------------------------------------------


def _find_case_for(exception_type: ExceptionType, order: Order | None, subject_key: str, found_at: datetime):
    """The open case for (order|subject, type), else the latest one that ended within the reopen window."""
    candidates = Case.objects.select_for_update(of=("self",)).filter(type=exception_type)
    candidates = (
        candidates.filter(order=order) if order is not None else candidates.filter(order__isnull=True, subject_key=subject_key)
    )
    candidates = candidates.filter(
        Q(status__in=OPEN_STATUSES) | Q(status__in=ENDED_STATUSES, ended_at__gte=found_at - REOPEN_WINDOW)
    ).order_by("-pk")[:2]
    rows = list(candidates.select_related("department"))
    for row in rows:
        row.type = exception_type  # already loaded with its policy, calendar and targets
    for row in rows:
        if row.status in OPEN_STATUSES:
            return row
    return rows[0] if rows else None


def _link_orders(case: Case, orders: Sequence[Order], actor, at: datetime) -> list[TimelineEntry]:
    wanted = {order.pk: order for order in orders if order is not None}
    if not wanted or wanted.keys() == {case.order_id}:
        return []
    known = set(CaseOrder.objects.filter(case=case, order_id__in=wanted).values_list("order_id", flat=True))
    new = [order for pk, order in wanted.items() if pk not in known]
    CaseOrder.objects.bulk_create(
        [CaseOrder(case=case, order=order, order_no=order.order_no) for order in new], ignore_conflicts=True
    )
    return [
        _entry(case, actor, TimelineKind.ORDER_LINKED, f"order {order.order_no} linked", at=at, order_no=order.order_no)
        for order in new
        if order.pk != case.order_id
    ]


def _incident_for(exception_type: ExceptionType, key: str, title: str, at: datetime) -> Incident:
    incident = Incident.objects.filter(exception_type=exception_type, key=key).first()
    if incident is not None:
        return incident
    try:
        with transaction.atomic():
            return Incident.objects.create(exception_type=exception_type, key=key, title=title, opened_at=at)
    except IntegrityError:
        return Incident.objects.get(exception_type=exception_type, key=key)


def _join_incident(case: Case, incident: Incident, actor, at: datetime) -> list[TimelineEntry]:
    if case.incident_id == incident.pk:
        return []
    case.incident = incident
    case.save(update_fields=["incident", "updated_at"])
    return [_entry(case, actor, TimelineKind.INCIDENT, f"grouped into incident {incident}", at=at, incident_id=incident.pk)]


def _create_case(
    *, exception_type: ExceptionType, found_at: datetime, title: str, facts: dict, rule_code: str,
    order: Order | None, subject_key: str, severity: str | None, actor: Principal | None,
) -> Case:
    """Insert a case with its steps, department clock and `opened` entry. Raises IntegrityError when
    another transaction holds the (order, type) slot; callers retry inside a savepoint."""
    policy = exception_type.sla_policy
    severity = severity or exception_type.default_severity
    deadlines = case_deadlines(policy, severity, found_at, [], found_at)
    now = timezone.now()
    case = Case.objects.create(
        type=exception_type, status=CaseStatus.NEW, severity=severity,
        department=exception_type.default_department, order=order,
        order_no=order.order_no if order is not None else "", subject_key=subject_key,
        title=title[:300], facts=facts, opened_by_rule=rule_code, found_at=found_at, created_at=now,
        touched_at=now if actor is not None else None,
        sla_started_at=found_at, response_due_at=deadlines.response_due_at,
        resolve_due_at=deadlines.resolve_due_at, near_breach_due_at=deadlines.near_breach_due_at,
    )
    CaseStep.objects.bulk_create(
        CaseStep(case=case, position=step.position, title_zh=step.title_zh, title_en=step.title_en,
                 role=step.role, required=step.required)
        for step in _playbook(exception_type)
    )
    if order is not None:
        CaseOrder.objects.create(case=case, order=order, order_no=order.order_no)
    _open_department_clock(case, case.department, found_at)
    return case


@transaction.atomic
def record_finding(
    *, type_code: str, found_at: datetime, summary: str, facts: dict, rule_code: str,
    order: Order | None = None, subject_key: str = "", orders: Sequence[Order] = (),
    incident_key: str | None = None, incident_title: str = "", no_case_yet: bool = False,
) -> FindingResult:
    """A rule found an exception. Opens a case (status new; department, severity and SLA from the type;
    the SLA clock starts at `found_at`), or adds the finding as evidence to the open case for
    (order, type) — (subject_key, type) without an order — or reopens that case when it was
    resolved/closed at most 15 days before. A case rejected as a false positive within the window
    takes the finding as evidence and stays rejected, so a rule that keeps firing does not undo the
    rejection. A finding identical to the case's latest one (same rule, same facts) is not stored again.
    `orders` links more orders; `incident_key` groups the case into the type's incident of that key.
    `no_case_yet`: the caller knows the order has never had a case of this type (detection reads that for a
    whole chunk at once), so the lookup is skipped.
    Safe to call concurrently: the open-case slot is a unique constraint, a lost insert is retried.
    """
    if order is None and not subject_key:
        raise InvalidInput("subject_required", "a finding needs an order or a subject_key", field="subject_key")
    exception_type = _exception_type(type_code)
    created = reopened = False
    case = None if no_case_yet and order is not None else _find_case_for(exception_type, order, subject_key, found_at)
    entries: list[TimelineEntry] = []
    if case is None:
        try:
            with transaction.atomic():
                case = _create_case(
                    exception_type=exception_type, found_at=found_at, title=summary, facts=facts,
                    rule_code=rule_code, order=order, subject_key=subject_key, severity=None, actor=None,
                )
            created = True
            entries.append(_entry(case, None, TimelineKind.OPENED, summary, at=found_at, to_status=CaseStatus.NEW,
                                  rule_code=rule_code))
        except IntegrityError:
            case = _find_case_for(exception_type, order, subject_key, found_at)
            if case is None:
                raise
    evidence_added = False
    if not created:
        if case.status in REOPENABLE_STATUSES:
            entries.append(_reopen(case, None, f"new finding by {rule_code}: {summary}", found_at))
            reopened = True
        evidence_added = _add_finding_evidence(case, rule_code, summary, facts, found_at, entries)
    else:
        Evidence.objects.create(case=case, kind=EvidenceKind.FINDING, rule_code=rule_code, summary=summary[:500],
                                facts=facts, found_at=found_at)
        evidence_added = True
    entries += _link_orders(case, [order, *orders] if order is not None else list(orders), None, found_at)
    if incident_key:
        incident = _incident_for(exception_type, incident_key, incident_title or f"{exception_type.name_zh} {incident_key}",
                                 found_at)
        entries += _join_incident(case, incident, None, found_at)
    TimelineEntry.objects.bulk_create(entries)
    return FindingResult(case=case, created=created, reopened=reopened, evidence_added=evidence_added)


def _add_finding_evidence(case, rule_code, summary, facts, found_at, entries) -> bool:
    latest = (
        Evidence.objects.filter(case=case, kind=EvidenceKind.FINDING).order_by("-found_at", "-pk")
        .values("rule_code", "facts").first()
    )
    if latest is not None and latest["rule_code"] == rule_code and latest["facts"] == facts:
        return False
    Evidence.objects.create(case=case, kind=EvidenceKind.FINDING, rule_code=rule_code, summary=summary[:500],
                            facts=facts, found_at=found_at)
    entries.append(_entry(case, None, TimelineKind.FINDING, summary, at=found_at, rule_code=rule_code))
    return True


@transaction.atomic
def clear_finding(
    *, type_code: str, cleared_at: datetime, summary: str, rule_code: str,
    order: Order | None = None, subject_key: str = "",
) -> Case | None:
    """The condition behind the open case for (order|subject, type) went away. Writes a timeline entry;
    a case nobody has touched yet (still new, unassigned, no note/step/transition by a person) is
    resolved with resolution `cleared`. Returns the case, or None when there is no open case."""
    if order is None and not subject_key:
        raise InvalidInput("subject_required", "clearing a finding needs an order or a subject_key", field="subject_key")
    exception_type = _exception_type(type_code)
    case = _find_case_for(exception_type, order, subject_key, cleared_at)
    if case is None or case.status not in OPEN_STATUSES:
        return None
    entries = [_entry(case, None, TimelineKind.CLEARED, summary, at=cleared_at, rule_code=rule_code)]
    untouched = case.status == CaseStatus.NEW and case.assignee_id is None and case.touched_at is None
    if untouched:
        entries.append(_apply_transition(case, CaseStatus.RESOLVED, None, at=cleared_at,
                                         reason=f"cleared: {summary}", resolution=Resolution.CLEARED))
    TimelineEntry.objects.bulk_create(entries)
    return case


@transaction.atomic
def open_manual_case(
    *, actor: Principal, type_code: str, summary: str, order_no: str = "", subject_key: str = "",
    severity: str | None = None, details: str = "", found_at: datetime | None = None,
) -> Case:
    """A case reported by a person (a phone call, a chat). Refused when the order already has an open
    case of that type (`case_already_open`, naming it)."""
    exception_type = _exception_type(type_code)
    if severity is not None and severity not in Severity.values:
        raise InvalidInput("invalid_severity", f"severity must be one of {', '.join(Severity.values)}", field="severity")
    order = None
    if order_no:
        order = Order.objects.filter(order_no=order_no).first()
        if order is None:
            raise NotFound("order_not_found", f"order '{order_no}' does not exist", field="order_no")
    found_at = found_at or timezone.now()
    existing = _find_case_for(exception_type, order, subject_key, found_at) if (order or subject_key) else None
    if existing is not None and existing.status in OPEN_STATUSES:
        raise DomainError("case_already_open", f"case {existing.pk} is already open for this order and type")
    try:
        with transaction.atomic():
            case = _create_case(
                exception_type=exception_type, found_at=found_at, title=summary, facts={"details": details} if details else {},
                rule_code=MANUAL_RULE, order=order, subject_key=subject_key, severity=severity, actor=actor,
            )
    except IntegrityError:
        raise DomainError("case_already_open", "a case is already open for this order and type")
    _entry(case, actor, TimelineKind.OPENED, summary, at=found_at, to_status=CaseStatus.NEW,
           rule_code=MANUAL_RULE, details=details).save()
    return case


# --- lifecycle --------------------------------------------------------------------------------------


def _reopen(case: Case, actor, why: str, at: datetime) -> TimelineEntry:
    """Back to work: a fresh SLA clock from `at`, a fresh department clock, flags cleared."""
    from_status = case.status
    case.status = CaseStatus.REOPENED
    case.ended_at = case.closed_at = None
    case.resolution = case.outcome_reason = ""
    case.sla_started_at = at
    case.sla_paused = False
    case.responded_at = case.response_breached_at = case.near_breach_at = case.breached_at = None
    case.breach_department = None
    fields = ["status", "ended_at", "closed_at", "resolution", "outcome_reason", "sla_started_at", "sla_paused",
              "responded_at", "response_breached_at", "near_breach_at", "breached_at", "breach_department",
              "updated_at"]
    _recompute_deadlines(case, at, fields)
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    _open_department_clock(case, case.department, at)
    return _entry(case, actor, TimelineKind.TRANSITION, why, at=at, from_status=from_status, to_status=CaseStatus.REOPENED)


def _open_required_step(case: Case) -> CaseStep | None:
    return CaseStep.objects.filter(case=case, required=True, status=StepStatus.OPEN).order_by("position").first()


def _apply_transition(case: Case, to: str, actor, *, at: datetime, reason: str = "", resolution: str = "") -> TimelineEntry:
    """Check `to` against the table for the case's current (locked) status and apply it; the caller saves
    the returned timeline entry."""
    from_status = case.status
    if to not in CaseStatus.values:
        raise InvalidInput("unknown_status", f"unknown status '{to}'", field="to")
    if to not in TRANSITIONS[from_status]:
        allowed = ", ".join(sorted(TRANSITIONS[from_status])) or "none"
        raise DomainError("illegal_transition", f"a case in '{from_status}' cannot move to '{to}' (allowed: {allowed})")
    if to == CaseStatus.REOPENED:
        return _reopen(case, actor, reason or "reopened", at)
    if to == CaseStatus.REJECTED and not reason.strip():
        raise InvalidInput("reason_required", "rejecting a case as a false positive needs a reason", field="reason")
    fields = ["status", "updated_at"]
    if to == CaseStatus.RESOLVED:
        resolution = resolution or case.chosen_resolution
        system_clear = actor is None and resolution == Resolution.CLEARED
        if not system_clear:
            if not resolution:
                raise InvalidInput("resolution_required", "resolving a case needs a resolution", field="resolution")
            if resolution not in case.type.allowed_resolutions:
                raise InvalidInput(
                    "resolution_not_allowed",
                    f"'{resolution}' is not a resolution of {case.type.code} (allowed: {', '.join(case.type.allowed_resolutions)})",
                    field="resolution",
                )
            step = _open_required_step(case)
            if step is not None:
                raise DomainError(
                    "required_step_open",
                    f"required step {step.position} '{step.title_en}' ({step.title_zh}) is still open",
                    field=f"steps.{step.position}",
                )
            hooks.check_resolve_guards(case)
        case.resolution = resolution
        fields.append("resolution")
    policy = case.type.sla_policy
    was_paused, now_paused = pauses_status(policy, from_status), pauses_status(policy, to)
    if was_paused and not now_paused:
        CasePause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)
        case.sla_paused = False
        fields.append("sla_paused")
        if to not in ENDED_STATUSES:
            _recompute_deadlines(case, at, fields)
    elif now_paused and not was_paused:
        CasePause.objects.create(case=case, status=to, started_at=at)
        case.sla_paused = True
        fields.append("sla_paused")
    if to in ENDED_STATUSES and from_status not in ENDED_STATUSES:
        case.ended_at = at
        case.outcome_reason = reason
        fields += ["ended_at", "outcome_reason"]
        _close_department_clock(case, at)
    if to == CaseStatus.CLOSED:
        case.closed_at = at
        fields.append("closed_at")
    if actor is not None and case.responded_at is None and from_status in (CaseStatus.NEW, CaseStatus.REOPENED):
        case.responded_at = at
        fields.append("responded_at")
        if at > case.response_due_at and case.response_breached_at is None:
            case.response_breached_at = case.response_due_at
            fields.append("response_breached_at")
    case.status = to
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    data = {"resolution": resolution} if to == CaseStatus.RESOLVED else {}
    if to == CaseStatus.REJECTED:
        data["rule_code"] = case.opened_by_rule
    return _entry(case, actor, TimelineKind.TRANSITION, reason, at=at, from_status=from_status, to_status=to, **data)


@transaction.atomic
def transition(case_id: int, *, to: str, actor: Principal | None, reason: str = "", resolution: str = "",
               at: datetime | None = None) -> Case:
    """Move a case to `to` if the transitions table allows it from the status read under the row lock.
    Resolving needs an allowed resolution (or the customer's recorded choice) and no open required step;
    rejecting needs a reason and counts as a false positive of `opened_by_rule`. Entering a pausing
    status stops the SLA clocks; leaving it moves the due times by the paused working time."""
    case = _lock_case(case_id)
    _apply_transition(case, to, actor, at=at or timezone.now(), reason=reason, resolution=resolution).save()
    return case


@transaction.atomic
def change_severity(case_id: int, *, severity: str, actor: Principal, reason: str = "") -> Case:
    """Re-grade an open case; its due times follow the policy's target for the new severity."""
    if severity not in Severity.values:
        raise InvalidInput("invalid_severity", f"severity must be one of {', '.join(Severity.values)}", field="severity")
    case = _lock_case(case_id)
    _require_open(case)
    at = timezone.now()
    before = case.severity
    case.severity = severity
    fields = ["severity", "updated_at"]
    _recompute_deadlines(case, at, fields)
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.NOTE, reason or f"severity {before} → {severity}", at=at,
           severity_from=before, severity_to=severity).save()
    return case


# --- working the case -------------------------------------------------------------------------------


@transaction.atomic
def add_note(case_id: int, *, actor: Principal, text: str) -> TimelineEntry:
    if not text.strip():
        raise InvalidInput("text_required", "a note needs text", field="text")
    case = _lock_case(case_id)
    at = timezone.now()
    fields = []
    _touch(case, actor, at, fields)
    if fields:
        case.save(update_fields=fields)
    entry = _entry(case, actor, TimelineKind.NOTE, text, at=at)
    entry.save()
    return entry


@transaction.atomic
def complete_step(case_id: int, position: int, *, actor: Principal, status: str = StepStatus.DONE,
                  note: str = "") -> CaseStep:
    """Mark a playbook step done (or skipped, for optional steps) by someone of the step's role."""
    if status not in (StepStatus.DONE, StepStatus.SKIPPED):
        raise InvalidInput("invalid_step_status", "a step can be marked done or skipped", field="status")
    case = _lock_case(case_id)
    _require_open(case)
    step = CaseStep.objects.filter(case=case, position=position).first()
    if step is None:
        raise NotFound("step_not_found", f"case {case.pk} has no step {position}")
    if step.status != StepStatus.OPEN:
        raise DomainError("step_not_open", f"step {position} is already {step.status}")
    if step.required and status == StepStatus.SKIPPED:
        raise DomainError("required_step_cannot_be_skipped", f"step {position} '{step.title_en}' is required")
    if actor.role not in (step.role, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("step_role", f"step {position} is done by role '{step.role}'")
    at = timezone.now()
    step.status, step.done_at, step.done_by, step.note = status, at, _actor_user(actor), note
    step.save(update_fields=["status", "done_at", "done_by", "note"])
    fields = []
    _touch(case, actor, at, fields)
    if fields:
        case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.STEP, note or f"step {position} {status}: {step.title_en}", at=at,
           position=position, status=status).save()
    return step


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
                                    message=f"case #{case.pk} {case.type.name_zh} assigned to you", created_at=at)
    return _entry(case, actor, TimelineKind.ASSIGNMENT, why, at=at, assignee_from=before,
                  assignee_to=user.username if user else None)


@transaction.atomic
def assign(case_id: int, *, actor: Principal, user_id: int | None = None, auto: bool = False) -> Case:
    """Give the case to a member of its department (or nobody), or with `auto` to the next available
    member by round robin, skipping anyone at their cap of open cases."""
    case = _lock_case(case_id)
    _require_open(case)
    at = timezone.now()
    if auto:
        user = _round_robin(case.department, exclude_user_id=case.assignee_id)
        if user is None:
            raise DomainError("no_available_assignee", f"nobody in {case.department.code} is available under the cap")
        why = "assigned automatically (round robin)"
    elif user_id is None:
        user, why = None, "unassigned"
    else:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise NotFound("user_not_found", f"user {user_id} does not exist", field="user_id")
        if user.department_id != case.department_id:
            raise DomainError("assignee_not_in_department",
                              f"{user.username} is not in department {case.department.code}", field="user_id")
        why = f"assigned to {user.username}"
    _set_assignee(case, user, actor, at, why).save()
    return case


@transaction.atomic
def transfer(case_id: int, *, actor: Principal, department_code: str, reason: str = "") -> Case:
    """Hand the case to another department: its clock stops, the new department's clock starts."""
    case = _lock_case(case_id)
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


@transaction.atomic
def add_evidence(case_id: int, *, actor: Principal, upload, note: str = "") -> Evidence:
    """Attach an image or PDF. Too large: 413 `evidence_too_large`; other types: 415 `unsupported_evidence_type`
    (the declared content type and the file's first bytes must both say image or PDF)."""
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise DomainError("evidence_too_large", f"evidence may be at most {limit} bytes",
                          field="file", status=413)
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    head = upload.read(16)
    upload.seek(0)
    signatures = EVIDENCE_TYPES.get(content_type)
    if signatures is None or not head.startswith(signatures):
        raise DomainError("unsupported_evidence_type",
                          f"evidence must be one of: {', '.join(sorted(EVIDENCE_TYPES))}", field="file", status=415)
    case = _lock_case(case_id)
    at = timezone.now()
    evidence = Evidence(case=case, kind=EvidenceKind.UPLOAD, summary=(note or upload.name)[:500], content_type=content_type,
                        size=upload.size, found_at=at, added_by=_actor_user(actor))
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    fields = []
    _touch(case, actor, at, fields)
    if fields:
        case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.EVIDENCE, note or f"uploaded {upload.name}", at=at, evidence_id=evidence.pk,
           content_type=content_type, size=upload.size).save()
    return evidence


# --- customer choice --------------------------------------------------------------------------------


@transaction.atomic
def offer_choice(case_id: int, *, actor: Principal, options: Sequence[str] = (), deadline_hours: int | None = None,
                 at: datetime | None = None) -> CustomerChoice:
    """Offer the customer resolutions (default: all the type allows) with a deadline (default: the type's,
    48 h). The case moves to waiting_customer (so it must be triaged first), which stops its SLA clock."""
    case = _lock_case(case_id)
    _require_open(case)
    allowed = case.type.allowed_resolutions
    options = list(options) or list(allowed)
    unknown = [option for option in options if option not in allowed]
    if unknown or not options:
        raise InvalidInput("resolution_not_allowed", f"not resolutions of {case.type.code}: {', '.join(unknown)}",
                           field="options")
    if CustomerChoice.objects.filter(case=case, status=ChoiceStatus.OPEN).exists():
        raise DomainError("choice_already_open", f"case {case.pk} already waits for the customer's choice")
    at = at or timezone.now()
    hours = deadline_hours if deadline_hours is not None else case.type.choice_deadline_hours
    choice = CustomerChoice.objects.create(case=case, options=options, offered_at=at, deadline_at=at + timedelta(hours=hours))
    entries = [_entry(case, actor, TimelineKind.CHOICE_OFFERED, f"offered: {', '.join(options)}", at=at,
                      options=options, deadline_at=choice.deadline_at.isoformat())]
    if case.status != CaseStatus.WAITING_CUSTOMER:
        entries.append(_apply_transition(case, CaseStatus.WAITING_CUSTOMER, actor, at=at, reason="waiting for the customer's choice"))
    TimelineEntry.objects.bulk_create(entries)
    return choice


def _settle_choice(case: Case, choice: CustomerChoice, chosen: str, source: str, actor, at: datetime,
                   kind: str, message: str) -> None:
    choice.chosen, choice.chosen_at, choice.source = chosen, at, source
    choice.status = ChoiceStatus.DEFAULTED if source == ChoiceSource.DEFAULT else ChoiceStatus.CHOSEN
    choice.save(update_fields=["chosen", "chosen_at", "source", "status"])
    case.chosen_resolution = chosen
    case.save(update_fields=["chosen_resolution", "updated_at"])
    entries = [_entry(case, actor, kind, message, at=at, chosen=chosen, source=source)]
    if case.status == CaseStatus.WAITING_CUSTOMER:
        entries.append(_apply_transition(case, CaseStatus.IN_PROGRESS, actor, at=at, reason="customer choice settled"))
    TimelineEntry.objects.bulk_create(entries)
    hooks.choice_settled(hooks.ChoiceSettled(case_id=case.pk, chosen=chosen, source=source, at=at,
                                             choice_id=choice.pk, actor=actor))


@transaction.atomic
def record_choice(case_id: int, *, actor: Principal | None, chosen: str, source: str = ChoiceSource.AGENT) -> CustomerChoice:
    """Record the customer's choice among the offered options (by the agent, or the customer's link)."""
    case = _lock_case(case_id)
    choice = CustomerChoice.objects.select_for_update().filter(case=case, status=ChoiceStatus.OPEN).first()
    if choice is None:
        raise DomainError("no_open_choice", f"case {case.pk} has no choice waiting for the customer")
    if chosen not in choice.options:
        raise InvalidInput("choice_not_offered", f"'{chosen}' was not offered (offered: {', '.join(choice.options)})",
                           field="chosen")
    at = timezone.now()
    if at > choice.deadline_at:
        raise DomainError("choice_deadline_passed", f"the deadline {choice.deadline_at.isoformat()} has passed")
    _settle_choice(case, choice, chosen, source, actor, at, TimelineKind.CHOICE_RECORDED, f"customer chose {chosen}")
    return choice


def apply_expired_choices(as_of: datetime | None = None) -> int:
    """For each choice whose deadline passed by `as_of`, record the type's default resolution (or the
    first option when the default was not offered) as of the deadline. Returns how many."""
    as_of = as_of or timezone.now()
    due = list(CustomerChoice.objects.filter(chosen_at__isnull=True, deadline_at__lte=as_of)
               .order_by("deadline_at").values_list("case_id", flat=True))
    applied = 0
    for case_id in due:
        with transaction.atomic():
            case = _lock_case(case_id)
            choice = CustomerChoice.objects.select_for_update().filter(
                case=case, status=ChoiceStatus.OPEN, deadline_at__lte=as_of
            ).first()
            if choice is None:
                continue
            default = case.type.default_resolution
            chosen = default if default in choice.options else choice.options[0]
            _settle_choice(
                case, choice, chosen, ChoiceSource.DEFAULT, None, choice.deadline_at, TimelineKind.CHOICE_DEFAULTED,
                f"no choice by {choice.deadline_at.isoformat()}: default resolution {chosen} applies; the customer is told",
            )
            applied += 1
    return applied


# --- SLA --------------------------------------------------------------------------------------------


def _escalate(case: Case, kind: str, timeline_kind: str, message: str, at: datetime, fields: list[str]) -> list[TimelineEntry]:
    case.escalation_level += 1
    fields.append("escalation_level")
    _notify_supervisors(case, kind, f"case #{case.pk} {case.type.name_zh}: {message}", at)
    return [
        _entry(case, None, timeline_kind, message, at=at),
        _entry(case, None, TimelineKind.ESCALATION, f"escalation level {case.escalation_level}", at=at,
               level=case.escalation_level),
    ]


def _holder_at(case: Case, moment: datetime) -> int:
    clock = (
        CaseDepartmentClock.objects.filter(case=case, started_at__lte=moment)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=moment))
        .order_by("-started_at").values_list("department_id", flat=True).first()
    )
    return clock or case.department_id


def _evaluate_case(case_id: int, as_of: datetime, result: dict) -> None:
    case = _lock_case(case_id)
    if case.status not in OPEN_STATUSES or case.sla_paused:
        return
    policy = case.type.sla_policy
    calendar = business_calendar(policy.calendar)
    pauses = case_pauses(case)
    target = target_for(policy, case.severity)
    status = sla.evaluate(calendar, case.sla_started_at, target.resolution, pauses, as_of,
                          near_fraction=near_fraction(policy))
    fields = ["updated_at"]
    entries: list[TimelineEntry] = []
    if case.responded_at is None and case.response_breached_at is None:
        response = sla.evaluate(calendar, case.sla_started_at, target.first_response, pauses, as_of)
        if response.breached:
            case.response_breached_at = response.due_at
            fields.append("response_breached_at")
            entries.append(_entry(case, None, TimelineKind.RESPONSE_BREACH,
                                  f"no first response by {response.due_at.isoformat()}", at=response.due_at))
            result["response_breached"] += 1
    if status.near_breach and case.near_breach_at is None:
        case.near_breach_at = case.near_breach_due_at if case.near_breach_due_at <= as_of else as_of
        fields.append("near_breach_at")
        entries += _escalate(case, NotificationKind.NEAR_BREACH, TimelineKind.SLA_NEAR_BREACH,
                             f"{policy.near_breach_percent}% of the resolution time used; due {status.due_at.isoformat()}",
                             case.near_breach_at, fields)
        result["near_breached"] += 1
    if status.breached and case.breached_at is None:
        case.breached_at = status.due_at
        case.breach_department_id = _holder_at(case, status.due_at)
        fields += ["breached_at", "breach_department"]
        entries += _escalate(case, NotificationKind.BREACH, TimelineKind.SLA_BREACH,
                             f"resolution time ran out at {status.due_at.isoformat()}", status.due_at, fields)
        result["breached"] += 1
        if policy.reassign_on_breach:
            user = _round_robin(case.department, exclude_user_id=case.assignee_id)
            if user is not None:
                entries.append(_set_assignee(case, user, None, status.due_at, "reassigned after SLA breach"))
    case.resolve_due_at = status.due_at
    fields.append("resolve_due_at")
    case.save(update_fields=fields)
    TimelineEntry.objects.bulk_create(entries)


def _evaluate_department_clock(clock_id: int, as_of: datetime, result: dict) -> None:
    clock = CaseDepartmentClock.objects.select_for_update().select_related("department", "calendar").filter(
        pk=clock_id, breached_at__isnull=True, ended_at__isnull=True).first()
    if clock is None:
        return
    case = _lock_case(clock.case_id)
    if case.sla_paused or case.status not in OPEN_STATUSES:
        return
    status = sla.evaluate(business_calendar(clock.calendar), clock.started_at, timedelta(minutes=clock.target_minutes),
                          case_pauses(case), as_of)
    if not status.breached:
        return
    clock.breached_at = status.due_at
    clock.save(update_fields=["breached_at"])
    message = f"department {clock.department.code} held the case past its internal target ({clock.target_minutes} min)"
    _notify_supervisors(case, NotificationKind.DEPARTMENT_BREACH, f"case #{case.pk}: {message}", status.due_at)
    _entry(case, None, TimelineKind.DEPARTMENT_BREACH, message, at=status.due_at, department=clock.department.code).save()
    result["department_breached"] += 1


def evaluate_sla(as_of: datetime | None = None) -> SlaScanResult:
    """Raise first-response breach, near-breach (policy %, default 80) and breach flags on open, running
    clocks as of `as_of` (default now): timeline entry, supervisors notified, escalation level + 1,
    optional reassignment. Department clocks past their internal target are flagged and charged to
    that department. Flags carry the moment the threshold was crossed, not the scan time, so a replay
    with `ordex scan --as-of` records what a live worker would have. Each case in its own transaction;
    candidates come from partial indexes, so a scan with nothing due is a few cheap queries.
    Customer choices whose deadline passed are settled first (`apply_expired_choices`), since that ends
    their pause and so moves the deadlines evaluated here."""
    as_of = as_of or timezone.now()
    result = {"response_breached": 0, "near_breached": 0, "breached": 0, "department_breached": 0,
              "choices_defaulted": apply_expired_choices(as_of)}
    running = Case.objects.filter(ended_at__isnull=True, sla_paused=False)
    candidate_ids = set(running.filter(near_breach_at__isnull=True, near_breach_due_at__lte=as_of).values_list("pk", flat=True))
    candidate_ids |= set(running.filter(breached_at__isnull=True, resolve_due_at__lt=as_of).values_list("pk", flat=True))
    candidate_ids |= set(
        running.filter(responded_at__isnull=True, response_breached_at__isnull=True, response_due_at__lt=as_of)
        .values_list("pk", flat=True)
    )
    for case_id in sorted(candidate_ids):
        with transaction.atomic():
            _evaluate_case(case_id, as_of, result)
    clock_ids = CaseDepartmentClock.objects.filter(
        breached_at__isnull=True, ended_at__isnull=True, due_at__lt=as_of, case__sla_paused=False
    ).order_by("pk").values_list("pk", flat=True)
    for clock_id in list(clock_ids):
        with transaction.atomic():
            _evaluate_department_clock(clock_id, as_of, result)
    return SlaScanResult(as_of=as_of, **result)


# --- incidents --------------------------------------------------------------------------------------


@transaction.atomic
def create_incident(*, actor: Principal, type_code: str, key: str, title: str = "", owner_id: int | None = None) -> Incident:
    exception_type = _exception_type(type_code)
    if Incident.objects.filter(exception_type=exception_type, key=key).exists():
        raise DomainError("incident_exists", f"an incident {type_code}:{key} already exists")
    owner = User.objects.filter(pk=owner_id).first() if owner_id else None
    if owner_id and owner is None:
        raise NotFound("user_not_found", f"user {owner_id} does not exist", field="owner_id")
    return Incident.objects.create(exception_type=exception_type, key=key, title=title, owner=owner, opened_at=timezone.now())


@transaction.atomic
def update_incident(incident_id: int, *, actor: Principal, owner_id: int | None = None, status: str | None = None,
                    title: str | None = None) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("incident_not_found", f"incident {incident_id} does not exist")
    fields = []
    if owner_id is not None:
        owner = User.objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise NotFound("user_not_found", f"user {owner_id} does not exist", field="owner_id")
        incident.owner = owner
        fields.append("owner")
    if status is not None:
        if status not in IncidentStatus.values:
            raise InvalidInput("invalid_status", f"status must be one of {', '.join(IncidentStatus.values)}", field="status")
        incident.status = status
        incident.resolved_at = timezone.now() if status == IncidentStatus.RESOLVED else None
        fields += ["status", "resolved_at"]
    if title is not None:
        incident.title = title
        fields.append("title")
    if fields:
        incident.save(update_fields=fields)
    return incident


BULK_ACTIONS = ("assign", "transition", "note")


def bulk_on_incident(incident_id: int, *, actor: Principal, action: str, can_work, to: str = "", reason: str = "",
                     resolution: str = "", user_id: int | None = None, auto: bool = False, text: str = "") -> list[dict]:
    """Apply one action to every case of the incident, each case in its own transaction and with its own
    timeline entry. One refused case does not stop the others; the result lists each case's outcome
    (`{"case_id", "ok", "code"?, "error"?}`). `can_work(case)` raises when the actor may not touch a case."""
    if action not in BULK_ACTIONS:
        raise InvalidInput("invalid_action", f"action must be one of {', '.join(BULK_ACTIONS)}", field="action")
    if not Incident.objects.filter(pk=incident_id).exists():
        raise NotFound("incident_not_found", f"incident {incident_id} does not exist")
    results = []
    cases = Case.objects.select_related("department").filter(incident_id=incident_id).order_by("pk")
    for case in cases:
        try:
            can_work(case)
            if action == "assign":
                assign(case.pk, actor=actor, user_id=user_id, auto=auto)
            elif action == "transition":
                transition(case.pk, to=to, actor=actor, reason=reason, resolution=resolution)
            else:
                add_note(case.pk, actor=actor, text=text)
        except DomainError as exc:
            results.append({"case_id": case.pk, "ok": False, "code": exc.code, "error": exc.message})
        else:
            results.append({"case_id": case.pk, "ok": True})
    return results


@transaction.atomic
def mark_notification_read(notification_id: int, *, user) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound("notification_not_found", f"notification {notification_id} does not exist")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
