"""The only functions that change notify's rows.

- `enqueue` writes the outbox rows of one moment of one case, inside the transaction of the case change
  (the cases hooks call it, see apps.py), and asks for a drain once that transaction commits.
- `drain` is the worker: it claims due messages one by one (compare-and-set, with a lease so a killed
  worker's claim runs out), renders and sends each, and records the outcome with backoff or dead letter.
- The customer's self-service verbs (`choose`, `correct_address`, `add_photo`, `rate`) act on the case
  through the cases actions, as the customer.
- The survey: `send_due_surveys`, `close_unanswered_surveys`.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal, mask_phone
from ordex.cases import actions as case_actions
from ordex.cases.choices import ENDED_STATUSES, CaseStatus, ChoiceSource, ChoiceStatus, Severity, TimelineKind
from ordex.cases.models import Case, CustomerChoice
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.core.text import stored_text
from ordex.orders import queries as order_queries
from ordex.orders.address import parse_address

from . import channels, links, render
from .choices import Channel, Language, MessageStatus, Moment, SurveyStatus
from .models import CustomerLink, Message, MessageTemplate, ShopLanguage, Survey

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLAIM_LEASE = timedelta(minutes=5)
QUIET_START, QUIET_END = 21, 9  # local hours, Asia/Shanghai
PHOTO_TYPES = frozenset({"parcel_damaged", "wrong_item", "not_as_described", "quality_issue", "missing_item"})
CUSTOMER = Principal(role="customer", name="customer")


def customer_language(case: Case) -> str:
    """The language the case's customer is written to in: their shop's (`ShopLanguage`, set in the admin),
    else `ORDEX_CUSTOMER_LANGUAGE` (zh-hans). The inbound events carry no language of the buyer."""
    if case.order_id is not None:
        shop_language = ShopLanguage.objects.filter(shop__orders=case.order_id).values_list("language", flat=True)
        if shop_language:
            return shop_language[0]
    return settings.ORDEX_CUSTOMER_LANGUAGE


# --- writing the outbox -------------------------------------------------------------------------------


def _kick_after_commit() -> None:
    """Ask the worker to drain once the current transaction commits (once per transaction)."""
    connection = transaction.get_connection()
    if getattr(connection, "_ordex_outbox_kick", False):
        return
    connection._ordex_outbox_kick = True

    def kick():
        connection._ordex_outbox_kick = False
        from .tasks import drain_outbox

        drain_outbox()

    transaction.on_commit(kick)


def tells_customer(case: Case) -> bool:
    """A withdrawn case (late data showed its condition never held) and a historical one (recorded closed by
    a history import, about a month-old condition) are never told to the customer."""
    return case.status != CaseStatus.WITHDRAWN and not case.facts.get("historical")


def enqueue(case: Case, moment: str, *, at: datetime | None = None, details: dict | None = None) -> list[Message]:
    """Write the outbox rows of `moment` for `case`: one per channel the customer can be reached on (email
    when the buyer has an address, SMS when a phone, the merchant's webhook when one is configured) plus
    in-app. Nothing when the type's templates of that moment are switched off or the case has no order.
    Idempotent: a row whose key exists is left alone. Call inside the case change's transaction.
    `details` fills variables the case does not know (`refund_amount`, `carrier`, `tracking_no`)."""
    if case.order_id is None or not tells_customer(case):
        return []
    language = customer_language(case)
    if not MessageTemplate.objects.filter(exception_type_id=case.type_id, moment=moment, language=language,
                                          active=True).exists():
        return []
    contact = order_queries.customer_contact(case.order_id)
    if contact is None:
        return []
    at = at or timezone.now()
    wanted = [(Channel.IN_APP, "timeline")]
    if contact.email:
        wanted.append((Channel.EMAIL, contact.email))
    if contact.phone:
        wanted.append((Channel.SMS, contact.phone))
    if settings.ORDEX_MERCHANT_WEBHOOK_URL:
        wanted.append((Channel.WEBHOOK, settings.ORDEX_MERCHANT_WEBHOOK_URL))
    rows = [
        Message(case=case, moment=moment, channel=channel, language=language, recipient=recipient,
                idempotency_key=f"{case.pk}:{moment}:{channel}", created_at=at, next_attempt_at=timezone.now(),
                status_at=at, details=details or {})
        for channel, recipient in wanted
    ]
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    _kick_after_commit()
    return rows


# --- the worker ---------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: base × 2^(attempts-1), at most six hours."""
    base = settings.ORDEX_NOTIFY_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def due_messages(as_of: datetime, limit: int = 200) -> list[int]:
    due = Message.objects.filter(
        Q(status=MessageStatus.QUEUED, next_attempt_at__lte=as_of)
        | Q(status=MessageStatus.SENDING, claimed_until__lt=as_of)
    )
    return list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def claim(message_id: int, as_of: datetime) -> bool:
    """Compare-and-set: only one worker gets a message; a claim whose lease ran out (the worker died
    between claiming and recording) may be taken again."""
    taken = Message.objects.filter(pk=message_id).filter(
        Q(status=MessageStatus.QUEUED, next_attempt_at__lte=as_of)
        | Q(status=MessageStatus.SENDING, claimed_until__lt=as_of)
    ).update(status=MessageStatus.SENDING, claimed_until=as_of + CLAIM_LEASE, status_at=as_of)
    return taken == 1


def drain(as_of: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every message due by `as_of`. Returns counts by outcome."""
    counts: dict[str, int] = {}
    for message_id in due_messages(as_of or timezone.now(), limit):
        now = as_of or timezone.now()
        if not claim(message_id, now):
            continue
        outcome = deliver(message_id, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _quiet_until(at: datetime) -> datetime | None:
    """The end of quiet hours (09:00 Asia/Shanghai) when `at` falls in them (21:00–09:00), else None."""
    local = at.astimezone(SHANGHAI)
    if QUIET_END <= local.hour < QUIET_START:
        return None
    day = local.date() if local.hour < QUIET_END else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, QUIET_END, tzinfo=SHANGHAI)


def _rate_limited_until(message: Message, at: datetime) -> datetime | None:
    limit = settings.ORDEX_SMS_PER_PHONE_PER_HOUR
    window = at - timedelta(hours=1)
    sent = list(
        Message.objects.filter(channel=Channel.SMS, recipient=message.recipient, sent_at__gt=window)
        .exclude(pk=message.pk).order_by("sent_at").values_list("sent_at", flat=True)[:limit]
    )
    if len(sent) < limit:
        return None
    return sent[0] + timedelta(hours=1)


def _template(case: Case, moment: str, language: str, channel: str) -> MessageTemplate | None:
    template_channel = Channel.EMAIL if channel == Channel.EMAIL else Channel.SMS
    return MessageTemplate.objects.filter(exception_type_id=case.type_id, moment=moment, language=language,
                                          channel=template_channel, active=True).first()


def _finish(message: Message, fields: dict) -> None:
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**fields)


def deliver(message_id: int, at: datetime) -> str:
    """Render and send one claimed message; record sent / deferred / retry / dead / skipped."""
    message = Message.objects.select_related("case__type").get(pk=message_id)
    case = message.case
    if not tells_customer(case):
        # Queued while the case stood; withdrawn since (a late event disproved it): it tells nobody anything.
        _finish(message, {"status": MessageStatus.SKIPPED, "last_error": f"case {case.status}", "status_at": at,
                          "claimed_until": None})
        return "skipped"
    if message.channel == Channel.SMS:
        later = None if case.severity == Severity.P1 else _quiet_until(at)
        later = later or _rate_limited_until(message, at)
        if later is not None:
            _finish(message, {"status": MessageStatus.QUEUED, "next_attempt_at": later, "claimed_until": None,
                              "status_at": at})
            return "deferred"
    template = _template(case, message.moment, message.language, message.channel)
    if template is None:
        _finish(message, {"status": MessageStatus.SKIPPED, "last_error": "no active template", "status_at": at,
                          "claimed_until": None})
        return "skipped"
    attempts = message.attempts + 1
    try:
        context = message_context(case, message.language, at=at, details=message.details)
        rendered = render.render(template.subject, template.body, context)
        provider_id, segments = _send(message, rendered, context)
    except channels.ChannelUnavailable as exc:
        _finish(message, {"status": MessageStatus.SKIPPED, "last_error": str(exc), "status_at": at,
                          "claimed_until": None})
        return "skipped"
    except Exception as exc:  # noqa: BLE001 - any failure of a provider is retried, then dead-lettered
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= settings.ORDEX_NOTIFY_MAX_ATTEMPTS:
            _finish(message, {"status": MessageStatus.DEAD, "attempts": attempts, "last_error": error,
                              "status_at": at, "claimed_until": None})
            case_actions.record_message(
                case.pk, kind=TimelineKind.MESSAGE_FAILED, at=at,
                message=stored_text(_("%(channel)s message (%(moment)s) gave up after %(attempts)s attempts: %(error)s"),
                                    channel=Channel(message.channel).label, moment=Moment(message.moment).label,
                                    attempts=attempts, error=error),
                message_id=message.pk, channel=message.channel, moment=message.moment)
            return "dead"
        _finish(message, {"status": MessageStatus.QUEUED, "attempts": attempts, "last_error": error,
                          "next_attempt_at": at + backoff(attempts), "claimed_until": None, "status_at": at})
        log.warning("message %s failed (attempt %s): %s", message.idempotency_key, attempts, error)
        return "retry"
    with transaction.atomic():
        _finish(message, {"status": MessageStatus.SENT, "attempts": attempts, "sent_at": at, "status_at": at,
                          "provider_id": provider_id, "subject": rendered.subject, "body": rendered.body,
                          "segments": segments, "claimed_until": None, "last_error": ""})
        case_actions.record_message(
            case.pk, kind=TimelineKind.MESSAGE, at=at,
            message=_sent_text(message, rendered.subject or rendered.body),
            message_id=message.pk, channel=message.channel, moment=message.moment, body=rendered.body)
    return "sent"


def _sent_text(message: Message, text: str) -> str:
    """What the case timeline says of a message sent: the channel, to whom (masked), and the words."""
    channel = Channel(message.channel).label
    if message.channel == Channel.SMS:
        recipient = mask_phone(message.recipient) or ""
    elif message.channel == Channel.EMAIL:
        name, _at, domain = message.recipient.partition("@")
        recipient = f"{name[:1]}***@{domain}"
    else:  # in-app: the timeline is where it is shown
        return stored_text(_("%(channel)s: %(text)s"), channel=channel, text=text)
    return stored_text(_("%(channel)s to %(recipient)s: %(text)s"), channel=channel, recipient=recipient, text=text)


def _send(message: Message, rendered: render.Rendered, context: dict) -> tuple[str, int]:
    key = message.idempotency_key
    if message.channel == Channel.EMAIL:
        return channels.send_email(key=key, recipient=message.recipient, subject=rendered.subject,
                                   body=rendered.body), 0
    if message.channel == Channel.SMS:
        from .aliyun import segments

        parts = segments(rendered.body, settings.ORDEX_SMS_SIGN_NAME)
        return channels.send_sms(key=key, recipient=message.recipient, body=rendered.body), parts
    if message.channel == Channel.WEBHOOK:
        payload = {"event": "customer_message", "idempotency_key": key, "case_id": message.case_id,
                   "order_no": context["order_no"], "moment": message.moment, "language": message.language,
                   "text": rendered.body, "link": context["link"]}
        return channels.send_webhook(key=key, payload=payload), 0
    return "timeline", 0


# --- what a template sees -----------------------------------------------------------------------------


def message_context(case: Case, language: str, *, at: datetime | None = None, link: str | None = None,
                    details: dict | None = None) -> dict:
    """The variables of `render.VARIABLES` for `case`, as strings in `language`; `details` (the message's
    own facts) override what the case and order say about the refund amount and the parcel."""
    details = details or {}
    contact = order_queries.customer_contact(case.order_id) if case.order_id else None
    choice = CustomerChoice.objects.filter(case=case).order_by("-offered_at", "-pk").first()
    options = choice.options if choice else list(case.type.allowed_resolutions)
    default = case.type.default_resolution
    if choice is not None and default not in choice.options:
        default = choice.options[0]
    words = [render.resolution_words(code, language) for code in options]
    zh = language == Language.ZH_HANS
    return {
        "shop": contact.shop_name if contact else "",
        "customer": render.mask_name(contact.customer_name) if contact else "",
        "order_no": case.order_no or "",
        "case_no": f"#{case.pk}",
        "problem": case.type.name_zh if zh else case.type.name_en,
        "amount": render.money(contact.total) if contact else "",
        "refund_amount": render.money(details.get("refund_amount") or _refund_amount(case, contact)) if contact else "",
        "options": ("、" if zh else ", ").join(words),
        "default_option": render.resolution_words(default, language) if default else "",
        "chosen": render.resolution_words(choice.chosen, language) if choice and choice.chosen else "",
        "deadline": render.local_time(choice.deadline_at, language) if choice else "",
        "respond_by": render.local_time(case.response_due_at, language),
        "resolution": render.resolution_words(case.resolution or case.chosen_resolution, language),
        "carrier": details.get("carrier") or (contact.carrier if contact else ""),
        "tracking_no": details.get("tracking_no") or (contact.tracking_no if contact else ""),
        "link": link if link is not None else links.url_for(link_for_case(case, at=at)),
    }


def _refund_amount(case: Case, contact) -> object:
    amount = (case.facts or {}).get("refund_amount")
    return amount if amount is not None else (contact.paid_amount or contact.total)


# --- self-service links --------------------------------------------------------------------------------


def link_for_case(case: Case, *, at: datetime | None = None) -> CustomerLink:
    """The case's current usable link, or a new one valid for ORDEX_LINK_DAYS."""
    at = at or timezone.now()
    link = CustomerLink.objects.filter(case=case, revoked_at__isnull=True, expires_at__gt=at).order_by("-created_at").first()
    if link is None:
        link = CustomerLink.objects.create(case=case, nonce=links.new_nonce(), created_at=at,
                                           expires_at=at + timedelta(days=settings.ORDEX_LINK_DAYS))
    return link


@transaction.atomic
def revoke_links(case_id: int, *, actor: Principal) -> int:
    """Every link of the case stops working at once (e.g. sent to the wrong number)."""
    return CustomerLink.objects.filter(case_id=case_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=getattr(actor, "user", None))


def _usable_case(link: CustomerLink) -> Case:
    case = Case.objects.select_related("type").get(pk=link.case_id)
    if case.status == CaseStatus.CLOSED or case.status == CaseStatus.REJECTED:
        raise DomainError("case_closed", "this case is closed")
    return case


@transaction.atomic
def choose(link: CustomerLink, chosen: str) -> CustomerChoice:
    """The customer picks one of the offered options; lands on the case as the agent's recording would,
    with source `customer` ("by customer" on the timeline)."""
    _usable_case(link)
    return case_actions.record_choice(link.case_id, actor=CUSTOMER, chosen=chosen, source=ChoiceSource.CUSTOMER)


@transaction.atomic
def correct_address(link: CustomerLink, address: str, receiver: str = "", phone: str = ""):
    """The customer confirms or corrects the shipping address before the parcel leaves. The address must
    resolve to province, city and district with a street; it becomes an order change request (a case of
    type order_change_request, or a note on the one already open)."""
    case = _usable_case(link)
    if not case.order_id:
        raise DomainError("no_order", "this case has no order to change")
    contact = order_queries.customer_contact(case.order_id)
    if contact.shipped:
        raise DomainError("already_shipped", "the parcel has already left; the address can no longer change")
    parsed = parse_address(address)
    if not (parsed.province and parsed.city and parsed.district and parsed.detail):
        raise InvalidInput("address_unresolved", "the address needs a province, city, district and street",
                           field="address")
    new = f"{parsed.province}{parsed.city}{parsed.district}{parsed.detail}"
    summary = f"customer asks to ship to: {new}" + (f" ({receiver})" if receiver else "")
    # One code path with findings: an open order change request gains this as evidence instead of a twin.
    return case_actions.open_manual_case(
        actor=CUSTOMER, type_code="order_change_request", summary=summary, order_no=case.order_no,
        details=f"address: {new}; from case #{case.pk}",
    ).case


@transaction.atomic
def add_photo(link: CustomerLink, upload, note: str = ""):
    """A photo from the customer, with the same limits as any evidence."""
    case = _usable_case(link)
    if case.type.code not in PHOTO_TYPES:
        raise DomainError("photos_not_needed", "this case does not ask for photos")
    return case_actions.add_evidence(case.pk, actor=CUSTOMER, upload=upload, note=note or "photo from the customer")


# --- survey ---------------------------------------------------------------------------------------------


def _snapshot(case: Case) -> dict:
    return {"type_code": case.type.code, "resolution": case.resolution, "department_code": case.department.code,
            "agent_id": case.assignee_id}


@transaction.atomic
def rate(link: CustomerLink, score: int, comment: str = "") -> Survey:
    """One answer per case, once it is resolved. A score at or under the threshold opens a low_satisfaction
    case that follows up this one."""
    case = Case.objects.select_related("type", "department").select_for_update(of=("self",)).get(pk=link.case_id)
    if case.status not in ENDED_STATUSES or case.status == CaseStatus.REJECTED:
        raise DomainError("case_not_resolved", "the case can be rated once it is resolved")
    if not 1 <= score <= 5:
        raise InvalidInput("invalid_score", "the score is from 1 to 5", field="score")
    at = timezone.now()
    survey = Survey.objects.select_for_update().filter(case=case).first()
    if survey is None:
        survey = Survey.objects.create(case=case, sent_at=at, **_snapshot(case))
    if survey.status == SurveyStatus.ANSWERED:
        raise DomainError("survey_already_answered", "this case has already been rated")
    survey.status, survey.score, survey.comment, survey.answered_at = SurveyStatus.ANSWERED, score, comment[:2000], at
    fields = ["status", "score", "comment", "answered_at"]
    if score <= settings.ORDEX_SURVEY_LOW_SCORE:
        follow_up = case_actions.open_follow_up_case(
            case.pk, actor=None, type_code="low_satisfaction",
            summary=_rating_text(case.pk, score, comment[:200]),
            details=comment,
        )
        survey.follow_up_case = follow_up
        fields.append("follow_up_case")
    survey.save(update_fields=fields)
    case_actions.record_message(case.pk, kind=TimelineKind.MESSAGE, at=at,
                                message=_rating_text(case.pk, score, comment),
                                score=score, channel="self_service")
    return survey


def _rating_text(case_id: int, score: int, comment: str) -> str:
    if comment:
        return stored_text(_("The customer rated the handling of case #%(case)s %(score)s/5: %(comment)s"),
                           case=case_id, score=score, comment=comment)
    return stored_text(_("The customer rated the handling of case #%(case)s %(score)s/5"), case=case_id, score=score)


def send_due_surveys(as_of: datetime | None = None) -> int:
    """Resolved cases whose resolution is ORDEX_SURVEY_DELAY_HOURS old (and not older than the answer window)
    get their survey: a Survey row and the `survey` moment's messages, in one transaction per case."""
    as_of = as_of or timezone.now()
    delay = timedelta(hours=settings.ORDEX_SURVEY_DELAY_HOURS)
    window = timedelta(days=settings.ORDEX_SURVEY_ANSWER_DAYS)
    due = (Case.objects.filter(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED], ended_at__lte=as_of - delay,
                               ended_at__gt=as_of - delay - window, order__isnull=False, survey__isnull=True)
           .exclude(resolution="cleared").order_by("ended_at").values_list("pk", flat=True))
    sent = 0
    for case_id in list(due):
        with transaction.atomic():
            case = Case.objects.select_related("type", "department").select_for_update(of=("self",)).get(pk=case_id)
            if Survey.objects.filter(case=case).exists():
                continue
            Survey.objects.create(case=case, sent_at=as_of, **_snapshot(case))
            enqueue(case, Moment.SURVEY, at=as_of)
            sent += 1
    return sent


def close_unanswered_surveys(as_of: datetime | None = None) -> int:
    """Surveys without an answer ORDEX_SURVEY_ANSWER_DAYS after sending are recorded as not answered."""
    as_of = as_of or timezone.now()
    limit = as_of - timedelta(days=settings.ORDEX_SURVEY_ANSWER_DAYS)
    return Survey.objects.filter(status=SurveyStatus.SENT, sent_at__lte=limit).update(
        status=SurveyStatus.NO_ANSWER, no_answer_at=as_of)


def send_choice_reminders(as_of: datetime | None = None) -> int:
    """Open choices whose deadline is within ORDEX_CHOICE_REMINDER_HOURS get one reminder."""
    as_of = as_of or timezone.now()
    soon = as_of + timedelta(hours=settings.ORDEX_CHOICE_REMINDER_HOURS)
    reminded = Message.objects.filter(moment=Moment.CHOICE_REMINDER).values("case_id")
    due = (CustomerChoice.objects.filter(status=ChoiceStatus.OPEN, deadline_at__gt=as_of, deadline_at__lte=soon)
           .exclude(case_id__in=reminded).values_list("case_id", flat=True))
    count = 0
    for case_id in list(due):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
            count += bool(enqueue(case, Moment.CHOICE_REMINDER, at=as_of))
    return count


# --- provider reports ---------------------------------------------------------------------------------------


def record_delivery(provider_id: str, *, delivered: bool, at: datetime, error: str = "") -> bool:
    """A provider's delivery report for a sent message: delivered, or failed with its error code."""
    if not provider_id:
        return False
    fields = {"status": MessageStatus.DELIVERED if delivered else MessageStatus.FAILED, "status_at": at}
    if delivered:
        fields["delivered_at"] = at
    else:
        fields["last_error"] = error[:2000]
    return Message.objects.filter(provider_id=provider_id, status=MessageStatus.SENT).update(**fields) > 0


@transaction.atomic
def retry_dead(message_id: int) -> Message:
    """An admin sends a dead message again (after fixing the account, the address…)."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound("message_not_found", f"message {message_id} does not exist")
    if message.status != MessageStatus.DEAD:
        raise DomainError("message_not_dead", f"message {message_id} is {message.status}")
    message.status, message.attempts, message.next_attempt_at = MessageStatus.QUEUED, 0, timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    _kick_after_commit()
    return message

