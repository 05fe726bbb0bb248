"""Incidents group cases with a shared cause; bulk actions apply one verb to each of their cases."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.accounts.models import User
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.core.text import stored_text

from ..choices import IncidentStatus, TimelineKind
from ..models import Case, ExceptionType, Incident, TimelineEntry
from .assignment import assign
from .batch import _exception_type
from .common import _entry
from .lifecycle import transition
from .work import add_note


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
    return [_entry(case, actor, TimelineKind.INCIDENT, stored_text(_("Grouped into incident %(incident)s"), incident=incident), at=at, incident_id=incident.pk)]


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


def bulk_on_incident(incident_id: int, *, actor: Principal, action: str, to: str = "", reason: str = "",
                     resolution: str = "", user_id: int | None = None, auto: bool = False, text: str = "") -> list[dict]:
    """Apply one action to every case of the incident, each case in its own transaction and with its own
    timeline entry. One refused case does not stop the others; the result lists each case's outcome
    (`{"case_id", "ok", "code"?, "error"?}`). Each action checks under the case's lock that the actor may
    work that case (`forbidden` otherwise)."""
    if action not in BULK_ACTIONS:
        raise InvalidInput("invalid_action", f"action must be one of {', '.join(BULK_ACTIONS)}", field="action")
    if not Incident.objects.filter(pk=incident_id).exists():
        raise NotFound("incident_not_found", f"incident {incident_id} does not exist")
    results = []
    cases = Case.objects.select_related("department").filter(incident_id=incident_id).order_by("pk")
    for case in cases:
        try:
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
