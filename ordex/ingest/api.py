"""POST /api/v1/events — the inbound contract over HTTP."""

from django.conf import settings
from ninja import Router, Schema

from ordex.accounts.access import require_role
from ordex.accounts.models import Role
from ordex.core.errors import DomainError

from .pipeline import ingest_events, summarise

router = Router(tags=["events"])


class EventBatchIn(Schema):
    events: list[dict]


class EventResultOut(Schema):
    id: str | None
    status: str
    error: str | None = None
    field: str | None = None


class EventBatchOut(Schema):
    results: list[EventResultOut]
    applied: int
    duplicate: int
    rejected: int


@router.post("/events", response=EventBatchOut, summary="Push a batch of events (up to 1000)")
def post_events(request, batch: EventBatchIn):
    """Each event is applied, reported `duplicate` (its id was seen before), or `rejected` with the field
    at fault; a bad event never stops the others."""
    require_role(request.auth, Role.INTEGRATION)
    limit = settings.ORDEX_INGEST_MAX_BATCH
    if len(batch.events) > limit:
        raise DomainError("batch_too_large", f"at most {limit} events per request; got {len(batch.events)}",
                          field="events", status=413)
    results = ingest_events(batch.events, source="http")
    return {"results": [r.as_dict() for r in results], **summarise(results)}
