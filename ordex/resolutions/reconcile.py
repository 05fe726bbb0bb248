"""Reconciliation of actions with what the merchant's system reports (shops with `reconcile_with_events`):

1. an approved/executing refund-like action whose refund shows up (`refund.completed` with the action's
   idempotency key as `refund_no`, or the same amount after approval) is confirmed done by that event; a
   reship/exchange is confirmed by a `shipment.created` after approval carrying its SKUs;
2. an action done with no matching event within the shop's limit becomes a `refund_mismatch` finding on
   its order;
3. a completed refund no action explains becomes a `data_loss` finding (Ordex has no record of deciding it).
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.cases import actions as case_actions
from ordex.core.text import stored_text
from ordex.orders import queries as hub

from . import actions, config
from .choices import CASH_OUT_KINDS, GOODS_KINDS, ActionKind, ActionStatus
from .models import Action, ReconcileCursor

RULE_CODE = "resolutions.reconcile"
CURSOR = "completed_refunds"
BATCH = 500


@dataclass
class ReconcileResult:
    confirmed: int = 0
    unconfirmed: int = 0
    unexplained: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _reconciles(shop_id: int) -> bool:
    return config.commerce_settings(shop_id).reconcile_with_events


def _matching_refund(action: Action, refunds, taken: set[str]):
    since = action.approved_at or action.created_at
    for refund in refunds:
        if refund.refund_no in taken:
            continue
        if refund.refund_no == action.idempotency_key:
            return refund
    for refund in refunds:
        amount = refund.completed_amount or refund.amount
        if refund.refund_no not in taken and amount == action.amount and (refund.completed_at or since) >= since:
            return refund
    return None


def _taken_references(order_id: int) -> set[str]:
    return set(Action.objects.filter(order_id=order_id).exclude(reference="").values_list("reference", flat=True))


def confirm_by_events(result: ReconcileResult) -> None:
    waiting = Action.objects.filter(status__in=[ActionStatus.APPROVED, ActionStatus.EXECUTING],
                                    kind__in=sorted(CASH_OUT_KINDS | GOODS_KINDS)).select_related("order")
    for action in waiting.order_by("pk"):
        if not _reconciles(action.order.shop_id):
            continue
        reference = ""
        if action.kind in CASH_OUT_KINDS:
            refund = _matching_refund(action, hub.completed_refunds_of(action.order_id), _taken_references(action.order_id))
            reference = refund.refund_no if refund is not None else ""
        else:
            wanted = {line["sku"] for line in action.lines}
            for shipment in hub.shipments_of(action.order_id, action.approved_at or action.created_at):
                if wanted <= {line.sku for line in shipment.lines.all()}:
                    reference = shipment.shipment_no
                    break
        if reference:
            actions.confirm_by_event(action.pk, reference=reference)
            result.confirmed += 1


def flag_unconfirmed(as_of: datetime, result: ReconcileResult) -> None:
    done = Action.objects.filter(status=ActionStatus.DONE, findings_checked_at__isnull=True,
                                 kind__in=sorted(CASH_OUT_KINDS)).select_related("order")
    for action in done.order_by("ended_at", "pk"):
        settings_row = config.commerce_settings(action.order.shop_id)
        if not settings_row.reconcile_with_events:
            continue
        if action.ended_at > as_of - timedelta(hours=settings_row.confirm_within_hours):
            continue
        refund = None
        if action.confirmed_by != "event":
            refund = _matching_refund(action, hub.completed_refunds_of(action.order_id),
                                      _taken_references(action.order_id) - {action.reference})
        confirmed = action.confirmed_by == "event" or refund is not None
        with transaction.atomic():
            actions.note_reconciled(action.pk, reference=refund.refund_no if refund is not None else "", at=as_of)
            if not confirmed:
                case_actions.record_finding(
                    type_code="refund_mismatch", found_at=as_of, rule_code=RULE_CODE, order=action.order,
                    summary=stored_text(_("%(kind)s #%(action)s of %(amount)s marked done, but no refund.completed "
                                          "arrived within %(hours)s h"), kind=ActionKind(action.kind).label,
                                        action=action.pk, amount=f"¥{action.amount}",
                                        hours=settings_row.confirm_within_hours),
                    facts={"action_id": action.pk, "amount": str(action.amount), "done_at": action.ended_at.isoformat()},
                )
                result.unconfirmed += 1


def flag_unexplained(result: ReconcileResult) -> None:
    cursor = ReconcileCursor.objects.filter(name=CURSOR).first()
    position = cursor.position if cursor else datetime(2000, 1, 1, tzinfo=timezone.get_current_timezone())
    last_pk = cursor.last_pk if cursor else 0
    while True:
        refunds = hub.refunds_completed_after(position, last_pk, BATCH)
        if not refunds:
            break
        for refund in refunds:
            position, last_pk = refund.completed_at, refund.pk
            if not _reconciles(refund.order.shop_id):
                continue
            explained = Action.objects.filter(order_id=refund.order_id).filter(
                reference=refund.refund_no).exists() or Action.objects.filter(
                order_id=refund.order_id, idempotency_key=refund.refund_no).exists()
            if not explained:
                case_actions.record_finding(
                    type_code="data_loss", found_at=refund.completed_at, rule_code=RULE_CODE, order=refund.order,
                    summary=stored_text(_("Refund %(refund)s of %(amount)s completed, but no action in Ordex "
                                          "asked for it"), refund=refund.refund_no,
                                        amount=f"¥{refund.completed_amount or refund.amount}"),
                    facts={"refund_no": refund.refund_no, "amount": str(refund.completed_amount or refund.amount)},
                )
                result.unexplained += 1
        ReconcileCursor.objects.update_or_create(name=CURSOR, defaults={"position": position, "last_pk": last_pk})


def run(as_of: datetime | None = None) -> ReconcileResult:
    """One pass of all three checks (confirmations first, so an event that confirms an action is not also
    reported as unexplained)."""
    as_of = as_of or timezone.now()
    result = ReconcileResult()
    confirm_by_events(result)
    flag_unconfirmed(as_of, result)
    flag_unexplained(result)
    return result
