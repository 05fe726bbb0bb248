"""The only functions that change actions and write the ledger. Each runs in one transaction (on SQLite
after its turn in the writers' line, `ordex.core.writers`), locks the case row and then the order row
(always in that order), re-checks every money rule under those locks, saves with `update_fields` and
writes the case's timeline entry in the same transaction. A retry whose answer is already committed (the
same key and request again, "done" again) is read without locks instead (`retries.py`).

`actor` is the `Principal` acting, or None for the system (a customer choice's default resolution, the
worker confirming a webhook). Refusals raise `DomainError` with a stable code (docs/resolutions.md);
nothing changes then.

Guarantees (each has a test):
- an idempotency key names one action per order: the same key and request give the first answer again,
  the same key with another request is refused (`idempotency_key_reused`);
- refunds + compensation + price differences (+ cancels' refunds) of an order, counting every action not
  failed or cancelled, never exceed what the order paid + the shop's postage allowance − refunds the
  merchant made outside Ordex (`exceeds_paid`);
- a unit of an order line is refunded or sent again at most once (`line_already_refunded`,
  `line_already_reshipped`) unless a supervisor overrides with a reason, which is recorded;
- money above the requester's per-case limit waits for someone whose limit covers it; nobody approves
  their own request;
- every money movement is one append-only ledger line, unique on (order, idempotency key).
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.cases.choices import OPEN_STATUSES as CASE_OPEN_STATUSES
from ordex.cases.choices import TimelineKind
from ordex.cases.hooks import ChoiceSettled
from ordex.cases.models import Case, TimelineEntry
from ordex.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from ordex.core.writers import write_transaction
from ordex.orders import queries as hub

from . import config, hooks, outbox, retries
from .choices import (
    ALWAYS_EXECUTORS,
    CASH_OUT_KINDS,
    CHARGEBACK_ROLES,
    CLAIM_FINAL,
    CLAIM_TRANSITIONS,
    EXECUTOR_ROLES,
    GOODS_KINDS,
    LEDGER_KIND_FOR,
    LIVE_STATUSES,
    MONEY_KINDS,
    OPEN_STATUSES,
    OVERRIDE_ROLES,
    TRANSITIONS,
    ActionKind,
    ActionStatus,
    Adapter,
    ClaimStatus,
    Direction,
    LedgerKind,
)
from .models import Action, CommerceSettings, LedgerLine
from .money import ZERO, request_fingerprint, to_money

K = ActionKind
S = ActionStatus

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


# --- helpers ----------------------------------------------------------------------------------------


def _user(actor: Principal | None):
    user = getattr(actor, "user", None)
    return user if getattr(user, "pk", None) else None


def _name(actor: Principal | None) -> str:
    return actor.name if actor is not None else "system"


def _lock_case(case_id: int) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("type").filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist")
    return case


def _lock_action(action_id: int) -> tuple[Action, Case]:
    """Case, order and action locked in the fixed order case → order → action."""
    case_id = Action.objects.filter(pk=action_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    case = _lock_case(case_id)
    action = Action.objects.select_for_update(of=("self",)).get(pk=action_id)
    action.order = hub.order_for_update(action.order_id)
    return action, case


def _timeline(case: Case, actor, message: str, *, at: datetime, action: Action, from_status: str, **data) -> None:
    TimelineEntry.objects.create(
        case=case, at=at, actor=_user(actor), actor_name=_name(actor), kind=TimelineKind.ACTION,
        from_status="", to_status="", message=message,
        data={"action_id": action.pk, "kind": action.kind, "from": from_status, "to": action.status,
              "amount": str(action.amount), **data},
    )


def _move(action: Action, case: Case, to: str, actor, *, at: datetime, reason: str = "",
          fields: list[str] | None = None, **data) -> None:
    """Apply one transition of the table (checked against the status read under the lock), save, write the
    timeline entry and tell the listeners."""
    from_status = action.status
    if to not in TRANSITIONS[from_status]:
        if from_status == S.REQUESTED and to in (S.EXECUTING, S.DONE, S.FAILED):
            raise DomainError("needs_approval", f"action {action.pk} waits for approval; it cannot be {to} yet")
        allowed = ", ".join(sorted(TRANSITIONS[from_status])) or "none"
        raise DomainError("illegal_action_transition",
                          f"action {action.pk} is {from_status}; it cannot become {to} (allowed: {allowed})")
    action.status = to
    fields = ["status", "updated_at", *(fields or [])]
    if to == S.APPROVED:
        action.approved_at, action.approved_by_name = at, _name(actor)
        fields += ["approved_at", "approved_by_name"]
    elif to == S.EXECUTING:
        action.executing_at = at
        fields.append("executing_at")
    elif to in (S.DONE, S.FAILED, S.CANCELLED):
        action.ended_at, action.ended_by_name = at, _name(actor)
        fields += ["ended_at", "ended_by_name"]
        if reason and to != S.DONE:
            action.outcome_reason = reason
            fields.append("outcome_reason")
    action.save(update_fields=fields)
    message = f"{action.get_kind_display()} #{action.pk}: {from_status} → {to}"
    _timeline(case, actor, f"{message}. {reason}" if reason else message, at=at, action=action,
              from_status=from_status, **data)
    hooks.action_changed(hooks.ActionChanged(
        action_id=action.pk, case_id=case.pk, order_no=action.order.order_no, kind=action.kind,
        from_status=from_status, to_status=to, amount=action.amount, at=at, actor_name=_name(actor), reason=reason,
    ))


# --- what an order has committed -------------------------------------------------------------------


@dataclass
class Commitments:
    """Everything the live actions of an order hold, read under the order's lock."""

    cash: Decimal  # refunds, compensation, price differences, cancels' refunds
    refunded_units: dict[int, int]  # line_no -> units refunded
    reshipped_units: dict[int, int]  # line_no -> units sent again
    external_refunds: Decimal  # refunds the merchant completed that no action explains

    def cash_capacity(self, paid: Decimal, allowance: Decimal) -> Decimal:
        return paid + allowance - self.external_refunds - self.cash


def commitments(order_id: int, *, exclude_action_id: int | None = None) -> Commitments:
    rows = Action.objects.filter(order_id=order_id, status__in=sorted(LIVE_STATUSES))
    if exclude_action_id is not None:
        rows = rows.exclude(pk=exclude_action_id)
    cash = ZERO
    refunded: dict[int, int] = {}
    reshipped: dict[int, int] = {}
    references = set()
    for kind, amount, lines, reference in rows.values_list("kind", "amount", "lines", "reference"):
        if kind in CASH_OUT_KINDS:
            cash += amount
        if reference:
            references.add(reference)
        bucket = reshipped if kind in GOODS_KINDS else refunded if kind in (K.REFUND, K.CANCEL) else None
        if bucket is not None:
            for line in lines:
                bucket[line["line_no"]] = bucket.get(line["line_no"], 0) + line["qty"]
    external = sum(
        (refund.completed_amount or refund.amount or ZERO for refund in hub.completed_refunds_of(order_id)
         if refund.refund_no not in references),
        ZERO,
    )
    return Commitments(cash=cash, refunded_units=refunded, reshipped_units=reshipped, external_refunds=external)


def case_exposure(case_id: int) -> Decimal:
    """Money (cash out and coupons) the live actions of a case commit: what approval limits weigh."""
    total = Action.objects.filter(case_id=case_id, status__in=sorted(LIVE_STATUSES), kind__in=sorted(MONEY_KINDS)) \
        .aggregate(total=Sum("amount"))["total"]
    return to_money(total or ZERO)


def kinds_for_case(case: Case) -> list[str]:
    return config.kinds_for_resolutions(case.type.allowed_resolutions)


# --- requesting -------------------------------------------------------------------------------------


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
        raise DomainError("exceeds_paid", f"{kind} of {amount} would take order {order.order_no} above what it paid: "
                          f"{max(capacity, ZERO)} left of {order.paid_amount} paid + {settings_row.postage_allowance} "
                          "postage allowance", field="amount")

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
    message = f"{action.get_kind_display()} #{action.pk} requested: {amount}"
    if request.reason:
        message += f" ({request.reason})"
    _timeline(case, actor, message, at=at, action=action, from_status="", lines=lines,
              **({"override_reason": action.override_reason, "overridden": overridden} if overridden else {}))
    hooks.action_changed(hooks.ActionChanged(
        action_id=action.pk, case_id=case.pk, order_no=order.order_no, kind=kind, from_status="",
        to_status=S.REQUESTED, amount=amount, at=at, actor_name=_name(actor), reason=request.reason,
    ))
    if _within_limit(actor, case.pk, kind):
        _move(action, case, S.APPROVED, actor, at=at, reason="within the requester's limit")
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


# --- deciding ---------------------------------------------------------------------------------------


def is_requester(action: Action, actor: Principal) -> bool:
    """Whether the actor asked for this action (nobody approves their own request)."""
    user = _user(actor)
    if user is not None and action.requested_by_id is not None:
        return user.pk == action.requested_by_id
    return action.requested_by_name == actor.name


@write_transaction
def approve_action(action_id: int, *, actor: Principal, reason: str = "") -> Action:
    """Approve a waiting action. The approver is not the requester and their limit covers the case's money
    (re-read under the lock); then the shop's adapter carries it out."""
    action, case = _lock_action(action_id)
    if action.status != S.REQUESTED:
        raise DomainError("illegal_action_transition", f"action {action.pk} is {action.status}, not requested")
    if is_requester(action, actor):
        raise Forbidden("own_request", "nobody approves their own request")
    limit = config.limit_for(actor.role)
    if not config.may_approve(actor.role):
        raise Forbidden("forbidden", f"role '{actor.role}' may not approve actions")
    exposure = case_exposure(case.pk)
    if action.kind in MONEY_KINDS and limit is not None and exposure > limit:
        raise Forbidden("approval_limit_exceeded",
                        f"case {case.pk} commits {exposure}; your limit as {actor.role} is {limit}")
    at = timezone.now()
    _move(action, case, S.APPROVED, actor, at=at, reason=reason)
    _start(action, case, actor, at)
    return action


@write_transaction
def reject_action(action_id: int, *, actor: Principal, reason: str) -> Action:
    """Turn a waiting request down (status cancelled, reason recorded)."""
    if not reason.strip():
        raise InvalidInput("reason_required", "rejecting an action needs a reason", field="reason")
    action, case = _lock_action(action_id)
    if not config.may_approve(actor.role):
        raise Forbidden("forbidden", f"role '{actor.role}' may not reject actions")
    if action.status != S.REQUESTED:
        raise DomainError("illegal_action_transition", f"action {action.pk} is {action.status}, not requested")
    _move(action, case, S.CANCELLED, actor, at=timezone.now(), reason=f"rejected: {reason}")
    return action


@write_transaction
def cancel_action(action_id: int, *, actor: Principal | None, reason: str) -> Action:
    """Withdraw an action not yet handed to the merchant (requested, or approved with its request unsent)."""
    action, case = _lock_action(action_id)
    if action.status == S.APPROVED and not outbox.withdraw(action):
        raise DomainError("already_sent", f"action {action.pk} was already sent to the merchant's system")
    _move(action, case, S.CANCELLED, actor, at=timezone.now(), reason=reason or "cancelled")
    return action


# --- carrying out -----------------------------------------------------------------------------------


def _start(action: Action, case: Case, actor, at: datetime) -> None:
    """Hand an approved action to whoever carries it out. A carrier claim is filed by our logistics staff;
    otherwise the shop's adapter decides: `ledger` puts it before the merchant's staff at once (executing),
    `webhook` writes the signed request to the outbox in this transaction; the worker sends it after
    commit and marks the action executing when the merchant accepted it."""
    if action.kind == K.CARRIER_CLAIM:
        action.claim_status = ClaimStatus.FILED
        _move(action, case, S.EXECUTING, actor, at=at, fields=["claim_status"], reason="claim filed with the carrier")
    elif action.adapter == Adapter.WEBHOOK:
        outbox.enqueue(action, at)
    else:
        _move(action, case, S.EXECUTING, actor, at=at, reason="recorded for the merchant's staff to carry out")


@write_transaction
def delivered(action_id: int) -> Action:
    """The merchant's system accepted the webhook request: the action is executing (unless its confirmation
    already arrived)."""
    action, case = _lock_action(action_id)
    if action.status == S.APPROVED:
        _move(action, case, S.EXECUTING, None, at=timezone.now(), reason="accepted by the merchant's system")
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


def ledger_cash_out(order_id: int) -> Decimal:
    total = LedgerLine.objects.filter(order_id=order_id, direction=Direction.OUT,
                                      kind__in=[LedgerKind.REFUND, LedgerKind.COMPENSATION,
                                                LedgerKind.PRICE_DIFFERENCE]).aggregate(total=Sum("amount"))["total"]
    return to_money(total or ZERO)


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
    _timeline(case, actor, note or f"carrier claim #{action.pk}: {before} → {to}", at=at, action=action,
              from_status=action.status, claim_from=before, claim_to=to, recovered=str(action.recovered_amount))
    if to in CLAIM_FINAL:
        finish(action, case, actor, at, confirmed_by="staff")
    return action


# --- money back from the supplier -------------------------------------------------------------------


@dataclass(frozen=True)
class Chargeback:
    line: LedgerLine
    created: bool  # False: this key and request were answered before; this is that first answer


@write_transaction
def record_chargeback(case_id: int, *, actor: Principal, amount: Decimal, supplier: str, reference: str = "",
                      idempotency_key: str) -> Chargeback:
    """Money the supplier paid back for the case (a quality fault charged to them): one ledger line in
    (kind chargeback), which lowers the case's net cost. Finance, supervisors and admins record it; the key
    makes a retry answer with the first line (another amount or supplier under the same key is refused).
    It is a record, not a remedy: the case may be open or already resolved."""
    if actor.role not in CHARGEBACK_ROLES:
        raise Forbidden("forbidden", f"role '{actor.role}' may not record supplier chargebacks")
    supplier = supplier.strip()
    if not supplier:
        raise InvalidInput("supplier_required", "a chargeback names the supplier who pays", field="supplier")
    if amount is None or to_money(amount) <= 0:
        raise InvalidInput("invalid_amount", "a chargeback is a positive amount", field="amount")
    if not idempotency_key:
        raise InvalidInput("idempotency_key_required", "a chargeback needs an Idempotency-Key",
                           field="Idempotency-Key")
    if len(idempotency_key) > 200:
        raise InvalidInput("invalid_idempotency_key", "an Idempotency-Key has 1 to 200 characters",
                           field="Idempotency-Key")
    amount = to_money(amount)
    case = _lock_case(case_id)
    if case.order_id is None:
        raise InvalidInput("order_required", f"case {case.pk} is not about an order", field="case")
    order = hub.order_for_update(case.order_id)
    key = f"chargeback:{idempotency_key}"
    note = f"supplier {supplier}" + (f", {reference.strip()}" if reference.strip() else "")
    existing = LedgerLine.objects.filter(order=order, idempotency_key=key).first()
    if existing is not None:
        if (existing.case_id, existing.amount, existing.note) != (case.pk, amount, note[:300]):
            raise InvalidInput("idempotency_key_reused", f"key '{idempotency_key}' was used for another chargeback",
                               field="Idempotency-Key")
        return Chargeback(line=existing, created=False)
    at = timezone.now()
    line = LedgerLine.objects.create(order=order, case=case, action=None, kind=LedgerKind.CHARGEBACK,
                                     direction=Direction.IN, amount=amount, idempotency_key=key, actor=_user(actor),
                                     actor_name=_name(actor), at=at, note=note[:300])
    TimelineEntry.objects.create(case=case, at=at, actor=_user(actor), actor_name=_name(actor),
                                 kind=TimelineKind.ACTION, message=f"supplier chargeback {amount}: {note}",
                                 data={"ledger_line_id": line.pk, "kind": LedgerKind.CHARGEBACK, "amount": str(amount),
                                       "supplier": supplier, "reference": reference.strip()})
    return Chargeback(line=line, created=True)


# --- hooks filled into cases ------------------------------------------------------------------------


def refuse_resolve_with_open_actions(case: Case) -> None:
    """Resolve guard: a case is not resolved while one of its actions is requested, approved or executing."""
    action = Action.objects.filter(case_id=case.pk, status__in=sorted(OPEN_STATUSES)).order_by("pk").first()
    if action is not None:
        raise DomainError("action_open", f"action #{action.pk} ({action.kind}) is still {action.status}",
                          field=f"actions.{action.pk}")


def action_for_settled_choice(event: ChoiceSettled) -> None:
    """A customer's choice (or the default when the deadline passed) creates the matching action, requested
    by whoever recorded the choice (the system for a default, so a person approves it). When the action
    cannot be derived or is refused (e.g. the order shipped), the case's timeline says so instead."""
    case = Case.objects.select_related("type").get(pk=event.case_id)
    kinds = config.kinds_for_resolutions([event.chosen])
    if not kinds or case.order_id is None:
        return
    kind = kinds[0]
    order_lines = hub.lines_of(case.order_id)
    request = ActionRequest(kind=kind, reason=f"customer choice: {event.chosen} ({event.source})")
    if kind in GOODS_KINDS:
        request = ActionRequest(kind=kind, reason=request.reason,
                                lines=tuple(LineRequest(sku=line.sku, qty=line.qty, line_no=line.line_no)
                                            for line in order_lines))
    elif kind in (K.COMPENSATION, K.COUPON):
        suggestion = config.suggestion(case, kind)
        if suggestion is None:
            _note(case, event, f"{kind} chosen: the agent sets the amount and requests it")
            return
        request = ActionRequest(kind=kind, reason=request.reason, amount=suggestion.amount,
                                details={"suggested_by": suggestion.source})
    elif kind == K.ADDRESS_CHANGE:
        _note(case, event, "address change chosen: the agent records the new address and requests it")
        return
    try:
        with transaction.atomic():
            request_action(case.pk, actor=event.actor, request=request, idempotency_key=f"choice:{event.choice_id}")
    except DomainError as refused:
        _note(case, event, f"no {kind} created ({refused.code}): {refused.message}")


def _note(case: Case, event: ChoiceSettled, message: str) -> None:
    TimelineEntry.objects.create(case=case, at=event.at, actor=_user(event.actor), actor_name=_name(event.actor),
                                 kind=TimelineKind.ACTION, message=message, data={"chosen": event.chosen})


# --- confirmations from the merchant's side ---------------------------------------------------------


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
        _move(action, case, S.FAILED, None, at=timezone.now(), reason=reason or "the merchant's system refused it")
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


@write_transaction
def issue_webhook_secret(shop_id: int | None) -> str:
    """A new webhook secret for the shop (or the default row): returned once, never stored; only a salt
    and the first characters are kept. The previous secret stops working."""
    row, _ = CommerceSettings.objects.select_for_update().get_or_create(shop_id=shop_id)
    row.secret_salt = secrets.token_hex(16)
    secret = config.shop_secret_for(row)
    row.secret_hint = secret[:8]
    row.save(update_fields=["secret_salt", "secret_hint"])
    return secret
