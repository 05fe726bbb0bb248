"""Every rule, once. Codes are stable: they are stored in Rule rows, findings and cases (`opened_by_rule`)."""

from decimal import Decimal

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
    Param("incident_min_reports", int, 3, "同一 SKU 形成事件的质量反馈数 reports on one SKU for an incident", minimum=1),
    Param("incident_hours", int, 720, "事件统计时间（小时） hours over which reports form one incident", minimum=1),
)

RULES: list[BaseRule] = [
    CustomerInfoError(), DuplicateOrder(), OrderChangeRequest(), CancelNotHonoured(), CancelShippedAnyway(),
    MaliciousOrders(), QuantityAnomaly(), PaymentMismatch(), PaymentTimeout(), PaymentChannelFailure(),
    PriceError(), OutOfStock(), InventoryDataError(), InventorySyncDelay(), ShipDelay(),
    ShippedLines("wrong_item", "wrong_item", "发错货 wrong item shipped",
                 "发出的商品不在订单中（所有包裹合计）。 A shipped SKU that was not ordered (all parcels of the order)."),
    ShippedLines("missing_item", "missing_item", "漏发/少发 missing item",
                 "所有包裹合计的发货数量少于订购数量；后续包裹补齐后自动消除。"
                 " Shipped qty (all parcels) below ordered qty; clears when a later parcel completes the order."),
    FalseShipment(), PickupTimeout(), TrackingStalled(), CarrierSaysStalled(), DeliveryOverdue(),
    CarrierStatus("parcel_lost", "parcel_lost", {TrackingStatus.LOST}, "承运商报丢失 carrier says lost",
                  "承运商轨迹状态为丢失。 The carrier reports the parcel lost."),
    ParcelLostStalled(),
    CarrierStatus("parcel_damaged", "parcel_damaged", {TrackingStatus.DAMAGED}, "承运商报破损 carrier reports damage",
                  "承运商轨迹状态为破损。 The carrier reports the parcel damaged."),
    CarrierStatus("delivery_failed", "delivery_failed",
                  {TrackingStatus.DELIVERY_FAILED, TrackingStatus.REFUSED, TrackingStatus.RETURNING,
                   TrackingStatus.RETURNED}, "派送失败/拒收/退回 delivery failed, refused, returned",
                  "派送失败、拒收、退回中或已退回。失败后又签收则自动消除。 Failed attempt, refused, returning or returned;"
                  " clears if the parcel is delivered afterwards.", clears_on_delivery=True),
    AddressMisdelivery(),
    CustomerReport("report_wrong_item", "wrong_item", "客户反馈发错货 customer reports a wrong item",
                   {ReportKind.WRONG_ITEM}),
    CustomerReport("report_missing_item", "missing_item", "客户反馈少发/漏发/数量不符 customer reports missing items",
                   {ReportKind.MISSING_ITEM, ReportKind.QUANTITY_MISMATCH}),
    CustomerReport("report_damaged", "parcel_damaged", "客户反馈破损 customer reports damage", {ReportKind.DAMAGED}),
    CustomerReport("report_not_received", "signed_not_received",
                   "已签收但客户称未收到 signed for, customer says not received", {ReportKind.NOT_RECEIVED}),
    NotReceivedBeforeDelivery("report_not_delivered", "complaint",
                              "未签收且客户称未收到 not delivered, customer chases the parcel", {ReportKind.NOT_RECEIVED}),
    CustomerReport("report_not_as_described", "not_as_described", "客户反馈货不对板 customer reports not as described",
                   {ReportKind.NOT_AS_DESCRIBED}),
    CustomerReport("report_quality", "quality_issue", "客户反馈质量问题 customer reports a quality issue",
                   {ReportKind.QUALITY}, params=_QUALITY_PARAMS),
    CustomerReport("report_complaint", "complaint", "客户投诉/申诉 customer complaint or appeal",
                   {ReportKind.COMPLAINT, ReportKind.OTHER}),
    RefundFailed(), RefundMismatch(), RefundDelayed(),
    SystemFault(), HeartbeatMissing(), ShopSilent(), DataLoss(),
]

REGISTRY: dict[str, BaseRule] = {rule.code: rule for rule in RULES}
assert len(REGISTRY) == len(RULES), "rule codes must be unique"

__all__ = ["REGISTRY", "RULES", "Decimal"]
