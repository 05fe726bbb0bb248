"""A bad event is rejected alone — always. Every value is range-checked at the contract and rejected naming
its field; whatever else goes wrong while applying one event rejects that event, and the others apply."""

import copy
import itertools
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordex.cli import main
from ordex.ingest import pipeline
from ordex.ingest.models import Event
from ordex.ingest.pipeline import ingest_events
from ordex.orders.models import Order, Payment, Stock

from .events import envelope, order_created, order_paid

pytestmark = pytest.mark.django_db

AT = "2026-11-01T10:15:00+08:00"
_numbers = itertools.count(1)


def deep(levels):
    value = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def inventory(on_hand=5, reserved=0, **extra):
    return envelope("inventory.updated", AT, {"sku": "SKU-1", "warehouse": "WH1", "on_hand": on_hand,
                                              "reserved": reserved, **extra})


def with_data(event, **changes):
    event = copy.deepcopy(event)
    event["data"].update(changes)
    return event


def with_line(**changes):
    event = order_created("BAD-1")
    event["data"]["lines"][0].update(changes)
    return event


BAD_EVENTS = {
    "time before 2000": (envelope("order.paid", "0001-01-01T00:00:00+08:00", {"order_no": "G1", "amount": "1.00"}),
                         "occurred_at"),
    "time after 2100": (envelope("order.paid", "9999-12-31T23:59:59-14:00", {"order_no": "G1", "amount": "1.00"}),
                        "occurred_at"),
    "ship_by out of range": (order_created("BAD-1", ship_by="2200-01-01T00:00:00+08:00"), "data.ship_by"),
    "on_hand of 2^63": (inventory(on_hand=2**63), "data.on_hand"),
    "negative reserved": (inventory(reserved=-1), "data.reserved"),
    "qty of 2^63": (with_line(qty=2**63), "data.lines.0.qty"),
    "300-deep nesting": (inventory(note=deep(300)), "data.note" + ".x" * 14),
    "lone surrogate": (with_data(order_created("BAD-1"), buyer_note="\ud800"), "data.buyer_note"),
    "NUL in a text": (with_data(order_created("BAD-1"), buyer_note="a\x00b"), "data.buyer_note"),
    "full-width digits in money": (order_paid("G1", amount="１２.００"), "data.amount"),
    "Arabic-Indic digits in money": (order_paid("G1", amount="٩٩.٠٠"), "data.amount"),
    "money above the per-event maximum": (order_paid("G1", amount="9999999999.99"), "data.amount"),
    "shop code longer than its column": (order_created("BAD-1", shop="s" * 65), "data.shop"),
    "carrier longer than its column": (envelope("tracking.updated", AT, {
        "carrier": "c" * 41, "tracking_no": "T1", "status": "in_transit"}), "data.carrier"),
    "customer name longer than its column": (with_data(order_created("BAD-1"), customer={
        "id": "c-1", "name": "名" * 201, "phone": "13812345678"}), "data.customer.name"),
    "event larger than the limit": (inventory(note="x" * 300_000), ""),
}


@pytest.mark.parametrize("name", BAD_EVENTS)
def test_a_bad_value_rejects_its_event_by_field_and_the_batch_applies(name):
    bad, field = BAD_EVENTS[name]
    bad = {**copy.deepcopy(bad), "id": f"bad-{name}"}
    good_before, good_after = order_created("G1", id="good-1"), order_paid("G1", id="good-2")
    results = ingest_events([good_before, bad, good_after], source="test")
    assert [r.status for r in results] == ["applied", "rejected", "applied"], results
    assert results[1].field == field and results[1].id == bad["id"]
    assert Order.objects.get(order_no="G1").paid_amount == Decimal("99.00")
    assert not Order.objects.filter(order_no="BAD-1").exists()


def test_a_key_the_contract_does_not_read_may_hold_any_integer(api_as, tmp_path):
    event = {**inventory(note=2**64 + 1), "id": "big-note"}
    client = api_as("integration")
    response = client.post("/api/v1/events", {"events": [event]})
    assert response.json()["results"][0]["status"] == "applied"
    assert str(2**64 + 1) in Event.objects.get(event_id="big-note").envelope
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({**event, "id": "big-note-2"}) + "\n", encoding="utf-8")
    assert main(["import", str(path), "--no-progress"]) == 0
    assert Event.objects.filter(event_id="big-note-2").exists()


def test_negative_on_hand_is_kept_as_reported():
    [result] = ingest_events([inventory(on_hand=-3)], source="test")
    assert result.status == "applied"
    assert Stock.objects.get().on_hand == -3


def test_a_payment_that_would_overflow_the_paid_sum_is_refused_and_the_order_stays_readable(api_as):
    payments = [order_paid("P1", amount="99999999.99", id=f"pay-{n}", txn_id=f"T{n}") for n in range(101)]
    results = ingest_events([order_created("P1", phone="13900002044"), *payments], source="test")
    assert [r.status for r in results[:101]] == ["applied"] * 101
    assert (results[101].status, results[101].field) == ("rejected", "data.amount")
    assert Order.objects.get(order_no="P1").paid_amount == Decimal("9999999999.00")
    client = api_as("admin")
    assert client.get("/api/v1/orders/P1").status_code == 200
    assert client.get("/api/v1/orders?phone=13900002044").status_code == 200
    later = ingest_events([order_paid("P1", amount="1.00", id="pay-later"), order_paid("P1", amount="0.99",
                                                                                      id="pay-last")], source="test")
    assert [r.status for r in later] == ["rejected", "applied"]


def test_an_unexpected_failure_while_applying_rejects_only_that_event(monkeypatch):
    apply_events = pipeline.apply_events

    def failing_on_boom(events):
        if any(event.event_id == "boom" for event in events):
            raise ArithmeticError("boom")
        return apply_events(events)

    monkeypatch.setattr(pipeline, "apply_events", failing_on_boom)
    events = [order_created(f"O{n}", id=f"c{n}") for n in range(6)]
    events.insert(3, order_paid("O1", id="boom"))
    results = ingest_events(events, source="test")
    assert [r.status for r in results] == ["applied"] * 3 + ["rejected"] + ["applied"] * 3
    assert results[3].field == "" and "ArithmeticError" in results[3].error
    assert Order.objects.count() == 6 and not Payment.objects.exists()
    assert not Event.objects.filter(event_id="boom").exists()


def test_the_hostile_batch_over_http_answers_per_event(api_as):
    events = [order_created("G1", id="good-1")]
    events += [{**copy.deepcopy(bad), "id": f"bad-{n}"} for n, (bad, _) in enumerate(BAD_EVENTS.values())]
    body = json.dumps({"events": events})  # json, not the client's encoder: lone surrogates as \ud800
    client = api_as("integration")
    response = client.generic("POST", "/api/v1/events", body, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert response.status_code == 200, response.content[:300]
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["applied"] + ["rejected"] * len(BAD_EVENTS)


def test_an_import_never_stops_on_a_line(tmp_path, capsys):
    lines = [json.dumps(order_created("G1", id="good-1"))]
    lines += [json.dumps({**bad, "id": f"bad-{n}"}) for n, (bad, _) in enumerate(BAD_EVENTS.values())]
    lines.append(json.dumps(order_paid("G1", id="good-2")))
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import", str(path), "--json", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["applied"], summary["rejected"]) == (2, len(BAD_EVENTS))
    assert Order.objects.get(order_no="G1").paid_amount == Decimal("99.00")


# --- property: any JSON value anywhere ---------------------------------------------------------------------

def _valid_events(order_no: str) -> list[dict]:
    """One valid event of every type, about one order."""
    ship = f"S-{order_no}"
    data = {
        "order.created": order_created(order_no)["data"],
        "order.updated": order_created(order_no)["data"],
        "order.paid": {"order_no": order_no, "amount": "99.00", "method": "alipay", "txn_id": f"T-{order_no}"},
        "payment.failed": {"order_no": order_no, "method": "card", "reason": "declined"},
        "order.cancel_requested": {"order_no": order_no, "reason": "changed mind"},
        "order.cancelled": {"order_no": order_no, "reason": "changed mind"},
        "order.change_requested": {"order_no": order_no, "changes": {"address": {"raw": "杭州市西湖区1号"}}},
        "product.updated": {"sku": "SKU-1", "name": "保温杯", "list_price": "99.00", "cost": "40.00"},
        "inventory.updated": {"sku": "SKU-1", "warehouse": "WH1", "on_hand": 5, "reserved": 1},
        "shipment.created": {"shipment_no": ship, "order_no": order_no, "carrier": "yunda", "tracking_no": ship,
                             "lines": [{"sku": "SKU-1", "qty": 1}]},
        "tracking.updated": {"carrier": "yunda", "tracking_no": ship, "status": "in_transit"},
        "refund.requested": {"refund_no": f"R-{order_no}", "order_no": order_no, "amount": "9.00"},
        "refund.completed": {"refund_no": f"R-{order_no}", "order_no": order_no, "amount": "9.00"},
        "refund.failed": {"refund_no": f"R-{order_no}", "order_no": order_no, "reason": "bank"},
        "customer.reported": {"order_no": order_no, "kind": "damaged", "message": "破了"},
        "system.fault": {"component": "erp", "severity": "high", "message": "down"},
        "system.heartbeat": {"component": "erp"},
    }
    return [envelope(type_, AT, payload) for type_, payload in data.items()]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


_texts = st.one_of(st.text(), st.sampled_from(["\ud800", "a\x00b", "１２.００", "٩٩.٠٠", "9999999999.99",
                                              "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-14:00", "x" * 300]))
_numbers_st = st.one_of(st.integers(), st.sampled_from([2**63, -(2**63) - 1, 2**64 + 1, 2**31]),
                        st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), _numbers_st, _texts),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(_texts, children, max_size=3)),
    max_leaves=8,
)


@st.composite
def one_hostile_event(draw):
    number = next(_numbers)
    events = _valid_events(f"H{number}")
    index = draw(st.integers(0, len(events) - 1))
    target = events[index]
    path = draw(st.sampled_from([p for p in _paths(target) if p]))
    value = draw(json_values)
    holder = target
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    for n, event in enumerate(events):
        event["id"] = f"h{number}-{n}" if not (event is target and path == ("id",)) else event["id"]
    return events, index


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=one_hostile_event())
def test_any_json_value_in_any_field_is_judged_per_event(case):
    events, index = case
    results = ingest_events(events, source="test")
    assert len(results) == len(events)
    assert {r.status for r in results} <= {"applied", "duplicate", "rejected"}


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=one_hostile_event())
def test_any_json_value_in_any_field_is_judged_per_event_over_http(case, api_as):
    events, _ = case
    client = api_as("integration")
    response = client.generic("POST", "/api/v1/events", json.dumps({"events": events}),
                              content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) == len(events)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=one_hostile_event())
def test_any_json_value_in_any_field_is_judged_per_line_in_a_file(case, tmp_path, capsys):
    events, _ = case
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(event) for event in events) + "\n", encoding="utf-8")
    assert main(["import", str(path), "--json", "--no-progress"]) in (0, 3)
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["applied"] + summary["duplicate"] + summary["rejected"] == len(events)
