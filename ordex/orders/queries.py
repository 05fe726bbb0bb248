"""Read paths over the data hub: the one place other apps (detection, cases, the API) read it from.

Each function answers one question and fetches everything its answer shows in a fixed number of queries
(tests pin the counts), so a page or API response never degrades into one query per row. Reads on the
ingest hot path (detection's per-chunk look-ups, the events waiting for an order) use raw SQL or
`core.bulk` where the ORM's per-row cost shows at import rates."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ordex.core.bulk import fast_load, rows_where_in

from .history import Timeline, price_timelines, stock_timelines
from .models import (
    Customer,
    Order,
    OrderLine,
    PendingEvent,
    Product,
    Refund,
    Shipment,
    ShipmentLine,
    Shop,
    Stock,
    TrackingEvent,
)
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


def orders_by_id(order_ids) -> dict[int, Order]:
    """id -> order, for these orders (one read)."""
    return Order.objects.in_bulk(set(order_ids)) if order_ids else {}


def lines_by_order(order_ids) -> dict[int, list[OrderLine]]:
    """order id -> its lines, by line number, for these orders (one read)."""
    found = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=set(order_ids)).order_by("order_id", "line_no"):
        found[line.order_id].append(line)
    return found


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


def waiting_since(moment: datetime) -> QuerySet:
    """Events that have waited (for their order or parcel) since `moment` or longer: key, time, type, data."""
    return PendingEvent.objects.filter(occurred_at__lte=moment).only(
        "waiting_key", "occurred_at", "type", "event_id", "data")


def keys_still_waiting(keys: set[str]) -> set[str]:
    """Which of these waiting keys (`order:<no>`, `tracking:<carrier>:<no>`) still have events waiting."""
    return set(PendingEvent.objects.filter(waiting_key__in=keys).values_list("waiting_key", flat=True))


def targets_present(keys: set[str]) -> set[str]:
    """Which of these waiting keys name an order or parcel that is in the hub after all."""
    order_nos = {key.partition(":")[2] for key in keys if key.startswith("order:")}
    tracking = {tuple(key.split(":", 2)[1:]) for key in keys if key.startswith("tracking:")}
    present = {f"order:{no}" for no in Order.objects.filter(order_no__in=order_nos).values_list("order_no", flat=True)}
    rows = Shipment.objects.filter(tracking_no__in={no for _, no in tracking}).values_list("carrier", "tracking_no")
    return present | {f"tracking:{carrier}:{no}" for carrier, no in rows if (carrier, no) in tracking}


def shop_platforms(shop_ids) -> dict[int, str]:
    """shop id -> platform, for these shops."""
    return dict(Shop.objects.filter(pk__in=shop_ids).values_list("pk", "platform"))


def waiting_events(keys: set[str]) -> list[PendingEvent]:
    """The events waiting for any of these keys (`orders.apply.released_keys`), oldest first (occurred_at,
    then arrival). Every chunk that creates an order or a parcel asks, and most find nothing: a raw read."""
    if not keys:
        return []
    return sorted(fast_load(PendingEvent, "waiting_key", keys), key=lambda p: (p.occurred_at, p.pk))


# ---- reads for detection (raw SQL where a chunk's size makes the ORM's per-value cost show) ----------


def shipped_and_ordered(order_ids):
    """order id -> {sku: qty} shipped (all its parcels) and ordered, for these orders (plain SQL: a chunk
    asks for hundreds of orders, and the ORM's cost per value of an IN list shows at import rates)."""
    shipped, ordered = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    order_ids = sorted(set(order_ids))
    qn = connection.ops.quote_name
    lines, parcels = qn(ShipmentLine._meta.db_table), qn(Shipment._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(order_ids), 500):
            part = order_ids[start:start + 500]
            cursor.execute(f"SELECT p.order_id, l.sku, l.qty FROM {lines} l JOIN {parcels} p ON p.id = l.shipment_id "
                           f"WHERE p.order_id IN ({', '.join(['%s'] * len(part))})", part)
            for order_id, sku, qty in cursor.fetchall():
                shipped[order_id][sku] += qty
    for order_id, sku, qty in rows_where_in(OrderLine, "order", order_ids, ["order", "sku", "qty"]):
        ordered[order_id][sku] += qty
    return shipped, ordered


def stock_snapshot(skus) -> tuple[dict, dict]:
    """sku -> {warehouse_id: (warehouse code, available, snapshot time)}, and sku -> latest snapshot time."""
    stock, updated = defaultdict(dict), {}
    if not skus:
        return stock, updated
    rows = Stock.objects.filter(product__sku__in=skus).values_list(
        "product__sku", "warehouse_id", "warehouse__code", "on_hand", "reserved", "updated_at")
    for sku, wh, code, on_hand, reserved, at in rows:
        stock[sku][wh] = (code, on_hand - reserved, at)
        if sku not in updated or at > updated[sku]:
            updated[sku] = at
    return stock, updated


# ---- prices and stock as of a moment (orders/history.py) --------------------------------------------------

def _product_ids(skus) -> dict[str, int]:
    return dict(rows_where_in(Product, "sku", set(skus), ["sku", "id"])) if skus else {}


def prices_as_of(moments: dict[str, list[datetime]]) -> dict[str, Timeline]:
    """sku -> its price lists (`PriceHistory`) from the one valid at the earliest of its moments on: the list
    price and cost valid at each moment (`Timeline.at`, `Timeline.latest_given`). Two statements whatever the SKUs."""
    ids = _product_ids(moments)
    found = price_timelines({ids[sku]: times for sku, times in moments.items() if sku in ids})
    empty = Timeline(())
    return {sku: found.get(ids.get(sku), empty) for sku in moments}


def stock_as_of(moments: dict[tuple[str, int], list[datetime]]) -> dict[tuple[str, int], Timeline]:
    """(sku, warehouse id) -> its stock snapshots (`StockHistory`) from the one valid at the earliest of its
    moments to the newest: what was available at each moment, and when a later snapshot restocked it."""
    ids = _product_ids({sku for sku, _ in moments})
    found = stock_timelines({(ids[sku], wh): times for (sku, wh), times in moments.items() if sku in ids})
    empty = Timeline(())
    return {(sku, wh): found.get((ids.get(sku), wh), empty) for sku, wh in moments}
