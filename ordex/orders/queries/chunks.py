"""Reads detection makes once per applied chunk of events (hundreds of orders at a time): plain SQL or
`core.bulk` where the ORM's cost per value of an IN list shows at import rates."""

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import F, Q

from ordex.core.bulk import rows_where_in

from ..models import CustomerReport, Order, OrderLine, Shipment, ShipmentLine, TrackingEvent


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


def first_skus(order_ids) -> dict[int, str]:
    """order id -> the SKU of its first line (by line number), for these orders."""
    first = {}
    for order_id, sku in OrderLine.objects.filter(order_id__in=order_ids).order_by("order_id", "line_no").values_list(
            "order_id", "sku"):
        first.setdefault(order_id, sku)
    return first


def reports_since_delivery(order_ids, kinds) -> list[CustomerReport]:
    """The reports of these kinds that these orders' buyers made at or after the order was delivered, oldest
    first, each with its order."""
    return list(CustomerReport.objects.filter(order_id__in=order_ids, kind__in=kinds, order__delivered_at__isnull=False,
                                              reported_at__gte=F("order__delivered_at")).select_related("order"))


def scan_times(shipment_ids) -> list[tuple[int, datetime]]:
    """(parcel id, occurred_at) of every tracking event stored for these parcels, oldest first."""
    return list(TrackingEvent.objects.filter(shipment_id__in=shipment_ids).values_list("shipment_id", "occurred_at"))


_LINE_FIELDS = ("order_id", "sku", "qty", "unit_price", "list_price")


def lines_of_orders_created_in(spans, skus, *, skip=frozenset(), by_time_up_to: int) -> list[OrderLine]:
    """The lines of these SKUs on orders created in any of the spans ([start, end); end None: open-ended),
    leaving out the orders in `skip`; with order_id, sku, qty, unit_price and list_price loaded.

    When the spans hold at most `by_time_up_to` orders (a few hours of a stream), one index range on
    Order.created_at finds them and their lines are read; when they hold more (a snapshot that arrived days
    late spans days of orders, few of which bought its SKU), the lines are read starting from the SKU."""
    def window(prefix=""):
        q = Q()
        for start, end in spans:
            q |= Q(**{f"{prefix}created_at__gte": start}) if end is None else Q(
                **{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end})
        return q

    ids = list(Order.objects.filter(window()).order_by().values_list("pk", flat=True)[:by_time_up_to + 1])
    if len(ids) <= by_time_up_to:
        ids = [pk for pk in ids if pk not in skip]
        lines = []
        for start in range(0, len(ids), 500):
            lines += OrderLine.objects.filter(order_id__in=ids[start:start + 500], sku__in=skus).order_by() \
                .only(*_LINE_FIELDS)
        return lines
    return [line for line in OrderLine.objects.filter(window("order__"), sku__in=skus).order_by().only(*_LINE_FIELDS)
            if line.order_id not in skip]
