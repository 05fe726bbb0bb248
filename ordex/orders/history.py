"""Prices and stock as they were at a moment: reads over `PriceHistory` and `StockHistory`.

Every `product.updated` and `inventory.updated` is kept by its `occurred_at` (the hub's `Product` and `Stock`
rows hold only the newest), so an order is judged by the price list and the stock snapshot valid at its
time, whatever order they arrived in. These reads serve the hub's apply (the list price an order line did
not give) and `orders.queries` (detection's price and stock rules); each is a fixed number of statements
per call, whatever the number of keys: per key, one index seek for the last row at or before the span's
start, then the index range up to its end.
"""

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime

from django.db import connection

from ordex.core.bulk import from_rows, load_columns

from .models import PriceHistory, StockHistory

# Keys per statement: each is one SELECT of a UNION ALL (SQLite allows 500 per compound statement).
_KEYS_PER_STATEMENT = 200


def _adapt(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _rows_in_spans(model, key_columns: tuple[str, ...], spans: dict[tuple, tuple[datetime, datetime | None]]) -> list:
    """Per key: the row valid at the span's start (the last at or before it) and every row up to its end
    (open-ended when None), as model instances."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(c) for c in load_columns(model))
    at = qn("valid_from")
    where_key = " AND ".join(f"{qn(column)} = %s" for column in key_columns)
    rows = []
    items = list(spans.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), _KEYS_PER_STATEMENT):
            parts, params = [], []
            for key, (lo, hi) in items[start:start + _KEYS_PER_STATEMENT]:
                upper = f" AND {at} <= %s" if hi is not None else ""
                parts.append(f"SELECT {columns} FROM {table} WHERE {where_key}{upper} AND {at} >= COALESCE("
                             f"(SELECT MAX({at}) FROM {table} WHERE {where_key} AND {at} <= %s), %s)")
                params += [*key, *([_adapt(hi)] if hi is not None else []), *key, _adapt(lo), _adapt(lo)]
            cursor.execute(" UNION ALL ".join(parts), params)
            rows += cursor.fetchall()
    return from_rows(model, rows)


class Timeline:
    """The rows of one key in time order; `at(moment)` is the one valid then (None before the first)."""

    __slots__ = ("rows", "times")

    def __init__(self, rows):
        self.rows = sorted(rows, key=lambda r: (r.valid_from, r.event_id))
        self.times = [r.valid_from for r in self.rows]

    def at(self, moment: datetime):
        index = bisect_right(self.times, moment)
        return self.rows[index - 1] if index else None

    def after(self, moment: datetime):
        """The rows valid from after `moment`, in time order."""
        return self.rows[bisect_right(self.times, moment):]

    def latest_given(self, moment: datetime, attribute: str):
        """The latest value of `attribute` given at or before `moment` (a price list may leave the cost out)."""
        for row in reversed(self.rows[:bisect_right(self.times, moment)]):
            value = getattr(row, attribute)
            if value is not None:
                return value
        return None

    def add(self, row):
        self.rows.append(row)
        self.rows.sort(key=lambda r: (r.valid_from, r.event_id))
        self.times = [r.valid_from for r in self.rows]


class StockTotals:
    """The stock of one SKU summed over warehouses (one, or all of them) from their snapshot timelines. At a
    moment each warehouse counts with the snapshot valid then; one that had none yet is not counted, and
    when none had one the stock is unknown (None), not zero."""

    __slots__ = ("timelines",)

    def __init__(self, timelines):
        self.timelines = tuple(timelines)

    def available_at(self, moment: datetime) -> int | None:
        rows = [row for row in (timeline.at(moment) for timeline in self.timelines) if row is not None]
        return sum(row.available for row in rows) if rows else None

    def reached(self, qty: int, after: datetime) -> datetime | None:
        """The first moment after `after` from which at least `qty` was available (a later snapshot at any of
        the warehouses), or None."""
        for moment in sorted({row.valid_from for timeline in self.timelines for row in timeline.after(after)}):
            available = self.available_at(moment)
            if available is not None and available >= qty:
                return moment
        return None


def _spans(moments: dict) -> dict:
    return {key: (min(times), max(times)) for key, times in moments.items() if times}


def price_timelines(moments: dict[int, list[datetime]], *, open_ended: bool = False) -> dict[int, Timeline]:
    """product id -> its price lists from the one valid at the earliest moment to the latest moment (or to
    the newest, `open_ended`)."""
    spans = {(pk,): (lo, None if open_ended else hi) for (pk,), (lo, hi) in
             _spans({(pk,): times for pk, times in moments.items()}).items()}
    grouped = defaultdict(list)
    for row in _rows_in_spans(PriceHistory, ("product_id",), spans):
        grouped[row.product_id].append(row)
    return {pk: Timeline(grouped.get(pk, ())) for pk in moments}


def stock_timelines(moments: dict[tuple[int, int], list[datetime]], *,
                    open_ended: bool = True) -> dict[tuple[int, int], Timeline]:
    """(product id, warehouse id) -> its snapshots from the one valid at the earliest moment on (to the
    newest, or only to the latest moment when not `open_ended`): enough to say what was available at each
    moment and when a later snapshot restocked it."""
    spans = {key: (lo, None if open_ended else hi) for key, (lo, hi) in _spans(moments).items()}
    grouped = defaultdict(list)
    for row in _rows_in_spans(StockHistory, ("product_id", "warehouse_id"), spans):
        grouped[(row.product_id, row.warehouse_id)].append(row)
    return {key: Timeline(grouped.get(key, ())) for key in moments}
