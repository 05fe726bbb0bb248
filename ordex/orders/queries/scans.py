"""Set-based reads for detection's periodic scans (and a few on-event rules): the orders, parcels and refunds
matching conditions the caller builds, and the activity a system-health rule watches (orders per shop,
payment attempts, heartbeats).

The conditions are `Q` objects (or boolean expressions) over the fields of `orders/models.py` — the rule
owns the thresholds and time windows, the hub owns the tables, the joins and what is loaded. Everything is
returned as lists, tuples and dicts: nothing here hands out a QuerySet a caller could write through."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from ..choices import RefundStatus
from ..models import Component, Order, Payment, Refund, Shipment, Shop


def orders_where(*conditions, ids=None, fields=None) -> list[Order]:
    """The orders meeting every condition (and among `ids` when given), with only `fields` loaded if given."""
    rows = Order.objects.filter(*conditions)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.only(*fields) if fields else rows)


def order_rows(*conditions, fields) -> list[tuple]:
    """(field, …) tuples of the orders meeting every condition: no Order instance is built (a chunk's
    duplicate check compares hundreds)."""
    return list(Order.objects.filter(*conditions).values_list(*fields))


def parcels_where(*conditions, ids=None) -> list[Shipment]:
    """The parcels meeting every condition (and among `ids` when given), each with its order (one query)."""
    rows = Shipment.objects.filter(*conditions)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.select_related("order"))


def parcel_order_ids(*conditions) -> set[int]:
    """The ids of the orders of the parcels meeting every condition."""
    return set(Shipment.objects.filter(*conditions).values_list("order_id", flat=True))


def refunds_where(*conditions, ids=None) -> list[Refund]:
    """The refunds meeting every condition (and among `ids` when given), each with its order (one query)."""
    rows = Refund.objects.filter(*conditions)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.select_related("order"))


def completed_refund_totals(order_ids) -> dict[int, Decimal]:
    """order id -> the sum of its completed refunds' amounts, for these orders (those with any)."""
    return dict(Refund.objects.filter(order_id__in=order_ids, status=RefundStatus.COMPLETED)
                .values("order_id").annotate(total=Sum("completed_amount")).values_list("order_id", "total"))


# ---- activity that system-health rules watch ---------------------------------------------------------------

def last_heartbeats(*, names=None, silent_since: datetime | None = None) -> dict[str, datetime | None]:
    """component name -> its latest heartbeat: of the named components, or of every component whose latest
    heartbeat is at or before `silent_since`."""
    rows = Component.objects.all()
    if names is not None:
        rows = rows.filter(name__in=names)
    if silent_since is not None:
        rows = rows.filter(last_heartbeat_at__isnull=False, last_heartbeat_at__lte=silent_since)
    return dict(rows.values_list("name", "last_heartbeat_at"))


def shops() -> list[tuple[int, str]]:
    """(id, code) of every shop."""
    return list(Shop.objects.values_list("pk", "code"))


def order_times(shop_id: int, *, after: datetime | None = None, until: datetime) -> list[datetime]:
    """When the shop's orders were created, in (after, until], oldest first."""
    rows = Order.objects.filter(shop_id=shop_id, created_at__lte=until)
    if after is not None:
        rows = rows.filter(created_at__gt=after)
    return sorted(rows.values_list("created_at", flat=True))


def last_order_time(shop_id: int, *, until: datetime) -> datetime | None:
    """When the shop's latest order at or before `until` was created."""
    return Order.objects.filter(shop_id=shop_id, created_at__lte=until).order_by("-created_at").values_list(
        "created_at", flat=True).first()


def first_order_time(shop_id: int) -> datetime | None:
    """When the shop's first order was created."""
    return Order.objects.filter(shop_id=shop_id).order_by("created_at").values_list("created_at", flat=True).first()


def order_count(shop_id: int, start: datetime, end: datetime) -> int:
    """How many of the shop's orders were created in [start, end)."""
    return Order.objects.filter(shop_id=shop_id, created_at__gte=start, created_at__lt=end).count()


def payment_attempts(methods, *, after: datetime | None = None, until: datetime) -> list[tuple[str, datetime, str]]:
    """(method, occurred_at, status) of every payment attempt with one of these methods in (after, until],
    oldest first."""
    rows = Payment.objects.filter(method__in=methods, occurred_at__lte=until)
    if after is not None:
        rows = rows.filter(occurred_at__gt=after)
    return list(rows.order_by("occurred_at").values_list("method", "occurred_at", "status"))
