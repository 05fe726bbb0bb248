"""What the order lookups return. Money is a decimal string ("99.00"); times are ISO-8601 in the
server's zone (Asia/Shanghai by default) with their offset.

Names, phones and streets are masked for callers without the right to personal data by the API's edge
(`ordex.accounts.access.mask_personal_data`, applied to every response), not here. Email and buyer IP are
left out altogether for those callers (`ordex.accounts.access.can_see_personal_data`).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import PlainSerializer

from ordex.accounts.access import can_see_personal_data

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
LocalTime = Annotated[datetime, PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str)]


def shows_personal_data(context: Any) -> bool:
    """True only for a request whose caller may see phones and streets; no request means masked."""
    request = (context or {}).get("request")
    return request is not None and can_see_personal_data(request.auth)


class AddressOut(Schema):
    raw: str
    province: str
    city: str
    district: str
    detail: str
    postcode: str
    quality: str


def _address(order) -> AddressOut:
    return AddressOut(
        raw=order.address_raw,
        province=order.province,
        city=order.city,
        district=order.district,
        detail=order.address_detail,
        postcode=order.postcode,
        quality=order.address_quality,
    )


class OrderLineOut(Schema):
    line_no: int
    sku: str
    name: str
    qty: int
    unit_price: Money
    list_price: Money | None
    amount: Money


class OrderSummaryOut(Schema):
    order_no: str
    shop: str
    platform: str
    status: str
    customer_id: int
    receiver_name: str
    phone: str
    address: AddressOut
    total: Money
    paid_amount: Money
    currency: str
    created_at: LocalTime
    paid_at: LocalTime | None
    shipped_at: LocalTime | None
    delivered_at: LocalTime | None
    cancelled_at: LocalTime | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_shop(order) -> str:
        return order.shop.code

    @staticmethod
    def resolve_address(order) -> AddressOut:
        return _address(order)


class OrderPageOut(Schema):
    items: list[OrderSummaryOut]
    count: int


class CustomerOut(Schema):
    id: int
    shop: str
    external_id: str
    name: str
    phone: str
    phone_kind: str
    email: str | None

    @staticmethod
    def resolve_shop(customer) -> str:
        return customer.shop.code

    @staticmethod
    def resolve_email(customer, context) -> str | None:
        return customer.email if shows_personal_data(context) else None


class PaymentOut(Schema):
    status: str
    amount: Money | None
    method: str
    txn_id: str
    reason: str
    occurred_at: LocalTime


class TrackingEventOut(Schema):
    status: str
    raw_status: str
    description: str
    location: str
    occurred_at: LocalTime


class ShipmentLineOut(Schema):
    sku: str
    qty: int


class ShipmentOut(Schema):
    shipment_no: str
    carrier: str
    tracking_no: str
    warehouse: str | None
    status: str
    status_at: LocalTime | None
    created_at: LocalTime
    first_event_at: LocalTime | None
    last_event_at: LocalTime | None
    picked_up_at: LocalTime | None
    delivered_at: LocalTime | None
    carrier_stalled_at: LocalTime | None
    last_location: str
    last_description: str
    lines: list[ShipmentLineOut]
    timeline: list[TrackingEventOut]

    @staticmethod
    def resolve_warehouse(shipment) -> str | None:
        return shipment.warehouse.code if shipment.warehouse_id else None

    @staticmethod
    def resolve_timeline(shipment) -> list:
        return list(shipment.tracking_events.all())


class RefundOut(Schema):
    refund_no: str
    status: str
    amount: Money | None
    completed_amount: Money | None
    reason: str
    failure_reason: str
    requested_at: LocalTime | None
    completed_at: LocalTime | None
    failed_at: LocalTime | None


class ChangeRequestOut(Schema):
    changes: dict
    reason: str
    requested_at: LocalTime


class CustomerReportOut(Schema):
    kind: str
    message: str
    attachments: list
    reported_at: LocalTime


class OrderDetailOut(OrderSummaryOut):
    phone_kind: str
    customer: CustomerOut
    shipping_fee: Money
    discount: Money
    warehouse: str | None
    ship_by: LocalTime | None
    deliver_by: LocalTime | None
    buyer_note: str
    buyer_ip: str | None
    payment_count: int
    cancel_requested_at: LocalTime | None
    payments: list[PaymentOut]
    shipments: list[ShipmentOut]
    refunds: list[RefundOut]
    change_requests: list[ChangeRequestOut]
    customer_reports: list[CustomerReportOut]

    @staticmethod
    def resolve_warehouse(order) -> str | None:
        return order.warehouse.code if order.warehouse_id else None

    @staticmethod
    def resolve_buyer_ip(order, context) -> str | None:
        return order.buyer_ip if shows_personal_data(context) else None

    @staticmethod
    def resolve_customer_reports(order) -> list:
        return list(order.reports.all())


class CustomerHistoryOut(Schema):
    customer: CustomerOut
    since: LocalTime
    orders: list[OrderSummaryOut]
