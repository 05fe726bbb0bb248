"""Read paths of the resolutions app: a case's actions and what it may still ask for, an order's ledger,
a case's net cost. One function per question, a fixed number of queries each."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from ordex.accounts.access import Principal
from ordex.cases.models import Case
from ordex.orders import queries as hub

from . import access, config
from .actions import case_exposure, commitments, kinds_for_case
from .choices import CASH_OUT_KINDS, ActionKind, ActionStatus, Direction, LedgerKind
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


def approver_roles() -> frozenset[str]:
    return frozenset(row.role for row in config.limits())


def actions_of_case(case_id: int) -> list[Action]:
    return list(Action.objects.filter(case_id=case_id).select_related("order").order_by("created_at", "pk"))


@dataclass(frozen=True)
class Offer:
    kind: str
    label: str
    suggested_amount: Decimal | None
    source: str  # where the suggestion comes from ("" when computed from the order)


@dataclass(frozen=True)
class Panel:
    """What the actions panel of a case shows: the kinds its playbook allows with a suggested amount,
    the caller's limit and what the case and its order have committed already."""

    offers: list[Offer]
    my_limit: Decimal | None
    case_committed: Decimal
    order_paid: Decimal
    cash_left: Decimal
    limits: dict[str, Decimal | None] = field(default_factory=dict)


def panel(case: Case, principal: Principal) -> Panel:
    order = hub.order_with_shop(case.order_id)
    limits = {row.role: row.per_case for row in config.limits()}
    if order is None:
        return Panel(offers=[], my_limit=config.limit_for(principal.role), case_committed=ZERO, order_paid=ZERO,
                     cash_left=ZERO, limits=limits)
    case.order = order
    held = commitments(order.pk)
    cash_left = max(held.cash_capacity(order.paid_amount, config.commerce_settings(order.shop_id).postage_allowance),
                    ZERO)
    offers = []
    for kind in kinds_for_case(case):
        amount, source = None, ""
        if kind in (ActionKind.REFUND, ActionKind.CANCEL):
            amount = cash_left
        elif kind in (ActionKind.COMPENSATION, ActionKind.COUPON):
            suggestion = config.suggestion(case, kind)
            if suggestion is not None:
                amount, source = min(suggestion.amount, cash_left) if kind in CASH_OUT_KINDS else suggestion.amount, \
                    suggestion.source
        elif kind == ActionKind.PRICE_DIFFERENCE:
            amount = min(config.price_difference(hub.lines_of(order.pk)), cash_left)
        offers.append(Offer(kind=kind, label=str(ActionKind(kind).label), suggested_amount=amount, source=source))
    return Panel(offers=offers, my_limit=config.limit_for(principal.role), case_committed=case_exposure(case.pk),
                 order_paid=order.paid_amount, cash_left=cash_left, limits=limits)


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


def net_cost(case_id: int) -> NetCost:
    """What the case cost, from its ledger lines: money out minus money recovered."""
    sums = {(kind, direction): to_money(total) for kind, direction, total in
            LedgerLine.objects.filter(case_id=case_id).values_list("kind", "direction").annotate(total=Sum("amount"))
            .values_list("kind", "direction", "total")}

    def out(kind):
        return sums.get((kind, Direction.OUT), ZERO)

    def back(kind):
        return sums.get((kind, Direction.IN), ZERO)

    return NetCost(
        refunds=out(LedgerKind.REFUND), compensation=out(LedgerKind.COMPENSATION), coupons=out(LedgerKind.COUPON),
        price_differences=out(LedgerKind.PRICE_DIFFERENCE), reship_goods=out(LedgerKind.RESHIP_GOODS),
        postage=out(LedgerKind.POSTAGE), carrier_claims_recovered=back(LedgerKind.CARRIER_CLAIM),
        supplier_chargebacks=back(LedgerKind.CHARGEBACK),
    )

