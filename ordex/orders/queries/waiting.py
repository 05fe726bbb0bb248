"""Events that wait for their order or parcel (`PendingEvent`): what the hub applies once the target arrives,
and what detection's data_loss rule reports when it never does."""

from datetime import datetime

from django.db.models import QuerySet

from ordex.core.bulk import fast_load

from ..models import Order, PendingEvent, Shipment


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


def waiting_events(keys: set[str]) -> list[PendingEvent]:
    """The events waiting for any of these keys (`orders.apply.released_keys`), oldest first (occurred_at,
    then arrival). Every chunk that creates an order or a parcel asks, and most find nothing: a raw read."""
    if not keys:
        return []
    return sorted(fast_load(PendingEvent, "waiting_key", keys), key=lambda p: (p.occurred_at, p.pk))


