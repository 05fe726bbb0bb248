"""Factories for the data hub, shared by every app's tests.

Defaults describe one ordinary, healthy order: a Taobao shop, a buyer in 杭州 临平区 with a valid mobile,
one line of a 99.00 product, created now. Override what your test is about and nothing else:

    order = OrderFactory(lines=[{"sku": "CUP-BLK", "name": "保温杯 黑色", "unit_price": "129.00", "qty": 2}])
    shipment = ShipmentFactory(order=order, status="in_transit")
    TrackingEventFactory(shipment=shipment, status="picked_up", occurred_at=...)

Tests about ingestion should go through `ordex.ingest.pipeline.ingest_events` instead: these factories
write rows directly and skip the hub's derived fields (status timestamps, lines_key, ...).
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from ordex.orders import models
from ordex.orders.address import address_key
from ordex.orders.choices import AddressQuality, PhoneKind, Platform, RefundStatus, TrackingStatus

# The default total of one default line; an order built with other lines gets its total from them.
DEFAULT_TOTAL = Decimal("99.00")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Shop
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 旗舰店")
    platform = Platform.TAOBAO


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"wh-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 仓")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Customer

    shop = factory.SubFactory(ShopFactory)
    external_id = factory.Sequence(lambda n: f"buyer-{n}")
    name = "张三"
    phone = factory.Sequence(lambda n: f"139{n % 100_000_000:08d}")
    phone_kind = PhoneKind.MOBILE
    email = ""


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "不锈钢保温杯 500ml"
    list_price = DEFAULT_TOTAL
    cost = Decimal("40.00")


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stock

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    on_hand = 100
    reserved = 0
    updated_at = factory.LazyFunction(timezone.now)


class OrderFactory(factory.django.DjangoModelFactory):
    """`lines=[{...}, ...]` (OrderLineFactory keyword arguments) replaces the default single line."""

    class Meta:
        model = models.Order
        skip_postgeneration_save = True

    order_no = factory.Sequence(lambda n: f"T2026{n:010d}")
    shop = factory.SubFactory(ShopFactory)
    platform = factory.SelfAttribute("shop.platform")
    customer = factory.SubFactory(CustomerFactory, shop=factory.SelfAttribute("..shop"))
    phone = factory.SelfAttribute("customer.phone")
    phone_kind = PhoneKind.MOBILE
    receiver_name = factory.SelfAttribute("customer.name")
    province = "浙江省"
    city = "杭州市"
    district = "临平区"
    address_detail = "南苑街道人民大道100号"
    address_raw = factory.LazyAttribute(lambda o: f"{o.province}{o.city}{o.district}{o.address_detail}")
    adcode = "330113"
    address_quality = AddressQuality.OK
    address_key = factory.LazyAttribute(lambda o: address_key(o.province, o.city, o.district, o.address_detail))
    total = DEFAULT_TOTAL
    created_at = factory.LazyFunction(timezone.now)
    snapshot_at = factory.SelfAttribute("created_at")

    @factory.post_generation
    def lines(order, create, extracted, **kwargs):
        if not create:
            return
        specs = extracted if extracted is not None else [{}]
        made = [OrderLineFactory(order=order, line_no=no, **{**kwargs, **spec}) for no, spec in enumerate(specs, 1)]
        # Identity, not equality: only a total the caller did not give is derived from the lines.
        if extracted is not None and order.total is DEFAULT_TOTAL:
            order.total = sum((Decimal(str(line.unit_price)) * line.qty for line in made), Decimal("0")) + order.shipping_fee - order.discount
            order.save(update_fields=["total"])


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrderLine

    order = factory.SubFactory(OrderFactory, lines=[])
    line_no = factory.Sequence(lambda n: n + 1)
    sku = factory.Sequence(lambda n: f"SKU-L{n:05d}")
    name = "不锈钢保温杯 500ml"
    qty = 1
    unit_price = DEFAULT_TOTAL
    # A new SKU is listed at the price sold; an existing product keeps its own list price.
    product = factory.SubFactory(
        ProductFactory,
        sku=factory.SelfAttribute("..sku"),
        name=factory.SelfAttribute("..name"),
        list_price=factory.SelfAttribute("..unit_price"),
    )
    list_price = factory.LazyAttribute(lambda o: o.product.list_price)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Payment

    order = factory.SubFactory(OrderFactory)
    amount = factory.SelfAttribute("order.total")
    method = "alipay"
    txn_id = factory.Sequence(lambda n: f"ALI{n:012d}")
    occurred_at = factory.LazyAttribute(lambda o: o.order.created_at + timedelta(minutes=2))
    event_id = factory.Sequence(lambda n: f"evt-pay-{n}")


class OrderChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrderChange

    order = factory.SubFactory(OrderFactory)
    changes = factory.LazyFunction(lambda: {"address": {"detail": "南苑街道人民大道200号"}})
    reason = "填错门牌号"
    requested_at = factory.LazyAttribute(lambda o: o.order.created_at + timedelta(minutes=10))
    event_id = factory.Sequence(lambda n: f"evt-change-{n}")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Shipment

    shipment_no = factory.Sequence(lambda n: f"SHP{n:08d}")
    order = factory.SubFactory(OrderFactory)
    carrier = "yuantong"
    tracking_no = factory.Sequence(lambda n: f"YT{n:013d}")
    created_at = factory.LazyAttribute(lambda o: o.order.created_at + timedelta(hours=6))
    status = ""


class ShipmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ShipmentLine

    shipment = factory.SubFactory(ShipmentFactory)
    sku = factory.Sequence(lambda n: f"SKU-S{n:05d}")
    product = factory.SubFactory(ProductFactory, sku=factory.SelfAttribute("..sku"))
    qty = 1


class TrackingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TrackingEvent

    shipment = factory.SubFactory(ShipmentFactory)
    status = TrackingStatus.IN_TRANSIT
    raw_status = ""
    description = "快件已到达【杭州转运中心】"
    location = "杭州市"
    occurred_at = factory.LazyAttribute(lambda o: o.shipment.created_at + timedelta(hours=12))
    event_id = factory.Sequence(lambda n: f"evt-track-{n}")


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Refund

    refund_no = factory.Sequence(lambda n: f"RF{n:08d}")
    order = factory.SubFactory(OrderFactory)
    status = RefundStatus.REQUESTED
    amount = factory.SelfAttribute("order.total")
    reason = "不想要了"
    requested_at = factory.LazyAttribute(lambda o: o.order.created_at + timedelta(hours=1))
    status_at = factory.SelfAttribute("requested_at")


class CustomerReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CustomerReport

    order = factory.SubFactory(OrderFactory)
    kind = "damaged"
    message = "杯子收到时有凹痕"
    reported_at = factory.LazyAttribute(lambda o: o.order.created_at + timedelta(days=3))
    event_id = factory.Sequence(lambda n: f"evt-report-{n}")
