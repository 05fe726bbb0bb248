"""`fast_load` (how the importer reads the hub rows a chunk touches) returns exactly what the ORM returns:
every field, with the same value and type, and rows that save like any other."""

from datetime import UTC
from decimal import Decimal

import pytest

from ordex.core.bulk import fast_load
from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import envelope, order_created, order_paid, shipment_created, tracking
from ordex.orders.models import Customer, Order, Refund, Shipment, Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub():
    results = ingest_events([
        order_created(total="99.50", unit_price="99.50", ship_by="2026-11-03T18:00:00+08:00",
                      buyer_ip="10.1.2.3"),
        order_paid(amount="99.50", txn_id="T-1", at="2026-11-01T10:20:00.123456+08:00"),
        shipment_created(),
        tracking("picked_up", "2026-11-02T11:00:00+08:00"),
        envelope("refund.requested", "2026-11-04T09:00:00+08:00",
                 {"refund_no": "R1", "order_no": "A1001", "amount": "10.05", "reason": "少件"}),
        envelope("inventory.updated", "2026-11-01T08:00:00+08:00",
                 {"sku": "SKU-1", "warehouse": "HZ-1", "on_hand": 7, "reserved": 2}),
    ], source="test")
    assert {r.status for r in results} == {"applied"}, [r.as_dict() for r in results]


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize(("model", "key", "value"), [
    (Order, "order_no", "A1001"),
    (Order, "id", None),
    (Shipment, "tracking_no", "YD100"),
    (Refund, "refund_no", "R1"),
    (Customer, "external_id", "c-1"),
    (Stock, "product", None),
])
def test_fast_load_returns_what_the_orm_returns(hub, model, key, value):
    expected = model.objects.get()
    if value is None:
        value = getattr(expected, model._meta.get_field(key).attname)
    [loaded] = fast_load(model, key, [value])

    want, got = _fields(expected), _fields(loaded)
    assert got == want
    assert {name: type(v) for name, v in got.items()} == {name: type(v) for name, v in want.items()}
    assert not loaded._state.adding and loaded._state.db == expected._state.db


def test_loaded_times_are_aware_and_money_keeps_its_cents(hub):
    [order] = fast_load(Order, "order_no", ["A1001"])
    assert order.paid_at.tzinfo is not None and order.paid_at.utcoffset().total_seconds() == 0
    assert order.paid_at.astimezone(UTC).microsecond == 123456
    assert order.paid_amount == Decimal("99.50") and str(order.paid_amount) == "99.50"
    assert order.shop.code == "tb-main"  # relations resolve like on any instance


def test_a_loaded_row_saves_as_an_update(hub):
    [order] = fast_load(Order, "order_no", ["A1001"])
    order.receiver_name = "李四"
    order.save()
    assert Order.objects.count() == 1 and Order.objects.get().receiver_name == "李四"


def test_unknown_keys_load_nothing(hub):
    assert fast_load(Order, "order_no", ["NOPE"]) == [] and fast_load(Order, "order_no", []) == []
