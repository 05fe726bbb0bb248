"""One chunk of events: every row it refers to loaded once, changed in memory, written back once."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import connection
from django.db.models import Max

from ordex.core.bulk import fast_insert, fast_load, fast_new, fast_update, rows_where_in

from ..choices import PaymentMethod, PaymentStatus, Platform
from ..events import AppliedEvent
from ..history import price_timelines
from ..models import (
    Component,
    Customer,
    CustomerReport,
    Order,
    OrderChange,
    OrderLine,
    Payment,
    PriceHistory,
    Product,
    Refund,
    Shipment,
    ShipmentLine,
    Shop,
    Stock,
    StockHistory,
    SystemFault,
    TrackingEvent,
    Warehouse,
)
from ..phones import classify_phone, normalise_phone
from .cache import HUB_CACHE
from .rows import (
    COMPONENT_FIELDS,
    CUSTOMER_FIELDS,
    ORDER_FIELDS,
    PRODUCT_FIELDS,
    REFUND_FIELDS,
    SHIPMENT_FIELDS,
    STOCK_FIELDS,
    LineRow,
    PaymentRow,
    ShipmentLineRow,
    TrackingRow,
)

# Plain sets: TextChoices.values builds a new list on every access, which shows at import rates.
PLATFORMS = frozenset(Platform.values)
PAYMENT_METHODS = frozenset(PaymentMethod.values)


class HubEvent(Protocol):
    """An inbound event as the hub reads it: ingest's `InboundEvent` (validated against the contract)."""

    event_id: str
    type: str
    occurred_at: datetime
    data: Any  # the validated payload of the type (ingest/event_data.py)
    raw_data: dict  # the data as received, stored with a waiting event to be validated again later
    waited: bool  # it waited in PendingEvent for its order or parcel, which this chunk brings


@dataclass
class ApplyOutcome:
    applied: list[AppliedEvent] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)  # event_id -> waiting key
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # event_id -> (field, reason)
    released: list[str] = field(default_factory=list)  # earlier waiting events applied now


def order_key(order_no: str) -> str:
    return f"order:{order_no}"


def tracking_key(carrier: str, tracking_no: str) -> str:
    return f"tracking:{carrier}:{tracking_no}"


class Waiting(Exception):
    """The event's order or parcel is not in the hub yet: it waits under `key`."""

    def __init__(self, key: str):
        self.key = key


class Refused(Exception):
    """The event contradicts the hub (names the field and why): rejected alone."""

    def __init__(self, field_name: str, reason: str):
        self.field = field_name
        self.reason = reason


class Chunk:
    """The rows one chunk of events touches, loaded once, changed in memory, written back once."""

    def __init__(self, events: list[HubEvent]):
        self.events = events
        self.new_orders: list[Order] = []
        self.dirty_orders: dict[int, tuple[Order, set[str]]] = {}
        self.replaced_lines: set[int] = set()
        self.new_lines: list[LineRow] = []
        self.new_payments: list[PaymentRow] = []
        self.new_changes: list[OrderChange] = []
        self.new_reports: list[CustomerReport] = []
        self.new_shipments: list[Shipment] = []
        self.dirty_shipments: dict[int, Shipment] = {}
        self.new_shipment_lines: list[ShipmentLineRow] = []
        self.new_tracking: list[TrackingRow] = []
        self.new_refunds: list[Refund] = []
        self.dirty_refunds: dict[int, Refund] = {}
        self.new_stock: list[Stock] = []
        self.dirty_stock: dict[int, Stock] = {}
        self.dirty_products: dict[int, Product] = {}
        self.dirty_customers: dict[int, Customer] = {}
        self.dirty_components: dict[int, Component] = {}
        self.new_faults: list[SystemFault] = []
        self.new_price_history: list[PriceHistory] = []
        self.new_stock_history: list[StockHistory] = []
        self.txn_ids: dict[str, set[str]] | None = None
        self.scanned_before: dict[tuple[str, str], datetime | None] = {}
        self._load()

    # ---- loading -------------------------------------------------------------------------------
    def _load(self):
        order_nos, skus, warehouses, shops, components = set(), set(), set(), {}, set()
        shipment_nos, tracking_pairs, refund_nos = set(), set(), set()
        for event in self.events:
            data = event.data
            if hasattr(data, "order_no"):
                order_nos.add(data.order_no)
            if event.type in ("order.created", "order.updated"):
                shops.setdefault(data.shop, data.platform)
                skus.update(line.sku for line in data.lines)
                if data.warehouse:
                    warehouses.add(data.warehouse)
            elif event.type == "product.updated":
                skus.add(data.sku)
            elif event.type == "inventory.updated":
                skus.add(data.sku)
                warehouses.add(data.warehouse)
            elif event.type == "shipment.created":
                shipment_nos.add(data.shipment_no)
                tracking_pairs.add((data.carrier, data.tracking_no))
                skus.update(line.sku for line in data.lines)
                if data.warehouse:
                    warehouses.add(data.warehouse)
            elif event.type == "tracking.updated":
                tracking_pairs.add((data.carrier, data.tracking_no))
            elif event.type.startswith("refund."):
                refund_nos.add(data.refund_no)
            elif event.type.startswith("system."):
                components.add(data.component)

        cache = HUB_CACHE
        self.orders = cache.orders.take(order_nos)
        missing = order_nos - self.orders.keys()
        if missing:
            self.orders.update((o.order_no, o) for o in fast_load(Order, "order_no", missing))

        self.shipments_by_no: dict[str, Shipment] = {}
        self.shipments_by_tracking: dict[tuple[str, str], Shipment] = {}
        for shipment in cache.shipments.take(tracking_pairs | cache.shipment_keys(shipment_nos)).values():
            self._index_shipment(shipment)
        missing_nos = shipment_nos - self.shipments_by_no.keys()
        missing_tracking = {pair[1] for pair in tracking_pairs - self.shipments_by_tracking.keys()}
        if missing_nos or missing_tracking:
            found = {s.pk: s for s in fast_load(Shipment, "shipment_no", missing_nos)}
            found.update((s.pk, s) for s in fast_load(Shipment, "tracking_no", missing_tracking))
            for shipment in found.values():
                self._index_shipment(shipment)

        self.refunds = cache.refunds.take(refund_nos)
        missing = refund_nos - self.refunds.keys()
        if missing:
            self.refunds.update((r.refund_no, r) for r in fast_load(Refund, "refund_no", missing))

        # Orders that refunds and parcels point at but the chunk does not name by order_no.
        self.orders_by_id = {o.pk: o for o in self.orders.values()}
        wanted = {s.order_id for s in self.shipments_by_no.values()} | {r.order_id for r in self.refunds.values()}
        wanted -= self.orders_by_id.keys()
        for order in cache.orders.take(cache.order_keys(wanted)).values():
            self.orders[order.order_no] = order
            self.orders_by_id[order.pk] = order
        wanted -= self.orders_by_id.keys()
        if wanted:
            for order in fast_load(Order, "id", wanted):
                self.orders[order.order_no] = order
                self.orders_by_id[order.pk] = order

        self.shops = _get_or_create_many(Shop, "code", shops, cache.shops, lambda code, platform: Shop(
            code=code, platform=platform if platform in PLATFORMS else Platform.OTHER))
        self.warehouses = _get_or_create_many(Warehouse, "code", dict.fromkeys(warehouses), cache.warehouses,
                                              lambda code, _: Warehouse(code=code))
        self.products = _get_or_create_many(Product, "sku", dict.fromkeys(skus), cache.products,
                                            lambda sku, _: Product(sku=sku))
        self.components = _get_or_create_many(Component, "name", dict.fromkeys(components), cache.components,
                                              lambda name, _: Component(name=name))
        self._load_customers()
        self._load_stock()
        self._load_prices()

    def _load_customers(self):
        wanted = {}
        for event in self.events:
            if event.type in ("order.created", "order.updated"):
                data = event.data
                wanted.setdefault((self.shops[data.shop].pk, customer_external_id(data.customer)), data.customer)
        self.customers: dict[tuple[int, str], Customer] = HUB_CACHE.customers.take(wanted)
        missing = wanted.keys() - self.customers.keys()
        if not missing:
            return
        shop_ids = {shop_id for shop_id, _ in missing}
        external_ids = {external for _, external in missing}
        for customer in fast_load(Customer, "external_id", external_ids):
            if customer.shop_id in shop_ids:
                self.customers[(customer.shop_id, customer.external_id)] = customer
        new = {}
        for (shop_id, external), info in wanted.items():
            if (shop_id, external) not in self.customers:
                customer = fast_new(Customer, shop_id=shop_id, external_id=external, name=info.name,
                                    phone=normalise_phone(info.phone),
                                    phone_kind=classify_phone(info.phone), email=info.email)
                new[(shop_id, external)] = customer
                self.customers[(shop_id, external)] = customer
        if new:
            fast_insert(Customer, list(new.values()))
            for pk, shop_id, external in rows_where_in(Customer, "external_id", {key[1] for key in new},
                                                       ["id", "shop", "external_id"]):
                customer = new.get((shop_id, external))
                if customer is not None:
                    customer.pk = pk

    def _load_stock(self):
        pairs = {(self.products[e.data.sku].pk, self.warehouses[e.data.warehouse].pk)
                 for e in self.events if e.type == "inventory.updated"}
        self.stock: dict[tuple[int, int], Stock] = HUB_CACHE.stock.take(pairs)
        missing = pairs - self.stock.keys()
        if missing:
            warehouses = {w for _, w in missing}
            rows = fast_load(Stock, "product", {p for p, _ in missing})
            self.stock.update(((s.product_id, s.warehouse_id), s) for s in rows if s.warehouse_id in warehouses)

    def _load_prices(self):
        """The price lists valid at the times of this chunk's order lines that give no list price (one read),
        and, when the chunk tells price lists, the newest order time stored before it: a price list older
        than that may be the one some stored orders were placed under (`flush` re-prices their lines)."""
        moments = defaultdict(set)
        for event in self.events:
            if event.type in ("order.created", "order.updated"):
                order = self.orders.get(event.data.order_no)
                for line in event.data.lines:
                    if line.list_price is None:
                        pk = self.products[line.sku].pk
                        moments[pk].add(event.occurred_at)
                        if order is not None:
                            moments[pk].add(order.created_at)
        self.prices = price_timelines(moments) if moments else {}
        self.newest_order_before = None
        if any(event.type == "product.updated" for event in self.events):
            self.newest_order_before = Order.objects.aggregate(newest=Max("created_at"))["newest"]

    def keep_price(self, row: PriceHistory):
        """A price list of this chunk: stored with it, and valid from its time for the lines applied after."""
        self.new_price_history.append(row)
        timeline = self.prices.get(row.product_id)
        if timeline is not None:
            timeline.add(row)

    def list_price_at(self, product: Product, moment: datetime):
        """The SKU's list price valid at `moment` (the newest price list at or before it)."""
        timeline = self.prices.get(product.pk)
        if timeline is None:  # not foreseen by _load (an order time moved within the chunk): read it alone
            timeline = self.prices[product.pk] = price_timelines({product.pk: [moment]})[product.pk]
            for row in self.new_price_history:
                if row.product_id == product.pk:
                    timeline.add(row)
        row = timeline.at(moment)
        return row.list_price if row is not None else None

    def paid_txn_ids(self, order_no: str) -> set[str]:
        """Transaction ids already paid on an order (stored, or earlier in this chunk): read once per chunk,
        for every stored order the chunk's payments name, on the first payment that carries one."""
        if self.txn_ids is None:
            by_pk = {}
            for event in self.events:
                if event.type == "order.paid" and event.data.txn_id:
                    order = self.orders.get(event.data.order_no)
                    if order is not None and order.pk:
                        by_pk[order.pk] = order.order_no
            self.txn_ids = defaultdict(set)
            for order_id, status, txn_id in rows_where_in(Payment, "order", by_pk, ["order", "status", "txn_id"]):
                if status == PaymentStatus.PAID and txn_id:
                    self.txn_ids[by_pk[order_id]].add(txn_id)
        return self.txn_ids[order_no]

    def remember(self):
        """After a successful flush: keep what this chunk loaded and made, for the next chunk.
        (`.id`, not `.pk`: the property costs a call per row, and this runs over every row of the chunk.)"""
        cache = HUB_CACHE
        orders = [o for o in self.orders.values() if o.id]
        cache.orders.put((o.order_no, o) for o in orders)
        cache.order_no_by_pk.update((o.id, o.order_no) for o in orders)
        shipments = [s for s in self.shipments_by_tracking.values() if s.id]
        cache.shipments.put(((s.carrier, s.tracking_no), s) for s in shipments)
        cache.shipment_key_by_no.update((s.shipment_no, (s.carrier, s.tracking_no)) for s in shipments)
        cache.index()
        cache.refunds.put((r.refund_no, r) for r in self.refunds.values() if r.id)
        cache.customers.put(self.customers.items())
        cache.stock.put((key, s) for key, s in self.stock.items() if s.id)

    def _index_shipment(self, shipment: Shipment):
        self.shipments_by_no[shipment.shipment_no] = shipment
        self.shipments_by_tracking[(shipment.carrier, shipment.tracking_no)] = shipment

    # ---- helpers -------------------------------------------------------------------------------
    def order_for(self, order_no: str) -> Order | None:
        return self.orders.get(order_no)

    def touch_order(self, order: Order, *fields: str):
        """Mark fields of a stored order to write back (all of them when none are named); status always."""
        if order.id:
            entry = self.dirty_orders.setdefault(order.id, (order, set()))
            entry[1].update(fields or ORDER_FIELDS)

    def touch(self, registry: dict, obj):
        if obj.id:
            registry[obj.id] = obj

    # ---- writing -------------------------------------------------------------------------------
    def flush(self):
        for order in self.new_orders:
            order.status = order.derive_status()
        fast_insert(Order, self.new_orders, key_field="order_no")
        by_fields = defaultdict(list)
        for order, fields in self.dirty_orders.values():
            order.status = order.derive_status()
            by_fields[tuple(sorted(fields | {"status"}))].append(order)
        for fields, orders in by_fields.items():
            fast_update(Order, orders, fields)
        if self.dirty_customers:
            fast_update(Customer, list(self.dirty_customers.values()), CUSTOMER_FIELDS)
        if self.replaced_lines:
            OrderLine.objects.filter(order_id__in=self.replaced_lines).delete()
        fast_insert(OrderLine, self.new_lines)
        fast_insert(Payment, self.new_payments)
        fast_insert(OrderChange, self.new_changes)
        fast_insert(CustomerReport, self.new_reports)
        fast_insert(Shipment, self.new_shipments, key_field="shipment_no")
        if self.dirty_shipments:
            fast_update(Shipment, list(self.dirty_shipments.values()), SHIPMENT_FIELDS)
        fast_insert(ShipmentLine, self.new_shipment_lines)
        fast_insert(TrackingEvent, self.new_tracking)
        fast_insert(Refund, self.new_refunds, key_field="refund_no")
        if self.dirty_refunds:
            fast_update(Refund, list(self.dirty_refunds.values()), REFUND_FIELDS)
        Stock.objects.bulk_create(self.new_stock)
        if self.dirty_stock:
            fast_update(Stock, list(self.dirty_stock.values()), STOCK_FIELDS)
        if self.dirty_products:
            fast_update(Product, list(self.dirty_products.values()),
                        PRODUCT_FIELDS)
        if self.dirty_components:
            fast_update(Component, list(self.dirty_components.values()), COMPONENT_FIELDS)
        fast_insert(SystemFault, self.new_faults)
        fast_insert(PriceHistory, self.new_price_history)
        fast_insert(StockHistory, self.new_stock_history)
        self._reprice_stored_lines()

    def _reprice_stored_lines(self):
        """Stored order lines that took their list price from the SKU's price lists follow a price list that
        arrived after them: each takes the list price valid at its order's time."""
        late = {row.product_id: row.valid_from for row in self.new_price_history
                if self.newest_order_before is not None and row.valid_from <= self.newest_order_before}
        if not late:
            return
        qn = connection.ops.quote_name
        lines, history, orders = (qn(m._meta.db_table) for m in (OrderLine, PriceHistory, Order))
        products = sorted(late)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {lines} SET list_price = (SELECT h.list_price FROM {history} h "
                f"WHERE h.product_id = {lines}.product_id AND h.valid_from <= "
                f"(SELECT o.created_at FROM {orders} o WHERE o.id = {lines}.order_id) "
                f"ORDER BY h.valid_from DESC, h.event_id DESC LIMIT 1) "
                f"WHERE NOT list_price_given AND product_id IN ({', '.join(['%s'] * len(products))}) "
                f"AND order_id IN (SELECT id FROM {orders} WHERE created_at >= %s)",
                [*products, connection.ops.adapt_datetimefield_value(min(late.values()))])


def _get_or_create_many(model, key_field: str, wanted: dict, cached: dict, build) -> dict:
    found = {key: cached[key] for key in wanted if key in cached}
    missing = [key for key in wanted if key not in found]
    if missing:
        found.update((getattr(obj, key_field), obj) for obj in model.objects.filter(**{f"{key_field}__in": missing}))
        new = [build(key, wanted[key]) for key in missing if key not in found]
        if new:
            model.objects.bulk_create(new)
            found.update((getattr(obj, key_field), obj) for obj in new)
        cached.update((key, found[key]) for key in missing)
    return found


def customer_external_id(customer) -> str:
    return customer.id or f"phone:{normalise_phone(customer.phone)}"
