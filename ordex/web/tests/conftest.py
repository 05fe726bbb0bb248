"""Fixtures of the workbench tests: orders that arrive as events (the hub's only door), and cases opened
by hand in each department, the way a person reporting a problem would."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.ingest.pipeline import ingest_events

_numbers = itertools.count(1)
# A type whose default department is each role's department, and its playbook.
TYPE_OF_DEPARTMENT = {
    "customer_service": "not_as_described",
    "warehouse": "out_of_stock",
    "logistics": "tracking_stalled",
    "finance": "refund_failed",
}


def order_events(order_no: str, *, phone: str = "13912345678", name: str = "张三", price: str = "59.00",
                 tracking_no: str | None = None, at=None) -> list[dict]:
    at = at or timezone.now() - timedelta(days=2)
    events = [{
        "id": f"web-{order_no}-created", "type": "order.created", "occurred_at": at.isoformat(),
        "data": {
            "order_no": order_no, "shop": "tb-main", "platform": "taobao",
            "customer": {"id": f"c-{phone}", "name": name, "phone": phone},
            "address": {"name": name, "province": "浙江省", "city": "杭州市", "district": "西湖区",
                        "detail": "文三路100号2幢501室"},
            "lines": [{"sku": "SKU-CUP", "name": "黑色保温杯", "qty": 1, "unit_price": price, "list_price": price}],
            "total": price,
        },
    }, {
        "id": f"web-{order_no}-paid", "type": "order.paid", "occurred_at": (at + timedelta(minutes=5)).isoformat(),
        "data": {"order_no": order_no, "amount": price, "method": "alipay", "txn_id": f"txn-{order_no}"},
    }]
    if tracking_no:
        events.append({
            "id": f"web-{order_no}-shipped", "type": "shipment.created",
            "occurred_at": (at + timedelta(hours=3)).isoformat(),
            "data": {"shipment_no": f"SH-{order_no}", "order_no": order_no, "carrier": "yunda",
                     "tracking_no": tracking_no, "lines": [{"sku": "SKU-CUP", "qty": 1}]},
        })
    return events


@pytest.fixture
def make_case(person):
    """make_case(department="customer_service", **fields) -> a new case about a new order, opened by hand."""

    def make(department: str = "customer_service", *, type_code: str | None = None, severity: str | None = None,
             phone: str | None = None, tracking_no: str | None = None, price: str = "59.00", at=None):
        number = next(_numbers)
        order_no = f"W{number:06d}"
        # A phone of its own: two orders of one buyer with the same lines would be a duplicate_order finding.
        phone = phone or f"139{number:08d}"
        results = ingest_events(order_events(order_no, phone=phone, tracking_no=tracking_no, price=price, at=at),
                                source="test")
        assert all(result.status == "applied" for result in results), results
        actor = principal_for_user(person("supervisor"))
        return actions.open_manual_case(
            actor=actor, type_code=type_code or TYPE_OF_DEPARTMENT[department], summary=f"顾客来电：订单 {order_no} 有问题",
            order_no=order_no, severity=severity, found_at=at,
        ).case

    return make
