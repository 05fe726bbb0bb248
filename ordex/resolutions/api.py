"""Actions on a case (request with an Idempotency-Key, list, approve, reject, done, failed, cancel, claim
progress), an order's ledger, and the signed callback of the merchant's system. Every refusal answers
with a stable `code` (docs/resolutions.md)."""

import json
import time
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from ninja import Header, Router, Schema, Status
from pydantic import Field

from ordex.cases.access import access_case
from ordex.cases.models import Case
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.orders import queries as hub

from . import actions, commitments, config, queries
from .access import access_action, require_requester
from .choices import CHARGEBACK_ROLES, ActionStatus
from .models import Action, CallbackReceipt
from .money import signature_matches, to_money

router = Router(tags=["resolutions"])

# A callback signed longer ago than this is refused (replays of old traffic).
CALLBACK_MAX_AGE_SECONDS = 300


# --- schemas ----------------------------------------------------------------------------------------


class LineIn(Schema):
    sku: str = Field(min_length=1)
    qty: int = Field(ge=1)
    line_no: int | None = None


class ActionIn(Schema):
    kind: str
    lines: list[LineIn] = []
    amount: str | None = Field(None, description="Decimal string, CNY; omitted: the suggested amount")
    reason: str = ""
    postage: str | None = Field(None, description="Postage of a reship or exchange, decimal string")
    override_reason: str = Field("", description="Supervisor only: allow a line already refunded or reshipped")
    details: dict = Field(default_factory=dict, description="coupon: expires_at; address_change: address; ...")


class ActionLineOut(Schema):
    line_no: int
    sku: str
    qty: int
    unit_price: str


class ActionOut(Schema):
    id: int
    case_id: int
    order_no: str
    kind: str
    status: str
    amount: str
    lines: list[ActionLineOut]
    reason: str
    details: dict
    idempotency_key: str
    adapter: str
    requested_by: str
    requested_at: datetime
    approved_by: str
    approved_at: datetime | None
    executing_at: datetime | None
    ended_at: datetime | None
    ended_by: str
    outcome_reason: str
    confirmed_by: str
    reference: str
    override_reason: str
    override_by: str
    goods_cost: str
    postage: str
    claim_status: str
    recovered_amount: str


class OfferOut(Schema):
    kind: str
    label: str
    suggested_amount: str | None
    source: str


class NetCostOut(Schema):
    refunds: str
    compensation: str
    coupons: str
    price_differences: str
    reship_goods: str
    postage: str
    carrier_claims_recovered: str
    supplier_chargebacks: str
    total: str


class CaseActionsOut(Schema):
    items: list[ActionOut]
    offered: list[OfferOut]
    my_limit: str | None = Field(description="Money this case may commit on your word alone (null: no limit)")
    limits: dict[str, str | None]
    case_committed: str
    order_paid: str
    cash_left: str
    net_cost: NetCostOut


class ReasonIn(Schema):
    reason: str = ""


class DoneIn(Schema):
    reference: str = Field("", description="The merchant's refund or shipment number")


class ClaimIn(Schema):
    to: str
    recovered_amount: str | None = None
    note: str = ""


class LedgerLineOut(Schema):
    id: int
    at: datetime
    kind: str
    direction: str
    amount: str
    case_id: int | None
    action_id: int | None
    idempotency_key: str
    actor: str
    note: str


class LedgerOut(Schema):
    order_no: str
    paid: str
    cash_out: str
    lines: list[LedgerLineOut]


class ChargebackIn(Schema):
    amount: str = Field(description="Decimal string, CNY")
    supplier: str = Field(description="Who pays it back")
    reference: str = Field("", description="The supplier's settlement or debit note number")


class CallbackIn(Schema):
    order_no: str
    idempotency_key: str
    status: str = Field(description="done | failed")
    reference: str = ""
    reason: str = ""


class CallbackOut(Schema):
    action_id: int
    status: str


# --- shaping ----------------------------------------------------------------------------------------


def _out(action: Action) -> dict:
    return {
        "id": action.pk, "case_id": action.case_id, "order_no": action.order.order_no, "kind": action.kind,
        "status": action.status, "amount": str(action.amount), "lines": action.lines, "reason": action.reason,
        "details": action.details, "idempotency_key": action.idempotency_key, "adapter": action.adapter,
        "requested_by": action.requested_by_name, "requested_at": action.created_at,
        "approved_by": action.approved_by_name, "approved_at": action.approved_at,
        "executing_at": action.executing_at, "ended_at": action.ended_at, "ended_by": action.ended_by_name,
        "outcome_reason": action.outcome_reason, "confirmed_by": action.confirmed_by, "reference": action.reference,
        "override_reason": action.override_reason, "override_by": action.override_by_name,
        "goods_cost": str(action.goods_cost), "postage": str(action.postage), "claim_status": action.claim_status,
        "recovered_amount": str(action.recovered_amount),
    }


def _money_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _amount(value: str | None, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_money(value)
    except (ValueError, TypeError):
        raise InvalidInput("invalid_amount", f"'{value}' is not an amount (a decimal string such as \"12.50\")",
                           field=field)


def _answer(action: Action) -> dict:
    """The action as the function that changed it returns it. Only an approved action can change after its
    transaction commits (the `webhook` adapter's request is sent then, and the sender marks it executing),
    so that one is read again."""
    if action.status == ActionStatus.APPROVED:
        action = Action.objects.select_related("order").get(pk=action.pk)
    return _out(action)


# --- endpoints --------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/actions", response={201: ActionOut}, summary="Ask for a refund, reship, ...")
def post_action(request, case_id: int, body: ActionIn,
                idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Within your per-case limit the action is approved at once and handed to the shop's adapter; above
    it, it waits for approval. Money kinds (refund, compensation, coupon, price_difference, cancel) need an
    `Idempotency-Key` header: the same key and body answer with the first result again; the same key
    with another body is 422 `idempotency_key_reused`. Refusals: 409 `exceeds_paid`,
    `line_already_refunded`, `line_already_reshipped`, `not_allowed_for_type`, `order_shipped`,
    `order_not_shipped`, `case_not_open`; 403 `override_not_allowed`; 422 `idempotency_key_required`,
    `unknown_kind`, `unknown_line`, `invalid_quantity`, `invalid_amount`, `amount_required`."""
    require_requester(request.auth, case_id)
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput("invalid_idempotency_key", "an Idempotency-Key has 1 to 200 characters",
                           field="Idempotency-Key")
    action_request = actions.ActionRequest(
        kind=body.kind,
        lines=tuple(actions.LineRequest(sku=line.sku, qty=line.qty, line_no=line.line_no) for line in body.lines),
        amount=_amount(body.amount, "amount"), reason=body.reason, postage=_amount(body.postage, "postage"),
        override_reason=body.override_reason, details=body.details,
    )
    result = actions.request_action(case_id, actor=request.auth, request=action_request,
                                    idempotency_key=idempotency_key)
    return Status(201, _answer(result.action))


@router.get("/cases/{case_id}/actions", response=CaseActionsOut, summary="A case's actions, what it may still ask for")
def get_actions(request, case_id: int):
    case = access_case(request.auth, case_id, Case.objects.select_related("type"))
    panel = queries.panel(case, request.auth)
    cost = queries.net_cost(case.pk)
    return {
        "items": [_out(action) for action in panel.actions],
        "offered": [{"kind": offer.kind, "label": offer.label, "suggested_amount": _money_or_none(offer.suggested_amount),
                     "source": offer.source} for offer in panel.offers],
        "my_limit": _money_or_none(panel.my_limit),
        "limits": {role: _money_or_none(limit) for role, limit in panel.limits.items()},
        "case_committed": str(panel.case_committed), "order_paid": str(panel.order_paid),
        "cash_left": str(panel.cash_left),
        "net_cost": {**{name: str(getattr(cost, name)) for name in NetCostOut.model_fields if name != "total"},
                     "total": str(cost.total)},
    }


@router.get("/actions/{action_id}", response=ActionOut, summary="One action")
def get_action(request, action_id: int):
    return _out(access_action(request.auth, action_id))


@router.post("/actions/{action_id}/approve", response=ActionOut, summary="Approve a waiting action")
def post_approve(request, action_id: int, body: ReasonIn | None = None):
    """403 `own_request` (you asked for it), `approval_limit_exceeded` (the case's money is above your
    limit), `forbidden` (your role does not approve); 409 when it is not waiting."""
    access_action(request.auth, action_id)
    return _answer(actions.approve_action(action_id, actor=request.auth, reason=body.reason if body else ""))


@router.post("/actions/{action_id}/reject", response=ActionOut, summary="Turn a waiting action down")
def post_reject(request, action_id: int, body: ReasonIn):
    access_action(request.auth, action_id)
    return _answer(actions.reject_action(action_id, actor=request.auth, reason=body.reason))


@router.post("/actions/{action_id}/cancel", response=ActionOut, summary="Withdraw an action not yet carried out")
def post_cancel(request, action_id: int, body: ReasonIn):
    action = access_action(request.auth, action_id)
    require_requester(request.auth, action.case_id)
    return _answer(actions.cancel_action(action_id, actor=request.auth, reason=body.reason))


@router.post("/actions/{action_id}/done", response=ActionOut, summary="It was carried out (writes the ledger)")
def post_done(request, action_id: int, body: DoneIn | None = None):
    """409 `needs_approval` while the action waits for approval."""
    access_action(request.auth, action_id)
    return _answer(actions.mark_done(action_id, actor=request.auth, reference=body.reference if body else ""))


@router.post("/actions/{action_id}/failed", response=ActionOut, summary="It could not be carried out")
def post_failed(request, action_id: int, body: ReasonIn):
    access_action(request.auth, action_id)
    return _answer(actions.mark_failed(action_id, actor=request.auth, reason=body.reason))


@router.post("/actions/{action_id}/claim", response=ActionOut, summary="Move a carrier claim along")
def post_claim(request, action_id: int, body: ClaimIn):
    """filed → evidence → accepted / rejected → paid (with `recovered_amount`)."""
    access_action(request.auth, action_id)
    return _answer(actions.progress_claim(action_id, actor=request.auth, to=body.to,
                                          recovered_amount=_amount(body.recovered_amount, "recovered_amount"),
                                          note=body.note))


def _ledger_line(line) -> dict:
    return {"id": line.pk, "at": line.at, "kind": line.kind, "direction": line.direction, "amount": str(line.amount),
            "case_id": line.case_id, "action_id": line.action_id, "idempotency_key": line.idempotency_key,
            "actor": line.actor_name, "note": line.note}


@router.post("/cases/{case_id}/chargebacks", response={201: LedgerLineOut},
             summary="Record money a supplier paid back for the case")
def post_chargeback(request, case_id: int, body: ChargebackIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Finance, supervisors and admins: one ledger line in (kind `chargeback`), which lowers the case's net
    cost. Needs an `Idempotency-Key`: the same key and body answer with the first line again; another body
    is 422 `idempotency_key_reused`. 422 `supplier_required`, `invalid_amount`; 403 `forbidden`.
    Finance records chargebacks of every department's cases; others only of cases they see."""
    if request.auth.role not in CHARGEBACK_ROLES:
        access_case(request.auth, case_id)
    recorded = actions.record_chargeback(case_id, actor=request.auth, amount=_amount(body.amount, "amount"),
                                         supplier=body.supplier, reference=body.reference,
                                         idempotency_key=idempotency_key or "")
    return Status(201, _ledger_line(recorded.line))


@router.get("/orders/{order_no}/ledger", response=LedgerOut, summary="Every money movement of an order")
def get_ledger(request, order_no: str):
    order = hub.order_by_no(order_no)
    if order is None:
        raise NotFound("order_not_found", f"order '{order_no}' does not exist")
    lines = queries.ledger_of_order(order.pk)
    return {
        "order_no": order.order_no, "paid": str(order.paid_amount),
        "cash_out": str(commitments.ledger_cash_out(order.pk)),
        "lines": [_ledger_line(line) for line in lines],
    }


@router.post("/integrations/commerce/{shop_code}/callback", auth=None, response=CallbackOut,
             tags=["integrations"], summary="The merchant's system answers for an action (signed)")
def post_callback(request, shop_code: str,
                  timestamp: str = Header("", alias="X-Ordex-Timestamp"),
                  signature: str = Header("", alias="X-Ordex-Signature")):
    """Signed like Ordex's own requests: `X-Ordex-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`
    with the shop's secret and `X-Ordex-Timestamp` in Unix seconds. 401 `bad_signature` / `stale_signature`
    (older than 5 minutes), 409 `replayed` (this signature was accepted before)."""
    shop = hub.shop_by_code(shop_code)
    settings_row = config.commerce_settings(shop.pk if shop else None)
    raw = request.body
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise DomainError("bad_signature", "X-Ordex-Timestamp must be Unix seconds")
    if shop is None or not settings_row.secret_salt or not signature_matches(
            config.shop_secret_for(settings_row), signed_at, raw, signature):
        raise DomainError("bad_signature", "the signature does not match")
    if abs(time.time() - signed_at) > CALLBACK_MAX_AGE_SECONDS:
        raise DomainError("stale_signature", "the timestamp is more than 5 minutes away")
    try:
        body = CallbackIn.model_validate(json.loads(raw))
    except ValueError as exc:
        raise InvalidInput("invalid", f"bad callback body: {exc}"[:300])
    action = Action.objects.filter(order__order_no=body.order_no, order__shop=shop,
                                   idempotency_key=body.idempotency_key).first()
    if action is None:
        raise NotFound("action_not_found", f"no action '{body.idempotency_key}' on order {body.order_no}")
    if body.status not in ("done", "failed"):
        raise InvalidInput("invalid_callback_status", "status is done or failed", field="status")
    try:
        with transaction.atomic():
            CallbackReceipt.objects.create(shop_code=shop_code, signature=signature.removeprefix("sha256=")[:64])
            actions.confirm_by_callback(action.pk, succeeded=body.status == "done", reference=body.reference,
                                        reason=body.reason)
    except IntegrityError:
        raise DomainError("replayed", "this callback was received before")
    action.refresh_from_db(fields=["status"])
    return {"action_id": action.pk, "status": action.status}
