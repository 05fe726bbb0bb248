"""Read paths over the data hub: the one place other apps (detection, cases, resolutions, notify, the web
pages and the API) read it from. Only `ingest` (through `orders.apply`) writes the hub, and no other app
imports `orders.models` except to point a ForeignKey at a hub row (`ordex/core/tests/test_import_arrows.py`).

Each function answers one question and fetches everything its answer shows in a fixed number of queries
(tests pin the counts), so a page or API response never degrades into one query per row. Reads on the
ingest hot path (detection's per-chunk look-ups, the events waiting for an order) use raw SQL or
`core.bulk` where the ORM's per-row cost shows at import rates.

- `lookups`: orders as people look for them (one order, search, a buyer's history, whom to write to);
- `money`: orders and lines by id; one order's money and goods, read under its lock; refunds to reconcile;
- `waiting`: events waiting for their order or parcel;
- `snapshots`: stock and prices, now and as of a moment;
- `chunks`: what detection reads once per applied chunk of events;
- `scans`: orders, parcels and refunds matching a rule's conditions; shop, payment and heartbeat activity.
"""

from ..phones import normalise_phone
from .chunks import (
    first_skus,
    lines_of_orders_created_in,
    reports_since_delivery,
    scan_times,
    shipped_and_ordered,
)
from .lookups import (
    HISTORY_DAYS,
    CustomerContact,
    CustomerHistory,
    Page,
    customer_contact,
    customer_history,
    find_orders,
    order_by_no,
    order_detail,
    order_receivers,
    search_orders,
    shop_by_code,
    shop_platforms,
)
from .money import (
    completed_refunds_of,
    lines_by_order,
    lines_of,
    order_for_update,
    order_with_shop,
    orders_by_id,
    refunds_completed_after,
    shipments_of,
)
from .scans import (
    completed_refund_totals,
    first_order_time,
    last_heartbeats,
    last_order_time,
    order_count,
    order_rows,
    order_times,
    orders_where,
    parcel_order_ids,
    parcels_where,
    payment_attempts,
    refunds_where,
    shops,
)
from .snapshots import prices_as_of, stale_selling_stock, stock_as_of, stock_row, stock_snapshot
from .waiting import keys_still_waiting, targets_present, waiting_events, waiting_since

__all__ = [
    "HISTORY_DAYS", "CustomerContact", "CustomerHistory", "Page", "completed_refund_totals", "completed_refunds_of",
    "customer_contact", "customer_history", "find_orders", "first_order_time", "first_skus", "keys_still_waiting",
    "last_heartbeats", "last_order_time", "lines_by_order", "lines_of", "lines_of_orders_created_in",
    "normalise_phone", "order_by_no", "order_count", "order_detail", "order_for_update", "order_receivers",
    "order_rows", "order_times", "order_with_shop", "orders_by_id", "orders_where", "parcel_order_ids",
    "parcels_where", "payment_attempts", "prices_as_of", "refunds_completed_after", "refunds_where",
    "reports_since_delivery", "scan_times", "search_orders", "shipments_of", "shipped_and_ordered", "shop_by_code", "shop_platforms",
    "shops", "stale_selling_stock", "stock_as_of", "stock_row", "stock_snapshot", "targets_present",
    "waiting_events", "waiting_since",
]
