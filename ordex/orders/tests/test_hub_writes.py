"""Every write to the hub stamps its version (ordex/orders/writes.py), so no process keeps a stale row. The
suite's connection wrapper (conftest.py) fails any unstamped write made by code under test."""

from pathlib import Path

import pytest
from django.db import connection

from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import order_created
from ordex.orders.models import Order, Shop
from ordex.orders.writes import hub_write

pytestmark = pytest.mark.django_db
PACKAGE = Path(__file__).resolve().parents[2]


def test_an_admin_edit_of_a_shops_platform_reaches_the_next_order(client, carol):
    """The shop row is kept between chunks; the admin's edit must drop it, or orders that do not name
    their platform keep the old one (and rules use the old platform's parameters)."""
    ingest_events([order_created("P1", shop="shop-9")], source="test")
    shop = Shop.objects.get(code="shop-9")
    assert shop.platform == "taobao"
    client.force_login(carol)

    response = client.post(f"/admin/orders/shop/{shop.pk}/change/", {"name": "九号店", "platform": "jd"})

    assert response.status_code == 302
    ingest_events([order_created("P2", shop="shop-9", platform="")], source="test")
    assert Order.objects.get(order_no="P2").platform == "jd"


def test_a_hub_write_outside_hub_write_is_caught_and_one_inside_passes(db):
    shop = Shop.objects.create(code="shop-1", platform="taobao")  # a test setting up its rows: allowed

    def code_under_test(platform):
        with connection.cursor() as cursor:  # a path that forgot to stamp
            cursor.execute("UPDATE orders_shop SET platform = %s WHERE id = %s", [platform, shop.pk])

    code_under_test.__code__ = code_under_test.__code__.replace(co_filename=str(PACKAGE / "orders" / "somewhere.py"))
    with pytest.raises(AssertionError, match="outside ordex.orders.writes.hub_write"):
        code_under_test("jd")
    with hub_write():
        code_under_test("jd")
    assert Shop.objects.get(pk=shop.pk).platform == "jd"
