"""Every rule, once. Codes are stable: they are stored in Rule rows, findings and cases (`opened_by_rule`)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from ordex.orders.choices import ReportKind, TrackingStatus

from .base import BaseRule, Param
from .event_rules import (
    AddressMisdelivery,
    CancelShippedAnyway,
    CarrierSaysStalled,
    CarrierStatus,
    CustomerReport,
    InventoryDataError,
    NotReceivedBeforeDelivery,
    PaymentMismatch,
    RefundFailed,
    RefundMismatch,
    ShippedLines,
    SignedNotReceived,
    SystemFault,
)
from .order_rules import (
    CustomerInfoError,
    DuplicateOrder,
    MaliciousOrders,
    OrderChangeRequest,
    OutOfStock,
    PriceError,
    QuantityAnomaly,
)
from .periodic import (
    CancelNotHonoured,
    DeliveryOverdue,
    FalseShipment,
    ParcelLostStalled,
    PaymentTimeout,
    PickupTimeout,
    RefundDelayed,
    ShipDelay,
    TrackingStalled,
)
from .system_rules import DataLoss, HeartbeatMissing, InventorySyncDelay, PaymentChannelFailure, ShopSilent

_QUALITY_PARAMS = (
    Param("incident_min_reports", int, 3, gettext_lazy("Reports on one SKU for an incident"), minimum=1),
    Param("incident_hours", int, 720, gettext_lazy("Hours over which reports form one incident"), minimum=1),
)

RULES: list[BaseRule] = [
    CustomerInfoError(), DuplicateOrder(), OrderChangeRequest(), CancelNotHonoured(), CancelShippedAnyway(),
    MaliciousOrders(), QuantityAnomaly(), PaymentMismatch(), PaymentTimeout(), PaymentChannelFailure(),
    PriceError(), OutOfStock(), InventoryDataError(), InventorySyncDelay(), ShipDelay(),
    ShippedLines("wrong_item", "wrong_item", gettext_lazy("Wrong item shipped"),
                 gettext_lazy("A shipped SKU that was not ordered (all parcels of the order).")),
    ShippedLines("missing_item", "missing_item", gettext_lazy("Missing item"),
                 gettext_lazy("Shipped qty (all parcels) below ordered qty; clears when a later parcel completes"
                              " the order.")),
    FalseShipment(), PickupTimeout(), TrackingStalled(), CarrierSaysStalled(), DeliveryOverdue(),
    CarrierStatus("parcel_lost", "parcel_lost", {TrackingStatus.LOST}, gettext_lazy("Carrier says lost"),
                  gettext_lazy("The carrier reports the parcel lost.")),
    ParcelLostStalled(),
    CarrierStatus("parcel_damaged", "parcel_damaged", {TrackingStatus.DAMAGED}, gettext_lazy("Carrier reports damage"),
                  gettext_lazy("The carrier reports the parcel damaged.")),
    CarrierStatus("delivery_failed", "delivery_failed",
                  {TrackingStatus.DELIVERY_FAILED, TrackingStatus.REFUSED, TrackingStatus.RETURNING,
                   TrackingStatus.RETURNED}, gettext_lazy("Delivery failed, refused, returned"),
                  gettext_lazy("Failed attempt, refused, returning or returned; clears if the parcel is delivered"
                               " afterwards."), clears_on_delivery=True),
    AddressMisdelivery(),
    CustomerReport("report_wrong_item", "wrong_item", gettext_lazy("Customer reports a wrong item"),
                   {ReportKind.WRONG_ITEM}),
    CustomerReport("report_missing_item", "missing_item", gettext_lazy("Customer reports missing items"),
                   {ReportKind.MISSING_ITEM, ReportKind.QUANTITY_MISMATCH}),
    CustomerReport("report_damaged", "parcel_damaged", gettext_lazy("Customer reports damage"), {ReportKind.DAMAGED}),
    SignedNotReceived("report_not_received", "signed_not_received",
                   gettext_lazy("Signed for, customer says not received"), {ReportKind.NOT_RECEIVED}),
    NotReceivedBeforeDelivery("report_not_delivered", "complaint",
                              gettext_lazy("Not delivered, customer chases the parcel"), {ReportKind.NOT_RECEIVED}),
    CustomerReport("report_not_as_described", "not_as_described", gettext_lazy("Customer reports not as described"),
                   {ReportKind.NOT_AS_DESCRIBED}),
    CustomerReport("report_quality", "quality_issue", gettext_lazy("Customer reports a quality issue"),
                   {ReportKind.QUALITY}, params=_QUALITY_PARAMS),
    CustomerReport("report_complaint", "complaint", gettext_lazy("Customer complaint or appeal"),
                   {ReportKind.COMPLAINT, ReportKind.OTHER}),
    RefundFailed(), RefundMismatch(), RefundDelayed(),
    SystemFault(), HeartbeatMissing(), ShopSilent(), DataLoss(),
]

REGISTRY: dict[str, BaseRule] = {rule.code: rule for rule in RULES}
assert len(REGISTRY) == len(RULES), "rule codes must be unique"

__all__ = ["REGISTRY", "RULES", "Decimal"]
