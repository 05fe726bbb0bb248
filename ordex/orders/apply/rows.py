"""Stand-ins for the rows a chunk inserts (one plain object per row is cheaper than a model instance),
and the fields each kind of stored row may change, derived from models.py."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..models import (
    Component,
    Customer,
    Order,
    Product,
    Refund,
    Shipment,
    Stock,
)


def changeable_fields(model, *identity: str) -> list[str]:
    """The stored fields of `model` a later event may change: all but its primary key, its unique keys, the
    fields named in `identity` (what the row is attached to) and the ones stamped once on insert."""
    return [
        f.name for f in model._meta.concrete_fields
        if not (f.primary_key or f.unique or f.name in identity or getattr(f, "auto_now_add", False))
    ]


ORDER_FIELDS = changeable_fields(Order)
SHIPMENT_FIELDS = changeable_fields(Shipment, "order", "carrier", "tracking_no", "warehouse", "created_at")
REFUND_FIELDS = changeable_fields(Refund, "order")
CUSTOMER_FIELDS = changeable_fields(Customer, "shop", "external_id")
STOCK_FIELDS = changeable_fields(Stock, "product", "warehouse")
PRODUCT_FIELDS = changeable_fields(Product)
COMPONENT_FIELDS = changeable_fields(Component)


@dataclass(slots=True)
class TrackingRow:
    """A TrackingEvent row to insert: the hub writes one per scan and never reads it back in the chunk."""

    shipment: Shipment
    status: str
    raw_status: str
    description: str
    location: str
    occurred_at: datetime
    event_id: str


@dataclass(slots=True)
class LineRow:
    """An OrderLine row to insert (see TrackingRow); subscribers read its fields like an OrderLine's."""

    order: Order
    line_no: int
    product: Product
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    list_price: Decimal | None
    list_price_given: bool = True

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


@dataclass(slots=True)
class ShipmentLineRow:
    """A ShipmentLine row to insert (see TrackingRow)."""

    shipment: Shipment
    product: Product
    sku: str
    qty: int


@dataclass(slots=True)
class PaymentRow:
    """A Payment row to insert (see TrackingRow)."""

    order: Order
    status: str
    method: str
    occurred_at: datetime
    event_id: str
    amount: Decimal | None = None
    txn_id: str = ""
    reason: str = ""
