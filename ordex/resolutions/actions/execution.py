"""Carrying actions out: handing an approved action to the shop's adapter, done (with its ledger lines),
failed, a carrier claim's steps, and the confirmations that arrive from the merchant's side."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.cases.models import Case
from ordex.core.errors import DomainError, Forbidden, InvalidInput
from ordex.core.text import stored_text
from ordex.core.writers import write_transaction

from .. import config, outbox, retries
from ..choices import (
    ALWAYS_EXECUTORS,
    CASH_OUT_KINDS,
    CLAIM_FINAL,
    CLAIM_TRANSITIONS,
    EXECUTOR_ROLES,
    GOODS_KINDS,
    LEDGER_KIND_FOR,
    Adapter,
    ClaimStatus,
    Direction,
    LedgerKind,
)
from ..commitments import ledger_cash_out
from ..models import Action, LedgerLine
from ..money import to_money
from .common import K, S, _lock_action, _move, _name, _timeline, _user


def _start(action: Action, case: Case, actor, at: datetime) -> None:
    """Hand an approved action to whoever carries it out. A carrier claim is filed by our logistics staff;
    otherwise the shop's adapter decides: `ledger` puts it before the merchant's staff at once (executing),
    `webhook` writes the signed request to the outbox in this transaction; the worker sends it after
    commit and marks the action executing when the merchant accepted it."""
    if action.kind == K.CARRIER_CLAIM:
        action.claim_status = ClaimStatus.FILED
        _move(action, case, S.EXECUTING, actor, at=at, fields=["claim_status"], reason=_("Claim filed with the carrier"))
    elif action.adapter == Adapter.WEBHOOK:
        outbox.enqueue(action, at)
    else:
        _move(action, case, S.EXECUTING, actor, at=at, reason=_("Recorded for the merchant's staff to carry out"))


@write_transaction
def delivered(action_id: int) -> Action:
    """The merchant's system accepted the webhook request: the action is executing (unless its confirmation
    already arrived)."""
    action, case = _lock_action(action_id)
    if action.status == S.APPROVED:
        _move(action, case, S.EXECUTING, None, at=timezone.now(), reason=_("Accepted by the merchant's system"))
    return action


def _require_executor(action: Action, actor: Principal | None) -> None:
    if actor is None or actor.role in ALWAYS_EXECUTORS or actor.role in EXECUTOR_ROLES[action.kind]:
        return
    raise Forbidden("forbidden", f"role '{actor.role}' may not carry out a {action.kind}")


def _write_ledger(action: Action, case: Case, actor, at: datetime) -> None:
    """The money movements of a done action; each line unique on (order, key derived from the action's)."""
    lines = []
    if action.kind in LEDGER_KIND_FOR and action.amount > 0:
        lines.append((LEDGER_KIND_FOR[action.kind], Direction.OUT, action.amount, action.idempotency_key))
    if action.kind in GOODS_KINDS:
        lines += [(LedgerKind.RESHIP_GOODS, Direction.OUT, action.goods_cost, f"{action.idempotency_key}:goods"),
                  (LedgerKind.POSTAGE, Direction.OUT, action.postage, f"{action.idempotency_key}:postage")]
    if action.kind == K.CARRIER_CLAIM and action.recovered_amount > 0:
        lines.append((LedgerKind.CARRIER_CLAIM, Direction.IN, action.recovered_amount, action.idempotency_key))
    if action.kind in CASH_OUT_KINDS:
        settings_row = config.commerce_settings(action.order.shop_id)
        paid_out = ledger_cash_out(action.order_id)
        if paid_out + action.amount > action.order.paid_amount + settings_row.postage_allowance:
            raise DomainError("exceeds_paid", f"order {action.order.order_no} has paid out {paid_out} already")
    LedgerLine.objects.bulk_create(
        LedgerLine(order_id=action.order_id, case=case, action=action, kind=kind, direction=direction, amount=amount,
                   idempotency_key=key, actor=_user(actor), actor_name=_name(actor), at=at,
                   note=f"{action.kind} #{action.pk}")
        for kind, direction, amount, key in lines if amount > 0
    )


def finish(action: Action, case: Case, actor, at: datetime, *, confirmed_by: str, reference: str = "") -> None:
    """Done, with its ledger lines, under the locks the caller holds."""
    fields = ["confirmed_by"]
    action.confirmed_by = confirmed_by
    if reference:
        action.reference = reference
        fields.append("reference")
    _write_ledger(action, case, actor, at)
    _move(action, case, S.DONE, actor, at=at, fields=fields, confirmed_by=confirmed_by, reference=reference)


@write_transaction
def mark_executing(action_id: int, *, actor: Principal | None) -> Action:
    action, case = _lock_action(action_id)
    _require_executor(action, actor)
    _move(action, case, S.EXECUTING, actor, at=timezone.now())
    return action


def mark_done(action_id: int, *, actor: Principal | None, reference: str = "", confirmed_by: str = "staff") -> Action:
    """The merchant carried the action out (staff in their back office, the merchant's callback, or a
    matching event). Writes the ledger lines. A done action stays done: marking it again changes nothing
    (and is answered without locks)."""
    done = retries.already_done(action_id)
    if done is not None:
        _require_executor(done, actor)
        return done
    return mark_done_locked(action_id, actor=actor, reference=reference, confirmed_by=confirmed_by)


@write_transaction
def mark_done_locked(action_id: int, *, actor: Principal | None, reference: str = "",
                     confirmed_by: str = "staff") -> Action:
    """mark_done under the case's, the order's and the action's locks."""
    action, case = _lock_action(action_id)
    _require_executor(action, actor)
    if action.status == S.DONE:
        return action
    if action.kind == K.CARRIER_CLAIM:
        raise DomainError("claim_in_progress", "a carrier claim ends when it is paid or rejected (claim endpoint)")
    finish(action, case, actor, timezone.now(), confirmed_by=confirmed_by, reference=reference)
    return action


@write_transaction
def mark_failed(action_id: int, *, actor: Principal | None, reason: str) -> Action:
    """It could not be carried out; its money and lines are free again. Nothing reaches the ledger."""
    if not reason.strip():
        raise InvalidInput("reason_required", "a failure needs a reason", field="reason")
    action, case = _lock_action(action_id)
    _require_executor(action, actor)
    if action.status == S.FAILED:
        return action
    outbox.withdraw(action)
    _move(action, case, S.FAILED, actor, at=timezone.now(), reason=reason)
    return action


@write_transaction
def progress_claim(action_id: int, *, actor: Principal, to: str, recovered_amount: Decimal | None = None,
                   note: str = "") -> Action:
    """Move a carrier claim along filed → evidence → accepted / rejected → paid. Paid records the
    recovered amount (a ledger line in); paid or rejected ends the action (done)."""
    action, case = _lock_action(action_id)
    if action.kind != K.CARRIER_CLAIM:
        raise DomainError("not_a_claim", f"action {action.pk} is a {action.kind}")
    _require_executor(action, actor)
    if action.status != S.EXECUTING:
        raise DomainError("claim_not_filed", f"action {action.pk} is {action.status}; the claim is not running")
    if to not in ClaimStatus.values:
        raise InvalidInput("unknown_claim_status", f"claim status must be one of {', '.join(ClaimStatus.values)}",
                           field="to")
    if to not in CLAIM_TRANSITIONS[action.claim_status]:
        raise DomainError("illegal_claim_transition", f"a claim {action.claim_status} cannot become {to}")
    at = timezone.now()
    before = action.claim_status
    action.claim_status = to
    fields = ["claim_status", "updated_at"]
    if to == ClaimStatus.PAID:
        if recovered_amount is None or to_money(recovered_amount) <= 0:
            raise InvalidInput("recovered_amount_required", "a paid claim records the amount recovered",
                               field="recovered_amount")
        action.recovered_amount = to_money(recovered_amount)
        fields.append("recovered_amount")
    action.save(update_fields=fields)
    _timeline(case, actor, note or stored_text(_("Carrier claim #%(action)s: %(before)s → %(after)s"), action=action.pk,
                                               before=ClaimStatus(before).label, after=ClaimStatus(to).label),
              at=at, action=action,
              from_status=action.status, claim_from=before, claim_to=to, recovered=str(action.recovered_amount))
    if to in CLAIM_FINAL:
        finish(action, case, actor, at, confirmed_by="staff")
    return action


@write_transaction
def confirm_by_event(action_id: int, *, reference: str) -> Action:
    """A `refund.completed` / `shipment.created` of the merchant matches the action: it is done."""
    action, case = _lock_action(action_id)
    if action.status in (S.APPROVED, S.EXECUTING):
        finish(action, case, None, timezone.now(), confirmed_by="event", reference=reference)
    return action


@write_transaction
def confirm_by_callback(action_id: int, *, succeeded: bool, reference: str = "", reason: str = "") -> Action:
    """The merchant's system answered for the action through the signed callback."""
    action, case = _lock_action(action_id)
    if action.status not in (S.APPROVED, S.EXECUTING):
        return action  # a repeated callback changes nothing
    if succeeded:
        finish(action, case, None, timezone.now(), confirmed_by="callback", reference=reference)
    else:
        _move(action, case, S.FAILED, None, at=timezone.now(), reason=reason or _("The merchant's system refused it"))
    return action


@write_transaction
def note_reconciled(action_id: int, *, reference: str, at: datetime) -> None:
    """Reconciliation looked at this done action (and found its refund, when `reference` is given)."""
    action = Action.objects.select_for_update().get(pk=action_id)
    action.findings_checked_at = at
    fields = ["findings_checked_at", "updated_at"]
    if reference and not action.reference:
        action.reference = reference
        fields.append("reference")
    action.save(update_fields=fields)
