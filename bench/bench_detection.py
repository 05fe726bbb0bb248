"""Detection benchmark: quality (precision/recall per exception type against the simulator's labels)
and speed (bulk import with vs without detection, one periodic scan pass).

    .venv/bin/python bench/bench_detection.py [--orders 100000] [--seed 1]

Quality: `ordex simulate --labels` → `ordex import` → `ordex scan --as-of <stream_end>` → the cases are
compared with the labels by (order_no, type), or (sku | shop | component | method, type) for incident
types. A label's `implies` lists types whose literal definition the same order also meets (a parcel
that never moves is also overdue): a case of such a type is not a false positive, nor required.
"""

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ORDEX, OUT, fresh_env, migrate, stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBJECT_KINDS = ("sku", "shop", "component", "method", "carrier")

_DUMP_CASES = """
import json, django
django.setup()
from ordex.cases.models import Case
for order_no, subject, code, status in Case.objects.values_list("order_no", "subject_key", "type__code", "status"):
    print(json.dumps([order_no or "", subject or "", code, status]))
"""


def _import(env, path) -> float:
    started = time.perf_counter()
    subprocess.run([ORDEX, "import", str(path), "--no-progress", "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _scan(env, as_of) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run([ORDEX, "scan", "--as-of", as_of, "--json", "--show", "0"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - started, json.loads(out.strip().splitlines()[-1])


def _key(label_or_subject: dict):
    if label_or_subject.get("order_no"):
        return ("order", label_or_subject["order_no"])
    for kind in SUBJECT_KINDS:
        if label_or_subject.get(kind):
            return (kind, label_or_subject[kind])
    return None


def case_key(order_no: str, subject: str):
    if order_no:
        return ("order", order_no)
    kind, _, value = subject.partition(":")
    if kind == "order":
        return ("order", value)
    if kind == "sku":
        return ("sku", value.split("@")[0])
    if kind in SUBJECT_KINDS:
        return (kind, value)
    return ("other", subject)


def score(labels: list[dict], cases: list[tuple]) -> dict:
    expected, tolerated = defaultdict(set), defaultdict(set)
    for label in labels:
        if "orders" in label and not label.get("order_no"):
            continue  # the incident summary line: its orders are labelled one by one
        key = _key(label)
        if key is None:
            continue
        expected[label["type"]].add(key)
        for implied in label.get("implies", ()):
            tolerated[implied].add(key)
    found = defaultdict(set)
    for order_no, subject, code, _status in cases:
        found[code].add(case_key(order_no, subject))
    report = {}
    for code in sorted(set(expected) | set(found)):
        want, got = expected.get(code, set()), found.get(code, set())
        counted = got - (tolerated.get(code, set()) - want)
        tp = len(want & got)
        report[code] = {
            "labelled": len(want), "cases": len(counted), "true_positive": tp,
            "precision": round(tp / len(counted), 4) if counted else None,
            "recall": round(tp / len(want), 4) if want else None,
            "missed_examples": sorted(str(k[1]) for k in want - got)[:5],
            "false_examples": sorted(str(k[1]) for k in counted - want)[:5],
        }
    return report


def table(report: dict) -> str:
    lines = [f"{'type':<26}{'labels':>8}{'cases':>8}{'TP':>7}{'precision':>11}{'recall':>8}"]
    for code, row in report.items():
        p = "—" if row["precision"] is None else f"{row['precision']:.3f}"
        r = "—" if row["recall"] is None else f"{row['recall']:.3f}"
        lines.append(f"{code:<26}{row['labelled']:>8}{row['cases']:>8}{row['true_positive']:>7}{p:>11}{r:>8}")
    return "\n".join(lines)


_FILL_HUB = """
import random, sys, django
from datetime import datetime, timedelta
from decimal import Decimal
django.setup()
from ordex.orders.models import Customer, Order, Shipment, Shop
n = int(sys.argv[1]); end = datetime.fromisoformat(sys.argv[2]); rng = random.Random(7)
shops = [Shop.objects.create(code=f"shop-{i}", platform="taobao") for i in range(10)]
customers = Customer.objects.bulk_create([Customer(shop=shops[i % 10], external_id=f"c{i}") for i in range(50_000)])
span = 30 * 86400
for start in range(0, n, 20_000):
    orders, parcels = [], []
    for i in range(start, min(n, start + 20_000)):
        created = end - timedelta(seconds=rng.randrange(span))
        roll = rng.random()
        paid = None if roll < 0.03 else created + timedelta(minutes=rng.randrange(1, 25))
        shipped = paid + timedelta(hours=rng.randrange(2, 40)) if paid and roll > 0.05 else None
        shipped = shipped if shipped and shipped < end else None
        delivered = shipped + timedelta(hours=rng.randrange(30, 100)) if shipped else None
        delivered = delivered if delivered and delivered < end else None
        orders.append(Order(order_no=f"N{i:08d}", shop=shops[i % 10], customer=customers[i % 50_000],
                            phone=f"138{i % 50_000:08d}", address_key=f"a{i % 50_000}", total=Decimal("99.00"),
                            created_at=created, snapshot_at=created, paid_at=paid, paid_amount=Decimal("99.00") if paid else 0,
                            payment_count=1 if paid else 0, shipped_at=shipped, delivered_at=delivered,
                            province="浙江省", city="杭州市", district="临平区"))
    Order.objects.bulk_create(orders, batch_size=5000)
    for order in orders:
        if order.shipped_at:
            last = order.delivered_at or min(end, order.shipped_at + timedelta(hours=rng.randrange(1, 60)))
            parcels.append(Shipment(shipment_no=f"S{order.order_no}", order=order, carrier="yunda",
                                    tracking_no=f"T{order.order_no}", created_at=order.shipped_at,
                                    status="delivered" if order.delivered_at else "in_transit", status_at=last,
                                    first_event_at=order.shipped_at + timedelta(hours=1),
                                    picked_up_at=order.shipped_at + timedelta(hours=1), last_event_at=last,
                                    delivered_at=order.delivered_at))
    Shipment.objects.bulk_create(parcels, batch_size=5000)
print(Order.objects.count(), Shipment.objects.count())
"""


def scan_at_scale(rows: int = 1_000_000) -> dict:
    """A periodic pass over a hub of `rows` orders (and their parcels), written straight into the tables:
    the first (full-history) pass, then the minute-by-minute pass the task queue runs."""
    from datetime import datetime, timedelta

    env = {**fresh_env(), "DJANGO_SETTINGS_MODULE": "ordex.settings"}
    migrate(env)
    end = datetime.fromisoformat("2026-11-20T12:00:00+08:00")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _FILL_HUB, str(rows), end.isoformat()], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    fill = time.perf_counter() - started
    first, _ = _scan(env, end.isoformat())
    passes = []
    for minute in range(1, 4):
        seconds, summary = _scan(env, (end + timedelta(minutes=minute)).isoformat())
        passes.append({"wall_s": round(seconds, 3), "rules_s": round(sum(r["seconds"] for r in summary["rules"]), 3),
                       "slowest": sorted(((r["rule"], r["seconds"]) for r in summary["rules"]),
                                         key=lambda x: -x[1])[:3]})
    return {"orders": rows, "fill_s": round(fill, 1), "first_full_pass_s": round(first, 2), "minute_passes": passes}


def run(orders: int = 100_000, runs: int = 1, seed: int = 1) -> dict:
    path = stream(orders, seed)
    labels_path = OUT / f"labels-{orders}-{seed}.jsonl"
    with open(labels_path) as f:
        header, *labels = [json.loads(line) for line in f if line.strip()]
    stream_end = header["stream_end"]
    with open(path, "rb") as f:
        events = sum(1 for _ in f)

    base_env = fresh_env(ORDEX_DETECTION_ON_IMPORT="0")
    migrate(base_env)
    without = _import(base_env, path)

    env = fresh_env()
    migrate(env)
    with_detection = _import(env, path)
    scan_seconds, scan_summary = _scan(env, stream_end)
    dumped = subprocess.run([sys.executable, "-c", _DUMP_CASES], env={**env, "DJANGO_SETTINGS_MODULE": "ordex.settings"},
                            check=True, capture_output=True, text=True, cwd=ROOT).stdout
    cases = [tuple(json.loads(line)) for line in dumped.splitlines() if line.strip()]
    report = score(labels, cases)

    # One ordinary periodic pass a minute later (what the task queue runs every minute).
    from datetime import datetime, timedelta

    next_minute = (datetime.fromisoformat(stream_end) + timedelta(minutes=1)).isoformat()
    pass_seconds, pass_summary = _scan(env, next_minute)
    result = {
        "orders": orders, "events": events, "stream_end": stream_end,
        "import_without_detection_s": round(without, 2), "import_with_detection_s": round(with_detection, 2),
        "import_speed_ratio": round(without / with_detection, 3),
        "events_per_s_without": round(events / without), "events_per_s_with": round(events / with_detection),
        "first_scan_s": round(scan_seconds, 2),
        "periodic_pass_s": round(pass_seconds, 3),
        "periodic_pass_rules_s": round(sum(r["seconds"] for r in pass_summary["rules"]), 3),
        "cases": len(cases),
        "min_precision": min((r["precision"] for r in report.values() if r["precision"] is not None), default=None),
        "min_recall": min((r["recall"] for r in report.values() if r["recall"] is not None), default=None),
        "quality": report,
    }
    print(table(report), file=sys.stderr)
    del scan_summary
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=int, metavar="ORDERS",
                        help="only time periodic passes over a hub of this many orders (e.g. 1000000)")
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(scan_at_scale(args.scale), ensure_ascii=False, indent=2))
        return
    print(json.dumps(run(args.orders, seed=args.seed), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
