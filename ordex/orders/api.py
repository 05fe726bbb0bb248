"""Order lookups. Every authenticated caller may read orders (integrations too); the schemas mask
phones and streets for roles that may not see personal data."""

from decimal import Decimal

from ninja import Query, Router, Schema
from pydantic import Field

from ordex.core.errors import InvalidInput, NotFound
from ordex.core.limits import Offset, RowId

from . import queries
from .schemas import CustomerHistoryOut, OrderDetailOut, OrderPageOut

router = Router(tags=["orders"])


class OrderFilters(Schema):
    phone: str | None = Field(None, description="Exact phone of the receiver or buyer; spaces and +86 are ignored")
    q: str | None = Field(None, description="Product words; each must appear in a line's product name or SKU")
    price_min: Decimal | None = Field(None, ge=0, description="Lowest unit price of the matching line")
    price_max: Decimal | None = Field(None, ge=0, description="Highest unit price of the matching line")
    limit: int = Field(20, ge=1, le=100)
    offset: Offset = 0


@router.get("/orders/{order_no}", response=OrderDetailOut, summary="One order with everything that happened to it")
def get_order(request, order_no: str):
    order = queries.order_detail(order_no)
    if order is None:
        raise NotFound("order_not_found", f"no order {order_no}")
    return order


@router.get("/orders", response=OrderPageOut, summary="Find orders by phone, or by product words and price")
def find_orders(request, filters: Query[OrderFilters]):
    phone = (filters.phone or "").strip()
    words = (filters.q or "").strip()
    if not (phone or words or filters.price_min is not None or filters.price_max is not None):
        raise InvalidInput("missing_filter", "give phone, q, price_min or price_max", field="q")
    page = queries.find_orders(
        phone=phone,
        words=words,
        price_min=filters.price_min,
        price_max=filters.price_max,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"items": page.items, "count": page.count}


@router.get("/customers/{customer_id}/history", response=CustomerHistoryOut, summary="A customer's last 30 days")
def customer_history(request, customer_id: RowId):
    history = queries.customer_history(customer_id)
    if history is None:
        raise NotFound("customer_not_found", f"no customer {customer_id}")
    return history
