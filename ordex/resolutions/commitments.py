"""What an order's and a case's live actions commit, read by the action functions under their locks and by
the read paths (queries.py, the workbench): cash out, units refunded or sent again, refunds the merchant made
outside Ordex, the money approval limits weigh, and the ledger's cash out."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from ordex.cases.models import Case
from ordex.orders import queries as hub

from . import config
from .choices import (
    CASH_OUT_KINDS,
    GOODS_KINDS,
    LIVE_STATUSES,
    MONEY_KINDS,
    ActionKind,
    Direction,
    LedgerKind,
)
from .models import Action, LedgerLine
from .money import ZERO, to_money

K = ActionKind


@dataclass
class Commitments:
    """Everything the live actions of an order hold, read under the order's lock."""

    cash: Decimal  # refunds, compensation, price differences, cancels' refunds
    refunded_units: dict[int, int]  # line_no -> units refunded
    reshipped_units: dict[int, int]  # line_no -> units sent again
    external_refunds: Decimal  # refunds the merchant completed that no action explains

    def cash_capacity(self, paid: Decimal, allowance: Decimal) -> Decimal:
        return paid + allowance - self.external_refunds - self.cash


def commitments_of(actions, completed_refunds) -> Commitments:
    """What the live ones of an order's `actions` hold, beside the refunds the merchant completed."""
    cash = ZERO
    refunded: dict[int, int] = {}
    reshipped: dict[int, int] = {}
    references = set()
    for action in actions:
        if action.status not in LIVE_STATUSES:
            continue
        if action.kind in CASH_OUT_KINDS:
            cash += action.amount
        if action.reference:
            references.add(action.reference)
        bucket = reshipped if action.kind in GOODS_KINDS else refunded if action.kind in (K.REFUND, K.CANCEL) else None
        if bucket is not None:
            for line in action.lines:
                bucket[line["line_no"]] = bucket.get(line["line_no"], 0) + line["qty"]
    external = sum(
        (refund.completed_amount or refund.amount or ZERO for refund in completed_refunds
         if refund.refund_no not in references),
        ZERO,
    )
    return Commitments(cash=cash, refunded_units=refunded, reshipped_units=reshipped, external_refunds=external)


def commitments(order_id: int, *, exclude_action_id: int | None = None) -> Commitments:
    rows = Action.objects.filter(order_id=order_id, status__in=sorted(LIVE_STATUSES)) \
        .only("status", "kind", "amount", "lines", "reference")
    if exclude_action_id is not None:
        rows = rows.exclude(pk=exclude_action_id)
    return commitments_of(rows, hub.completed_refunds_of(order_id))


def exposure_of(actions) -> Decimal:
    """Money (cash out and coupons) the live ones of a case's `actions` commit: what approval limits weigh."""
    return to_money(sum((action.amount for action in actions
                         if action.status in LIVE_STATUSES and action.kind in MONEY_KINDS), ZERO))


def case_exposures(case_ids) -> dict[int, Decimal]:
    """case id -> what its live actions commit (`exposure_of`), for several cases in one query."""
    by_case: dict[int, list[Action]] = {case_id: [] for case_id in case_ids}
    for action in Action.objects.filter(case_id__in=list(by_case), status__in=sorted(LIVE_STATUSES),
                                        kind__in=sorted(MONEY_KINDS)).only("case_id", "status", "kind", "amount"):
        by_case[action.case_id].append(action)
    return {case_id: exposure_of(actions) for case_id, actions in by_case.items()}


def case_exposure(case_id: int) -> Decimal:
    return case_exposures([case_id])[case_id]


def kinds_for_case(case: Case) -> list[str]:
    return config.kinds_for_resolutions(case.type.allowed_resolutions)


def ledger_cash_out(order_id: int) -> Decimal:
    total = LedgerLine.objects.filter(order_id=order_id, direction=Direction.OUT,
                                      kind__in=[LedgerKind.REFUND, LedgerKind.COMPENSATION,
                                                LedgerKind.PRICE_DIFFERENCE]).aggregate(total=Sum("amount"))["total"]
    return to_money(total or ZERO)
