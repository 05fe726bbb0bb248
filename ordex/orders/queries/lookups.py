"""Orders as people look for them: one order's whole picture, search by what a customer says, a buyer's
history, whom to write to about an order (pages, the API, notify)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Customer, Order, OrderLine, Refund, Shipment, Shop, TrackingEvent
from ..phones import normalise_phone

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


@dataclass(frozen=True)
class CustomerContact:
    """What a message to the buyer of an order needs: who, where, and the latest parcel. Read by notify."""

    order_no: str
    shop_name: str
    customer_name: str
    phone: str
    email: str
    total: Decimal
    paid_amount: Decimal
    address: str
    shipped: bool
    carrier: str
    tracking_no: str


def customer_contact(order_id: int) -> CustomerContact | None:
    """Two queries: the order with its shop and customer, and its latest shipment."""
    order = Order.objects.select_related("shop", "customer").filter(pk=order_id).first()
    if order is None:
        return None
    shipment = (
        Shipment.objects.filter(order_id=order_id).order_by("-created_at", "-pk").values("carrier", "tracking_no").first()
        or {"carrier": "", "tracking_no": ""}
    )
    return CustomerContact(
        order_no=order.order_no,
        shop_name=order.shop.name or order.shop.code,
        customer_name=order.receiver_name or order.customer.name,
        phone=order.phone or order.customer.phone,
        email=order.customer.email,
        total=order.total,
        paid_amount=order.paid_amount,
        address=order.address_display,
        shipped=order.shipped_at is not None,
        carrier=shipment["carrier"],
        tracking_no=shipment["tracking_no"],
    )


def shop_by_code(code: str) -> Shop | None:
    return Shop.objects.filter(code=code).first()


def order_receivers(order_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The receiver's name and phone of each order (the queue's customer column), in one query."""
    return {pk: (name, phone) for pk, name, phone in
            Order.objects.filter(pk__in=order_ids).values_list("pk", "receiver_name", "phone")}


_PRICE = re.compile(r"^[¥￥]?(\d{1,9}(?:\.\d{1,2})?)元?$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s()（）-]{7,20}$")


def search_orders(text: str, *, limit: int = 20) -> Page:
    """What the search box finds for one line of text, newest first: the order with that number, the
    orders of a parcel's tracking number, the orders of a phone however it is spelled (138-0013-8000,
    +86 138 0013 8000), or else orders with a line matching every word and, when a price is among the
    words (59, ¥59.00), that unit price."""
    text = text.strip()
    if not text:
        return Page(items=[], count=0)
    exact = _order_list().filter(order_no=text)
    if exact.exists():
        return Page(items=list(exact), count=1)
    by_tracking = _order_list().filter(pk__in=Shipment.objects.filter(tracking_no=text).values("order_id"))
    if by_tracking.exists():
        items = list(by_tracking[:limit])
        return Page(items=items, count=len(items))
    if _PHONE_LIKE.match(text):
        return find_orders(phone=re.sub(r"[\s()（）-]", "", text), limit=limit)
    words, price = [], None
    for word in text.split():
        match = _PRICE.match(word)
        if match and price is None and not word.isalpha():
            price = Decimal(match.group(1))
        else:
            words.append(word)
    return find_orders(words=" ".join(words), price_min=price, price_max=price, limit=limit)


def shop_platforms(shop_ids) -> dict[int, str]:
    """shop id -> platform, for these shops."""
    return dict(Shop.objects.filter(pk__in=shop_ids).values_list("pk", "platform"))


def order_by_no(order_no: str) -> Order | None:
    """The order with this number (its row alone), or None."""
    return Order.objects.filter(order_no=order_no).first()
