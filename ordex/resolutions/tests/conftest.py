"""Fixtures for resolutions tests: a paid order with two lines (2 × 100.00 cups, 1 × 100.00 lid; 300.00
paid, goods at cost 40.00 each) and an open case of a type whose playbook allows what the test needs."""

from decimal import Decimal

import pytest
from django.utils import timezone

from ordex.accounts.access import principal_for_user
from ordex.cases import actions as case_actions
from ordex.orders.tests.factories import OrderFactory, ShopFactory

LINES = [
    {"sku": "CUP", "name": "保温杯", "unit_price": Decimal("100.00"), "qty": 2},
    {"sku": "LID", "name": "杯盖", "unit_price": Decimal("100.00"), "qty": 1},
]


def paid_order(*, platform="tmall", shop_code=None, shipped=False, paid="300.00", lines=None, **fields):
    shop = ShopFactory(code=shop_code or f"{platform}-shop", platform=platform)
    now = timezone.now()
    order = OrderFactory(shop=shop, lines=lines or LINES, paid_amount=Decimal(paid), paid_at=now, **fields)
    if shipped:
        order.shipped_at = now
        order.save(update_fields=["shipped_at"])
    return order


def open_case(order, type_code="wrong_item"):
    """wrong_item allows exchange, reship, refund, compensation (and coupon)."""
    return case_actions.record_finding(type_code=type_code, found_at=timezone.now(), summary="test finding",
                                       facts={}, rule_code="test.rule", order=order).case


@pytest.fixture
def order(db):
    return paid_order()


@pytest.fixture
def case(order):
    return open_case(order)


@pytest.fixture
def as_agent(alice):
    return principal_for_user(alice)


@pytest.fixture
def as_supervisor(bob):
    return principal_for_user(bob)


@pytest.fixture
def as_finance(erin):
    return principal_for_user(erin)


@pytest.fixture
def as_warehouse(dave):
    return principal_for_user(dave)
