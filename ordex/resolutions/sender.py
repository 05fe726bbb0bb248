"""The worker's side of the `webhook` adapter: claim a due outbox message, sign it, POST it, and record
what happened. Signing: `X-Ordex-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
shop's secret, `X-Ordex-Timestamp` (Unix seconds; receivers refuse old ones), `Idempotency-Key`."""

import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.core.text import shown_text

from . import actions, config
from .choices import OutboxStatus
from .models import OutboxMessage
from .money import backoff_seconds, signature

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=2)
TIMEOUT_SECONDS = 10


def _claim(message_id: int) -> bool:
    """Compare-and-set: only one worker sends a message at a time."""
    now = timezone.now()
    return OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now,
    ).update(claimed_until=now + CLAIM_FOR) == 1


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - merchant URL by config
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def send(message_id: int) -> str:
    """One attempt at one message: 'sent', 'retry', 'dead' or 'skipped' (not due, or another worker has it)."""
    if not _claim(message_id):
        return "skipped"
    message = OutboxMessage.objects.select_related("action__order__shop").get(pk=message_id)
    shop = message.action.order.shop
    settings_row = config.commerce_settings(shop.pk)
    body = message.body.encode()
    error = ""
    try:
        if not settings_row.secret_salt:
            raise RuntimeError(f"shop {shop.code} has no webhook secret; issue one first")
        timestamp = int(time.time())
        status = _post(message.url, body, {
            "Content-Type": "application/json",
            "Idempotency-Key": message.action.idempotency_key,
            "X-Ordex-Timestamp": str(timestamp),
            "X-Ordex-Signature": "sha256=" + signature(config.shop_secret_for(settings_row), timestamp, body),
            "X-Ordex-Delivery": f"{message.pk}.{message.attempts + 1}",
        })
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except (OSError, RuntimeError, ValueError) as exc:
        error = str(exc)[:500]
    return _record(message, error)


def _record(message: OutboxMessage, error: str) -> str:
    now = timezone.now()
    attempts = message.attempts + 1
    rows = OutboxMessage.objects.filter(pk=message.pk)
    if not error:
        with transaction.atomic():
            rows.update(status=OutboxStatus.SENT, sent_at=now, attempts=F("attempts") + 1, claimed_until=None,
                        last_error="")
            actions.delivered(message.action_id)
        return "sent"
    if attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            rows.update(status=OutboxStatus.DEAD, attempts=F("attempts") + 1, claimed_until=None, last_error=error)
            actions.mark_failed(message.action_id, actor=None,
                                reason=shown_text(_("The merchant's system did not accept it after %(attempts)s "
                                                  "attempts: %(error)s"), attempts=attempts, error=error))
        return "dead"
    rows.update(attempts=F("attempts") + 1, claimed_until=None, last_error=error,
                next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))
    return "retry"


def due_messages(limit: int = 100) -> list[int]:
    return list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
