"""Read paths of the resolutions app: a case's actions and what it may still ask for, an order's ledger,
a case's net cost. One function per question, a fixed number of queries each."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from ordex.accounts.access import Principal
from ordex.cases.models import Case
from ordex.orders import queries as hub

from . import access, config
from .choices import CASH_OUT_KINDS, ActionKind, ActionStatus, Direction, LedgerKind
from .commitments import commitments_of, exposure_of, kinds_for_case
from .models import Action, LedgerLine
from .money import ZERO, to_money


def waiting_for(principal: Principal, *, limit: int = 100) -> list[Action]:
    """Actions waiting for this person, oldest first: requests of others they may approve, and approved or
    running actions of the kinds they carry out (finance: refunds and compensation of every team's cases)."""
    waiting = Q(pk__in=[])
    if config.may_approve(principal.role):
        waiting |= Q(status=ActionStatus.REQUESTED)
    kinds = [kind for kind in ActionKind.values if access.may_carry_out(principal, kind)]
    if kinds:
        waiting |= Q(status__in=[ActionStatus.APPROVED, ActionStatus.EXECUTING], kind__in=kinds)
    rows = Action.objects.filter(waiting).select_related("order", "case__type").order_by("created_at", "pk")
    return list(rows[:limit])


def approving(principal: Principal, exposure: dict[int, Decimal],
              limits: dict[str, Decimal | None] | None = None) -> access.Approving:
    """The caller's approval rights (whether their role approves, its per-case limit) beside what the cases
    commit (`exposure`: case id -> money): what `access.offered_verbs` weighs. `limits`: role -> per-case
    limit when the caller read them already."""
    if limits is None:
        limits = {row.role: row.per_case for row in config.limits()}
    return access.Approving(approves=principal.role in limits, limit=limits.get(principal.role, ZERO),
                            exposure=exposure)


@dataclass(frozen=True)
class Offer:
    kind: str
    label: str
    suggested_amount: Decimal | None
    source: str  # where the suggestion comes from ("" when computed from the order)


@dataclass(frozen=True)
class Panel:
    """What the actions panel of a case shows: the case's actions, the kinds its playbook allows with a
    suggested amount, the caller's limit and what the case and its order have committed already."""

    offers: list[Offer]
    my_limit: Decimal | None
    case_committed: Decimal
    order_paid: Decimal
    cash_left: Decimal
    limits: dict[str, Decimal | None] = field(default_factory=dict)
    approving: access.Approving | None = None  # the caller's approval rights over this case's actions
    actions: list[Action] = field(default_factory=list)  # the case's, oldest first


def panel(case: Case, principal: Principal, order=None) -> Panel:
    """A fixed number of queries, whatever the number of actions: the limits, the order's actions (the
    case's among them), the merchant's completed refunds, the shop's settings, the playbook's kinds and the
    platform's rules for them. `order`: the case's order when the caller read it already (with its shop)."""
    limits = {row.role: row.per_case for row in config.limits()}
    if order is None:
        order = hub.order_with_shop(case.order_id)
    if order is None:  # no order, no action (request_action refuses them)
        approval = approving(principal, {case.pk: ZERO}, limits)
        return Panel(offers=[], my_limit=approval.limit, case_committed=ZERO, order_paid=ZERO, cash_left=ZERO,
                     limits=limits, approving=approval)
    case.order = order
    order_actions = list(Action.objects.filter(order_id=order.pk).order_by("created_at", "pk"))
    case_actions = [action for action in order_actions if action.case_id == case.pk]
    for action in order_actions:
        action.order = order
    approval = approving(principal, {case.pk: exposure_of(case_actions)}, limits)
    held = commitments_of(order_actions, hub.completed_refunds_of(order.pk))
    cash_left = max(held.cash_capacity(order.paid_amount, config.commerce_settings(order.shop_id).postage_allowance),
                    ZERO)
    kinds = kinds_for_case(case)
    suggestions = config.suggestions(case, [kind for kind in kinds
                                            if kind in (ActionKind.COMPENSATION, ActionKind.COUPON)])
    offers = []
    for kind in kinds:
        amount, source = None, ""
        if kind in (ActionKind.REFUND, ActionKind.CANCEL):
            amount = cash_left
        elif kind in suggestions:
            suggestion = suggestions[kind]
            amount = min(suggestion.amount, cash_left) if kind in CASH_OUT_KINDS else suggestion.amount
            source = suggestion.source
        elif kind == ActionKind.PRICE_DIFFERENCE:
            amount = min(config.price_difference(hub.lines_of(order.pk)), cash_left)
        offers.append(Offer(kind=kind, label=str(ActionKind(kind).label), suggested_amount=amount, source=source))
    return Panel(offers=offers, my_limit=approval.limit, case_committed=approval.exposure[case.pk],
                 order_paid=order.paid_amount, cash_left=cash_left, limits=limits, approving=approval,
                 actions=case_actions)


def ledger_of_order(order_id: int) -> list[LedgerLine]:
    return list(LedgerLine.objects.filter(order_id=order_id).select_related("action").order_by("at", "pk"))


@dataclass(frozen=True)
class NetCost:
    refunds: Decimal
    compensation: Decimal
    coupons: Decimal
    price_differences: Decimal
    reship_goods: Decimal
    postage: Decimal
    carrier_claims_recovered: Decimal
    supplier_chargebacks: Decimal

    @property
    def total(self) -> Decimal:
        return (self.refunds + self.compensation + self.coupons + self.price_differences + self.reship_goods
                + self.postage - self.carrier_claims_recovered - self.supplier_chargebacks)


def net_cost_of(lines) -> NetCost:
    """What the case cost, from its ledger lines: money out minus money recovered."""
    sums: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        sums[(line.kind, line.direction)] = sums.get((line.kind, line.direction), ZERO) + line.amount

    def out(kind):
        return to_money(sums.get((kind, Direction.OUT), ZERO))

    def back(kind):
        return to_money(sums.get((kind, Direction.IN), ZERO))

    return NetCost(
        refunds=out(LedgerKind.REFUND), compensation=out(LedgerKind.COMPENSATION), coupons=out(LedgerKind.COUPON),
        price_differences=out(LedgerKind.PRICE_DIFFERENCE), reship_goods=out(LedgerKind.RESHIP_GOODS),
        postage=out(LedgerKind.POSTAGE), carrier_claims_recovered=back(LedgerKind.CARRIER_CLAIM),
        supplier_chargebacks=back(LedgerKind.CHARGEBACK),
    )


def net_cost(case_id: int) -> NetCost:
    return net_cost_of(LedgerLine.objects.filter(case_id=case_id).only("kind", "direction", "amount"))
