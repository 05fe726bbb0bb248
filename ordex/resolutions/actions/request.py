"""Asking for an action: the request types, the money and line checks under the case's and the order's
locks, and the approval at once when the requester's limit covers the case's money."""

import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.cases.choices import OPEN_STATUSES as CASE_OPEN_STATUSES
from ordex.cases.models import Case
from ordex.core.errors import DomainError, Forbidden, InvalidInput
from ordex.core.text import shown_text, stored_text
from ordex.core.writers import write_transaction
from ordex.orders import queries as hub

from .. import config, hooks, retries
from ..choices import CASH_OUT_KINDS, GOODS_KINDS, MONEY_KINDS, OVERRIDE_ROLES
from ..commitments import Commitments, case_exposure, commitments, kinds_for_case
from ..models import Action
from ..money import ZERO, request_fingerprint, to_money
from .common import K, S, _lock_case, _move, _name, _timeline, _user
from .execution import _start

# Exception types whose paid orders are never cancelled by the system: the contract is formed, the
# merchant has to agree a remedy with the customer (a price error is flagged for negotiation).
NO_AUTOMATIC_CANCEL_WHEN_PAID = frozenset({"price_error"})


@dataclass(frozen=True)
class LineRequest:
    sku: str
    qty: int
    line_no: int | None = None


@dataclass(frozen=True)
class ActionRequest:
    """What a person (or the system) asks for. `amount` None: the suggested amount for the kind."""

    kind: str
    lines: tuple[LineRequest, ...] = ()
    amount: Decimal | None = None
    reason: str = ""
    postage: Decimal | None = None
    override_reason: str = ""
    details: dict = field(default_factory=dict)

    def fingerprint(self, case_id: int) -> str:
        return request_fingerprint({
            "case": case_id, "kind": self.kind, "amount": None if self.amount is None else str(to_money(self.amount)),
            "lines": sorted((line.sku, line.qty, line.line_no or 0) for line in self.lines),
            "reason": self.reason, "postage": None if self.postage is None else str(to_money(self.postage)),
            "override_reason": self.override_reason, "details": self.details,
        })


@dataclass(frozen=True)
class Requested:
    action: Action
    created: bool  # False: this key and request were answered before; this is that first answer


def _resolve_lines(order_lines, wanted: tuple[LineRequest, ...]) -> list[dict]:
    by_no = {line.line_no: line for line in order_lines}
    resolved: dict[int, dict] = {}
    for index, item in enumerate(wanted):
        if item.line_no is not None:
            line = by_no.get(item.line_no)
            if line is not None and line.sku != item.sku:
                line = None
        else:
            line = next((candidate for candidate in order_lines if candidate.sku == item.sku), None)
        if line is None:
            raise InvalidInput("unknown_line", f"the order has no line with SKU '{item.sku}'", field=f"lines.{index}.sku")
        if item.qty < 1 or resolved.get(line.line_no, {}).get("qty", 0) + item.qty > line.qty:
            raise InvalidInput("invalid_quantity", f"SKU '{item.sku}': between 1 and {line.qty} units",
                               field=f"lines.{index}.qty")
        entry = resolved.setdefault(line.line_no, {"line_no": line.line_no, "sku": line.sku, "qty": 0,
                                                   "unit_price": str(line.unit_price)})
        entry["qty"] += item.qty
    return list(resolved.values())


def _check_lines(kind: str, lines: list[dict], order_lines, held: Commitments, override: bool) -> list[dict]:
    """Refuse a unit already refunded or sent again, unless overridden; returns the conflicts overridden."""
    ordered = {line.line_no: line.qty for line in order_lines}
    conflicts = []
    for line in lines:
        refunded = held.refunded_units.get(line["line_no"], 0)
        reshipped = held.reshipped_units.get(line["line_no"], 0)
        if refunded + reshipped + line["qty"] <= ordered[line["line_no"]]:
            continue
        if kind in GOODS_KINDS:
            code = "line_already_reshipped" if reshipped else "line_already_refunded"
        else:
            code = "line_already_refunded" if refunded else "line_already_reshipped"
        conflicts.append({"sku": line["sku"], "line_no": line["line_no"], "code": code,
                          "refunded": refunded, "reshipped": reshipped})
    if conflicts and not override:
        first = conflicts[0]
        detail = (f"SKU '{first['sku']}': {first['refunded']} refunded, {first['reshipped']} sent again; "
                  "a supervisor may override with a reason")
        if first["code"] == "line_already_refunded":
            raise DomainError("line_already_refunded", f"already refunded: {detail}", field="lines")
        raise DomainError("line_already_reshipped", f"already sent again: {detail}", field="lines")
    return conflicts


def _lines_amount(lines: list[dict]) -> Decimal:
    return to_money(sum((Decimal(line["unit_price"]) * line["qty"] for line in lines), ZERO))


def _amount_for(kind: str, request: ActionRequest, order, order_lines, lines, capacity: Decimal) -> Decimal:
    """The amount the request asks for, or the kind's suggestion when it gives none."""
    if request.amount is not None:
        amount = to_money(request.amount)
        if amount < 0 or (amount == 0 and kind in MONEY_KINDS - {K.CANCEL}):
            raise InvalidInput("invalid_amount", "the amount must be greater than zero", field="amount")
        return amount
    if kind == K.REFUND:
        amount = _lines_amount(lines) if lines else max(capacity, ZERO)
    elif kind == K.CANCEL:
        amount = max(min(order.paid_amount, capacity), ZERO)
    elif kind == K.PRICE_DIFFERENCE:
        chosen = {line["line_no"]: line["qty"] for line in lines} if lines else None
        amount = config.price_difference(order_lines, chosen)
    elif kind == K.CARRIER_CLAIM:
        amount = _lines_amount(lines) if lines else order.paid_amount
    elif kind in (K.COMPENSATION, K.COUPON):
        raise InvalidInput("amount_required", f"a {kind} needs an amount", field="amount")
    else:
        amount = ZERO
    if amount <= 0 and kind in MONEY_KINDS - {K.CANCEL}:
        raise DomainError("nothing_to_pay", f"there is no amount to pay for this {kind}", field="amount")
    return amount


def _check_order_state(kind: str, order, case: Case, actor, request: ActionRequest) -> None:
    if kind == K.CANCEL:
        if order.shipped_at is not None:
            raise DomainError("order_shipped", f"order {order.order_no} has shipped; intercept the parcel or "
                              "arrange a return instead", field="kind")
        if actor is None and order.paid_amount > 0 and case.type.code in NO_AUTOMATIC_CANCEL_WHEN_PAID:
            raise DomainError("paid_order_not_cancelled_automatically",
                              f"order {order.order_no} is paid: agree the remedy with the customer first")
    if kind == K.INTERCEPT and order.shipped_at is None:
        raise DomainError("order_not_shipped", f"order {order.order_no} has not shipped; nothing to intercept")
    if kind == K.ADDRESS_CHANGE and not str(request.details.get("address", "")).strip():
        raise InvalidInput("address_required", "an address change needs the new address", field="details.address")
    if kind in GOODS_KINDS and not request.lines:
        raise InvalidInput("lines_required", f"a {kind} names the lines it sends", field="lines")


def request_action(case_id: int, *, actor: Principal | None, request: ActionRequest,
                   idempotency_key: str | None = None) -> Requested:
    """Ask for an action on the case's order. Within the requester's per-case limit it is approved at once
    (and handed to the shop's adapter); above it, it waits for approval. Money kinds need an idempotency
    key; the same key and request return the first answer (read without locks once it is committed)."""
    kind = request.kind
    if kind not in K.values:
        raise InvalidInput("unknown_kind", f"unknown action kind '{kind}' (known: {', '.join(K.values)})", field="kind")
    if kind in MONEY_KINDS and not idempotency_key:
        raise InvalidInput("idempotency_key_required", f"a {kind} needs an Idempotency-Key header",
                           field="Idempotency-Key")
    if idempotency_key:
        earlier = retries.answered_request(case_id, idempotency_key, request.fingerprint(case_id))
        if earlier is not None:
            return Requested(action=earlier, created=False)
    return request_action_locked(case_id, actor=actor, request=request,
                                 key=idempotency_key or f"auto:{uuid.uuid4().hex}")


@write_transaction
def request_action_locked(case_id: int, *, actor: Principal | None, request: ActionRequest, key: str) -> Requested:
    """request_action's decision under the case's and the order's locks (every retry used to come this way)."""
    kind = request.kind
    case = _lock_case(case_id)
    if case.order_id is None:
        raise InvalidInput("order_required", f"case {case.pk} is not about an order", field="case")
    order = hub.order_for_update(case.order_id)
    fingerprint = request.fingerprint(case.pk)
    existing = Action.objects.filter(order=order, idempotency_key=key).first()
    if existing is not None:
        existing.order = order
        return Requested(action=retries.earlier_answer(existing, fingerprint, key), created=False)
    if case.status not in CASE_OPEN_STATUSES:
        raise DomainError("case_not_open", f"case {case.pk} is {case.status}")
    if kind not in kinds_for_case(case):
        raise DomainError("not_allowed_for_type", f"{case.type.code} cases do not allow a {kind} "
                          f"(allowed: {', '.join(kinds_for_case(case)) or 'none'})", field="kind")
    if request.override_reason.strip() and (actor is None or actor.role not in OVERRIDE_ROLES):
        raise Forbidden("override_not_allowed", "only a supervisor may override the line checks")
    _check_order_state(kind, order, case, actor, request)

    settings_row = config.commerce_settings(order.shop_id)
    order_lines = hub.lines_of(order.pk)
    lines = _resolve_lines(order_lines, request.lines)
    held = commitments(order.pk)
    if kind == K.CANCEL:  # every unit not refunded or sent again already
        lines = [{"line_no": line.line_no, "sku": line.sku, "unit_price": str(line.unit_price),
                  "qty": line.qty - held.refunded_units.get(line.line_no, 0) - held.reshipped_units.get(line.line_no, 0)}
                 for line in order_lines]
        lines = [line for line in lines if line["qty"] > 0]
    capacity = held.cash_capacity(order.paid_amount, settings_row.postage_allowance)
    amount = _amount_for(kind, request, order, order_lines, lines, capacity)
    overridden = []
    if kind in GOODS_KINDS or kind == K.REFUND:
        overridden = _check_lines(kind, lines, order_lines, held, bool(request.override_reason.strip()))
    if kind in CASH_OUT_KINDS and amount > capacity:
        raise DomainError("exceeds_paid", shown_text(
            _("%(kind)s of %(amount)s would take order %(order)s above what it paid: %(left)s left of %(paid)s "
              "paid + %(allowance)s postage allowance."),
            kind=K(kind).label, amount=f"¥{amount}", order=order.order_no, left=f"¥{max(capacity, ZERO)}",
            paid=f"¥{order.paid_amount}", allowance=f"¥{settings_row.postage_allowance}"), field="amount")

    at = timezone.now()
    details = dict(request.details)
    if kind == K.COUPON:
        details.setdefault("code", "ODX-" + secrets.token_hex(4).upper())
    if kind == K.ADDRESS_CHANGE:
        details["redirect"] = order.shipped_at is not None  # after shipping: intercept and redirect
    by_line = {line.line_no: line for line in order_lines}
    goods_cost = to_money(sum(((by_line[line["line_no"]].product.cost or ZERO) * line["qty"] for line in lines), ZERO)) \
        if kind in GOODS_KINDS else ZERO
    action = Action.objects.create(
        case=case, order=order, kind=kind, amount=amount, lines=lines, reason=request.reason, details=details,
        idempotency_key=key, request_hash=fingerprint, adapter=settings_row.adapter,
        requested_by=_user(actor), requested_by_name=_name(actor), requested_role=actor.role if actor else "",
        created_at=at, goods_cost=goods_cost,
        postage=to_money(request.postage) if request.postage is not None and kind in GOODS_KINDS else ZERO,
        override_reason=request.override_reason.strip() if overridden else "",
        override_by_name=_name(actor) if overridden else "",
    )
    message = stored_text(_("%(kind)s #%(action)s requested: %(amount)s"), kind=K(kind).label, action=action.pk,
                          amount=f"¥{amount}")
    if request.reason:
        message = stored_text(_("%(kind)s #%(action)s requested: %(amount)s (%(reason)s)"), kind=K(kind).label,
                              action=action.pk, amount=f"¥{amount}", reason=request.reason)
    _timeline(case, actor, message, at=at, action=action, from_status="", lines=lines,
              **({"override_reason": action.override_reason, "overridden": overridden} if overridden else {}))
    hooks.action_changed(hooks.ActionChanged(
        action_id=action.pk, case_id=case.pk, order_no=order.order_no, kind=kind, from_status="",
        to_status=S.REQUESTED, amount=amount, at=at, actor_name=_name(actor), reason=request.reason,
    ))
    if _within_limit(actor, case.pk, kind):
        _move(action, case, S.APPROVED, actor, at=at, reason=_("Within the requester's limit"))
        _start(action, case, actor, at)
    return Requested(action=action, created=True)


def _within_limit(actor: Principal | None, case_id: int, kind: str) -> bool:
    """The requester's own word is enough: no money, or the case's money within their limit. The system's
    requests (a default resolution) always wait for a person."""
    if actor is None:
        return False
    if kind not in MONEY_KINDS:
        return True
    limit = config.limit_for(actor.role)
    return limit is None or case_exposure(case_id) <= limit
