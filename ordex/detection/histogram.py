"""The SKU quantity histogram behind quantity_anomaly: sku -> day -> {qty: orders}, stored in `SkuQtyDay`
and held in memory between chunks by the process that writes it."""

from datetime import date

from django.db import connection

from .models import SkuQtyDay


class _Histogram:
    """sku -> day -> {qty: orders}: the rows of `SkuQtyDay` this process has read, kept between chunks.

    Only chunks write the histogram, in the transaction that stamps the hub's version token; the hub's
    row cache is dropped whenever that token shows another writer (or a rolled-back chunk), and this is
    dropped with it (`orders.hooks.hub_rows_forgotten`). So what is held always equals the table."""

    MAX_DAYS = 50_000  # (sku, day) entries, ~15 MB; beyond that start again (memory stays flat)

    def __init__(self):
        self.clear()

    def clear(self):
        self.rows: dict = {}
        self.first_day: dict = {}  # sku -> first day held (every later day is held too)
        self.size = 0

    def hold(self, wanted: dict) -> None:
        """Make sure each SKU's days from the given first day on are held."""
        missing = {sku: day for sku, day in wanted.items() if self.first_day.get(sku, date.max) > day}
        if not missing:
            return
        if self.size > self.MAX_DAYS:
            self.clear()
            missing = wanted
        for sku in missing:
            self.size -= len(self.rows.pop(sku, ()))
        first = min(missing.values())
        for sku, day, qty, orders in SkuQtyDay.objects.filter(sku__in=list(missing), day__gte=first).values_list(
                "sku", "day", "qty", "orders"):
            by_day = self.rows.setdefault(sku, {})
            if day not in by_day:
                by_day[day] = {}
                self.size += 1
            by_day[day][qty] = by_day[day].get(qty, 0) + orders
        for sku in missing:
            self.first_day[sku] = first

    def add(self, bumps: dict) -> None:
        """This chunk's new orders ((sku, day, qty) -> orders), for the SKUs and days held."""
        for (sku, day, qty), n in bumps.items():
            first = self.first_day.get(sku)
            if first is None or day < first:
                continue
            by_day = self.rows.setdefault(sku, {})
            if day not in by_day:
                by_day[day] = {}
                self.size += 1
            by_day[day][qty] = by_day[day].get(qty, 0) + n


_HISTOGRAM = _Histogram()


def forget_histogram() -> None:
    """Drop the held histogram (registered with `orders.hooks.hub_rows_forgotten`)."""
    _HISTOGRAM.clear()


def add_orders(bumps: dict) -> None:
    """Count new orders ((sku, day, qty) -> orders) in the table and in the held histogram."""
    _HISTOGRAM.add(bumps)
    # One upsert per (sku, day, qty): no read, and correct whoever wrote the row before.
    table = connection.ops.quote_name(SkuQtyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (sku, day, qty, orders) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (sku, day, qty) DO UPDATE SET orders = {table}.orders + excluded.orders",
            [(sku, connection.ops.adapt_datefield_value(day), qty, n) for (sku, day, qty), n in bumps.items()])


def hold(wanted: dict) -> dict:
    """The held rows (sku -> day -> {qty: orders}), after making sure each SKU's days from the given first
    day on are held."""
    _HISTOGRAM.hold(wanted)
    return _HISTOGRAM.rows
