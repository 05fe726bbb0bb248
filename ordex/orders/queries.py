"""Read paths over the data hub: one function per question an agent asks while the customer waits.

Each function fetches everything its answer shows in a fixed number of queries (tests pin the counts),
so a page or API response never degrades into one query per row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Customer, Order, OrderLine, Refund, Shipment, Shop, TrackingEvent
from .phones import normalise_phone

HISTORY_DAYS = 30


def order_detail(order_no: str) -> Order | None:
    """The whole picture of one order: lines, money, parcels with their tracking timeline, requests."""
    shipments = Shipment.objects.select_related("warehouse").order_by("created_at", "pk").prefetch_related(
        "lines",
        Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk")),
    )
    return (
        Order.objects.select_related("shop", "customer", "warehouse")
        .prefetch_related(
            "lines",
            "payments",
            Prefetch("shipments", queryset=shipments),
            Prefetch("refunds", queryset=Refund.objects.order_by(Coalesce("requested_at", "status_at"), "pk")),
            "change_requests",
            "reports",
        )
        .filter(order_no=order_no)
        .first()
    )


@dataclass(frozen=True)
class Page:
    items: list
    count: int


def _order_list() -> QuerySet:
    return Order.objects.select_related("shop").prefetch_related("lines").order_by("-created_at", "-pk")


def find_orders(
    *,
    phone: str = "",
    words: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Page:
    """Orders matching what the customer tells the agent, newest first. Every given condition must hold.

    `phone`: the receiver's or the buyer's phone, exactly (after `normalise_phone`).
    `words`, `price_min`, `price_max`: one line of the order matches every word (in its name, its product's
    name or its SKU, any case) and has a unit price in the range. All on the same line, so "黑色 保温杯"
    does not match an order with a black pen and a white cup.
    """
    orders = _order_list()
    if phone:
        number = normalise_phone(phone)
        buyers = Customer.objects.filter(phone=number).values("pk")
        orders = orders.filter(Q(phone=number) | Q(customer__in=buyers))
    lines = Q()
    for word in words.split():
        lines &= Q(name__icontains=word) | Q(sku__icontains=word) | Q(product__name__icontains=word)
    if price_min is not None:
        lines &= Q(unit_price__gte=price_min)
    if price_max is not None:
        lines &= Q(unit_price__lte=price_max)
    if lines:
        orders = orders.filter(pk__in=OrderLine.objects.filter(lines).values("order_id"))
    return Page(items=list(orders[offset : offset + limit]), count=orders.count())


@dataclass(frozen=True)
class CustomerHistory:
    customer: Customer
    since: datetime
    orders: list


def customer_history(customer_id: int, *, as_of: datetime | None = None, days: int = HISTORY_DAYS) -> CustomerHistory | None:
    """A customer's orders created in the `days` before `as_of` (default now), newest first."""
    customer = Customer.objects.select_related("shop").filter(pk=customer_id).first()
    if customer is None:
        return None
    until = as_of or timezone.now()
    since = until - timedelta(days=days)
    orders = list(_order_list().filter(customer=customer, created_at__gte=since, created_at__lte=until))
    return CustomerHistory(customer=customer, since=since, orders=orders)


# --- for resolutions: the money and goods of one order, read under its lock ---------------------------


def order_for_update(order_id: int) -> Order:
    """The order row, locked until the end of the caller's transaction: whoever decides money for an
    order holds this lock, so two decisions on one order happen one after the other."""
    return Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order_id)


def lines_of(order_id: int) -> list[OrderLine]:
    """The order's lines with their products (for the goods' cost), by line number."""
    return list(OrderLine.objects.filter(order_id=order_id).select_related("product").order_by("line_no"))


def completed_refunds_of(order_id: int) -> list[Refund]:
    """Refunds the merchant reported completed for the order (`refund.completed`)."""
    return list(Refund.objects.filter(order_id=order_id, status="completed").order_by("completed_at", "pk"))


def refunds_completed_after(position: datetime, after_pk: int, limit: int) -> list[Refund]:
    """Completed refunds in (completed_at, pk) order after a cursor: how reconciliation reads new ones."""
    return list(
        Refund.objects.filter(status="completed", completed_at__isnull=False)
        .filter(Q(completed_at__gt=position) | Q(completed_at=position, pk__gt=after_pk))
        .select_related("order")
        .order_by("completed_at", "pk")[:limit]
    )


def shipments_of(order_id: int, since: datetime) -> list[Shipment]:
    """Parcels of the order created at or after `since`, with their lines."""
    return list(Shipment.objects.filter(order_id=order_id, created_at__gte=since).prefetch_related("lines")
                .order_by("created_at", "pk"))


def shop_by_code(code: str) -> Shop | None:
    return Shop.objects.filter(code=code).first()
