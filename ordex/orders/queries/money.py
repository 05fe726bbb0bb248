"""Orders and their lines by id; for resolutions, the money and goods of one order read under its lock, and
the refunds to reconcile."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Q

from ..models import Order, OrderLine, Refund, Shipment


def order_for_update(order_id: int) -> Order:
    """The order row, locked until the end of the caller's transaction: whoever decides money for an
    order holds this lock, so two decisions on one order happen one after the other."""
    return Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order_id)


def lines_of(order_id: int) -> list[OrderLine]:
    """The order's lines with their products (for the goods' cost), by line number."""
    return list(OrderLine.objects.filter(order_id=order_id).select_related("product").order_by("line_no"))


def orders_by_id(order_ids, *, with_warehouse: bool = False) -> dict[int, Order]:
    """id -> order (and its warehouse, when asked), for these orders (one read)."""
    if not order_ids:
        return {}
    rows = Order.objects.select_related("warehouse") if with_warehouse else Order.objects
    return rows.in_bulk(set(order_ids))


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


def order_with_shop(order_id: int) -> Order | None:
    """The order with its shop (one query), or None."""
    return Order.objects.select_related("shop").filter(pk=order_id).first()
