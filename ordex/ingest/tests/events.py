"""Envelope builders for tests: a small merchant's events, shaped exactly as EVENTS.md says."""

import itertools

_ids = itertools.count(1)


def envelope(type_, occurred_at, data, id=None):
    return {"id": id or f"evt-{next(_ids)}", "type": type_, "occurred_at": occurred_at, "data": data}


def order_created(order_no="A1001", at="2026-11-01T10:15:00+08:00", *, id=None, total="99.00", qty=1,
                  sku="SKU-1", unit_price="99.00", phone="13812345678", address=None, shop="tb-main", **extra):
    data = {
        "order_no": order_no, "shop": shop, "platform": "taobao",
        "customer": {"id": "c-1", "name": "张三", "phone": phone},
        "address": address or {"province": "浙江省", "city": "杭州市", "district": "临平区", "detail": "南苑街道108号"},
        "lines": [{"sku": sku, "name": "保温杯", "qty": qty, "unit_price": unit_price, "list_price": "99.00"}],
        "total": total,
        **extra,
    }
    return envelope("order.created", at, data, id)


def order_paid(order_no="A1001", at="2026-11-01T10:20:00+08:00", amount="99.00", *, id=None, txn_id=None):
    data = {"order_no": order_no, "amount": amount, "method": "alipay"}
    if txn_id:
        data["txn_id"] = txn_id
    return envelope("order.paid", at, data, id)


def shipment_created(order_no="A1001", at="2026-11-02T09:00:00+08:00", *, shipment_no="SH1", carrier="yunda",
                     tracking_no="YD100", id=None, lines=None):
    return envelope("shipment.created", at, {
        "shipment_no": shipment_no, "order_no": order_no, "carrier": carrier, "tracking_no": tracking_no,
        "lines": lines or [{"sku": "SKU-1", "qty": 1}],
    }, id)


def tracking(status, at, *, carrier="yunda", tracking_no="YD100", id=None, location="杭州转运中心"):
    return envelope("tracking.updated", at, {
        "carrier": carrier, "tracking_no": tracking_no, "status": status, "location": location,
        "description": f"{location} {status}",
    }, id)
