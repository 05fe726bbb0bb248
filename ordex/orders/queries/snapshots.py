"""Stock and prices: the snapshots held now, and as they were at a moment (`orders/history.py`)."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Exists, OuterRef

from ordex.core.bulk import rows_where_in

from ..history import StockTotals, Timeline, price_timelines, stock_timelines
from ..models import OrderLine, Product, Stock


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


def stock_row(sku: str, warehouse_code: str) -> Stock | None:
    """The stock snapshot held for a SKU at a warehouse, or None."""
    return Stock.objects.filter(product__sku=sku, warehouse__code=warehouse_code).first()


def stale_selling_stock(updated_by: datetime, as_of: datetime) -> list[Stock]:
    """Stock snapshots (with product and warehouse) of active products taken at or before `updated_by`,
    whose SKU was ordered after the snapshot (up to `as_of`) and got no newer snapshot at any warehouse by
    `as_of`: a SKU still selling on stock figures nobody refreshed. One query, plus one per candidate."""
    sold = OrderLine.objects.filter(product_id=OuterRef("product_id"), order__created_at__gt=OuterRef("updated_at"),
                                    order__created_at__lte=as_of)
    rows = Stock.objects.filter(updated_at__lte=updated_by, product__active=True).filter(Exists(sold))
    return [stock for stock in rows.select_related("product", "warehouse")
            if not Stock.objects.filter(product_id=stock.product_id, updated_at__gt=stock.updated_at,
                                        updated_at__lte=as_of).exists()]


def _product_ids(skus) -> dict[str, int]:
    return dict(rows_where_in(Product, "sku", set(skus), ["sku", "id"])) if skus else {}


def prices_as_of(moments: dict[str, list[datetime]]) -> dict[str, Timeline]:
    """sku -> its price lists (`PriceHistory`) from the one valid at the earliest of its moments on: the list
    price and cost valid at each moment (`Timeline.at`, `Timeline.latest_given`). Two statements whatever the SKUs."""
    ids = _product_ids(moments)
    found = price_timelines({ids[sku]: times for sku, times in moments.items() if sku in ids})
    empty = Timeline(())
    return {sku: found.get(ids.get(sku), empty) for sku in moments}


def stock_as_of(moments: dict[tuple[str, int | None], list[datetime]]) -> dict[tuple[str, int | None], StockTotals]:
    """(sku, warehouse id) -> what was available at each of its moments and when a later snapshot brought it
    to a quantity (`StockTotals`), from the stock snapshots (`StockHistory`) valid at the earliest of its
    moments to the newest. Warehouse None: every warehouse that holds the SKU, summed, each by the snapshot
    valid at the moment. One read of the SKUs, one of their warehouses (only for warehouse None), and the
    snapshots' (`orders.history`: one statement per 200 keys)."""
    ids = _product_ids({sku for sku, _ in moments})
    everywhere = {ids[sku] for sku, wh in moments if wh is None and sku in ids}
    warehouses = defaultdict(list)
    for product_id, warehouse_id in rows_where_in(Stock, "product", everywhere, ["product", "warehouse"]):
        warehouses[product_id].append(warehouse_id)

    def keys(sku, wh):
        if sku not in ids:
            return []
        return [(ids[sku], wh)] if wh is not None else [(ids[sku], other) for other in warehouses[ids[sku]]]

    wanted = defaultdict(list)
    for (sku, wh), times in moments.items():
        for key in keys(sku, wh):
            wanted[key] += times
    found = stock_timelines(wanted)
    return {(sku, wh): StockTotals(found[key] for key in keys(sku, wh)) for sku, wh in moments}
