"""Apply inbound events to the data hub, a chunk at a time.

One chunk (up to a few thousand events) is applied with a fixed number of queries: every row the chunk
refers to is loaded up front, the events change objects in memory in `occurred_at` order, and the
changes are written back with bulk inserts and updates. That is what makes bulk import fast; the caller
(ingest) holds the transaction and the write lock.

Rules of the hub, whatever the arrival order:
- an order or product snapshot older than the one held changes nothing;
- a parcel's status is the status of its latest tracking event (an older event never rolls it back);
- first-time facts (paid, shipped, cancelled, delivered) keep their earliest `occurred_at`;
- an event whose order or parcel is not known yet waits in `PendingEvent` and is applied when it arrives.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError

from ordex.core.bulk import fast_insert, fast_load, fast_new, fast_update, rows_where_in, set_related
from ordex.core.versions import read_token, stamp

from .address import address_key, parse_address, structure_address
from .choices import PaymentMethod, PaymentStatus, Platform, RefundStatus, TrackingStatus
from .event_data import DATA_MODELS
from .events import AppliedEvent
from .models import (
    MONEY_MAX,
    Component,
    Customer,
    CustomerReport,
    HubVersion,
    Order,
    OrderChange,
    OrderLine,
    Payment,
    PendingEvent,
    Product,
    Refund,
    Shipment,
    ShipmentLine,
    Shop,
    Stock,
    SystemFault,
    TrackingEvent,
    Warehouse,
)
from .phones import classify_phone, normalise_phone

# Plain sets: TextChoices.values builds a new list on every access, which shows at import rates.
_PLATFORMS = frozenset(Platform.values)
_PAYMENT_METHODS = frozenset(PaymentMethod.values)
# Tracking statuses that prove the carrier has the parcel in hand.
_CARRIER_HAS_IT = frozenset(TrackingStatus.values) - {TrackingStatus.INFO_RECEIVED, TrackingStatus.EXCEPTION}

_ORDER_FIELDS = [
    "shop", "platform", "customer", "status", "phone", "phone_kind", "receiver_name", "address_raw", "province",
    "city", "district", "address_detail", "postcode", "adcode", "address_quality", "address_key", "total",
    "shipping_fee", "discount", "currency", "lines_key", "warehouse", "ship_by", "deliver_by", "buyer_ip",
    "buyer_note", "created_at", "snapshot_at", "paid_amount", "payment_count", "paid_at", "cancel_requested_at",
    "cancelled_at", "shipped_at", "delivered_at",
]
_SHIPMENT_FIELDS = [
    "status", "status_at", "first_event_at", "last_event_at", "picked_up_at", "delivered_at", "last_location",
    "last_description", "carrier_stalled_at",
]
_REFUND_FIELDS = [
    "status", "amount", "completed_amount", "reason", "failure_reason", "requested_at", "completed_at",
    "failed_at", "status_at",
]


@dataclass(slots=True)
class _TrackingRow:
    """A TrackingEvent row to insert: the hub writes one per scan and never reads it back in the chunk."""

    shipment: Shipment
    status: str
    raw_status: str
    description: str
    location: str
    occurred_at: datetime
    event_id: str


@dataclass(slots=True)
class _LineRow:
    """An OrderLine row to insert (see _TrackingRow); subscribers read its fields like an OrderLine's."""

    order: Order
    line_no: int
    product: Product
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    list_price: Decimal | None

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


@dataclass(slots=True)
class _ShipmentLineRow:
    """A ShipmentLine row to insert (see _TrackingRow)."""

    shipment: Shipment
    product: Product
    sku: str
    qty: int


@dataclass(slots=True)
class _PaymentRow:
    """A Payment row to insert (see _TrackingRow)."""

    order: Order
    status: str
    method: str
    occurred_at: datetime
    event_id: str
    amount: Decimal | None = None
    txn_id: str = ""
    reason: str = ""


@dataclass
class InboundEvent:
    """A validated event on its way into the hub."""

    event_id: str
    type: str
    occurred_at: datetime
    data: object  # the pydantic model for the type
    raw_data: dict  # the data as received, kept to re-validate a waiting event later


@dataclass
class ApplyOutcome:
    applied: list[AppliedEvent] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)  # event_id -> waiting key
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # event_id -> (field, reason)
    released: list[str] = field(default_factory=list)  # earlier waiting events applied now


def _earliest(current, new):
    return new if current is None or new < current else current


def _latest(current, new):
    return new if current is None or new > current else current


def order_key(order_no: str) -> str:
    return f"order:{order_no}"


def tracking_key(carrier: str, tracking_no: str) -> str:
    return f"tracking:{carrier}:{tracking_no}"


class _Bounded(OrderedDict):
    """Rows kept between chunks, oldest dropped first, so memory stays flat whatever the file size."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def take(self, keys) -> dict:
        found = {}
        for key in keys:
            row = self.get(key)
            if row is not None:
                found[key] = row
        return found

    def put(self, items):
        for key, row in items:
            self[key] = row
            self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def _keys_held(index: dict, rows: "_Bounded", values) -> set:
    """The cache keys that a secondary index maps `values` to, for the rows still held."""
    keys = (index.get(value) for value in values)
    return {key for key in keys if key is not None and key in rows}


class _HubCache:
    """What the previous chunks of this process loaded and wrote, reused while nobody else wrote.

    Every chunk that changes the hub stamps `HubVersion` with a new random token inside its transaction.
    A chunk whose token differs from the one this process last wrote (another process wrote, or our
    transaction rolled back) starts from an empty cache, so the cache never serves a stale row.
    """

    LIMIT = 5_000

    def __init__(self):
        self.token = None
        self.clear()

    def clear(self):
        self.token = None
        for forget in _FORGET:
            forget()
        self.orders = _Bounded(self.LIMIT)
        self.shipments = _Bounded(self.LIMIT)
        self.refunds = _Bounded(self.LIMIT)
        self.customers = _Bounded(self.LIMIT)
        self.stock = _Bounded(self.LIMIT)
        self.shops: dict = {}
        self.warehouses: dict = {}
        self.products: dict = {}
        self.components: dict = {}
        self.order_no_by_pk: dict = {}
        self.shipment_key_by_no: dict = {}

    def order_keys(self, order_ids) -> set:
        """Cache keys (order numbers) of the cached orders with these primary keys."""
        return _keys_held(self.order_no_by_pk, self.orders, order_ids)

    def shipment_keys(self, shipment_nos) -> set:
        """Cache keys ((carrier, tracking no)) of the cached shipments with these shipment numbers."""
        return _keys_held(self.shipment_key_by_no, self.shipments, shipment_nos)

    def index(self):
        """After `put`: the secondary keys of what is cached (rebuilt when evictions have left it large)."""
        if len(self.order_no_by_pk) > 2 * self.LIMIT:
            self.order_no_by_pk = {}
            self.order_no_by_pk.update((order.pk, no) for no, order in self.orders.items())
        if len(self.shipment_key_by_no) > 2 * self.LIMIT:
            self.shipment_key_by_no = {}
            self.shipment_key_by_no.update((s.shipment_no, key) for key, s in self.shipments.items())

    def begin(self):
        current = read_token(HubVersion)
        if current is None or current != self.token:
            self.clear()

    def commit(self):
        self.token = stamp(HubVersion)


_FORGET: list = []
_CACHE = _HubCache()


def on_forget(callback) -> None:
    """Call `callback()` whenever the kept rows are dropped: for other per-process state that is valid only
    while this process is the hub's last writer (detection's SKU histogram)."""
    _FORGET.append(callback)


def forget_cached_rows():
    """Drop every row kept between chunks (tests, and after a failed chunk)."""
    _CACHE.clear()


class _Refused(Exception):
    def __init__(self, field_name: str, reason: str):
        self.field = field_name
        self.reason = reason


class _Chunk:
    """The rows one chunk of events touches, loaded once, changed in memory, written back once."""

    def __init__(self, events: list[InboundEvent]):
        self.events = events
        self.new_orders: list[Order] = []
        self.dirty_orders: dict[int, tuple[Order, set[str]]] = {}
        self.replaced_lines: set[int] = set()
        self.new_lines: list[_LineRow] = []
        self.new_payments: list[_PaymentRow] = []
        self.new_changes: list[OrderChange] = []
        self.new_reports: list[CustomerReport] = []
        self.new_shipments: list[Shipment] = []
        self.dirty_shipments: dict[int, Shipment] = {}
        self.new_shipment_lines: list[_ShipmentLineRow] = []
        self.new_tracking: list[_TrackingRow] = []
        self.new_refunds: list[Refund] = []
        self.dirty_refunds: dict[int, Refund] = {}
        self.new_stock: list[Stock] = []
        self.dirty_stock: dict[int, Stock] = {}
        self.dirty_products: dict[int, Product] = {}
        self.dirty_customers: dict[int, Customer] = {}
        self.dirty_components: dict[int, Component] = {}
        self.new_faults: list[SystemFault] = []
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

        cache = _CACHE
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
            code=code, platform=platform if platform in _PLATFORMS else Platform.OTHER))
        self.warehouses = _get_or_create_many(Warehouse, "code", dict.fromkeys(warehouses), cache.warehouses,
                                              lambda code, _: Warehouse(code=code))
        self.products = _get_or_create_many(Product, "sku", dict.fromkeys(skus), cache.products,
                                            lambda sku, _: Product(sku=sku))
        self.components = _get_or_create_many(Component, "name", dict.fromkeys(components), cache.components,
                                              lambda name, _: Component(name=name))
        self._load_customers()
        self._load_stock()

    def _load_customers(self):
        wanted = {}
        for event in self.events:
            if event.type in ("order.created", "order.updated"):
                data = event.data
                wanted.setdefault((self.shops[data.shop].pk, _customer_external_id(data.customer)), data.customer)
        self.customers: dict[tuple[int, str], Customer] = _CACHE.customers.take(wanted)
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
        self.stock: dict[tuple[int, int], Stock] = _CACHE.stock.take(pairs)
        missing = pairs - self.stock.keys()
        if missing:
            warehouses = {w for _, w in missing}
            rows = fast_load(Stock, "product", {p for p, _ in missing})
            self.stock.update(((s.product_id, s.warehouse_id), s) for s in rows if s.warehouse_id in warehouses)

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
        cache = _CACHE
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
            entry[1].update(fields or _ORDER_FIELDS)

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
            fast_update(Customer, list(self.dirty_customers.values()), ["name", "phone", "phone_kind", "email"])
        if self.replaced_lines:
            OrderLine.objects.filter(order_id__in=self.replaced_lines).delete()
        fast_insert(OrderLine, self.new_lines)
        fast_insert(Payment, self.new_payments)
        fast_insert(OrderChange, self.new_changes)
        fast_insert(CustomerReport, self.new_reports)
        fast_insert(Shipment, self.new_shipments, key_field="shipment_no")
        if self.dirty_shipments:
            fast_update(Shipment, list(self.dirty_shipments.values()), _SHIPMENT_FIELDS)
        fast_insert(ShipmentLine, self.new_shipment_lines)
        fast_insert(TrackingEvent, self.new_tracking)
        fast_insert(Refund, self.new_refunds, key_field="refund_no")
        if self.dirty_refunds:
            fast_update(Refund, list(self.dirty_refunds.values()), _REFUND_FIELDS)
        Stock.objects.bulk_create(self.new_stock)
        if self.dirty_stock:
            fast_update(Stock, list(self.dirty_stock.values()), ["on_hand", "reserved", "updated_at"])
        if self.dirty_products:
            fast_update(Product, list(self.dirty_products.values()),
                        ["name", "list_price", "cost", "active", "supplier", "updated_at"])
        if self.dirty_components:
            fast_update(Component, list(self.dirty_components.values()), ["last_heartbeat_at", "last_fault_at"])
        fast_insert(SystemFault, self.new_faults)


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


def _customer_external_id(customer) -> str:
    return customer.id or f"phone:{normalise_phone(customer.phone)}"


# ---- one handler per event type -----------------------------------------------------------------
# Each returns an AppliedEvent, or raises _Waiting (target not here yet) or _Refused.


class _Waiting(Exception):
    def __init__(self, key: str):
        self.key = key


def _need_order(chunk: _Chunk, order_no: str) -> Order:
    order = chunk.order_for(order_no)
    if order is None:
        raise _Waiting(order_key(order_no))
    return order


def _apply_snapshot(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    order = chunk.order_for(data.order_no)
    created = order is None
    if created:
        order = fast_new(Order, order_no=data.order_no, created_at=at, snapshot_at=at, total=data.total)
        chunk.new_orders.append(order)
        chunk.orders[data.order_no] = order
    else:
        if event.type == "order.created" and at < order.created_at:
            order.created_at = at
            chunk.touch_order(order, "created_at")
        if at < order.snapshot_at:
            return AppliedEvent(event.event_id, event.type, at, data, order=order, changed=False)
        order.snapshot_at = at
        chunk.touch_order(order)
        if order.pk:
            chunk.replaced_lines.add(order.pk)
        chunk.new_lines = [line for line in chunk.new_lines if line.order is not order]

    shop = chunk.shops[data.shop]
    customer = chunk.customers[(shop.pk, _customer_external_id(data.customer))]
    phone = normalise_phone(data.customer.phone)
    if not created and (customer.name, customer.phone, customer.email) != (
            data.customer.name, phone, data.customer.email):
        customer.name, customer.phone, customer.email = data.customer.name, phone, data.customer.email
        customer.phone_kind = classify_phone(customer.phone)
        chunk.touch(chunk.dirty_customers, customer)
    set_related(order, shop=shop, customer=customer,
                warehouse=chunk.warehouses[data.warehouse] if data.warehouse else None)
    order.platform = data.platform if data.platform in _PLATFORMS else (shop.platform or Platform.OTHER)
    order.phone = phone
    order.phone_kind = classify_phone(phone)
    _set_address(order, data.address)
    order.total = data.total
    order.shipping_fee = data.shipping_fee or Decimal("0")
    order.discount = data.discount or Decimal("0")
    order.currency = (data.currency or "CNY")[:3].upper()
    order.ship_by = data.ship_by
    order.deliver_by = data.deliver_by
    order.buyer_ip = data.buyer_ip
    order.buyer_note = data.buyer_note
    lines = []
    for number, line in enumerate(data.lines, start=1):
        product = chunk.products[line.sku]
        if line.name and not product.name:
            product.name = line.name
            chunk.touch(chunk.dirty_products, product)
        lines.append(_LineRow(order, number, product, line.sku, line.name or product.name, line.qty, line.unit_price,
                              line.list_price if line.list_price is not None else product.list_price))
    chunk.new_lines.extend(lines)
    order.lines_key = "|".join(sorted(f"{line.sku}*{line.qty}" for line in data.lines))[:500]
    return AppliedEvent(event.event_id, event.type, at, data, order=order, extra={"lines": lines, "created": created})


def _set_address(order: Order, address):
    if address.raw and not (address.province or address.city or address.district):
        parsed = parse_address(address.raw)
        order.address_raw = address.raw[:500]
    else:
        parsed = structure_address(address.province, address.city, address.district, address.detail)
        order.address_raw = (address.raw or f"{address.province}{address.city}{address.district}{address.detail}")[:500]
    order.province, order.city, order.district = parsed.province[:40], parsed.city[:40], parsed.district[:40]
    order.address_detail = parsed.detail[:300]
    order.adcode = parsed.adcode
    order.address_quality = parsed.quality
    order.postcode = address.postcode[:12]
    order.receiver_name = address.name[:200]
    order.address_key = address_key(parsed.province, parsed.city, parsed.district, parsed.detail, address.raw)


def _apply_paid(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    if data.txn_id:
        seen = chunk.paid_txn_ids(data.order_no)
        if data.txn_id in seen:
            # The same transaction told twice is one payment, not a double charge.
            return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, changed=False)
    if order.paid_amount + data.amount > MONEY_MAX:
        # Refused here, at the payment that would cause it: stored, the sum would break every read of the order.
        raise _Refused("data.amount", f"the order's paid amount would exceed {MONEY_MAX}")
    if data.txn_id:
        seen.add(data.txn_id)
    method = data.method if data.method in _PAYMENT_METHODS else PaymentMethod.OTHER
    chunk.new_payments.append(_PaymentRow(order, PaymentStatus.PAID, method, event.occurred_at, event.event_id,
                                          amount=data.amount, txn_id=data.txn_id[:128]))
    order.paid_amount += data.amount
    order.payment_count += 1
    order.paid_at = _earliest(order.paid_at, event.occurred_at)
    chunk.touch_order(order, "paid_amount", "payment_count", "paid_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_payment_failed(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    method = data.method if data.method in _PAYMENT_METHODS else PaymentMethod.OTHER
    chunk.new_payments.append(_PaymentRow(order, PaymentStatus.FAILED, method, event.occurred_at, event.event_id,
                                          reason=data.reason[:300]))
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_cancel(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    if event.type == "order.cancel_requested":
        order.cancel_requested_at = _earliest(order.cancel_requested_at, event.occurred_at)
    else:
        order.cancelled_at = _earliest(order.cancelled_at, event.occurred_at)
    chunk.touch_order(order, "cancel_requested_at", "cancelled_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_change(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    change = OrderChange(order=order, changes=event.raw_data.get("changes", {}), reason=data.reason[:500],
                         requested_at=event.occurred_at, event_id=event.event_id)
    chunk.new_changes.append(change)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, extra={"change": change})


def _apply_product(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    product = chunk.products[data.sku]
    if product.updated_at is not None and event.occurred_at < product.updated_at:
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, changed=False)
    # The snapshot this one replaces, for subscribers that judge orders by the snapshot current at their time.
    previous = {"list_price": product.list_price, "cost": product.cost, "updated_at": product.updated_at} \
        if product.updated_at is not None else None
    product.name = data.name or product.name
    product.list_price = data.list_price
    product.cost = data.cost if data.cost is not None else product.cost
    product.active = data.active
    product.supplier = data.supplier or product.supplier
    product.updated_at = event.occurred_at
    chunk.touch(chunk.dirty_products, product)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product,
                        extra={"previous": previous} if previous else {})


def _apply_inventory(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    product, warehouse = chunk.products[data.sku], chunk.warehouses[data.warehouse]
    stock = chunk.stock.get((product.pk, warehouse.pk))
    if stock is None:
        stock = Stock(product=product, warehouse=warehouse, on_hand=data.on_hand, reserved=data.reserved,
                      updated_at=event.occurred_at)
        chunk.stock[(product.pk, warehouse.pk)] = stock
        chunk.new_stock.append(stock)
    elif event.occurred_at < stock.updated_at:
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock,
                            changed=False)
    else:
        previous = {"on_hand": stock.on_hand, "reserved": stock.reserved, "updated_at": stock.updated_at}
        stock.on_hand, stock.reserved, stock.updated_at = data.on_hand, data.reserved, event.occurred_at
        chunk.touch(chunk.dirty_stock, stock)
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock,
                            extra={"previous": previous})
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock)


def _apply_shipment(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    existing = chunk.shipments_by_no.get(data.shipment_no)
    if existing is not None:
        # The same parcel announced again under a new event id: nothing new to record.
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, shipment=existing,
                            changed=False)
    other = chunk.shipments_by_tracking.get((data.carrier, data.tracking_no))
    if other is not None:
        raise _Refused("data.tracking_no",
                       f"tracking number {data.carrier} {data.tracking_no} already belongs to shipment {other.shipment_no}")
    shipment = fast_new(Shipment, {"order": order, "warehouse": chunk.warehouses[data.warehouse] if data.warehouse
                                   else order.warehouse},
                        shipment_no=data.shipment_no, carrier=data.carrier, tracking_no=data.tracking_no,
                        created_at=event.occurred_at)
    chunk.new_shipments.append(shipment)
    chunk._index_shipment(shipment)
    lines = [_ShipmentLineRow(shipment, chunk.products[line.sku], line.sku, line.qty) for line in data.lines]
    chunk.new_shipment_lines.extend(lines)
    order.shipped_at = _earliest(order.shipped_at, event.occurred_at)
    chunk.touch_order(order, "shipped_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, shipment=shipment,
                        extra={"lines": lines})


def _apply_tracking(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    shipment = chunk.shipments_by_tracking.get((data.carrier, data.tracking_no))
    if shipment is None:
        raise _Waiting(tracking_key(data.carrier, data.tracking_no))
    chunk.new_tracking.append(_TrackingRow(shipment, data.status, data.raw_status[:100], data.description[:500],
                                           data.location[:200], at, event.event_id))
    key = (data.carrier, data.tracking_no)
    if key not in chunk.scanned_before:
        # The parcel's latest scan stored before this chunk (moving or "no update"): detection measures the
        # silence that this chunk's first scan ends from it, without reading the parcel's history.
        chunk.scanned_before[key] = max((t for t in (shipment.last_event_at, shipment.carrier_stalled_at) if t),
                                        default=None)
    previous_status = shipment.status
    shipment.first_event_at = _earliest(shipment.first_event_at, at)
    if not data.stalled:
        # "Still no update" from the carrier is not movement: it must not restart the stall clock.
        shipment.last_event_at = _latest(shipment.last_event_at, at)
    if data.stalled:
        shipment.carrier_stalled_at = _latest(shipment.carrier_stalled_at, at)
    elif shipment.status_at is None or at >= shipment.status_at:
        shipment.status, shipment.status_at = data.status, at
        shipment.last_location, shipment.last_description = data.location[:200], data.description[:500]
        shipment.carrier_stalled_at = None
    if data.status in _CARRIER_HAS_IT and not data.stalled:
        shipment.picked_up_at = _earliest(shipment.picked_up_at, at)
    order = chunk.orders_by_id.get(shipment.order_id) if shipment.order_id else shipment.order
    if data.status == TrackingStatus.DELIVERED and not data.stalled:
        shipment.delivered_at = _earliest(shipment.delivered_at, at)
        if order is not None:
            order.delivered_at = _latest(order.delivered_at, shipment.delivered_at)
            chunk.touch_order(order, "delivered_at")
    chunk.touch(chunk.dirty_shipments, shipment)
    return AppliedEvent(event.event_id, event.type, at, data, order=order, shipment=shipment,
                        changed=shipment.status != previous_status or shipment.status_at == at,
                        extra={"previous_status": previous_status, "scanned_before": chunk.scanned_before[key]})


def _refund(chunk: _Chunk, event: InboundEvent, order: Order) -> tuple[Refund, bool]:
    data = event.data
    refund = chunk.refunds.get(data.refund_no)
    if refund is None:
        refund = Refund(refund_no=data.refund_no, order=order, status_at=event.occurred_at)
        chunk.refunds[data.refund_no] = refund
        chunk.new_refunds.append(refund)
        return refund, True
    if refund.order_id and order.pk and refund.order_id != order.pk:
        raise _Refused("data.order_no", f"refund {data.refund_no} belongs to another order")
    chunk.touch(chunk.dirty_refunds, refund)
    return refund, False


def _apply_refund(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    order = _need_order(chunk, data.order_no)
    refund, created = _refund(chunk, event, order)
    newest = created or at >= refund.status_at
    if event.type == "refund.requested":
        refund.amount = data.amount
        refund.reason = data.reason[:500] or refund.reason
        refund.requested_at = _earliest(refund.requested_at, at)
        status = RefundStatus.REQUESTED
    elif event.type == "refund.completed":
        refund.completed_amount = data.amount
        refund.completed_at = _earliest(refund.completed_at, at)
        status = RefundStatus.COMPLETED
    else:
        refund.failure_reason = data.reason[:500]
        refund.failed_at = _latest(refund.failed_at, at)
        status = RefundStatus.FAILED
    if newest:
        refund.status, refund.status_at = status, at
    return AppliedEvent(event.event_id, event.type, at, data, order=order, refund=refund)


def _apply_report(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    report = CustomerReport(order=order, kind=data.kind, message=data.message,
                            attachments=event.raw_data.get("attachments") or [], reported_at=event.occurred_at,
                            event_id=event.event_id)
    chunk.new_reports.append(report)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, extra={"report": report})


def _apply_fault(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    data = event.data
    component = chunk.components[data.component]
    component.last_fault_at = _latest(component.last_fault_at, event.occurred_at)
    chunk.touch(chunk.dirty_components, component)
    chunk.new_faults.append(SystemFault(component=component, severity=data.severity[:20], message=data.message,
                                        occurred_at=event.occurred_at, event_id=event.event_id))
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, component=component)


def _apply_heartbeat(chunk: _Chunk, event: InboundEvent) -> AppliedEvent:
    component = chunk.components[event.data.component]
    component.last_heartbeat_at = _latest(component.last_heartbeat_at, event.occurred_at)
    chunk.touch(chunk.dirty_components, component)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, event.data, component=component)


HANDLERS = {
    "order.created": _apply_snapshot,
    "order.updated": _apply_snapshot,
    "order.paid": _apply_paid,
    "payment.failed": _apply_payment_failed,
    "order.cancel_requested": _apply_cancel,
    "order.cancelled": _apply_cancel,
    "order.change_requested": _apply_change,
    "product.updated": _apply_product,
    "inventory.updated": _apply_inventory,
    "shipment.created": _apply_shipment,
    "tracking.updated": _apply_tracking,
    "refund.requested": _apply_refund,
    "refund.completed": _apply_refund,
    "refund.failed": _apply_refund,
    "customer.reported": _apply_report,
    "system.fault": _apply_fault,
    "system.heartbeat": _apply_heartbeat,
}

# Events that bring a new target into the hub, and the waiting key they release.
_RELEASES = {
    "order.created": lambda data: [order_key(data.order_no)],
    "order.updated": lambda data: [order_key(data.order_no)],
    "shipment.created": lambda data: [tracking_key(data.carrier, data.tracking_no)],
}


def apply_events(events: list[InboundEvent]) -> ApplyOutcome:
    """Apply a chunk of validated, not-yet-seen events. The caller holds a transaction.

    Events are applied in `occurred_at` order. An event whose order or parcel is unknown waits; when the
    target arrives (in this chunk or a later one) the waiting events are applied right after it.
    """
    outcome = ApplyOutcome()
    _CACHE.begin()
    try:
        _apply(events, outcome)
    except BaseException:
        _CACHE.clear()
        raise
    return outcome


def _apply(events: list[InboundEvent], outcome: ApplyOutcome) -> None:
    released_keys = {key for e in events if e.type in _RELEASES for key in _RELEASES[e.type](e.data)}
    earlier = _load_waiting(released_keys)
    chunk = _Chunk(events + earlier)
    earlier_ids = {e.event_id for e in earlier}

    waiting: dict[str, list[InboundEvent]] = defaultdict(list)

    def apply_one(event: InboundEvent) -> list[InboundEvent]:
        """Apply one event; return the waiting events it released, in time order."""
        try:
            applied = HANDLERS[event.type](chunk, event)
        except _Waiting as wait:
            waiting[wait.key].append(event)
            return []
        except _Refused as refused:
            outcome.refused[event.event_id] = (refused.field, refused.reason)
            return []
        outcome.applied.append(applied)
        if event.event_id in earlier_ids:
            outcome.released.append(event.event_id)
        released = []
        if event.type in _RELEASES:
            for key in _RELEASES[event.type](event.data):
                released += sorted(waiting.pop(key, ()), key=lambda e: e.occurred_at)
        return released

    # Released events apply right after the event that released them (depth first), with an explicit
    # stack: a recursive closure would be a reference cycle holding the whole chunk until the next
    # garbage collection.
    for event in sorted(chunk.events, key=lambda e: e.occurred_at):
        stack = [event]
        while stack:
            stack.extend(reversed(apply_one(stack.pop())))

    chunk.flush()
    for key, held in waiting.items():
        for event in held:
            outcome.waiting[event.event_id] = key
    new_waiting = [
        PendingEvent(event_id=e.event_id, type=e.type, occurred_at=e.occurred_at, waiting_key=key,
                     order_no=getattr(e.data, "order_no", ""), data=e.raw_data)
        for key, held in waiting.items() for e in held if e.event_id not in earlier_ids
    ]
    PendingEvent.objects.bulk_create(new_waiting)
    if outcome.released:
        PendingEvent.objects.filter(event_id__in=outcome.released).delete()
    chunk.remember()
    _CACHE.commit()


def _load_waiting(keys: set[str]) -> list[InboundEvent]:
    if not keys:
        return []
    events = []
    # Every chunk that creates an order or a parcel asks (most find nothing): a raw read, not an ORM query.
    waiting = sorted(fast_load(PendingEvent, "waiting_key", keys), key=lambda p: (p.occurred_at, p.pk))
    for pending in waiting:  # in PendingEvent's own ordering: occurred_at, then arrival
        try:
            data = DATA_MODELS[pending.type].model_validate(pending.data)
        except ValidationError:  # pragma: no cover - it was valid when it was accepted
            continue
        events.append(InboundEvent(pending.event_id, pending.type, pending.occurred_at, data, pending.data))
    return events
