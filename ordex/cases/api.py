"""Case queue, case page and case actions; incidents with bulk actions; the caller's notifications.

Department staff see and work their department's cases; supervisors and admins all; integrations read
all and open manual cases. Phones and streets are masked for roles without the right to personal data.
Every refusal answers with a stable `code` (see docs/cases.md)."""

from datetime import datetime

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from ordex.accounts.access import render_personal, require_role
from ordex.accounts.models import Role
from ordex.core.errors import InvalidInput, NotFound
from ordex.core.limits import INT_MAX, Count, Offset, RowId

from . import actions, queries
from .access import MANAGE_ROLES, access_case, access_incident, require_case_worker, require_manager
from .choices import CaseStatus
from .models import Case, Evidence, ExceptionType, Notification

router = Router(tags=["cases"])

OPEN_CASE_ROLES = (Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE, Role.SUPERVISOR, Role.INTEGRATION)


# --- schemas ----------------------------------------------------------------------------------------


class SlaOut(Schema):
    response_due: datetime
    resolve_due: datetime
    paused: bool
    breached: bool
    near_breach: bool
    breached_at: datetime | None = None
    breach_department: str | None = None


class CaseItemOut(Schema):
    id: int
    type: str
    type_name: str
    title: str
    order_no: str | None
    order_nos: list[str]
    subject_key: str
    status: str
    withdrawn: bool = Field(description="Late data showed the condition never held: not an exception")
    severity: str
    department: str
    assignee: str | None
    escalation_level: int
    incident_id: int | None
    opened_by_rule: str
    opened_at: datetime
    sla: SlaOut


class CasePageOut(Schema):
    items: list[CaseItemOut]
    count: int


class StepOut(Schema):
    position: int
    title_zh: str
    title_en: str
    role: str
    required: bool
    status: str
    due_at: datetime | None = None
    done_at: datetime | None
    done_by: str | None
    note: str


class TimelineOut(Schema):
    at: datetime
    actor: str
    kind: str
    from_status: str
    to_status: str
    message: str
    data: dict


class EvidenceOut(Schema):
    id: int
    kind: str
    rule_code: str
    summary: str
    facts: dict
    content_type: str
    size: int
    url: str | None
    found_at: datetime


class ChoiceOut(Schema):
    options: list[str]
    offered_at: datetime
    deadline_at: datetime
    status: str
    chosen: str
    chosen_at: datetime | None
    source: str


class OrderBriefOut(Schema):
    order_no: str
    status: str
    receiver_name: str
    phone: str
    address: str
    total: str


class CaseDetailOut(CaseItemOut):
    facts: dict
    resolution: str
    chosen_resolution: str
    outcome_reason: str
    allowed_resolutions: list[str]
    order: OrderBriefOut | None
    steps: list[StepOut]
    choice: ChoiceOut | None
    evidence: list[EvidenceOut]
    timeline: list[TimelineOut]


class CaseFiltersIn(Schema):
    status: str | None = Field(None, description="Comma list of statuses; `open` = every open status; `-withdrawn` "
                                              "excludes a status (e.g. `-withdrawn` = every case that was not withdrawn)")
    type: str | None = Field(None, description="Exception type code")
    severity: str | None = None
    department: str | None = Field(None, description="Department code")
    assignee: str | None = Field(None, description="Username, user id, `me` or `none`")
    escalation_level: int | None = Field(None, ge=0, le=INT_MAX)
    breached: bool | None = None
    near_breach: bool | None = None
    order_no: str | None = None
    incident: RowId | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    limit: int = Field(50, ge=1, le=queries.MAX_LIMIT)
    offset: Offset = 0


class ManualCaseIn(Schema):
    type: str
    summary: str = Field(min_length=1, max_length=300)
    order_no: str = ""
    subject_key: str = ""
    severity: str | None = None
    details: str = ""


class TransitionIn(Schema):
    to: str
    reason: str = ""
    resolution: str = ""


class AssignIn(Schema):
    user_id: RowId | None = Field(None, description="Member of the case's department; null with auto=false unassigns")
    auto: bool = Field(False, description="Round robin among available members under their cap")
    department: str | None = Field(None, description="Hand the case to this department instead")
    reason: str = ""


class SeverityIn(Schema):
    severity: str
    reason: str = ""


class EscalateIn(Schema):
    reason: str = Field(description="Why the case needs the next level (required)")


class StepIn(Schema):
    status: str = "done"
    note: str = ""


class ChoiceIn(Schema):
    options: list[str] | None = Field(None, description="Offer these (default: every allowed resolution)")
    deadline_hours: int | None = Field(None, ge=1, le=24 * 30)
    chosen: str | None = Field(None, description="Record the customer's choice instead of offering")


class NoteIn(Schema):
    text: str = Field(min_length=1)


class IncidentOut(Schema):
    id: int
    type: str
    key: str
    title: str
    status: str
    owner: str | None
    opened_at: datetime
    resolved_at: datetime | None
    case_count: int = 0
    open_case_count: int = 0


class IncidentPageOut(Schema):
    items: list[IncidentOut]
    count: int


class IncidentIn(Schema):
    type: str
    key: str = Field(min_length=1, max_length=200)
    title: str = ""
    owner_id: RowId | None = None


class IncidentPatchIn(Schema):
    owner_id: RowId | None = None
    status: str | None = None
    title: str | None = None


class BulkIn(Schema):
    action: str = Field(description="assign | transition | note")
    to: str = ""
    reason: str = ""
    resolution: str = ""
    user_id: RowId | None = None
    auto: bool = False
    text: str = ""


class BulkResultOut(Schema):
    case_id: int
    ok: bool
    code: str | None = None
    error: str | None = None


class BulkOut(Schema):
    results: list[BulkResultOut]
    succeeded: int
    failed: int


class NotificationOut(Schema):
    id: int
    case_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class MarkedReadOut(Schema):
    marked: int = Field(description="How many notifications were unread and are read now")


class ExceptionTypeOut(Schema):
    code: str
    family: str
    name_zh: str
    name_en: str
    department: str
    severity: str
    sla_policy: str
    allowed_resolutions: list[str]
    default_resolution: str


# --- shaping ----------------------------------------------------------------------------------------


def _item(case: Case, now: datetime, principal) -> dict:
    order_nos = [link.order_no for link in case.case_orders.all()]
    return {
        "id": case.pk,
        "type": case.type.code,
        "type_name": case.type.name_zh,
        "title": render_personal(case.title, case.facts.get("personal"), principal),
        "order_no": case.order_no or None,
        "order_nos": order_nos,
        "subject_key": case.subject_key,
        "status": case.status,
        "withdrawn": case.status == CaseStatus.WITHDRAWN,
        "severity": case.severity,
        "department": case.department.code,
        "assignee": case.assignee.username if case.assignee_id else None,
        "escalation_level": case.escalation_level,
        "incident_id": case.incident_id,
        "opened_by_rule": case.opened_by_rule,
        "opened_at": case.found_at,
        "sla": queries.sla_view(case, now),
    }


def _order_brief(case: Case) -> dict | None:
    """The order as it is; the API's edge masks its name, phone and street for callers without the right."""
    order = case.order
    if order is None:
        return None
    return {"order_no": order.order_no, "status": order.status, "receiver_name": order.receiver_name,
            "phone": order.phone, "address": order.address_display, "total": str(order.total)}


def _detail(case: Case, principal) -> dict:
    choice = queries.open_choice(case)
    return {
        **_item(case, timezone.now(), principal),
        "facts": render_personal(case.facts, case.facts.get("personal"), principal),
        "resolution": case.resolution,
        "chosen_resolution": case.chosen_resolution,
        "outcome_reason": case.outcome_reason,
        "allowed_resolutions": case.type.allowed_resolutions,
        "order": _order_brief(case),
        "steps": [
            {"position": s.position, "title_zh": s.title_zh, "title_en": s.title_en, "role": s.role,
             "required": s.required, "status": s.status, "due_at": s.due_at, "done_at": s.done_at,
             "done_by": s.done_by.username if s.done_by_id else None, "note": s.note}
            for s in case.steps.all()
        ],
        "choice": None if choice is None else {
            "options": choice.options, "offered_at": choice.offered_at, "deadline_at": choice.deadline_at,
            "status": choice.status, "chosen": choice.chosen, "chosen_at": choice.chosen_at, "source": choice.source,
        },
        "evidence": [
            {"id": e.pk, "kind": e.kind, "rule_code": e.rule_code,
             "summary": render_personal(e.summary, e.facts.get("personal"), principal),
             "facts": render_personal(e.facts, e.facts.get("personal"), principal),
             "content_type": e.content_type, "size": e.size, "url": _evidence_url(e) if e.file else None,
             "found_at": e.found_at}
            for e in case.evidence.all()
        ],
        "timeline": [
            {"at": t.at, "actor": t.actor_name, "kind": t.kind, "from_status": t.from_status,
             "to_status": t.to_status, "message": render_personal(t.message, t.data.get("personal"), principal),
             "data": t.data}
            for t in case.timeline.all()
        ],
    }


def _evidence_url(evidence: Evidence) -> str:
    return reverse("api-v1:evidence_file", kwargs={"case_id": evidence.case_id, "evidence_id": evidence.pk})


def _reload(request, case_id: int) -> dict:
    return _detail(queries.case_detail(request.auth, case_id), request.auth)


def _workable(request, case_id: int) -> Case:
    case = access_case(request.auth, case_id, Case.objects.select_related("department"))
    require_case_worker(request.auth, case)
    return case


def _incident_out(incident) -> dict:
    return {
        "id": incident.pk, "type": incident.exception_type.code, "key": incident.key, "title": incident.title,
        "status": incident.status, "owner": incident.owner.username if incident.owner_id else None,
        "opened_at": incident.opened_at, "resolved_at": incident.resolved_at,
        "case_count": getattr(incident, "case_count", 0), "open_case_count": getattr(incident, "open_case_count", 0),
    }


# --- cases ------------------------------------------------------------------------------------------


@router.get("/cases", response=CasePageOut, summary="The case queue, soonest deadline first")
def list_cases(request, filters: Query[CaseFiltersIn]):
    data = filters.dict()
    limit, offset = data.pop("limit"), data.pop("offset")
    page, count = queries.case_queue(request.auth, queries.CaseFilters(**data), limit=limit, offset=offset)
    now = timezone.now()
    return {"items": [_item(case, now, request.auth) for case in page], "count": count}


@router.post("/cases", response={200: CaseDetailOut, 201: CaseDetailOut},
             summary="Open a case by hand (a phone call, a chat), or add to the open one")
def create_case(request, body: ManualCaseIn):
    """201 with the new case; 200 with the case the report was added to, when the order (or subject) already
    has an open case of that type, or had one that ended at most 15 days ago (reopened)."""
    require_role(request.auth, *OPEN_CASE_ROLES)
    result = actions.open_manual_case(
        actor=request.auth, type_code=body.type, summary=body.summary, order_no=body.order_no,
        subject_key=body.subject_key, severity=body.severity, details=body.details,
    )
    return Status(201 if result.created else 200, _reload(request, result.case.pk))


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case with steps, choice, evidence and timeline")
def get_case(request, case_id: RowId):
    return _detail(queries.case_detail(request.auth, case_id), request.auth)


@router.post("/cases/{case_id}/transitions", response=CaseDetailOut, summary="Move the case to another status")
def post_transition(request, case_id: RowId, body: TransitionIn):
    """Refused with 409 `illegal_transition` (not allowed from the current status), 409 `required_step_open`
    (resolving with a required playbook step open; names it), 422 `reason_required` (rejecting without a
    reason), 422 `resolution_required` / `resolution_not_allowed`."""
    _workable(request, case_id)
    actions.transition(case_id, to=body.to, actor=request.auth, reason=body.reason, resolution=body.resolution)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/assign", response=CaseDetailOut, summary="Assign, auto-assign or hand to a department")
def post_assign(request, case_id: RowId, body: AssignIn):
    _workable(request, case_id)
    if body.department:
        actions.transfer(case_id, actor=request.auth, department_code=body.department, reason=body.reason)
    else:
        actions.assign(case_id, actor=request.auth, user_id=body.user_id, auto=body.auto)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/severity", response=CaseDetailOut, summary="Re-grade the case (deadlines follow)")
def post_severity(request, case_id: RowId, body: SeverityIn):
    _workable(request, case_id)
    actions.change_severity(case_id, severity=body.severity, actor=request.auth, reason=body.reason)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/escalate", response=CaseDetailOut,
             summary="Raise the case one escalation level (supervisors are notified)")
def post_escalate(request, case_id: RowId, body: EscalateIn):
    _workable(request, case_id)
    actions.escalate(case_id, actor=request.auth, reason=body.reason)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/steps/{position}", response=CaseDetailOut, summary="Mark a playbook step done or skipped")
def post_step(request, case_id: RowId, position: Count, body: StepIn):
    _workable(request, case_id)
    actions.complete_step(case_id, position, actor=request.auth, status=body.status, note=body.note)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/choice", response=CaseDetailOut, summary="Offer the customer a choice, or record it")
def post_choice(request, case_id: RowId, body: ChoiceIn):
    """Without `chosen`: offer `options` (default: the type's resolutions) with a deadline (default 48 h);
    the case waits for the customer. With `chosen`: record the customer's answer."""
    _workable(request, case_id)
    if body.chosen:
        actions.record_choice(case_id, actor=request.auth, chosen=body.chosen)
    else:
        actions.offer_choice(case_id, actor=request.auth, options=body.options or (), deadline_hours=body.deadline_hours)
    return _reload(request, case_id)


@router.post("/cases/{case_id}/notes", response={201: TimelineOut}, summary="Add a note to the timeline")
def post_note(request, case_id: RowId, body: NoteIn):
    _workable(request, case_id)
    entry = actions.add_note(case_id, actor=request.auth, text=body.text)
    return Status(201, {"at": entry.at, "actor": entry.actor_name, "kind": entry.kind, "from_status": "",
                        "to_status": "", "message": entry.message, "data": entry.data})


@router.post("/cases/{case_id}/evidence", response={201: EvidenceOut}, summary="Upload an image or PDF")
def post_evidence(request, case_id: RowId, file: File[UploadedFile], note: Form[str] = ""):
    """413 `evidence_too_large` above the size limit (10 MB by default); 415 `unsupported_evidence_type`
    unless the file is a JPEG, PNG, GIF, WebP image or a PDF (declared type and content must agree)."""
    _workable(request, case_id)
    evidence = actions.add_evidence(case_id, actor=request.auth, upload=file, note=note)
    return Status(201, {"id": evidence.pk, "kind": evidence.kind, "rule_code": "", "summary": evidence.summary,
                        "facts": {}, "content_type": evidence.content_type, "size": evidence.size,
                        "url": _evidence_url(evidence), "found_at": evidence.found_at})


@router.get("/cases/{case_id}/evidence/{evidence_id}/file", url_name="evidence_file",
            summary="Download an uploaded evidence file (always as an attachment)")
def get_evidence_file(request, case_id: int, evidence_id: int):
    """Anyone who may see the case may download its files; others get 404 `case_not_found`. The file is
    sent as an attachment under a generated name with `X-Content-Type-Options: nosniff`."""
    case = access_case(request.auth, case_id)
    stored = Evidence.objects.filter(case=case, pk=evidence_id).exclude(file="").first()
    if stored is None:
        raise NotFound("evidence_not_found", f"case {case_id} has no file {evidence_id}")
    response = FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.file.name.rsplit("/", 1)[-1],
                            content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- taxonomy, incidents, notifications -------------------------------------------------------------


@router.get("/exception-types", response=list[ExceptionTypeOut], summary="The exception taxonomy")
def list_exception_types(request):
    return [
        {"code": t.code, "family": t.family, "name_zh": t.name_zh, "name_en": t.name_en,
         "department": t.default_department.code, "severity": t.default_severity, "sla_policy": t.sla_policy.code,
         "allowed_resolutions": t.allowed_resolutions, "default_resolution": t.default_resolution}
        for t in ExceptionType.objects.filter(active=True).select_related("default_department", "sla_policy")
    ]


@router.get("/incidents", response=IncidentPageOut, tags=["incidents"], summary="Incidents, newest first")
def list_incidents(request, status: str | None = None, type: str | None = None,
                   limit: int = Query(50, ge=1, le=queries.MAX_LIMIT), offset: Offset = 0):
    page, count = queries.incidents(status=status, type_code=type, limit=limit, offset=offset)
    return {"items": [_incident_out(incident) for incident in page], "count": count}


@router.post("/incidents", response={201: IncidentOut}, tags=["incidents"], summary="Open an incident by hand")
def create_incident(request, body: IncidentIn):
    require_manager(request.auth)
    incident = actions.create_incident(actor=request.auth, type_code=body.type, key=body.key, title=body.title,
                                       owner_id=body.owner_id)
    return Status(201, _incident_out(incident))


@router.get("/incidents/{incident_id}", response=IncidentOut, tags=["incidents"])
def get_incident(request, incident_id: RowId):
    incident = access_incident(request.auth, incident_id)
    incident.case_count, incident.open_case_count = queries.incident_case_counts([incident.pk]).get(incident.pk, (0, 0))
    return _incident_out(incident)


@router.patch("/incidents/{incident_id}", response=IncidentOut, tags=["incidents"], summary="Set owner, status or title")
def patch_incident(request, incident_id: RowId, body: IncidentPatchIn):
    require_manager(request.auth)
    actions.update_incident(incident_id, actor=request.auth, owner_id=body.owner_id, status=body.status, title=body.title)
    return get_incident(request, incident_id)


@router.post("/incidents/{incident_id}/bulk", response=BulkOut, tags=["incidents"],
             summary="Assign, transition or note every case of the incident")
def post_bulk(request, incident_id: RowId, body: BulkIn):
    """Each case is changed in its own transaction with its own timeline entry; a refused case (e.g. an
    illegal transition) is reported with its code and does not stop the others."""
    principal = request.auth
    if principal.role not in MANAGE_ROLES:
        require_role(principal, Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE)
    results = actions.bulk_on_incident(
        incident_id, actor=principal, action=body.action, to=body.to, reason=body.reason, resolution=body.resolution, user_id=body.user_id, auto=body.auto,
        text=body.text,
    )
    succeeded = sum(1 for result in results if result["ok"])
    return {"results": results, "succeeded": succeeded, "failed": len(results) - succeeded}


@router.get("/notifications", response=list[NotificationOut], tags=["notifications"], summary="My in-app notifications")
def list_notifications(request, unread: bool = False, limit: int = Query(50, ge=1, le=200)):
    user_id = request.auth.user_id
    if user_id is None:
        raise InvalidInput("user_required", "notifications belong to a user; this token has none")
    rows = Notification.objects.filter(user_id=user_id)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return list(rows[:limit])


@router.post("/notifications/{notification_id}/read", response=NotificationOut, tags=["notifications"])
def read_notification(request, notification_id: RowId):
    return actions.mark_notification_read(notification_id, user=request.auth.user)


@router.post("/notifications/read", response=MarkedReadOut, tags=["notifications"], summary="Mark all my notifications read")
def read_all_notifications(request):
    if request.auth.user_id is None:
        raise InvalidInput("user_required", "notifications belong to a user; this token has none")
    return {"marked": actions.mark_all_notifications_read(user=request.auth.user)}
