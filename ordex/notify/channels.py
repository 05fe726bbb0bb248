"""How a rendered message leaves Ordex, one function per channel. Each returns the provider's id for the
message or raises (the outbox retries with backoff). Quiet hours and rate limits are the outbox's business
(actions.py): a channel here only sends."""

import json
import urllib.error
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ordex.core import webhooks

from . import aliyun


class ChannelUnavailable(Exception):
    """The channel is not configured: the message is skipped, not retried."""


def send_email(*, key: str, recipient: str, subject: str, body: str) -> str:
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient],
        headers={"Message-ID": f"<{key.replace(':', '.')}@ordex>", "X-Ordex-Message": key},
        connection=get_connection(),
    )
    message.send(fail_silently=False)
    return f"<{key.replace(':', '.')}@ordex>"


def sms_account() -> aliyun.SmsAccount | None:
    if not settings.ORDEX_SMS_ACCESS_KEY_ID:
        return None
    return aliyun.SmsAccount(
        endpoint=settings.ORDEX_SMS_ENDPOINT, access_key_id=settings.ORDEX_SMS_ACCESS_KEY_ID,
        access_key_secret=settings.ORDEX_SMS_ACCESS_KEY_SECRET, sign_name=settings.ORDEX_SMS_SIGN_NAME,
        template_code=settings.ORDEX_SMS_TEMPLATE_CODE,
    )


def send_sms(*, key: str, recipient: str, body: str) -> str:
    """Through Alibaba Cloud SMS when an account is configured; otherwise (the embedded default) appended to
    `<data dir>/sms/outbox.jsonl`, one JSON line per message, so the demo shows what would have gone out."""
    account = sms_account()
    if account is None:
        folder = Path(settings.DATA_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "outbox.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps({"out_id": key, "phone": recipient, "text": body}, ensure_ascii=False) + "\n")
        return f"local:{key}"
    try:
        return aliyun.send_sms(account, recipient, body, out_id=key)
    except urllib.error.HTTPError as exc:
        raise aliyun.SmsRefused(f"HTTP {exc.code}: {exc.read().decode(errors='replace')[:300]}")


def send_webhook(*, key: str, payload: dict) -> str:
    if not settings.ORDEX_MERCHANT_WEBHOOK_URL:
        raise ChannelUnavailable("no merchant webhook configured")
    status = webhooks.post(settings.ORDEX_MERCHANT_WEBHOOK_URL, settings.ORDEX_MERCHANT_WEBHOOK_SECRET, payload,
                           idempotency_key=key)
    return f"http:{status}"
