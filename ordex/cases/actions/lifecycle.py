"""Status changes along the transitions table (choices.TRANSITIONS), reopening, re-grading."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.core.errors import DomainError, InvalidInput
from ordex.core.text import stored_text

from .. import hooks
from ..choices import (
    ENDED_STATUSES,
    SYSTEM_ONLY_STATUSES,
    TRANSITIONS,
    CaseStatus,
    Resolution,
    Severity,
    StepStatus,
    TimelineKind,
)
from ..clocks import pauses_status
from ..models import Case, CasePause, CaseStep, TimelineEntry
from .common import (
    _close_department_clock,
    _entry,
    _lock_case,
    _open_department_clock,
    _recompute_deadlines,
    _require_open,
    _touch,
)


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
    if to in SYSTEM_ONLY_STATUSES and actor is not None:
        raise DomainError("system_only_status", f"only the system moves a case to '{to}'")
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
    if to == CaseStatus.WITHDRAWN:
        # Whatever the system had recorded as its outcome (a `cleared` resolution) did not happen either.
        case.outcome_reason, case.resolution = reason, ""
        fields += ["outcome_reason", "resolution"]
    if actor is not None and case.responded_at is None and from_status in (CaseStatus.NEW, CaseStatus.REOPENED):
        case.responded_at = at
        fields.append("responded_at")
        if at > case.response_due_at and case.response_breached_at is None:
            case.response_breached_at = case.response_due_at
            fields.append("response_breached_at")
    case.status = to
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    if to == CaseStatus.RESOLVED:
        hooks.case_resolved(hooks.CaseResolved(case=case, at=at, resolution=resolution))
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
    case = _lock_case(case_id, actor)
    _apply_transition(case, to, actor, at=at or timezone.now(), reason=reason, resolution=resolution).save()
    return case


@transaction.atomic
def change_severity(case_id: int, *, severity: str, actor: Principal, reason: str = "") -> Case:
    """Re-grade an open case; its due times follow the policy's target for the new severity."""
    if severity not in Severity.values:
        raise InvalidInput("invalid_severity", f"severity must be one of {', '.join(Severity.values)}", field="severity")
    case = _lock_case(case_id, actor)
    _require_open(case)
    at = timezone.now()
    before = case.severity
    case.severity = severity
    fields = ["severity", "updated_at"]
    _recompute_deadlines(case, at, fields)
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.NOTE, reason or stored_text(_("Severity %(before)s → %(after)s"), before=Severity(before).label,
                                               after=Severity(severity).label), at=at,
           severity_from=before, severity_to=severity).save()
    return case
