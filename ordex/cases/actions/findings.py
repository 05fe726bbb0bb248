"""Findings from rules open, update, reopen or clear cases; people open cases by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal, personal_template, personal_values
from ordex.core.errors import InvalidInput, NotFound
from ordex.core.text import stored_text
from ordex.orders.queries import order_by_no

from .. import hooks
from ..choices import (
    FINDING_TARGET_STATUSES,
    OPEN_STATUSES,
    REOPENABLE_STATUSES,
    CaseStatus,
    EvidenceKind,
    Resolution,
    Severity,
    TimelineKind,
)
from ..clocks import case_deadlines
from ..models import Case, CaseOrder, CaseStep, Evidence, ExceptionType, TimelineEntry
from .batch import _exception_type, _playbook
from .common import _entry, _open_department_clock
from .incidents import _incident_for, _join_incident
from .lifecycle import _apply_transition, _reopen

if TYPE_CHECKING:  # a type only: the hub is read through orders.queries
    from ordex.orders.models import Order

# A finding this long after a case was resolved/closed reopens it; later, it opens a new case.
REOPEN_WINDOW = timedelta(days=15)
MANUAL_RULE = "manual"


@dataclass(frozen=True)
class FindingResult:
    case: Case
    created: bool
    reopened: bool
    evidence_added: bool


def _find_case_for(exception_type: ExceptionType, order: Order | None, subject_key: str, found_at: datetime):
    """The open case for (order|subject, type), else the latest one that ended within the reopen window."""
    candidates = Case.objects.select_for_update(of=("self",)).filter(type=exception_type)
    candidates = (
        candidates.filter(order=order) if order is not None else candidates.filter(order__isnull=True, subject_key=subject_key)
    )
    candidates = candidates.filter(
        Q(status__in=OPEN_STATUSES) | Q(status__in=FINDING_TARGET_STATUSES, ended_at__gte=found_at - REOPEN_WINDOW)
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
        _entry(case, actor, TimelineKind.ORDER_LINKED, stored_text(_("Order %(order)s linked"), order=order.order_no), at=at, order_no=order.order_no)
        for order in new
        if order.pk != case.order_id
    ]


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
    # The customer's data is kept out of the stored text: placeholders, filled (masked or not) when read.
    (summary, facts), personal = personal_template(personal_values(order), summary, facts)
    if personal:
        facts = {**facts, "personal": personal}
    exception_type = _exception_type(type_code)
    result, entries = _open_or_add_finding(
        exception_type=exception_type, found_at=found_at, summary=summary, facts=facts, rule_code=rule_code,
        order=order, subject_key=subject_key, actor=None, severity=None, no_case_yet=no_case_yet,
    )
    case = result.case
    entries += _link_orders(case, [order, *orders] if order is not None else list(orders), None, found_at)
    if incident_key:
        incident = _incident_for(exception_type, incident_key, incident_title or f"{exception_type.name_zh} {incident_key}",
                                 found_at)
        entries += _join_incident(case, incident, None, found_at)
    if personal:
        for entry in entries:
            if "{{" in entry.message:
                entry.data = {**entry.data, "personal": personal}
    TimelineEntry.objects.bulk_create(entries)
    if result.created:
        hooks.case_opened(hooks.CaseOpened(case=case, at=found_at))
    return result


def _open_or_add_finding(
    *, exception_type: ExceptionType, found_at: datetime, summary: str, facts: dict, rule_code: str,
    order: Order | None, subject_key: str, actor: Principal | None, severity: str | None, no_case_yet: bool = False,
    opened_details: str = "",
) -> tuple[FindingResult, list[TimelineEntry]]:
    """The case rule shared by findings and cases opened by hand: at most one open case per (order|subject,
    type). Opens one, or adds the finding as evidence to the open one, reopening it first when it ended at
    most `REOPEN_WINDOW` before. Returns the result and the timeline entries to write."""
    created = reopened = False
    case = None if no_case_yet else _find_case_for(exception_type, order, subject_key, found_at)
    entries: list[TimelineEntry] = []
    if case is None:
        try:
            with transaction.atomic():
                case = _create_case(
                    exception_type=exception_type, found_at=found_at, title=summary, facts=facts,
                    rule_code=rule_code, order=order, subject_key=subject_key, severity=severity, actor=actor,
                )
            created = True
            extra = {"details": opened_details} if opened_details else {}
            entries.append(_entry(case, actor, TimelineKind.OPENED, summary, at=found_at, to_status=CaseStatus.NEW,
                                  rule_code=rule_code, **extra))
        except IntegrityError:
            case = _find_case_for(exception_type, order, subject_key, found_at)
            if case is None:
                raise
    evidence_added = False
    if not created:
        if case.status in REOPENABLE_STATUSES:
            entries.append(_reopen(case, actor, stored_text(_("New finding by %(rule)s: %(summary)s"), rule=rule_code, summary=summary), found_at))
            reopened = True
        evidence_added = _add_finding_evidence(case, rule_code, summary, facts, found_at, entries, actor)
    else:
        Evidence.objects.create(case=case, kind=EvidenceKind.FINDING, rule_code=rule_code, summary=summary[:500],
                                facts=facts, found_at=found_at)
        evidence_added = True
    return FindingResult(case=case, created=created, reopened=reopened, evidence_added=evidence_added), entries


def _add_finding_evidence(case, rule_code, summary, facts, found_at, entries, actor=None) -> bool:
    latest = (
        Evidence.objects.filter(case=case, kind=EvidenceKind.FINDING).order_by("-found_at", "-pk")
        .values("rule_code", "facts").first()
    )
    if latest is not None and latest["rule_code"] == rule_code and latest["facts"] == facts:
        return False
    Evidence.objects.create(case=case, kind=EvidenceKind.FINDING, rule_code=rule_code, summary=summary[:500],
                            facts=facts, found_at=found_at)
    entries.append(_entry(case, actor, TimelineKind.FINDING, summary, at=found_at, rule_code=rule_code))
    return True


@transaction.atomic
def clear_finding(
    *, type_code: str, cleared_at: datetime, summary: str, rule_code: str,
    order: Order | None = None, subject_key: str = "", whole_case: bool = True,
) -> Case | None:
    """The condition behind the open case for (order|subject, type) went away. Writes a timeline entry;
    when it was the case's last standing condition (`whole_case`), a case nobody has touched yet (still
    new, unassigned, no note/step/transition by a person) is resolved with resolution `cleared`. Returns
    the case, or None when there is no open case."""
    if order is None and not subject_key:
        raise InvalidInput("subject_required", "clearing a finding needs an order or a subject_key", field="subject_key")
    exception_type = _exception_type(type_code)
    case = _find_case_for(exception_type, order, subject_key, cleared_at)
    if case is None or case.status not in OPEN_STATUSES:
        return None
    entries = [_entry(case, None, TimelineKind.CLEARED, summary, at=cleared_at, rule_code=rule_code)]
    untouched = case.status == CaseStatus.NEW and case.assignee_id is None and case.touched_at is None
    if untouched and whole_case:
        entries.append(_apply_transition(case, CaseStatus.RESOLVED, None, at=cleared_at,
                                         reason=stored_text(_("Cleared: %(summary)s"), summary=summary), resolution=Resolution.CLEARED))
    TimelineEntry.objects.bulk_create(entries)
    return case



@transaction.atomic
def withdraw_finding(case_id: int, *, withdrawn_at: datetime, summary: str, rule_code: str,
                     whole_case: bool) -> Case | None:
    """Late data showed, by `occurred_at`, that a finding's condition never held. The timeline says so; when
    it was the case's last standing finding (`whole_case`) the case ends as `withdrawn` — not an exception,
    not a false positive of the rule, no SLA — from any open status, or from `resolved` when the system
    itself resolved it as cleared. A case a person resolved, closed or rejected keeps its status."""
    case = Case.objects.select_for_update(of=("self",)).select_related("type", "department").filter(
        pk=case_id).first()
    if case is None:
        return None
    entries = [_entry(case, None, TimelineKind.WITHDRAWN, summary, at=withdrawn_at, rule_code=rule_code)]
    system_cleared = case.status == CaseStatus.RESOLVED and case.resolution == Resolution.CLEARED
    if whole_case and (case.status in OPEN_STATUSES or system_cleared):
        entries.append(_apply_transition(case, CaseStatus.WITHDRAWN, None, at=max(withdrawn_at, case.found_at),
                                         reason=stored_text(_("Withdrawn: %(summary)s"), summary=summary)))
    TimelineEntry.objects.bulk_create(entries)
    return case

@transaction.atomic
def open_manual_case(
    *, actor: Principal, type_code: str, summary: str, order_no: str = "", subject_key: str = "",
    severity: str | None = None, details: str = "", found_at: datetime | None = None,
) -> FindingResult:
    """A case reported by a person (a phone call, a chat). It follows the rule of findings: when the order
    (or subject) already has an open case of that type, the report is added to it as evidence; when that
    case ended at most 15 days before, it is reopened. `created` says whether a new case was opened."""
    exception_type = _exception_type(type_code)
    if severity is not None and severity not in Severity.values:
        raise InvalidInput("invalid_severity", f"severity must be one of {', '.join(Severity.values)}", field="severity")
    order = None
    if order_no:
        order = order_by_no(order_no)
        if order is None:
            raise NotFound("order_not_found", f"order '{order_no}' does not exist", field="order_no")
    found_at = found_at or timezone.now()
    result, entries = _open_or_add_finding(
        exception_type=exception_type, found_at=found_at, summary=summary,
        facts={"details": details} if details else {}, rule_code=MANUAL_RULE, order=order, subject_key=subject_key,
        actor=actor, severity=severity, opened_details=details,
        # A report about no order and no subject has nothing to share a case with: it opens its own.
        no_case_yet=order is None and not subject_key,
    )
    TimelineEntry.objects.bulk_create(entries)
    if result.created:
        hooks.case_opened(hooks.CaseOpened(case=result.case, at=found_at))
    return result
