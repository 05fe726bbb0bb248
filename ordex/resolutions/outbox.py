"""The transactional outbox of the `webhook` adapter: a signed request to the merchant's system is written
in the transaction that approves the action and sent by the worker only after that transaction commits.
A crash between commit and send loses nothing (the row waits, the periodic drain picks it up); a request
sent twice carries the same idempotency key, so the merchant's system executes it once."""

import json
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import config
from .choices import OutboxStatus
from .models import Action, OutboxMessage


def body_for(action: Action) -> str:
    """What the merchant's system receives: enough to carry the action out and to answer for it."""
    order = action.order
    return json.dumps({
        "idempotency_key": action.idempotency_key,
        "action_id": action.pk,
        "kind": action.kind,
        "shop": order.shop.code,
        "order_no": order.order_no,
        "case_id": action.case_id,
        "amount": str(action.amount),
        "currency": "CNY",
        "lines": [{"sku": line["sku"], "qty": line["qty"]} for line in action.lines],
        "reason": action.reason,
        "details": action.details,
        "callback": f"/api/v1/integrations/commerce/{order.shop.code}/callback",
    }, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def enqueue(action: Action, at: datetime) -> OutboxMessage:
    """Write the request in the caller's transaction; after commit, ask the worker to send it now."""
    settings_row = config.commerce_settings(action.order.shop_id)
    message = OutboxMessage.objects.create(action=action, url=settings_row.webhook_url, body=body_for(action),
                                           next_attempt_at=at, created_at=at)
    transaction.on_commit(lambda: _schedule(message.pk))
    return message


def _schedule(message_id: int) -> None:
    # Imported here: tasks → sender → actions → this module.
    from .tasks import send_outbox_message

    send_outbox_message(message_id)


def withdraw(action: Action) -> bool:
    """Stop a request that was not handed to the merchant yet: True when nothing was or is being sent.
    Compare-and-set: a message a worker has claimed is past stopping."""
    now = timezone.now()
    pending = OutboxMessage.objects.filter(action=action, status=OutboxStatus.PENDING)
    if not pending.exists():
        return not OutboxMessage.objects.filter(action=action, status=OutboxStatus.SENT).exists()
    stopped = pending.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
        status=OutboxStatus.DEAD, last_error="withdrawn")
    return stopped > 0
