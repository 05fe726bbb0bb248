"""Reading the app's configuration rows (limits, the resolution → kind map, platform rules, each shop's
commerce settings) and the suggestions derived from them. Read-only."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from .models import ApprovalLimit, CommerceSettings, PlatformRule, ResolutionKind
from .money import ZERO, derived_secret, percent_of, to_money


def kinds_for_resolutions(resolutions: Iterable[str]) -> list[str]:
    """The action kinds the resolutions mean, in the order of the resolutions (then of each mapping)."""
    resolutions = list(resolutions)
    rows = ResolutionKind.objects.filter(resolution__in=resolutions).values_list("resolution", "kind", "position")
    ranked = sorted(rows, key=lambda row: (resolutions.index(row[0]), row[2]))
    kinds: list[str] = []
    for _, kind, _ in ranked:
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def limit_for(role: str) -> Decimal | None:
    """The most money a case may commit on this role's word: None is no limit; a role without a row has
    none of its own (everything it asks for waits for approval)."""
    row = ApprovalLimit.objects.filter(role=role).values_list("per_case", flat=True)
    return row[0] if row else ZERO


def may_approve(role: str) -> bool:
    return ApprovalLimit.objects.filter(role=role).exists()


def limits() -> list[ApprovalLimit]:
    return list(ApprovalLimit.objects.all())


def commerce_settings(shop_id: int | None) -> CommerceSettings:
    """The shop's own row, else the default row, else the built-in defaults (ledger, no allowance). One query."""
    rows = {row.shop_id: row for row in CommerceSettings.objects.filter(Q(shop_id=shop_id) | Q(shop__isnull=True))}
    return rows.get(shop_id) or rows.get(None) or CommerceSettings()


@dataclass(frozen=True)
class Suggestion:
    kind: str
    amount: Decimal
    source: str


def suggestions(case, kinds: Iterable[str]) -> dict[str, Suggestion]:
    """kind -> the platform's rule for that kind of remedy on this type of case, as an amount with its source
    (kinds without a rule are absent). One query."""
    order, kinds = case.order, list(kinds)
    if order is None or not kinds:
        return {}
    platform = order.platform if order.platform != "other" else order.shop.platform
    base = order.paid_amount or order.total
    return {rule.kind: Suggestion(kind=rule.kind, amount=percent_of(base, rule.percent, rule.minimum, rule.maximum),
                                  source=rule.source)
            for rule in PlatformRule.objects.filter(platform=platform, exception_type=case.type.code, kind__in=kinds)}


def suggestion(case, kind: str) -> Suggestion | None:
    return suggestions(case, [kind]).get(kind)


def price_difference(order_lines, qty_by_line: dict[int, int] | None = None) -> Decimal:
    """Paid minus correct price over the lines (list price as the correct one), only where the customer
    paid too much; `qty_by_line` limits it to some units."""
    total = ZERO
    for line in order_lines:
        if line.list_price is None or line.unit_price <= line.list_price:
            continue
        qty = line.qty if qty_by_line is None else qty_by_line.get(line.line_no, 0)
        total += (line.unit_price - line.list_price) * qty
    return to_money(total)



def shop_secret_for(row: CommerceSettings) -> str:
    """The webhook secret of a settings row (derived from the server's key, the shop and the row's salt)."""
    code = row.shop.code if row.shop_id else "default"
    return derived_secret(settings.SECRET_KEY, code, row.secret_salt)
