"""Order lookups an agent uses while the customer waits: by order no, phone, product words and price,
and a customer's last 30 days."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import order_created, shipment_created, tracking
from ordex.orders.models import Order, Product
from ordex.orders.queries import normalise_phone

from .factories import (
    CustomerFactory,
    CustomerReportFactory,
    OrderChangeFactory,
    OrderFactory,
    PaymentFactory,
    RefundFactory,
    ShipmentFactory,
    ShipmentLineFactory,
    TrackingEventFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
# Token lookup (+ at most one last_used_at touch) come on top of the lookup's own queries.
AUTH_QUERIES = 2


def at(day, hour=10, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def agent(api_as):
    return api_as("agent")


@pytest.fixture
def finance(api_as):
    return api_as("finance")


def full_order(order_no="T100", **kwargs):
    order = OrderFactory(
        order_no=order_no,
        phone="13812345678",
        address_detail="南苑街道人民大道100号",
        created_at=at(8),
        lines=[
            {"sku": "CUP-BLK-500", "name": "不锈钢保温杯 黑色 500ml", "unit_price": "129.00", "qty": 2},
            {"sku": "LID-01", "name": "杯盖", "unit_price": "9.90", "qty": 1},
        ],
        **kwargs,
    )
    PaymentFactory(order=order, amount=order.total, occurred_at=at(8, 10, 5))
    shipment = ShipmentFactory(order=order, shipment_no=f"S-{order_no}", tracking_no=f"YT{order_no}", created_at=at(8, 16))
    ShipmentLineFactory(shipment=shipment, sku="CUP-BLK-500", qty=2)
    # Stored out of order on purpose: the timeline is sorted by when things happened.
    TrackingEventFactory(shipment=shipment, status="in_transit", occurred_at=at(9, 7), description="到达杭州转运中心")
    TrackingEventFactory(shipment=shipment, status="picked_up", occurred_at=at(8, 18), description="已揽收")
    RefundFactory(order=order, refund_no=f"R-{order_no}", amount=Decimal("9.90"), requested_at=at(10))
    OrderChangeFactory(
        order=order,
        changes={"address": {"detail": "南苑街道人民大道200号"}, "customer": {"phone": "13900001111"}},
        requested_at=at(8, 11),
    )
    CustomerReportFactory(order=order, kind="damaged", message="杯子有凹痕", reported_at=at(11))
    return order


@pytest.mark.django_db
class TestOrderDetail:
    def test_order_detail_shows_lines_money_parcels_refunds_requests_and_reports(self, agent):
        full_order()

        body = agent.get("/api/v1/orders/T100").json()

        assert body["order_no"] == "T100"
        assert [(line["sku"], line["qty"], line["unit_price"], line["amount"]) for line in body["lines"]] == [
            ("CUP-BLK-500", 2, "129.00", "258.00"),
            ("LID-01", 1, "9.90", "9.90"),
        ]
        assert body["total"] == "267.90"
        assert [p["amount"] for p in body["payments"]] == ["267.90"]
        [shipment] = body["shipments"]
        assert shipment["tracking_no"] == "YTT100"
        assert shipment["lines"] == [{"sku": "CUP-BLK-500", "qty": 2}]
        assert [e["status"] for e in shipment["timeline"]] == ["picked_up", "in_transit"]
        assert [r["refund_no"] for r in body["refunds"]] == ["R-T100"]
        assert body["change_requests"][0]["changes"]["address"]["detail"] == "南苑街道人民大道200号"
        assert body["customer_reports"][0]["kind"] == "damaged"

    def test_times_are_shown_in_shanghai_time_with_offset(self, agent):
        full_order()

        body = agent.get("/api/v1/orders/T100").json()

        assert body["created_at"] == "2026-11-08T10:00:00+08:00"

    def test_agent_sees_phone_and_street(self, agent):
        full_order()

        body = agent.get("/api/v1/orders/T100").json()

        assert body["phone"] == "13812345678"
        assert body["address"]["detail"] == "南苑街道人民大道100号"
        assert body["change_requests"][0]["changes"]["customer"]["phone"] == "13900001111"

    @pytest.mark.parametrize("role", ["finance", "integration"])
    def test_roles_without_personal_data_get_phone_and_street_masked(self, api_as, role):
        full_order()

        body = api_as(role).get("/api/v1/orders/T100").json()

        assert body["phone"] == "138****5678"
        assert body["customer"]["phone"].count("*") == 4
        assert body["customer"]["email"] is None
        assert "人民大道100号" not in body["address"]["detail"]
        assert "人民大道100号" not in body["address"]["raw"]
        assert body["address"]["district"] == "临平区"
        changes = body["change_requests"][0]["changes"]
        assert changes["customer"]["phone"] == "139****1111"
        assert "200号" not in changes["address"]["detail"]

    def test_unknown_order_is_404_order_not_found(self, agent):
        response = agent.get("/api/v1/orders/NOPE")

        assert response.status_code == 404
        assert response.json()["code"] == "order_not_found"

    def test_lookup_needs_authentication(self, anonymous_api):
        full_order()

        assert anonymous_api.get("/api/v1/orders/T100").status_code == 401

    def test_detail_query_count_does_not_grow_with_parcels_and_events(self, agent, django_assert_max_num_queries):
        order = full_order()
        for n in range(3):
            shipment = ShipmentFactory(order=order, shipment_no=f"EXTRA-{n}")
            ShipmentLineFactory(shipment=shipment)
            TrackingEventFactory.create_batch(5, shipment=shipment)

        with django_assert_max_num_queries(10 + AUTH_QUERIES):
            response = agent.get("/api/v1/orders/T100")

        assert len(response.json()["shipments"]) == 4


@pytest.mark.django_db
class TestFindByPhone:
    @pytest.mark.parametrize("typed", ["13812345678", "+86 138 1234 5678", "+8613812345678", "0086 13812345678",
                                       "138-1234-5678", "(138)1234-5678", "１３８１２３４５６７８"])
    def test_phone_is_matched_exactly_after_normalising(self, agent, typed):
        OrderFactory(order_no="MINE", phone="13812345678")
        OrderFactory(order_no="OTHER", phone="13812345679")

        body = agent.get("/api/v1/orders", {"phone": typed}).json()

        assert [o["order_no"] for o in body["items"]] == ["MINE"]
        assert body["count"] == 1

    def test_buyer_phone_finds_orders_shipped_to_someone_else(self, agent):
        buyer = CustomerFactory(phone="13700001111")
        OrderFactory(order_no="GIFT", customer=buyer, shop=buyer.shop, phone="13800009999")

        body = agent.get("/api/v1/orders", {"phone": "13700001111"}).json()

        assert [o["order_no"] for o in body["items"]] == ["GIFT"]

    def test_partial_phone_does_not_match(self, agent):
        OrderFactory(phone="13812345678")

        assert agent.get("/api/v1/orders", {"phone": "1381234"}).json()["count"] == 0

    def test_results_are_newest_first_and_paged(self, agent):
        for day in (3, 5, 4):
            OrderFactory(order_no=f"D{day}", phone="13812345678", created_at=at(day))

        first = agent.get("/api/v1/orders", {"phone": "13812345678", "limit": 2}).json()
        rest = agent.get("/api/v1/orders", {"phone": "13812345678", "limit": 2, "offset": 2}).json()

        assert [o["order_no"] for o in first["items"]] == ["D5", "D4"]
        assert [o["order_no"] for o in rest["items"]] == ["D3"]
        assert first["count"] == rest["count"] == 3

    def test_finance_sees_the_list_masked(self, finance):
        OrderFactory(phone="13812345678", address_detail="南苑街道人民大道100号")

        [item] = finance.get("/api/v1/orders", {"phone": "13812345678"}).json()["items"]

        assert item["phone"] == "138****5678"
        assert "100号" not in item["address"]["detail"]


@pytest.mark.django_db
class TestFindByProduct:
    @pytest.fixture(autouse=True)
    def catalogue(self):
        OrderFactory(order_no="BLACK-CUP", created_at=at(1), lines=[{"sku": "CUP-BLK", "name": "保温杯 黑色", "unit_price": "129.00"}])
        OrderFactory(order_no="WHITE-CUP", created_at=at(2), lines=[{"sku": "CUP-WHT", "name": "保温杯 白色", "unit_price": "119.00"}])
        OrderFactory(
            order_no="PEN-AND-CUP",
            created_at=at(3),
            lines=[
                {"sku": "PEN-BLK", "name": "钢笔 黑色", "unit_price": "59.00"},
                {"sku": "CUP-WHT", "name": "保温杯 白色", "unit_price": "119.00"},
            ],
        )

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"q": "保温杯"}, ["PEN-AND-CUP", "WHITE-CUP", "BLACK-CUP"]),
            ({"q": "保温杯 黑色"}, ["BLACK-CUP"]),
            ({"q": "黑色  保温杯"}, ["BLACK-CUP"]),
            ({"q": "cup-blk"}, ["BLACK-CUP"]),
            ({"q": "blk"}, ["PEN-AND-CUP", "BLACK-CUP"]),
            ({"q": "保温杯", "price_min": "120"}, ["BLACK-CUP"]),
            ({"q": "保温杯", "price_max": "119.00"}, ["PEN-AND-CUP", "WHITE-CUP"]),
            ({"price_min": "50", "price_max": "60"}, ["PEN-AND-CUP"]),
            ({"q": "保温杯 钢笔"}, []),
            ({"q": "茶壶"}, []),
        ],
        ids=["one-word", "all-words", "extra-spaces", "sku-any-case", "sku-part", "min", "max", "price-only",
             "words-on-one-line", "no-match"],
    )
    def test_every_word_and_the_price_must_match_one_line(self, agent, params, expected):
        body = agent.get("/api/v1/orders", params).json()

        assert [o["order_no"] for o in body["items"]] == expected
        assert body["count"] == len(expected)

    def test_product_catalogue_name_matches_when_the_line_has_no_name(self, agent):
        OrderFactory(order_no="NAMELESS", lines=[{"sku": "TEA-01", "name": ""}])
        Product.objects.filter(sku="TEA-01").update(name="紫砂茶壶")

        body = agent.get("/api/v1/orders", {"q": "茶壶"}).json()

        assert [o["order_no"] for o in body["items"]] == ["NAMELESS"]

    def test_search_without_any_filter_is_refused(self, agent):
        response = agent.get("/api/v1/orders")

        assert response.status_code == 422
        assert response.json()["code"] == "missing_filter"

    def test_bad_price_names_the_field(self, agent):
        response = agent.get("/api/v1/orders", {"q": "保温杯", "price_min": "abc"})

        assert response.status_code == 422
        assert response.json()["field"] == "price_min"

    def test_list_query_count_does_not_grow_with_orders(self, agent, django_assert_max_num_queries):
        for n in range(20):
            OrderFactory(lines=[{"sku": f"CUP-{n}", "name": "保温杯"}, {"sku": f"LID-{n}", "name": "杯盖"}])

        with django_assert_max_num_queries(3 + AUTH_QUERIES):
            body = agent.get("/api/v1/orders", {"q": "保温杯", "limit": 50}).json()

        assert body["count"] == 23


@pytest.mark.django_db
class TestCustomerHistory:
    def test_history_lists_the_last_30_days_newest_first(self, agent):
        buyer = CustomerFactory()
        OrderFactory(order_no="OLD", customer=buyer, shop=buyer.shop, created_at=NOW - timedelta(days=30, minutes=1))
        OrderFactory(order_no="EDGE", customer=buyer, shop=buyer.shop, created_at=NOW - timedelta(days=30))
        OrderFactory(order_no="RECENT", customer=buyer, shop=buyer.shop, created_at=NOW - timedelta(days=1))
        OrderFactory(order_no="SOMEONE-ELSE", created_at=NOW - timedelta(days=1))

        with time_machine.travel(NOW, tick=False):
            body = agent.get(f"/api/v1/customers/{buyer.pk}/history").json()

        assert [o["order_no"] for o in body["orders"]] == ["RECENT", "EDGE"]
        assert body["customer"]["id"] == buyer.pk

    def test_history_masks_the_customer_for_finance(self, finance):
        buyer = CustomerFactory(phone="13812345678", email="buyer@example.com")
        OrderFactory(customer=buyer, shop=buyer.shop)

        body = finance.get(f"/api/v1/customers/{buyer.pk}/history").json()

        assert body["customer"]["phone"] == "138****5678"
        assert body["customer"]["email"] is None
        assert body["orders"][0]["phone"] == "138****5678"

    def test_unknown_customer_is_404(self, agent):
        response = agent.get("/api/v1/customers/999999/history")

        assert response.status_code == 404
        assert response.json()["code"] == "customer_not_found"

    def test_history_query_count_does_not_grow_with_orders(self, agent, django_assert_max_num_queries):
        buyer = CustomerFactory()
        for _ in range(15):
            OrderFactory(customer=buyer, shop=buyer.shop, lines=[{}, {}])

        with django_assert_max_num_queries(3 + AUTH_QUERIES):
            body = agent.get(f"/api/v1/customers/{buyer.pk}/history").json()

        assert len(body["orders"]) == 15


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("(0571) 87654321", "057187654321"),
        ("13800001234-5678", "13800001234-5678"),
    ],
)
def test_normalise_phone(typed, normalised):
    assert normalise_phone(typed) == normalised


@pytest.mark.django_db
class TestAdminSearch:
    @pytest.mark.parametrize(
        ("path", "term"),
        [
            ("order", "T100"),
            ("order", "13812345678"),
            ("order", "CUP-BLK-500"),
            ("order", "YTT100"),
            ("order", "R-T100"),
            ("shipment", "YTT100"),
            ("refund", "R-T100"),
            ("orderline", "CUP-BLK-500"),
            ("trackingevent", "YTT100"),
        ],
    )
    def test_admin_finds_the_order_by_any_of_its_keys(self, client, carol, path, term):
        full_order()
        client.force_login(carol)

        response = client.get(f"/admin/orders/{path}/", {"q": term})

        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1

    @pytest.mark.parametrize(
        "path",
        ["shop", "warehouse", "component", "customer", "product", "stock", "order", "orderline", "payment",
         "orderchange", "shipment", "trackingevent", "refund", "customerreport", "systemfault", "pendingevent",
         "pricehistory", "stockhistory"],
    )
    def test_every_hub_table_has_an_admin_page(self, client, carol, path):
        client.force_login(carol)

        assert client.get(f"/admin/orders/{path}/").status_code == 200

    def test_order_page_shows_lines_payments_and_parcels_read_only(self, client, carol):
        order = full_order()
        client.force_login(carol)

        response = client.get(f"/admin/orders/order/{order.pk}/change/")

        assert response.status_code == 200
        assert "CUP-BLK-500" in response.content.decode()
        assert "YTT100" in response.content.decode()
        assert client.post(f"/admin/orders/order/{order.pk}/change/", {}).status_code == 403


@pytest.mark.django_db
class TestLookupOfIngestedOrders:
    """The lookups read what the hub wrote from events, not only what factories write."""

    def ingest(self, *events):
        builders = {"order": order_created, "shipment": shipment_created, "tracking": tracking}
        results = ingest_events([builders[kind](*args, **kwargs) for kind, args, kwargs in events], source="test")
        assert {r.status for r in results} == {"applied"}, results

    def test_ingested_order_is_found_by_phone_and_shows_its_tracking(self, agent):
        self.ingest(
            ("order", ("E1", "2026-11-01T10:15:00+08:00"), {"phone": "13812345678"}),
            ("shipment", ("E1", "2026-11-02T09:00:00+08:00"), {"tracking_no": "YD1"}),
            ("tracking", ("in_transit", "2026-11-03T08:00:00+08:00"), {"tracking_no": "YD1"}),
            ("tracking", ("picked_up", "2026-11-02T18:00:00+08:00"), {"tracking_no": "YD1"}),
        )

        found = agent.get("/api/v1/orders", {"phone": "+86 138 1234 5678"}).json()
        detail = agent.get("/api/v1/orders/E1").json()

        assert [o["order_no"] for o in found["items"]] == ["E1"]
        assert [e["status"] for e in detail["shipments"][0]["timeline"]] == ["picked_up", "in_transit"]
        assert detail["shipments"][0]["status"] == "in_transit"

    def test_phone_sent_with_country_code_is_found_by_the_bare_number(self, agent):
        self.ingest(("order", ("E2",), {"phone": "+86 138 1234 5678"}))

        assert agent.get("/api/v1/orders", {"phone": "13812345678"}).json()["count"] == 1

    def test_order_sent_with_a_dashed_phone_is_found_by_any_spelling(self, agent):
        self.ingest(("order", ("E3",), {"phone": "138-0013-8000"}))

        for typed in ("13800138000", "138-0013-8000", "+86 138 0013 8000", "１３８００１３８０００"):
            assert agent.get("/api/v1/orders", {"phone": typed}).json()["count"] == 1, typed
        assert Order.objects.get(order_no="E3").phone == "13800138000"
