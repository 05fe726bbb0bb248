"""Admin for the data hub: find anything by its key (order no, phone, SKU, tracking no, refund no).

Orders, parcels, money and reports are written only by inbound events (`ordex.orders.apply`), so they are
view-only here: an edit in the admin would be silently overwritten by the next event, or worse, not be.
Shop, warehouse and component names are labels an admin may fix.
"""

from django.contrib import admin

from . import actions, models


class ViewOnly:
    """These rows change only through events."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventDerivedAdmin(ViewOnly, admin.ModelAdmin):
    pass


class EventDerivedInline(ViewOnly, admin.TabularInline):
    extra = 0
    show_change_link = True


class LabelAdmin(admin.ModelAdmin):
    """Hub rows whose labels an admin may fix: saved and deleted through `orders.actions` (stamped)."""

    def save_model(self, request, obj, form, change):
        actions.save_edited(obj)

    def delete_model(self, request, obj):
        actions.delete_row(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.delete_row(obj)


@admin.register(models.Shop)
class ShopAdmin(LabelAdmin):
    list_display = ("code", "name", "platform")
    list_filter = ("platform",)
    search_fields = ("code", "name")
    readonly_fields = ("code",)


@admin.register(models.Warehouse)
class WarehouseAdmin(LabelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    readonly_fields = ("code",)


@admin.register(models.Component)
class ComponentAdmin(LabelAdmin):
    list_display = ("name", "last_heartbeat_at", "last_fault_at")
    search_fields = ("name",)
    readonly_fields = ("name", "last_heartbeat_at", "last_fault_at")


@admin.register(models.Customer)
class CustomerAdmin(EventDerivedAdmin):
    list_display = ("external_id", "name", "phone", "phone_kind", "shop")
    list_filter = ("phone_kind", "shop")
    list_select_related = ("shop",)
    search_fields = ("external_id", "name", "phone", "email")


@admin.register(models.Product)
class ProductAdmin(EventDerivedAdmin):
    list_display = ("sku", "name", "list_price", "cost", "active", "supplier", "updated_at")
    list_filter = ("active",)
    search_fields = ("sku", "name", "supplier")


@admin.register(models.Stock)
class StockAdmin(EventDerivedAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "available", "updated_at")
    list_filter = ("warehouse",)
    list_select_related = ("product", "warehouse")
    search_fields = ("product__sku", "product__name")


@admin.register(models.PriceHistory)
class PriceHistoryAdmin(EventDerivedAdmin):
    list_display = ("product", "list_price", "cost", "valid_from", "event_id")
    list_select_related = ("product",)
    search_fields = ("product__sku", "event_id")
    date_hierarchy = "valid_from"


@admin.register(models.StockHistory)
class StockHistoryAdmin(EventDerivedAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "available", "valid_from", "event_id")
    list_filter = ("warehouse",)
    list_select_related = ("product", "warehouse")
    search_fields = ("product__sku", "event_id")
    date_hierarchy = "valid_from"


class OrderLineInline(EventDerivedInline):
    model = models.OrderLine
    fields = ("line_no", "sku", "name", "qty", "unit_price", "list_price", "list_price_given")
    readonly_fields = fields
    show_change_link = False


class PaymentInline(EventDerivedInline):
    model = models.Payment
    fields = ("occurred_at", "status", "amount", "method", "txn_id", "reason")
    readonly_fields = fields


class ShipmentInline(EventDerivedInline):
    model = models.Shipment
    fields = ("shipment_no", "carrier", "tracking_no", "status", "status_at", "last_event_at", "carrier_stalled_at")
    readonly_fields = fields


class RefundInline(EventDerivedInline):
    model = models.Refund
    fields = ("refund_no", "status", "amount", "completed_amount", "requested_at", "completed_at", "failed_at")
    readonly_fields = fields


class OrderChangeInline(EventDerivedInline):
    model = models.OrderChange
    fields = ("requested_at", "changes", "reason")
    readonly_fields = fields
    show_change_link = False


class CustomerReportInline(EventDerivedInline):
    model = models.CustomerReport
    fields = ("reported_at", "kind", "message")
    readonly_fields = fields


@admin.register(models.Order)
class OrderAdmin(EventDerivedAdmin):
    list_display = ("order_no", "shop", "status", "receiver_name", "phone", "total", "paid_amount", "created_at")
    list_filter = ("status", "platform", "address_quality", "phone_kind", "shop", "created_at")
    list_select_related = ("shop",)
    date_hierarchy = "created_at"
    search_fields = (
        "=order_no",
        "=phone",
        "=customer__phone",
        "receiver_name",
        "=lines__sku",
        "=shipments__tracking_no",
        "=refunds__refund_no",
    )
    inlines = (OrderLineInline, PaymentInline, ShipmentInline, RefundInline, OrderChangeInline, CustomerReportInline)


@admin.register(models.OrderLine)
class OrderLineAdmin(EventDerivedAdmin):
    list_display = ("order", "line_no", "sku", "name", "qty", "unit_price", "list_price")
    list_select_related = ("order",)
    search_fields = ("=order__order_no", "sku", "name")


@admin.register(models.Payment)
class PaymentAdmin(EventDerivedAdmin):
    list_display = ("order", "status", "amount", "method", "txn_id", "occurred_at")
    list_filter = ("status", "method", "occurred_at")
    list_select_related = ("order",)
    search_fields = ("=order__order_no", "=txn_id")


@admin.register(models.OrderChange)
class OrderChangeAdmin(EventDerivedAdmin):
    list_display = ("order", "reason", "requested_at")
    list_select_related = ("order",)
    search_fields = ("=order__order_no",)


class ShipmentLineInline(EventDerivedInline):
    model = models.ShipmentLine
    fields = ("sku", "qty")
    readonly_fields = fields
    show_change_link = False


class TrackingEventInline(EventDerivedInline):
    model = models.TrackingEvent
    fields = ("occurred_at", "status", "raw_status", "location", "description")
    readonly_fields = fields
    show_change_link = False
    ordering = ("occurred_at", "pk")


@admin.register(models.Shipment)
class ShipmentAdmin(EventDerivedAdmin):
    list_display = ("shipment_no", "order", "carrier", "tracking_no", "status", "last_event_at", "carrier_stalled_at")
    list_filter = ("status", "carrier", "created_at")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    search_fields = ("=shipment_no", "=tracking_no", "=order__order_no")
    inlines = (ShipmentLineInline, TrackingEventInline)


@admin.register(models.TrackingEvent)
class TrackingEventAdmin(EventDerivedAdmin):
    list_display = ("shipment", "status", "raw_status", "location", "occurred_at")
    list_filter = ("status", "shipment__carrier")
    list_select_related = ("shipment",)
    search_fields = ("=shipment__tracking_no", "=event_id")


@admin.register(models.Refund)
class RefundAdmin(EventDerivedAdmin):
    list_display = ("refund_no", "order", "status", "amount", "completed_amount", "requested_at", "status_at")
    list_filter = ("status", "requested_at")
    list_select_related = ("order",)
    search_fields = ("=refund_no", "=order__order_no")


@admin.register(models.CustomerReport)
class CustomerReportAdmin(EventDerivedAdmin):
    list_display = ("order", "kind", "reported_at")
    list_filter = ("kind", "reported_at")
    list_select_related = ("order",)
    search_fields = ("=order__order_no", "message")


@admin.register(models.SystemFault)
class SystemFaultAdmin(EventDerivedAdmin):
    list_display = ("component", "severity", "occurred_at")
    list_filter = ("severity", "component")
    list_select_related = ("component",)
    search_fields = ("component__name", "message")


@admin.register(models.PendingEvent)
class PendingEventAdmin(EventDerivedAdmin):
    list_display = ("event_id", "type", "waiting_key", "occurred_at", "received_at")
    list_filter = ("type",)
    search_fields = ("=event_id", "=order_no", "waiting_key")
