"""The `data` of each inbound event type (docs/events.md), as pydantic models.

The same models validate HTTP batches, files and streams. Field names are the contract: add optional
fields freely, never rename one. Money is a decimal string with at most two places (a JSON number is
refused); quantities are positive integers; times carry a UTC offset.
"""

import ipaddress
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, model_validator

from ordex.orders.choices import ReportKind, TrackingStatus

_MONEY = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("money must be a decimal string such as \"99.00\", not a JSON number")
    text = value.strip()
    if not _MONEY.match(text):
        raise ValueError("money must be a non-negative decimal string with at most 2 decimal places")
    return Decimal(text)


def aware_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("time must be an ISO-8601 string with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("time must be ISO-8601, e.g. 2026-11-01T10:15:00+08:00") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("time must carry a UTC offset, e.g. +08:00")
    return parsed


def _ip(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise ValueError("not an IP address") from None


def _text(value: Any) -> Any:
    # Integrators send ids as numbers surprisingly often; an id is text to us.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Money = Annotated[Decimal, BeforeValidator(_money)]
AwareDatetime = Annotated[datetime, BeforeValidator(aware_datetime)]
Qty = Annotated[StrictInt, Field(gt=0)]
Key = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=100)]
Text = Annotated[str, BeforeValidator(_text)]


class Data(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=False)


class Customer(Data):
    id: Text | None = None
    name: str = ""
    phone: Text
    email: str = ""


class Address(Data):
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    postcode: Text = ""
    raw: str = ""
    name: str = ""

    @model_validator(mode="after")
    def _some_address(self):
        if not (self.raw or self.province or self.city or self.district or self.detail):
            raise ValueError("address needs either raw text or province/city/district/detail")
        return self


class OrderLine(Data):
    sku: Key
    name: str = ""
    qty: Qty
    unit_price: Money
    list_price: Money | None = None


class OrderSnapshot(Data):
    order_no: Key
    shop: Key
    platform: str = ""
    customer: Customer
    address: Address
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=500)]
    shipping_fee: Money | None = None
    discount: Money | None = None
    total: Money
    currency: str = "CNY"
    warehouse: Key | None = None
    ship_by: AwareDatetime | None = None
    deliver_by: AwareDatetime | None = None
    buyer_ip: Annotated[str | None, BeforeValidator(_ip)] = None
    buyer_note: str = ""


class OrderPaid(Data):
    order_no: Key
    amount: Money
    method: str = "other"
    txn_id: Text = ""


class PaymentFailed(Data):
    order_no: Key
    method: str = "other"
    reason: str = ""


class OrderCancel(Data):
    order_no: Key
    reason: str = ""


class OrderChangeRequested(Data):
    order_no: Key
    changes: dict
    reason: str = ""


class ProductUpdated(Data):
    sku: Key
    name: str = ""
    list_price: Money
    cost: Money | None = None
    active: StrictBool = True
    supplier: str = ""


class InventoryUpdated(Data):
    sku: Key
    warehouse: Key
    on_hand: StrictInt
    reserved: StrictInt = 0


class ShipmentLine(Data):
    sku: Key
    qty: Qty


class ShipmentCreated(Data):
    shipment_no: Key
    order_no: Key
    carrier: Key
    tracking_no: Key
    warehouse: Key | None = None
    lines: Annotated[list[ShipmentLine], Field(min_length=1, max_length=500)]


class TrackingUpdated(Data):
    carrier: Key
    tracking_no: Key
    status: TrackingStatus
    description: str = ""
    location: str = ""
    raw_status: Text = ""
    # Set by carrier integrations when the carrier itself says the parcel stopped updating (kuaidi100 202):
    # the status stays as it was and the parcel is marked stalled.
    stalled: StrictBool = False


class RefundRequested(Data):
    refund_no: Key
    order_no: Key
    amount: Money
    reason: str = ""


class RefundCompleted(Data):
    refund_no: Key
    order_no: Key
    amount: Money


class RefundFailed(Data):
    refund_no: Key
    order_no: Key
    reason: str = ""


class Attachment(Data):
    name: str = ""
    url: str = ""


class CustomerReported(Data):
    order_no: Key
    kind: ReportKind
    message: Annotated[str, Field(min_length=1)]
    attachments: list[Attachment] = []


class SystemFault(Data):
    component: Key
    severity: str = ""
    message: str = ""


class SystemHeartbeat(Data):
    component: Key


DATA_MODELS: dict[str, type[Data]] = {
    "order.created": OrderSnapshot,
    "order.updated": OrderSnapshot,
    "order.paid": OrderPaid,
    "payment.failed": PaymentFailed,
    "order.cancel_requested": OrderCancel,
    "order.cancelled": OrderCancel,
    "order.change_requested": OrderChangeRequested,
    "product.updated": ProductUpdated,
    "inventory.updated": InventoryUpdated,
    "shipment.created": ShipmentCreated,
    "tracking.updated": TrackingUpdated,
    "refund.requested": RefundRequested,
    "refund.completed": RefundCompleted,
    "refund.failed": RefundFailed,
    "customer.reported": CustomerReported,
    "system.fault": SystemFault,
    "system.heartbeat": SystemHeartbeat,
}
EVENT_TYPES = tuple(DATA_MODELS)
EventType = Literal[
    "order.created", "order.updated", "order.paid", "payment.failed", "order.cancel_requested",
    "order.cancelled", "order.change_requested", "product.updated", "inventory.updated", "shipment.created",
    "tracking.updated", "refund.requested", "refund.completed", "refund.failed", "customer.reported",
    "system.fault", "system.heartbeat",
]
