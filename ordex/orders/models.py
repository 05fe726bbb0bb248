"""The data hub: what Ordex knows about the merchant's orders, goods, parcels and money.

Rows are written only by `ordex.orders.apply` (from inbound events). Every timestamp named `*_at` that
comes from an event is that event's `occurred_at`, so state follows when things happened, not when
Ordex heard of them.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from .choices import (
    AddressQuality,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    PhoneKind,
    Platform,
    RefundStatus,
    ReportKind,
    TrackingStatus,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
# The largest amount a money column holds; sums the hub keeps (an order's paid amount) never exceed it.
MONEY_MAX = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - Decimal("0.01")


class Shop(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    platform = models.CharField(max_length=20, choices=Platform.choices, default=Platform.OTHER)

    def __str__(self):
        return self.name or self.code


class Warehouse(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return self.name or self.code


class Customer(models.Model):
    # db_index=False: the (shop, external_id) unique index serves every lookup by shop.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="customers", db_index=False)
    external_id = models.CharField(max_length=128, help_text="The shop's customer id, or phone:<number>")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    phone_kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.MISSING)
    email = models.CharField(max_length=254, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "external_id"], name="customer_unique_per_shop")]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self):
        return self.name or self.external_id


class Product(models.Model):
    sku = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=300, blank=True)
    list_price = models.DecimalField(**MONEY, null=True, blank=True)
    cost = models.DecimalField(**MONEY, null=True, blank=True)
    active = models.BooleanField(default=True)
    supplier = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="occurred_at of the last product.updated")

    def __str__(self):
        return f"{self.sku} {self.name}"


class Stock(models.Model):
    """An absolute snapshot per SKU × warehouse; an older snapshot never overwrites a newer one."""

    # db_index=False: the (product, warehouse) unique index serves every lookup by product.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(help_text="occurred_at of the snapshot")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="stock_unique_sku_warehouse")]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class PriceHistory(models.Model):
    """Every price list told for a SKU (`product.updated`), kept by `occurred_at`: the list price and cost an
    order is judged by are the ones valid at its time, whatever order the price lists arrived in."""

    # db_index=False: the (product, valid_from) index serves every lookup by product.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_history", db_index=False)
    list_price = models.DecimalField(**MONEY, null=True, blank=True)
    cost = models.DecimalField(**MONEY, null=True, blank=True, help_text="Empty: the price list did not say")
    valid_from = models.DateTimeField(help_text="occurred_at of the product.updated")
    event_id = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["product", "valid_from"], name="price_history_at")]

    def __str__(self):
        return f"{self.product_id} ¥{self.list_price} from {self.valid_from:%Y-%m-%d %H:%M}"


class StockHistory(models.Model):
    """Every stock snapshot told (`inventory.updated`), kept by `occurred_at`: what a warehouse had available
    at any moment, whatever order the snapshots arrived in (`Stock` holds only the newest)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_history", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock_history")
    on_hand = models.IntegerField()
    reserved = models.IntegerField(default=0)
    valid_from = models.DateTimeField(help_text="occurred_at of the inventory.updated")
    event_id = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["product", "warehouse", "valid_from"], name="stock_history_at")]

    def __str__(self):
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand - self.reserved} from {self.valid_from}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Order(models.Model):
    order_no = models.CharField(max_length=100, unique=True)
    # db_index=False on shop and customer: the (shop, created_at) and (customer, created_at) indexes serve
    # every lookup by either; a second index on the bare column only costs writes (18 indexes per order).
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders", db_index=False)
    platform = models.CharField(max_length=20, choices=Platform.choices, default=Platform.OTHER)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", db_index=False)
    status = models.CharField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.CREATED, db_index=True)

    # Contact and address as given (raw) and as parsed.
    phone = models.CharField(max_length=40, blank=True)
    phone_kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.MISSING)
    receiver_name = models.CharField(max_length=200, blank=True)
    address_raw = models.CharField(max_length=500, blank=True)
    province = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=40, blank=True)
    district = models.CharField(max_length=40, blank=True)
    address_detail = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=12, blank=True)
    adcode = models.CharField(max_length=12, blank=True)
    address_quality = models.CharField(max_length=12, choices=AddressQuality.choices, default=AddressQuality.OK)
    address_key = models.CharField(max_length=64, blank=True, help_text="Normalised address hash")

    total = models.DecimalField(**MONEY, help_text="Payable amount")
    shipping_fee = models.DecimalField(**MONEY, default=Decimal("0"))
    discount = models.DecimalField(**MONEY, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="CNY")
    lines_key = models.CharField(max_length=500, blank=True, help_text="sorted sku×qty multiset")
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    ship_by = models.DateTimeField(null=True, blank=True)
    deliver_by = models.DateTimeField(null=True, blank=True)
    buyer_ip = models.GenericIPAddressField(null=True, blank=True)
    buyer_note = models.TextField(blank=True)

    created_at = models.DateTimeField(help_text="occurred_at of order.created")
    snapshot_at = models.DateTimeField(help_text="occurred_at of the order snapshot the fields above come from")
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    payment_count = models.PositiveIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["address_key", "created_at"]),
            models.Index(fields=["buyer_ip", "created_at"]),
            models.Index(fields=["shop", "created_at"]),
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["paid_at"], condition=Q(shipped_at__isnull=True), name="order_unshipped_paid"),
            models.Index(fields=["created_at"], condition=Q(paid_at__isnull=True), name="order_unpaid_created"),
            models.Index(fields=["cancel_requested_at"], condition=Q(cancel_requested_at__isnull=False),
                         name="order_cancel_requested"),
            models.Index(fields=["ship_by"], condition=Q(ship_by__isnull=False, shipped_at__isnull=True),
                         name="order_unshipped_ship_by"),
            models.Index(fields=["deliver_by"], condition=Q(deliver_by__isnull=False, delivered_at__isnull=True),
                         name="order_undelivered_deliver_by"),
            models.Index(fields=["shipped_at"], condition=Q(shipped_at__isnull=False, delivered_at__isnull=True),
                         name="order_undelivered_shipped"),
        ]

    def __str__(self):
        return self.order_no

    def derive_status(self) -> str:
        if self.cancelled_at:
            return OrderStatus.CANCELLED
        if self.delivered_at:
            return OrderStatus.DELIVERED
        if self.shipped_at:
            return OrderStatus.SHIPPED
        if self.paid_at:
            return OrderStatus.PAID
        return OrderStatus.CREATED

    @property
    def address_display(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.address_detail) if p) or self.address_raw


class OrderLine(models.Model):
    # db_index=False: the (order, line_no) unique index serves every lookup by order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    qty = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    list_price = models.DecimalField(**MONEY, null=True, blank=True,
                                     help_text="As the order gave it, else the SKU's list price at the order's time")
    list_price_given = models.BooleanField(default=True, help_text="The order event carried the list price")

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique_no")]
        indexes = [models.Index(fields=["sku"])]

    def __str__(self):
        return f"{self.sku} × {self.qty}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    status = models.CharField(max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.OTHER)
    txn_id = models.CharField(max_length=128, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    event_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["method", "occurred_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self):
        return f"{self.status} {self.amount or ''} {self.method}"


class OrderChange(models.Model):
    """A change the buyer asked for (address, quantity, spec) that must be handled before shipping."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="change_requests")
    changes = models.JSONField()
    reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField()
    event_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return f"change requested {self.requested_at:%Y-%m-%d %H:%M}"


class Shipment(models.Model):
    shipment_no = models.CharField(max_length=100, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=40)
    tracking_no = models.CharField(max_length=100)
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(help_text="occurred_at of shipment.created")
    status = models.CharField(max_length=24, choices=TrackingStatus.choices, blank=True)
    status_at = models.DateTimeField(null=True, blank=True, help_text="occurred_at of the event that set status")
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True, help_text="latest tracking occurred_at")
    picked_up_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_location = models.CharField(max_length=200, blank=True)
    last_description = models.CharField(max_length=500, blank=True)
    carrier_stalled_at = models.DateTimeField(
        null=True, blank=True, help_text="The carrier itself flagged the parcel as not updated (kuaidi100 202)"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carrier", "tracking_no"], name="shipment_unique_tracking")]
        indexes = [
            models.Index(fields=["status", "last_event_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["tracking_no"]),
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_no}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    sku = models.CharField(max_length=100)
    qty = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.sku} × {self.qty}"


class TrackingEvent(models.Model):
    # db_index=False: the (shipment, occurred_at) index serves every lookup by shipment.
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events", db_index=False)
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    raw_status = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500, blank=True)
    location = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    event_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self):
        return f"{self.status} {self.location} {self.occurred_at:%Y-%m-%d %H:%M}"


class Refund(models.Model):
    refund_no = models.CharField(max_length=100, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="Requested amount")
    completed_amount = models.DecimalField(**MONEY, null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(help_text="occurred_at of the event that set status")

    class Meta:
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return self.refund_no


class CustomerReport(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    message = models.TextField()
    attachments = models.JSONField(default=list, blank=True)
    reported_at = models.DateTimeField()
    event_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["reported_at", "pk"]

    def __str__(self):
        return f"{self.kind}: {self.message[:40]}"


class Component(models.Model):
    """A part of the merchant's system that reports faults and heartbeats (ERP, WMS, a shop connector)."""

    name = models.CharField(max_length=100, unique=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_fault_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class SystemFault(models.Model):
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="faults")
    severity = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    event_id = models.CharField(max_length=200)

    def __str__(self):
        return f"{self.component_id} {self.severity} {self.occurred_at:%Y-%m-%d %H:%M}"


class PendingEvent(models.Model):
    """An accepted event whose target (order, parcel) has not arrived yet. It is applied, in
    `occurred_at` order, as soon as its target arrives; until then it waits here, never dropped."""

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    waiting_key = models.CharField(max_length=260, db_index=True, help_text="order:<no> or tracking:<carrier>:<no>")
    order_no = models.CharField(max_length=100, blank=True, db_index=True)
    data = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["received_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self):
        return f"{self.type} {self.event_id} waiting for {self.waiting_key}"


class HubVersion(models.Model):
    """One row whose token changes with every write to the hub: how an importer knows that the rows it
    kept from its previous chunk are still what the database holds."""

    token = models.CharField(max_length=32)

    def __str__(self):
        return self.token
