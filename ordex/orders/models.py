"""The data hub: what Ordex knows about the merchant's orders, goods, parcels and money.

Rows are written only by `ordex.orders.apply` (from inbound events). Every timestamp named `*_at` that
comes from an event is that event's `occurred_at`, so state follows when things happened, not when
Ordex heard of them.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    platform = models.CharField(
        _("platform"), max_length=20, choices=Platform.choices, default=Platform.OTHER
    )

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self):
        return self.name or self.code


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self):
        return self.name or self.code


class Customer(models.Model):
    # db_index=False: the (shop, external_id) unique index serves every lookup by shop.
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    external_id = models.CharField(
        _("external ID"), max_length=128, help_text=_("The shop's customer id, or phone:<number>")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_kind = models.CharField(
        _("phone kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MISSING
    )
    email = models.CharField(_("email address"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [models.UniqueConstraint(fields=["shop", "external_id"], name="customer_unique_per_shop")]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self):
        return self.name or self.external_id


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    list_price = models.DecimalField(_("list price"), **MONEY, null=True, blank=True)
    cost = models.DecimalField(_("cost"), **MONEY, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    updated_at = models.DateTimeField(
        _("updated at"), null=True, blank=True, help_text=_("occurred_at of the last product.updated")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return f"{self.sku} {self.name}"


class Stock(models.Model):
    """An absolute snapshot per SKU × warehouse; an older snapshot never overwrites a newer one."""

    # db_index=False: the (product, warehouse) unique index serves every lookup by product.
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock", db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="stock"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated at"), help_text=_("occurred_at of the snapshot"))

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="stock_unique_sku_warehouse")]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return gettext("%(place)s: %(on_hand)s on hand, %(reserved)s reserved") % {
            "place": f"{self.product_id}@{self.warehouse_id}", "on_hand": self.on_hand, "reserved": self.reserved}

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class PriceHistory(models.Model):
    """Every price list told for a SKU (`product.updated`), kept by `occurred_at`: the list price and cost an
    order is judged by are the ones valid at its time, whatever order the price lists arrived in."""

    # db_index=False: the (product, valid_from) index serves every lookup by product.
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="price_history",
        db_index=False,
    )
    list_price = models.DecimalField(_("list price"), **MONEY, null=True, blank=True)
    cost = models.DecimalField(
        _("cost"), **MONEY, null=True, blank=True, help_text=_("Empty: the price list did not say")
    )
    valid_from = models.DateTimeField(_("valid from"), help_text=_("occurred_at of the product.updated"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("price history entry")
        verbose_name_plural = _("price history")
        indexes = [models.Index(fields=["product", "valid_from"], name="price_history_at")]

    def __str__(self):
        return gettext("%(product)s ¥%(price)s from %(start)s") % {
            "product": self.product_id, "price": self.list_price, "start": f"{self.valid_from:%Y-%m-%d %H:%M}"}


class StockHistory(models.Model):
    """Every stock snapshot told (`inventory.updated`), kept by `occurred_at`: what a warehouse had available
    at any moment, whatever order the snapshots arrived in (`Stock` holds only the newest)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock_history",
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="stock_history"
    )
    on_hand = models.IntegerField(_("on hand"))
    reserved = models.IntegerField(_("reserved"), default=0)
    valid_from = models.DateTimeField(_("valid from"), help_text=_("occurred_at of the inventory.updated"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("stock history entry")
        verbose_name_plural = _("stock history")
        indexes = [models.Index(fields=["product", "warehouse", "valid_from"], name="stock_history_at")]

    def __str__(self):
        return gettext("%(place)s: %(available)s available from %(start)s") % {
            "place": f"{self.product_id}@{self.warehouse_id}", "available": self.on_hand - self.reserved,
            "start": f"{self.valid_from:%Y-%m-%d %H:%M}"}

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Order(models.Model):
    order_no = models.CharField(_("order number"), max_length=100, unique=True)
    # db_index=False on shop and customer: the (shop, created_at) and (customer, created_at) indexes serve
    # every lookup by either; a second index on the bare column only costs writes (18 indexes per order).
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    platform = models.CharField(
        _("platform"), max_length=20, choices=Platform.choices, default=Platform.OTHER
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.CREATED, db_index=True
    )

    # Contact and address as given (raw) and as parsed.
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_kind = models.CharField(
        _("phone kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MISSING
    )
    receiver_name = models.CharField(_("receiver name"), max_length=200, blank=True)
    address_raw = models.CharField(_("address as given"), max_length=500, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    address_detail = models.CharField(_("address detail"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    adcode = models.CharField(_("administrative division code"), max_length=12, blank=True)
    address_quality = models.CharField(
        _("address quality"), max_length=12, choices=AddressQuality.choices, default=AddressQuality.OK
    )
    address_key = models.CharField(
        _("address key"), max_length=64, blank=True, help_text=_("Normalised address hash")
    )

    total = models.DecimalField(_("total"), **MONEY, help_text=_("Payable amount"))
    shipping_fee = models.DecimalField(_("shipping fee"), **MONEY, default=Decimal("0"))
    discount = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    lines_key = models.CharField(
        _("lines key"), max_length=500, blank=True, help_text=_("sorted sku×qty multiset")
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="orders",
    )
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    deliver_by = models.DateTimeField(_("deliver by"), null=True, blank=True)
    buyer_ip = models.GenericIPAddressField(_("buyer IP"), null=True, blank=True)
    buyer_note = models.TextField(_("buyer note"), blank=True)

    created_at = models.DateTimeField(_("created at"), help_text=_("occurred_at of order.created"))
    snapshot_at = models.DateTimeField(
        _("snapshot at"), help_text=_("occurred_at of the order snapshot the fields above come from")
    )
    paid_amount = models.DecimalField(_("paid amount"), **MONEY, default=Decimal("0"))
    payment_count = models.PositiveIntegerField(_("payment count"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancel_requested_at = models.DateTimeField(_("cancel requested at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line_no = models.PositiveIntegerField(_("line number"))
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField(_("SKU"), max_length=100)
    name = models.CharField(_("name"), max_length=300, blank=True)
    qty = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    list_price = models.DecimalField(
        _("list price"), **MONEY, null=True, blank=True,
        help_text=_("As the order gave it, else the SKU's list price at the order's time"),
    )
    list_price_given = models.BooleanField(
        _("list price given"), default=True, help_text=_("The order event carried the list price")
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique_no")]
        indexes = [models.Index(fields=["sku"])]

    def __str__(self):
        return f"{self.sku} × {self.qty}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


class Payment(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="payments"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PAID
    )
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    method = models.CharField(
        _("method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.OTHER
    )
    txn_id = models.CharField(_("transaction ID"), max_length=128, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["method", "occurred_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self):
        return f"{self.status} {self.amount or ''} {self.method}"


class OrderChange(models.Model):
    """A change the buyer asked for (address, quantity, spec) that must be handled before shipping."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="change_requests"
    )
    changes = models.JSONField(_("changes"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("order change")
        verbose_name_plural = _("order changes")
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return gettext("Change requested %(at)s") % {"at": f"{self.requested_at:%Y-%m-%d %H:%M}"}


class Shipment(models.Model):
    shipment_no = models.CharField(_("shipment number"), max_length=100, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="shipments"
    )
    carrier = models.CharField(_("carrier"), max_length=40)
    tracking_no = models.CharField(_("tracking number"), max_length=100)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), help_text=_("occurred_at of shipment.created"))
    status = models.CharField(_("status"), max_length=24, choices=TrackingStatus.choices, blank=True)
    status_at = models.DateTimeField(
        _("status at"), null=True, blank=True, help_text=_("occurred_at of the event that set status")
    )
    first_event_at = models.DateTimeField(_("first event at"), null=True, blank=True)
    last_event_at = models.DateTimeField(
        _("last event at"), null=True, blank=True, help_text=_("latest tracking occurred_at")
    )
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_location = models.CharField(_("last location"), max_length=200, blank=True)
    last_description = models.CharField(_("last description"), max_length=500, blank=True)
    carrier_stalled_at = models.DateTimeField(
        _("carrier stalled at"), null=True, blank=True,
        help_text=_("The carrier itself flagged the parcel as not updated (kuaidi100 202)")
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [models.UniqueConstraint(fields=["carrier", "tracking_no"], name="shipment_unique_tracking")]
        indexes = [
            models.Index(fields=["status", "last_event_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["tracking_no"]),
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_no}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    sku = models.CharField(_("SKU"), max_length=100)
    qty = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")

    def __str__(self):
        return f"{self.sku} × {self.qty}"


class TrackingEvent(models.Model):
    # db_index=False: the (shipment, occurred_at) index serves every lookup by shipment.
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="tracking_events",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=24, choices=TrackingStatus.choices)
    raw_status = models.CharField(_("raw status"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self):
        return f"{self.status} {self.location} {self.occurred_at:%Y-%m-%d %H:%M}"


class Refund(models.Model):
    refund_no = models.CharField(_("refund number"), max_length=100, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="refunds"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True, help_text=_("Requested amount"))
    completed_amount = models.DecimalField(_("completed amount"), **MONEY, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    status_at = models.DateTimeField(_("status at"), help_text=_("occurred_at of the event that set status"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return self.refund_no


class CustomerReport(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    message = models.TextField(_("message"))
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("customer report")
        verbose_name_plural = _("customer reports")
        ordering = ["reported_at", "pk"]

    def __str__(self):
        return f"{self.kind}: {self.message[:40]}"


class Component(models.Model):
    """A part of the merchant's system that reports faults and heartbeats (ERP, WMS, a shop connector)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat at"), null=True, blank=True)
    last_fault_at = models.DateTimeField(_("last fault at"), null=True, blank=True)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self):
        return self.name


class SystemFault(models.Model):
    component = models.ForeignKey(
        Component, verbose_name=_("component"), on_delete=models.CASCADE, related_name="faults"
    )
    severity = models.CharField(_("severity"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    event_id = models.CharField(_("event ID"), max_length=200)

    class Meta:
        verbose_name = _("system fault")
        verbose_name_plural = _("system faults")

    def __str__(self):
        return f"{self.component_id} {self.severity} {self.occurred_at:%Y-%m-%d %H:%M}"


class PendingEvent(models.Model):
    """An accepted event whose target (order, parcel) has not arrived yet. It is applied, in
    `occurred_at` order, as soon as its target arrives; until then it waits here, never dropped."""

    event_id = models.CharField(_("event ID"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=40)
    occurred_at = models.DateTimeField(_("occurred at"))
    waiting_key = models.CharField(
        _("waiting key"), max_length=260, db_index=True, help_text=_("order:<no> or tracking:<carrier>:<no>")
    )
    order_no = models.CharField(_("order number"), max_length=100, blank=True, db_index=True)
    data = models.JSONField(_("data"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending event")
        verbose_name_plural = _("pending events")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["received_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self):
        return gettext("%(type)s %(event)s waiting for %(key)s") % {
            "type": self.type, "event": self.event_id, "key": self.waiting_key}


class HubVersion(models.Model):
    """One row whose token changes with every write to the hub: how an importer knows that the rows it
    kept from its previous chunk are still what the database holds."""

    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("hub version")
        verbose_name_plural = _("hub versions")

    def __str__(self):
        return self.token
