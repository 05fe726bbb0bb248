"""POST /api/v1/events — the inbound contract over HTTP — and the carrier pushes mapped onto it."""

import logging
from datetime import timedelta

import orjson
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Form, Router, Schema

from ordex.accounts.access import require_role
from ordex.accounts.models import Role
from ordex.core.errors import DomainError, InvalidInput

from . import carriers
from .history import history_feed, occurred_at
from .pipeline import ingest_events, summarise

log = logging.getLogger(__name__)

router = Router(tags=["events"])


class EventBatchIn(Schema):
    events: list[dict]
    backfill: str | None = Field(
        None, pattern=r"^[A-Za-z0-9._:-]{1,100}$",
        description="These events are part of backfill <id> (a history import): the periodic rules follow the "
                    "events' clock, cases wait for `POST /backfills/{id}/finish`")


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
                          field="events")
    if batch.backfill:
        results = _backfill(batch.backfill, batch.events)
    else:
        results = ingest_events(batch.events, source="http")
    body = {"results": [{"id": r.id, "status": r.status, "error": r.error, "field": r.field} for r in results],
            **summarise(results)}
    # Rendered here, exactly in the declared shape (`EventBatchOut`, the OpenAPI schema): validating a
    # thousand results back through the schema and the standard json encoder cost more than some batches.
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def _backfill(key: str, events: list[dict]):
    """A batch of a backfill: applied as history (written alone), then the periodic rules replayed up to the
    newest event this batch brought."""
    with history_feed(key, source="http") as feed:
        results = ingest_events(events, source="http", history=True)
        feed.saw(moment for moment in (occurred_at(raw) for raw, result in zip(events, results, strict=True)
                                       if result.status == "applied") if moment is not None)
        if feed.newest is not None:
            feed.scan_to(feed.newest)
    return results


class CarrierPushOut(Schema):
    applied: int
    duplicate: int
    rejected: int


def _ingest_push(events: list[dict], source: str) -> dict:
    results = ingest_events(events, source=source)
    for result in results:
        # The vendor cannot fix a scan it already sent, so a rejected one is logged, not bounced back.
        if result.status == "rejected":
            log.warning("%s push: event %s rejected at %s: %s", source, result.id, result.field, result.error)
    return summarise(results)


def _bad_signature(carrier: str) -> DomainError:
    return DomainError("bad_signature", f"{carrier} push signature does not verify")


@router.post("/integrations/kuaidi100", auth=None, summary="kuaidi100 subscription push (signed form post)")
def kuaidi100_push(request, param: Form[str] = "", sign: Form[str] = ""):
    """Authenticated by its signature, sign = upper(MD5(param + salt)); a bad one gets 401 and stores nothing.
    The reply is what kuaidi100 expects, or it pushes again."""
    if not carriers.verify_kuaidi100(param, sign, carriers.carrier_secret("kuaidi100")):
        raise _bad_signature("kuaidi100")
    _ingest_push(carriers.kuaidi100_events(param), "kuaidi100")
    return JsonResponse(carriers.KUAIDI100_REPLY, json_dumps_params={"ensure_ascii": False})


@router.post("/integrations/aftership", auth=None, response=CarrierPushOut,
             summary="AfterShip tracking webhook (HMAC-SHA256 signed)")
def aftership_push(request):
    """Authenticated by `aftership-hmac-sha256`, the base64 HMAC-SHA256 of the raw body with the webhook
    secret; a bad one gets 401 and stores nothing. A webhook whose `ts` is further than
    ORDEX_AFTERSHIP_MAX_AGE_SECONDS (default 24 h) from now is refused with 422 `stale_push` (a replay)."""
    signature = request.headers.get(carriers.AFTERSHIP_SIGNATURE_HEADER)
    if not carriers.verify_aftership(request.body, signature, carriers.carrier_secret("aftership")):
        raise _bad_signature("aftership")
    # A captured webhook stays validly signed forever: only one sent within the window is taken.
    sent_at = carriers.aftership_sent_at(request.body)
    max_age = timedelta(seconds=settings.ORDEX_AFTERSHIP_MAX_AGE_SECONDS)
    if sent_at is None or abs(timezone.now() - sent_at) > max_age:
        raise InvalidInput("stale_push", f"AfterShip webhook `ts` missing or more than {max_age} from now", field="ts")
    return _ingest_push(carriers.aftership_events(request.body), "aftership")
