"""SLA evaluation: first-response breach, near-breach and breach flags, escalation, department clocks."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.core.errors import InvalidInput
from ordex.core.text import stored_text, stored_time

from .. import sla
from ..choices import OPEN_STATUSES, NotificationKind, TimelineKind
from ..clocks import business_calendar, case_pauses, near_fraction, target_for
from ..models import Case, CaseDepartmentClock, TimelineEntry
from .assignment import _round_robin, _set_assignee
from .common import _actor_user, _entry, _lock_case, _notify_supervisors, _require_open, _touch
from .customer_choice import apply_expired_choices


@dataclass(frozen=True)
class SlaScanResult:
    """What one SLA evaluation did (counts of flags newly raised)."""

    as_of: datetime
    response_breached: int = 0
    near_breached: int = 0
    breached: int = 0
    department_breached: int = 0
    choices_defaulted: int = 0


def _escalate(case: Case, kind: str, timeline_kind: str, message: str, at: datetime, fields: list[str]) -> list[TimelineEntry]:
    case.escalation_level += 1
    fields.append("escalation_level")
    _notify_supervisors(case, kind, stored_text(_("Case #%(case)s %(type)s: %(summary)s"), case=case.pk,
                                                type=case.type.name_zh, summary=message), at)
    return [
        _entry(case, None, timeline_kind, message, at=at),
        _entry(case, None, TimelineKind.ESCALATION, stored_text(_("Escalation level %(level)s"), level=case.escalation_level), at=at,
               level=case.escalation_level),
    ]


@transaction.atomic
def escalate(case_id: int, *, actor: Principal, reason: str) -> Case:
    """A person raises an open case one escalation level and says why: the level goes up by one, the
    timeline records who, the new level and the reason, and the department's supervisors are notified the
    way an automatic (SLA) escalation notifies them — the person escalating excepted. Checked under the
    case's lock: the actor may work the case and the case is open."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "say why the case is escalated", field="reason")
    case = _lock_case(case_id, actor)
    _require_open(case)
    at = timezone.now()
    case.escalation_level += 1
    fields = ["escalation_level", "updated_at"]
    _touch(case, actor, at, fields)
    case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.ESCALATION, reason, at=at, level=case.escalation_level).save()
    user = _actor_user(actor)
    _notify_supervisors(case, NotificationKind.ESCALATED,
                        stored_text(_("Case #%(case)s %(type)s: escalated to level %(level)s by %(name)s"), case=case.pk,
                                    type=case.type.name_zh, level=case.escalation_level, name=actor.name),
                        at, except_user_id=user.pk if user else None)
    return case


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
                                  stored_text(_("No first response by %(due)s"), due=stored_time(response.due_at)), at=response.due_at))
            result["response_breached"] += 1
    if status.near_breach and case.near_breach_at is None:
        case.near_breach_at = case.near_breach_due_at if case.near_breach_due_at <= as_of else as_of
        fields.append("near_breach_at")
        entries += _escalate(case, NotificationKind.NEAR_BREACH, TimelineKind.SLA_NEAR_BREACH,
                             stored_text(_("%(percent)s%% of the resolution time used; due %(due)s"),
                                         percent=policy.near_breach_percent, due=stored_time(status.due_at)),
                             case.near_breach_at, fields)
        result["near_breached"] += 1
    if status.breached and case.breached_at is None:
        case.breached_at = status.due_at
        case.breach_department_id = _holder_at(case, status.due_at)
        fields += ["breached_at", "breach_department"]
        entries += _escalate(case, NotificationKind.BREACH, TimelineKind.SLA_BREACH,
                             stored_text(_("The resolution time ran out at %(due)s"), due=stored_time(status.due_at)), status.due_at, fields)
        result["breached"] += 1
        if policy.reassign_on_breach:
            user = _round_robin(case.department, exclude_user_id=case.assignee_id)
            if user is not None:
                entries.append(_set_assignee(case, user, None, status.due_at, stored_text(_("Reassigned after the SLA breach"))))
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
    message = stored_text(_("Department %(department)s held the case past its internal target (%(minutes)s min)"),
                          department=clock.department.name_zh, minutes=clock.target_minutes)
    _notify_supervisors(case, NotificationKind.DEPARTMENT_BREACH, stored_text(_("Case #%(case)s: %(summary)s"), case=case.pk,
                                                                          summary=message), status.due_at)
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
