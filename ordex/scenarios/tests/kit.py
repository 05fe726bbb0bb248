"""Black-box scenario kit: EVENTS.md envelopes, the public API, and the `ordex` CLI. Nothing here reads
Ordex's models; every assertion goes through `/api/v1/...` or `ordex.cli.main`."""

import itertools
import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

CST = timezone(timedelta(hours=8))
# Monday 2026-11-02 10:00 Beijing time: a working day, inside business hours.
BASE = datetime(2026, 11, 2, 10, 0, tzinfo=CST)
API = "/api/v1"

_seq = itertools.count(1)
_run = uuid.uuid4().hex[:6]


def t(days=0, hours=0, minutes=0, seconds=0, base=BASE) -> str:
    """An ISO-8601 time with a +08:00 offset, relative to BASE."""
    return (base + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)).isoformat()


def uid(prefix="e") -> str:
    return f"{prefix}-{_run}-{next(_seq)}"


def env(type_, at, data, id=None):
    return {"id": id or uid(type_), "type": type_, "occurred_at": at, "data": data}


def addr(n=None, province="浙江省", city="杭州市", district="西湖区", detail=None):
    n = n if n is not None else next(_seq)
    return {"province": province, "city": city, "district": district,
            "detail": detail or f"文三路{n}号{n % 9 + 1}幢501室", "postcode": "310012"}


REMOTE_ADDR = {"province": "新疆维吾尔自治区", "city": "乌鲁木齐市", "district": "天山区",
               "detail": "解放北路88号2单元301室", "postcode": "830002"}


def phone() -> str:
    return f"139{next(_seq) % 100000000:08d}"


def order(no, at, *, lines=(("SKU-CUP", 1, "99.00"),), phone_no=None, address=None, shop="tb-main",
          total=None, customer_id=None, name="张三", **extra):
    """order.created; lines are (sku, qty, unit_price[, list_price])."""
    out_lines = []
    payable = Decimal("0")
    for line in lines:
        sku, qty, price = line[:3]
        list_price = line[3] if len(line) > 3 else price
        out_lines.append({"sku": sku, "name": f"商品{sku}", "qty": qty, "unit_price": price,
                          "list_price": list_price})
        payable += Decimal(price) * qty
    data = {
        "order_no": no, "shop": shop, "platform": "taobao",
        "customer": {"id": customer_id or f"c-{no}", "name": name, "phone": phone_no or phone()},
        "address": address or addr(),
        "lines": out_lines,
        "total": total or f"{payable:.2f}",
        **extra,
    }
    return env("order.created", at, data)


def paid(no, at, amount, *, method="alipay", txn_id=None):
    data = {"order_no": no, "amount": amount, "method": method}
    data["txn_id"] = txn_id or uid("txn")
    return env("order.paid", at, data)


def pay_failed(no, at, *, method="wechat", reason="渠道返回错误"):
    return env("payment.failed", at, {"order_no": no, "method": method, "reason": reason})


def product(sku, at, list_price, cost=None, name=None):
    data = {"sku": sku, "name": name or f"商品{sku}", "list_price": list_price, "active": True}
    if cost is not None:
        data["cost"] = cost
    return env("product.updated", at, data)


def stock(sku, warehouse, on_hand, at, reserved=0):
    return env("inventory.updated", at, {"sku": sku, "warehouse": warehouse, "on_hand": on_hand,
                                         "reserved": reserved})


def ship(no, at, *, tracking_no=None, lines=(("SKU-CUP", 1),), carrier="yunda", shipment_no=None,
         warehouse=None):
    data = {"shipment_no": shipment_no or f"SH-{no}", "order_no": no, "carrier": carrier,
            "tracking_no": tracking_no or f"YD{no}", "lines": [{"sku": s, "qty": q} for s, q in lines]}
    if warehouse:
        data["warehouse"] = warehouse
    return env("shipment.created", at, data)


def track(tracking_no, status, at, *, carrier="yunda", location="杭州转运中心", description=None):
    return env("tracking.updated", at, {"carrier": carrier, "tracking_no": tracking_no, "status": status,
                                        "location": location,
                                        "description": description or f"{location} {status}"})


def cancel_requested(no, at, reason="拍错了"):
    return env("order.cancel_requested", at, {"order_no": no, "reason": reason})


def cancelled(no, at, reason="买家取消"):
    return env("order.cancelled", at, {"order_no": no, "reason": reason})


def change_requested(no, at, changes, reason="买家申请修改"):
    return env("order.change_requested", at, {"order_no": no, "changes": changes, "reason": reason})


def refund_requested(refund_no, no, amount, at, reason="不想要了"):
    return env("refund.requested", at, {"refund_no": refund_no, "order_no": no, "amount": amount,
                                        "reason": reason})


def refund_completed(refund_no, no, amount, at):
    return env("refund.completed", at, {"refund_no": refund_no, "order_no": no, "amount": amount})


def refund_failed(refund_no, no, at, reason="原路退回失败：银行卡已注销"):
    return env("refund.failed", at, {"refund_no": refund_no, "order_no": no, "reason": reason})


def reported(no, kind, at, message="买家反馈", with_photo=True):
    data = {"order_no": no, "kind": kind, "message": message}
    if with_photo:
        data["attachments"] = [{"name": "photo.jpg", "url": "https://img.example.com/photo.jpg"}]
    return env("customer.reported", at, data)


def fault(component, at, message="支付回调服务宕机", severity="critical"):
    return env("system.fault", at, {"component": component, "severity": severity, "message": message})


def heartbeat(component, at):
    return env("system.heartbeat", at, {"component": component})


class Desk:
    """The merchant's integration (pushes events) and a supervisor (reads and works every case)."""

    def __init__(self, api_as):
        self.api_as = api_as
        self.integration = api_as("integration")
        self.supervisor = api_as("supervisor")

    # --- inbound ---------------------------------------------------------------------------------
    def push(self, *events):
        events = list(events)
        results = []
        for i in range(0, len(events), 1000):
            resp = self.integration.post(f"{API}/events", {"events": events[i:i + 1000]})
            assert resp.status_code == 200, (resp.status_code, resp.content[:500])
            results.extend(resp.json()["results"])
        return results

    def push_ok(self, *events):
        results = self.push(*events)
        bad = [r for r in results if r["status"] != "applied"]
        assert not bad, bad
        return results

    # --- CLI ---------------------------------------------------------------------------------------
    def scan(self, as_of: str, *extra):
        from ordex.cli import main

        rc = main(["scan", "--as-of", as_of, *extra])
        assert rc == 0, rc
        return rc

    # --- reading cases ------------------------------------------------------------------------------
    def cases(self, client=None, **filters):
        client = client or self.supervisor
        resp = client.get(f"{API}/cases", {"limit": 200, **filters})
        assert resp.status_code == 200, (resp.status_code, resp.content[:500])
        return resp.json()["items"]

    def types(self, order_no, **filters):
        return {c["type"] for c in self.cases(order_no=order_no, **filters)}

    def one(self, order_no, type_code):
        found = [c for c in self.cases(order_no=order_no) if c["type"] == type_code]
        assert len(found) == 1, (type_code, [(c["type"], c["status"]) for c in self.cases(order_no=order_no)])
        return found[0]

    def detail(self, case_id, client=None):
        resp = (client or self.supervisor).get(f"{API}/cases/{case_id}")
        assert resp.status_code == 200, (resp.status_code, resp.content[:500])
        return resp.json()

    def move(self, case_id, to, client=None, **body):
        return (client or self.supervisor).post(f"{API}/cases/{case_id}/transitions", {"to": to, **body})


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:2000]
