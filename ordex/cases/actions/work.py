"""Working a case: notes, playbook steps, evidence uploads."""


from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.accounts.models import Role
from ordex.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from ordex.core.text import stored_text

from .. import evidence
from ..choices import EvidenceKind, StepStatus, TimelineKind
from ..models import CaseStep, Evidence, TimelineEntry
from .common import _actor_user, _entry, _lock_case, _require_open, _touch

DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_max_bytes() -> int:
    return getattr(settings, "ORDEX_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES)


@transaction.atomic
def add_note(case_id: int, *, actor: Principal, text: str) -> TimelineEntry:
    if not text.strip():
        raise InvalidInput("text_required", "a note needs text", field="text")
    case = _lock_case(case_id, actor)
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
    case = _lock_case(case_id)  # the step's role decides who may do it (below)
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
    _entry(case, actor, TimelineKind.STEP, note or stored_text(_("Step %(position)s %(status)s: %(title)s"), position=position,
                                                 status=StepStatus(status).label, title=step.title_zh), at=at,
           position=position, status=status).save()
    return step


@transaction.atomic
def add_evidence(case_id: int, *, actor: Principal, upload, note: str = "") -> Evidence:
    """Attach an image or PDF. Too large: 413 `evidence_too_large`; anything else: 415 `unsupported_evidence_type`.
    The type is read from the file's content (its name and declared type are not trusted); the file is stored
    under a generated name and served only through the case's download endpoint."""
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise DomainError("evidence_too_large", f"evidence may be at most {limit} bytes",
                          field="file")
    head = upload.read(evidence.HEAD_BYTES)
    upload.seek(0)
    content_type = evidence.sniff(head)
    if content_type is None:
        raise DomainError("unsupported_evidence_type",
                          f"evidence must be one of: {', '.join(sorted(evidence.EVIDENCE_TYPES))}", field="file")
    case = _lock_case(case_id, actor)
    at = timezone.now()
    stored = Evidence(case=case, kind=EvidenceKind.UPLOAD, summary=(note or upload.name)[:500], content_type=content_type,
                      size=upload.size, found_at=at, added_by=_actor_user(actor))
    stored.file.save(evidence.stored_name(content_type), upload, save=False)
    stored.save()
    fields = []
    _touch(case, actor, at, fields)
    if fields:
        case.save(update_fields=fields)
    _entry(case, actor, TimelineKind.EVIDENCE, note or stored_text(_("Uploaded %(name)s"), name=upload.name), at=at, evidence_id=stored.pk,
           content_type=content_type, size=upload.size).save()
    return stored
