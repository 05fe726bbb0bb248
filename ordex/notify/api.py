"""Messages of a case, its customer link, and the SMS provider's delivery reports."""

import hmac
import json
from datetime import datetime

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Router, Schema

from ordex.accounts.access import mask_phone
from ordex.cases.access import access_case, require_case_worker
from ordex.cases.models import Case
from ordex.core.errors import DomainError, InvalidInput

from . import actions, links, queries

router = Router(tags=["notify"])
# What the SMS provider expects back from a report push, else it pushes again (its "code" is not ours).
SMS_REPORT_REPLY = dict(code=0, msg="成功")


class MessageOut(Schema):
    id: int
    moment: str
    channel: str
    language: str
    recipient: str
    status: str
    attempts: int
    subject: str
    body: str
    segments: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime


class LinkOut(Schema):
    url: str
    expires_at: datetime


class RevokedOut(Schema):
    revoked: int


def _recipient(message) -> str:
    if message.channel == "sms":
        return mask_phone(message.recipient) or ""
    if message.channel == "email":
        name, _, domain = message.recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return message.channel


@router.get("/cases/{case_id}/messages", response=list[MessageOut], summary="Messages to the customer (outbox)")
def case_messages(request, case_id: int):
    access_case(request.auth, case_id)
    return [{**{f: getattr(m, f) for f in MessageOut.model_fields if f != "recipient"}, "recipient": _recipient(m)}
            for m in queries.case_messages(case_id)]


@router.post("/cases/{case_id}/customer-link", response=LinkOut, summary="The customer's self-service link")
def customer_link(request, case_id: int):
    case = access_case(request.auth, case_id, Case.objects.select_related("department"))
    require_case_worker(request.auth, case)
    link = actions.link_for_case(case)
    return {"url": links.url_for(link), "expires_at": link.expires_at}


@router.post("/cases/{case_id}/customer-link/revoke", response=RevokedOut, summary="Withdraw every link of the case")
def revoke_customer_links(request, case_id: int):
    case = access_case(request.auth, case_id, Case.objects.select_related("department"))
    require_case_worker(request.auth, case)
    return {"revoked": actions.revoke_links(case_id, actor=request.auth)}


@router.post("/integrations/aliyun-sms/reports", auth=None, summary="Alibaba Cloud SMS delivery reports (SmsReport)")
def sms_reports(request, token: str = ""):
    """The provider pushes a JSON list of reports ({biz_id, success, err_code, report_time, …}). The push
    carries no signature, so the URL carries a secret (`?token=` = ORDEX_SMS_REPORT_TOKEN)."""
    expected = settings.ORDEX_SMS_REPORT_TOKEN
    if not expected or not hmac.compare_digest(expected, token):
        raise DomainError("bad_token", "unknown SMS report token")
    try:
        reports = json.loads(request.body or b"[]")
    except ValueError:
        reports = None
    if not isinstance(reports, list):
        raise InvalidInput("invalid", "a JSON list of reports is expected")
    for report in reports:
        at = parse_datetime(str(report.get("report_time", "")).replace(" ", "T")) if report.get("report_time") else None
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at, timezone.get_fixed_timezone(480))
        actions.record_delivery(str(report.get("biz_id", "")), delivered=bool(report.get("success")),
                                at=at or timezone.now(), error=str(report.get("err_code", "")))
    return JsonResponse(SMS_REPORT_REPLY, json_dumps_params={"ensure_ascii": False})
