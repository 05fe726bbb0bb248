"""Fixtures for case tests: orders made directly in the hub, times in Asia/Shanghai, a supervisor to notify."""

from datetime import datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from ordex.orders.models import Customer, Order, Shop

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def make_order(db):
    def make(order_no: str | None = None, **fields) -> Order:
        shop, _ = Shop.objects.get_or_create(code="tmall-1", defaults={"name": "旗舰店"})
        n = next(_numbers)
        customer = Customer.objects.create(shop=shop, external_id=f"buyer-{n}", name="张三", phone="13912345678")
        defaults = {
            "order_no": order_no or f"T{n:08d}", "shop": shop, "customer": customer, "phone": "13912345678",
            "receiver_name": "张三", "province": "浙江省", "city": "杭州市", "district": "临平区",
            "address_detail": "南苑街道人民大道100号", "total": Decimal("99.00"),
            "created_at": sh(2026, 11, 23, 9), "snapshot_at": sh(2026, 11, 23, 9),
        }
        return Order.objects.create(**{**defaults, **fields})

    return make


@pytest.fixture
def order(make_order):
    return make_order("T-1001")
