"""The simulated stream keeps the inbound contract and its labels tell the truth."""

import argparse
import ast
import io
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from ordex.simulator import commands as command
from ordex.simulator.config import DEFAULT_RATES, LIMITS, NOT_INJECTED
from ordex.simulator.engine import Simulator

HOUR = 3600
DAY = 86400
MONEY = re.compile(r"^-?\d+\.\d{2}$")
REQUIRED = {  # EVENTS.md, required (bold) fields per type
    "order.created": ("order_no", "shop", "customer", "address", "lines", "total"),
    "order.updated": ("order_no", "shop", "customer", "address", "lines", "total"),
    "order.paid": ("order_no", "amount"),
    "payment.failed": ("order_no",),
    "order.cancel_requested": ("order_no",),
    "order.cancelled": ("order_no",),
    "order.change_requested": ("order_no", "changes"),
    "product.updated": ("sku", "list_price"),
    "inventory.updated": ("sku", "warehouse", "on_hand"),
    "shipment.created": ("shipment_no", "order_no", "carrier", "tracking_no", "lines"),
    "tracking.updated": ("carrier", "tracking_no", "status"),
    "refund.requested": ("refund_no", "order_no", "amount"),
    "refund.completed": ("refund_no", "order_no", "amount"),
    "refund.failed": ("refund_no", "order_no"),
    "customer.reported": ("order_no", "kind", "message"),
    "system.fault": ("component",),
    "system.heartbeat": ("component",),
}
MONEY_FIELDS = {"amount", "total", "shipping_fee", "discount", "unit_price", "list_price", "cost"}
STATUSES = {
    "info_received",
    "picked_up",
    "in_transit",
    "out_for_delivery",
    "delivery_failed",
    "available_for_pickup",
    "delivered",
    "refused",
    "returning",
    "returned",
    "exception",
    "lost",
    "damaged",
}
KINDS = {
    "wrong_item",
    "missing_item",
    "damaged",
    "not_received",
    "not_as_described",
    "quality",
    "quantity_mismatch",
    "complaint",
    "other",
}


def simulate(orders, seed=1, **kw):
    out = io.BytesIO()
    labels = Simulator(orders, seed=seed, **kw).run(out)
    return out.getvalue(), labels


@pytest.fixture(scope="module")
def stream():
    raw, labels = simulate(5000, seed=11)
    events = [json.loads(line) for line in raw.decode().splitlines()]
    return events, labels


def at(event):
    return datetime.fromisoformat(event["occurred_at"])


def by_order(events, etype):
    found = defaultdict(list)
    for e in events:
        if e["type"] == etype:
            found[e["data"]["order_no"]].append(e)
    return found


def labelled(labels, code):
    return {entry["order_no"] for entry in labels[1:] if entry["type"] == code and "order_no" in entry}


def test_same_seed_gives_the_same_bytes_and_labels():
    assert simulate(1500, seed=5) == simulate(1500, seed=5)


def test_different_seed_gives_a_different_stream():
    assert simulate(1500, seed=5)[0] != simulate(1500, seed=6)[0]


def test_every_line_is_an_envelope_with_the_required_fields(stream):
    events, _ = stream
    ids = set()
    for e in events:
        assert list(e) == ["id", "type", "occurred_at", "data"]
        assert e["type"] in REQUIRED, e
        assert at(e).utcoffset().total_seconds() == 8 * HOUR
        for field in REQUIRED[e["type"]]:
            assert field in e["data"], (e["type"], field)
        ids.add(e["id"])
    assert len(ids) == len(events)


def test_payload_values_follow_the_contract(stream):
    events, _ = stream

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in MONEY_FIELDS:
            assert isinstance(value, str) and MONEY.match(value), (key, value)
        elif key == "qty":
            assert isinstance(value, int) and value > 0

    for e in events:
        walk(e["data"])
        if e["type"] == "tracking.updated":
            assert e["data"]["status"] in STATUSES
        if e["type"] == "customer.reported":
            assert e["data"]["kind"] in KINDS
        if e["type"] == "order.created":
            address = e["data"]["address"]
            assert set(address) == {"raw"} or {"province", "city", "district", "detail"} <= set(address)


def test_stream_end_is_the_last_and_latest_event_and_a_few_events_arrive_late(stream):
    events, labels = stream
    end = datetime.fromisoformat(labels[0]["stream_end"])
    assert at(events[-1]) == end == max(at(e) for e in events)
    assert labels[0]["orders"] == 5000 and labels[0]["seed"] == 11
    late = sum(1 for a, b in zip(events, events[1:], strict=False) if at(b) < at(a))
    assert 0 < late < len(events) * 0.02


def test_every_injectable_type_is_labelled_for_5000_orders(stream):
    _, labels = stream
    assert labels[0]["not_injected"] == []
    assert {entry["type"] for entry in labels[1:]} == set(DEFAULT_RATES)
    assert not set(NOT_INJECTED) & set(DEFAULT_RATES)


def test_labelled_payment_timeout_orders_are_never_paid(stream):
    events, labels = stream
    paid = by_order(events, "order.paid")
    created = {no: at(e[0]) for no, e in by_order(events, "order.created").items()}
    end = datetime.fromisoformat(labels[0]["stream_end"])
    timeouts = labelled(labels, "payment_timeout")
    assert timeouts
    for no in timeouts:
        assert no not in paid
        assert (end - created[no]).total_seconds() > LIMITS["payment_timeout"] + HOUR


def test_normal_orders_are_paid_fast_and_shipped_within_48_hours(stream):
    events, labels = stream
    exceptional = {entry["order_no"] for entry in labels[1:] if "order_no" in entry}
    paid, shipped = by_order(events, "order.paid"), by_order(events, "shipment.created")
    created = by_order(events, "order.created")
    checked = 0
    for no, ships in shipped.items():
        if no in exceptional:
            continue
        assert (at(paid[no][0]) - at(created[no][0])).total_seconds() < LIMITS["payment_timeout"]
        assert (min(at(s) for s in ships) - at(paid[no][0])).total_seconds() < 48 * HOUR
        checked += 1
    assert checked > 4000


def test_normal_parcels_never_go_30_hours_without_news_and_stalled_ones_go_60(stream):
    events, labels = stream
    exceptional = {entry["order_no"] for entry in labels[1:] if "order_no" in entry}
    ship_of = {e["data"]["tracking_no"]: e for e in events if e["type"] == "shipment.created"}
    scans = defaultdict(list)
    for e in events:
        if e["type"] == "tracking.updated":
            scans[e["data"]["tracking_no"]].append(at(e))
    remote_ok = 0
    stalled = labelled(labels, "tracking_stalled")
    for tracking, shipment in ship_of.items():
        times = [at(shipment), *sorted(scans[tracking])]
        longest = (
            max((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
            if len(times) > 1
            else 0
        )
        no = shipment["data"]["order_no"]
        if no in stalled:
            assert longest >= 60 * HOUR
        elif no not in exceptional and longest > 30 * HOUR:
            remote_ok += 1  # the remote-province near miss: over 48 h but under the 72 h remote limit
            assert longest < LIMITS["tracking_stalled_remote"] - 10 * HOUR
    assert stalled


def test_a_labelled_duplicate_repeats_an_earlier_order_within_ten_minutes(stream):
    events, labels = stream
    created = {no: e[0] for no, e in by_order(events, "order.created").items()}

    def key(e):
        d = e["data"]
        return (
            d["customer"]["phone"],
            json.dumps(d["address"]),
            sorted((x["sku"], x["qty"]) for x in d["lines"]),
        )

    pairs = [
        (entry["original_order_no"], entry["order_no"])
        for entry in labels[1:]
        if entry["type"] == "duplicate_order"
    ]
    assert pairs
    for original, later in pairs:
        assert key(created[original]) == key(created[later])
        assert 0 < (at(created[later]) - at(created[original])).total_seconds() < LIMITS["duplicate_window"]


def test_malicious_incident_has_five_unpaid_orders_within_an_hour(stream):
    events, labels = stream
    paid, created = by_order(events, "order.paid"), by_order(events, "order.created")
    incidents = [e for e in labels[1:] if e["type"] == "malicious_orders" and "orders" in e]
    assert incidents
    for incident in incidents:
        times = sorted(at(created[no][0]) for no in incident["orders"])
        assert len(times) >= 5 and (times[-1] - times[0]).total_seconds() < HOUR
        assert not any(no in paid for no in incident["orders"])


def test_data_loss_orders_have_events_but_no_order_created(stream):
    events, labels = stream
    created, paid = by_order(events, "order.created"), by_order(events, "order.paid")
    lost = labelled(labels, "data_loss")
    assert lost
    for no in lost:
        assert no not in created and no in paid


def test_twenty_thousand_orders_stream_in_bounded_memory():
    sink = _CountingSink()
    labels = Simulator(20_000, seed=2).run(sink)
    assert sink.lines > 20_000 and len(labels) > 100


def test_command_writes_stdout_and_labels_and_honours_rate_overrides(tmp_path, capsysbinary):
    parser = argparse.ArgumentParser()
    command.configure(parser)
    labels_file = tmp_path / "labels.jsonl"
    args = parser.parse_args(
        [
            "--orders",
            "800",
            "--seed",
            "3",
            "--labels",
            str(labels_file),
            "--rate",
            "payment_timeout=0",
            "--rate",
            "payment_mismatch=0.01",
        ]
    )
    assert command.run(args) == 0
    raw = capsysbinary.readouterr().out
    expected, expected_labels = simulate(800, seed=3, rates={"payment_timeout": 0, "payment_mismatch": 0.01})
    assert raw == expected
    written = [json.loads(line) for line in labels_file.read_text(encoding="utf-8").splitlines()]
    assert written == expected_labels
    assert "payment_timeout" not in {entry["type"] for entry in written[1:]}
    assert sum(1 for entry in written[1:] if entry["type"] == "payment_mismatch") == 8


def test_bad_arguments_are_refused():
    parser = argparse.ArgumentParser()
    command.configure(parser)
    for bad in (
        ["--orders", "0"],
        ["--orders", "5", "--rate", "nonsense=0.1"],
        ["--orders", "5", "--start", "2026-11-01T08:00:00"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_the_simulator_imports_neither_django_nor_other_ordex_apps():
    for path in Path(command.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                assert not name.startswith(("django", "ordex")) or name.startswith("ordex.simulator"), (
                    path,
                    name,
                )


class _CountingSink:
    def __init__(self):
        self.lines = 0

    def write(self, data):
        self.lines += data.count(b"\n")


def _lines(**options) -> list[str]:
    out = io.BytesIO()
    Simulator(200, seed=5, **options).run(out)
    return out.getvalue().decode().splitlines()


def test_late_delivery_and_replays_change_the_order_of_the_lines_not_the_events():
    plain = _lines()
    messy = _lines(late=(0.3, 6 * 3600), replays=0.05)

    assert sorted(set(messy)) == sorted(plain)
    assert len(messy) - len(plain) == len(messy) - len(set(messy)) > 0  # replays: the same line again
    times = [datetime.fromisoformat(json.loads(line)["occurred_at"]) for line in messy]
    overtaken = sum(1 for before, after in zip(times, times[1:], strict=False) if after < before)
    assert overtaken > len(plain) * 0.1
    worst = max((before - after).total_seconds() for before, after in zip(times, times[1:], strict=False))
    assert worst <= 6 * 3600 + 3600  # bounded lateness (replays come at most an hour past it)


def test_late_and_replays_options_parse_shares_and_durations():
    parser = argparse.ArgumentParser()
    command.configure(parser)

    args = parser.parse_args(["--orders", "5", "--late", "0.25,90m", "--replays", "0.02"])

    assert args.late == (0.25, 5400) and args.replays == 0.02
    for bad in (["--late", "0.25"], ["--late", "2,1h"], ["--late", "0.1,xh"], ["--replays", "1.5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["--orders", "5", *bad])


def _local(day: int, hh: int, mm: int = 0) -> int:
    """Seconds from the simulator's start (2026-11-01 08:00 Asia/Shanghai) to day `day`, hh:mm local."""
    return day * DAY + (hh - 8) * HOUR + mm * 60


def _orders_every(minutes: int, days: range, gap: tuple[int, int] = (0, 0)) -> list[int]:
    """Order times every `minutes` in business hours (09:00-22:00) on `days`, none inside `gap`."""
    times = [_local(day, 9) + k * minutes * 60 for day in days for k in range(13 * 60 // minutes)]
    return [t for t in times if not gap[0] < t < gap[1]]


def _natural_silences(order_times: dict[str, list[int]]) -> list[dict]:
    sim = Simulator(5000, seed=1)
    sim.order_times = order_times
    sim._natural_shop_silences()
    return [label for label in sim.labels if label.get("variant") == "natural_silence"]


def test_a_busy_shop_silent_for_an_hour_of_business_time_is_labelled_as_an_outage_nobody_injected():
    gap = (_local(3, 14), _local(3, 15, 10))  # 70 min without an order, on a shop with 2 orders per 10 min
    labels = _natural_silences({"busy-01": _orders_every(5, range(4), gap)})
    assert [(label["shop"], label["start"], label["end"]) for label in labels] == [
        ("busy-01", "2026-11-04T14:00:00+08:00", "2026-11-04T15:10:00+08:00")
    ]


def test_quiet_shops_short_gaps_and_shops_without_two_days_of_history_are_not_outages():
    gap = (_local(3, 14), _local(3, 15, 10))
    assert _natural_silences({"quiet-01": _orders_every(15, range(4), gap)}) == []  # usually < 1 per 10 min
    assert _natural_silences({"busy-01": _orders_every(5, range(4), (_local(3, 14), _local(3, 14, 50)))}) == []
    assert _natural_silences({"new-01": _orders_every(5, range(1, 3), (_local(2, 14), _local(2, 15, 10)))}) == []


def test_a_silence_counts_business_minutes_only_across_the_night():
    # 21:30 -> next day 09:40 is 30 + 40 = 70 business minutes; 21:45 -> 09:10 is only 25.
    long_night = _orders_every(5, range(5), (_local(3, 21, 30), _local(4, 9, 40)))
    short_night = _orders_every(5, range(5), (_local(3, 21, 45), _local(4, 9, 10)))
    assert [label["start"] for label in _natural_silences({"busy-01": long_night})] == ["2026-11-04T21:30:00+08:00"]
    assert _natural_silences({"busy-01": short_night}) == []


def test_every_repeat_of_an_order_within_ten_minutes_is_labelled_a_duplicate():
    # 20,000 orders, seed 3: a malicious burst there used to repeat one of its own orders unlabelled.
    raw, labels = simulate(20_000, seed=3)
    events = [json.loads(line) for line in raw.decode().splitlines()]
    duplicates = labelled(labels, "duplicate_order")
    seen = defaultdict(list)  # (phone, skus) -> times
    for e in sorted((e for e in events if e["type"] == "order.created"), key=at):
        data = e["data"]
        key = (data["customer"].get("phone"), tuple(sorted(line["sku"] for line in data["lines"])))
        if any((at(e) - earlier).total_seconds() <= LIMITS["duplicate_window"] for earlier in seen[key]):
            assert data["order_no"] in duplicates
        seen[key].append(at(e))


def test_a_parcel_to_an_address_without_a_province_gets_no_remote_province_margin(stream):
    events, labels = stream
    unreadable = {entry["order_no"] for entry in labels[1:] if entry.get("variant") == "unresolvable_address"}
    parcels = {e["data"]["tracking_no"]: e for e in events if e["type"] == "shipment.created"
               and e["data"]["order_no"] in unreadable}
    scans = defaultdict(list)
    for e in events:
        if e["type"] == "tracking.updated" and e["data"]["tracking_no"] in parcels:
            scans[e["data"]["tracking_no"]].append(at(e))
    assert parcels
    for tracking, shipment in parcels.items():
        times = [at(shipment), *sorted(scans[tracking])]
        assert all((b - a).total_seconds() < LIMITS["tracking_stalled"] for a, b in zip(times, times[1:], strict=False))
