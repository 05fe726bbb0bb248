"""`fast_new` and `set_related` (how the importer makes new hub rows) give what the ORM's constructor and
foreign-key assignment give: every field's default, the values passed, the related instances cached."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordex.core.bulk import fast_new, set_related
from ordex.orders.models import Customer, Order, Shipment, Shop, Warehouse

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 1, 2, 15, tzinfo=UTC)


def _state(obj):
    fields = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
    return fields, {name: type(value) for name, value in fields.items()}, obj._state.adding, obj._state.db


@pytest.fixture
def shop():
    return Shop.objects.create(code="tb-main", name="天猫旗舰店")


@pytest.fixture
def customer(shop):
    return Customer.objects.create(shop=shop, external_id="c-1", name="张三")


def test_a_new_order_has_every_default_and_the_values_given():
    made = fast_new(Order, order_no="A1", created_at=AT, snapshot_at=AT, total=Decimal("99.00"))
    assert _state(made) == _state(Order(order_no="A1", created_at=AT, snapshot_at=AT, total=Decimal("99.00")))
    assert made.pk is None and made.paid_amount == Decimal("0") and made.currency == "CNY"


def test_a_new_customer_is_what_the_constructor_makes(shop):
    values = {"shop_id": shop.pk, "external_id": "c-1", "name": "张三", "phone": "13812345678",
              "phone_kind": "mobile", "email": ""}
    assert _state(fast_new(Customer, **values)) == _state(Customer(**values))


def test_related_instances_are_set_and_cached_like_the_descriptor_does(shop, customer, django_assert_num_queries):
    warehouse = Warehouse.objects.create(code="WH-HZ", name="杭州仓")
    order = fast_new(Order, order_no="A1", created_at=AT, snapshot_at=AT, total=Decimal("1.00"))
    set_related(order, shop=shop, customer=customer, warehouse=warehouse)
    expected_order = Order(order_no="A1", created_at=AT, snapshot_at=AT, total=Decimal("1.00"))
    expected_order.shop, expected_order.customer, expected_order.warehouse = shop, customer, warehouse
    assert _state(order) == _state(expected_order)
    shipment = fast_new(Shipment, {"order": order, "warehouse": None}, shipment_no="S1", carrier="yunda",
                        tracking_no="YD1", created_at=AT)
    expected = Shipment(shipment_no="S1", order=order, carrier="yunda", tracking_no="YD1", warehouse=None,
                        created_at=AT)
    assert _state(shipment) == _state(expected)
    with django_assert_num_queries(0):
        assert order.shop is shop and order.warehouse is warehouse and order.customer is customer
        assert shipment.order is order and shipment.warehouse is None
    assert (order.shop_id, order.warehouse_id, order.customer_id) == (shop.pk, warehouse.pk, customer.pk)
    assert shipment.order_id is None  # the order has no key yet, as with the ORM; the insert reads the cache


def test_a_new_row_saves_as_an_insert(shop, customer):
    order = fast_new(Order, order_no="A1", created_at=AT, snapshot_at=AT, total=Decimal("1.00"))
    set_related(order, shop=shop, customer=customer)
    order.save()
    assert Order.objects.get(order_no="A1").shop == shop


def test_an_unknown_field_is_refused_by_name():
    with pytest.raises(TypeError, match="no field.*shop\\b"):
        fast_new(Order, order_no="A1", shop="tb-main")
