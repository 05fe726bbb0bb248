"""Fixtures for notify tests: a case about an order of a buyer with a phone and an email, opened by an agent,
and the outbox drained as the worker would."""

from decimal import Decimal
from itertools import count

import pytest
import time_machine

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.cases.tests.conftest import sh
from ordex.orders.models import Customer, Order, Shop

_numbers = count(1)


@pytest.fixture(autouse=True)
def daytime():
    """Notify's tests run by day in Shanghai (10:00, the clock ticking): SMS waits out the quiet hours
    (21:00-09:00), so a test reading a message would otherwise depend on when the suite runs. A test about
    the quiet hours or deadlines travels again inside it."""
    with time_machine.travel(sh(2026, 12, 7, 10), tick=True):
        yield


@pytest.fixture
def make_order(db):
    def make(order_no: str | None = None, email="zhang.san@example.com", **fields) -> Order:
        shop, _ = Shop.objects.get_or_create(code="tmall-1", defaults={"name": "旗舰店"})
        n = next(_numbers)
        customer = Customer.objects.create(shop=shop, external_id=f"buyer-{n}", name="张三", phone="13912345678",
                                           email=email)
        defaults = {
            "order_no": order_no or f"N{n:08d}", "shop": shop, "customer": customer, "phone": "13912345678",
            "receiver_name": "张三", "province": "浙江省", "city": "杭州市", "district": "临平区",
            "address_detail": "南苑街道人民大道100号", "total": Decimal("99.00"), "paid_amount": Decimal("99.00"),
            "created_at": sh(2026, 11, 23, 9), "snapshot_at": sh(2026, 11, 23, 9),
        }
        return Order.objects.create(**{**defaults, **fields})

    return make


@pytest.fixture
def agent(alice):
    return Principal(role="supervisor", name="alice", user=alice, department_code="customer_service")


@pytest.fixture
def open_case(make_order, agent):
    def make(type_code="out_of_stock", **order_fields):
        order = make_order(**order_fields)
        return case_actions.open_manual_case(actor=agent, type_code=type_code, summary=f"{type_code} on {order.order_no}",
                                             order_no=order.order_no).case

    return make


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Mail and SMS files of each test in its own folder."""
    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "ordex.notify.mail.EmlFileBackend"
    settings.ORDEX_PUBLIC_URL = "http://testserver"
    return tmp_path
