"""Detection benchmark: quality (precision/recall per exception type against the simulator's labels)
in each arrival mode, and speed (bulk import with vs without detection, one periodic scan pass).

    .venv/bin/python bench/bench_detection.py [--orders 100000] [--seed 1] [--modes in_order,reordered,http]
                                              [--late 0.3,6h] [--replays 0.05]

Quality: `ordex simulate --labels` → `ordex import` → `ordex scan --as-of <stream_end>` → the cases are
compared with the labels by (order_no, type), or (sku | shop | component | method, type) for incident
types. A label's `implies` lists types whose literal definition the same order also meets (a parcel
that never moves is also overdue): a case of such a type is not a false positive, nor required.
Withdrawn cases (late data showed the condition never held) are not counted: they are not exceptions.

Arrival modes (the same events, the same labels):
- `in_order`: the simulator's stream as written (a small share a few minutes late, as before);
- `reordered`: `ordex simulate --late P,MAX --replays P` (default 30 % of events up to 6 h late, 5 % replayed),
  imported from the file;
- `http`: the reordered stream pushed to `ordex serve` by 4 parallel clients in batches of 100 (a backfill);
- `history` (only with `--modes`): the in-order stream imported with `ordex import --history` (periodic rules
  replayed with the events' clock; historical cases closed, still-true ones live).
"""

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ORDEX, OUT, fresh_env, migrate, reset_postgres, served, stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBJECT_KINDS = ("sku", "shop", "component", "method", "carrier")

_DUMP_CASES = """
import json, django
django.setup()
from ordex.cases.models import Case
for order_no, subject, code, status in Case.objects.values_list("order_no", "subject_key", "type__code", "status"):
    print(json.dumps([order_no or "", subject or "", code, status]))
"""


def _import(env, path, *options) -> float:
    started = time.perf_counter()
    subprocess.run([ORDEX, "import", str(path), "--no-progress", "--json", *options], env=env, check=True,
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


def _delivered_stream(orders: int, seed: int, late: str, replays: str) -> Path:
    """The same stream delivered late and with replays (generated once, kept in bench/out)."""
    path = OUT / f"stream-{orders}-{seed}-late{late.replace(',', '-')}-replays{replays}.jsonl"
    if not path.exists():
        with open(path, "wb") as out:
            subprocess.run([ORDEX, "simulate", "--orders", str(orders), "--seed", str(seed), "--late", late,
                            "--replays", replays], stdout=out, check=True)
    return path


def _post_batches(port, bodies, token, errors):
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in bodies:
            conn.request("POST", "/api/v1/events", body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
    except Exception as exc:  # noqa: BLE001 - reported by the caller, which fails the run
        errors.append(repr(exc))


def _push_http(env, path, clients: int = 4, batch: int = 100) -> float:
    """Push the file's events to `ordex serve` from `clients` threads, batches of `batch` dealt round-robin."""
    import threading

    token = subprocess.run([ORDEX, "token", "create", "--name", "bench", "--role", "integration"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    bodies = ['{"events":[' + ",".join(lines[i:i + batch]) + "]}" for i in range(0, len(lines), batch)]
    with served(env) as server:
        errors = []
        started = time.perf_counter()
        threads = [threading.Thread(target=_post_batches, args=(server.port, bodies[i::clients], token, errors))
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(f"{len(errors)} batches refused: {errors[:5]}")
        return time.perf_counter() - started


def _cases(env) -> list[tuple]:
    dumped = subprocess.run([sys.executable, "-c", _DUMP_CASES], env={**env, "DJANGO_SETTINGS_MODULE": "ordex.settings"},
                            check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [tuple(json.loads(line)) for line in dumped.splitlines() if line.strip()]


def quality(labels, stream_end, path, *, http: bool = False, history: bool = False, database_url: str | None = None,
            ) -> dict:
    """Load `path` into a fresh instance (file import, `--history` import, or 4 parallel HTTP clients), scan as
    of the stream's end, and score the cases that were not withdrawn. On SQLite, or on the PostgreSQL database
    `database_url` (emptied first)."""
    if database_url:
        reset_postgres(database_url)
    env = fresh_env(database_url)
    migrate(env)
    seconds = _push_http(env, path) if http else _import(env, path, *(["--history"] if history else []))
    _scan(env, stream_end)
    cases = _cases(env)
    kept = [case for case in cases if case[3] != "withdrawn"]
    report = score(labels, kept)
    return {"load_s": round(seconds, 2), "cases": len(kept), "withdrawn": len(cases) - len(kept), "quality": report,
            "min_precision": min((r["precision"] for r in report.values() if r["precision"] is not None), default=None),
            "min_recall": min((r["recall"] for r in report.values() if r["recall"] is not None), default=None)}


def side_by_side(modes: dict[str, dict]) -> str:
    """Per type: precision / recall in each arrival mode."""
    names = list(modes)
    codes = sorted({code for result in modes.values() for code in result["quality"]})
    head = f"{'type':<26}" + "".join(f"{name + ' P / R':>22}" for name in names)
    lines = [head]
    for code in codes:
        cells = []
        for name in names:
            row = modes[name]["quality"].get(code)
            if row is None:
                cells.append(f"{'—':>22}")
                continue
            p = "—" if row["precision"] is None else f"{row['precision']:.3f}"
            r = "—" if row["recall"] is None else f"{row['recall']:.3f}"
            cells.append(f"{p + ' / ' + r:>22}")
        lines.append(f"{code:<26}" + "".join(cells))
    return "\n".join(lines)


def run_modes(orders: int, seed: int, modes: list[str], late: str, replays: str, database_url: str | None = None,
              ) -> dict:
    """Quality in every arrival mode, side by side."""
    labels_path = OUT / f"labels-{orders}-{seed}.jsonl"
    in_order = stream(orders, seed)
    with open(labels_path) as f:
        header, *labels = [json.loads(line) for line in f if line.strip()]
    reordered = _delivered_stream(orders, seed, late, replays) if {"reordered", "http"} & set(modes) else None
    results = {}
    for mode in modes:
        path = in_order if mode in ("in_order", "history") else reordered
        results[mode] = quality(labels, header["stream_end"], path, http=mode == "http", history=mode == "history",
                                database_url=database_url)
    print(side_by_side(results), file=sys.stderr)
    return {"orders": orders, "seed": seed, "late": late, "replays": replays,
            "database": "postgresql" if database_url else "sqlite", "modes": results}


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
    cases = [case for case in _cases(env) if case[3] != "withdrawn"]
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
    # The same events delivered late, with replays, from a file and by 4 parallel HTTP clients.
    late, replays = "0.3,6h", "0.05"
    reordered = _delivered_stream(orders, seed, late, replays)
    modes = {"in_order": {"cases": len(cases), "quality": report, "min_precision": result["min_precision"],
                          "min_recall": result["min_recall"]}}
    modes["reordered"] = quality(labels, stream_end, reordered)
    modes["http"] = quality(labels, stream_end, reordered, http=True)
    print(side_by_side(modes), file=sys.stderr)
    result["arrival"] = {"late": late, "replays": replays, "modes": {
        name: {key: value for key, value in mode.items() if key != "quality"} for name, mode in modes.items()},
        "per_type": {code: {name: [modes[name]["quality"].get(code, {}).get("precision"),
                                   modes[name]["quality"].get(code, {}).get("recall")] for name in modes}
                     for code in sorted({c for m in modes.values() for c in m["quality"]})}}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=int, metavar="ORDERS",
                        help="only time periodic passes over a hub of this many orders (e.g. 1000000)")
    parser.add_argument("--modes", metavar="MODE[,MODE]",
                        help="only quality, in these arrival modes: in_order, reordered, http, history")
    parser.add_argument("--late", default="0.3,6h", help="reordered modes: share and maximum delay (P,MAX)")
    parser.add_argument("--replays", default="0.05", help="reordered modes: share of events delivered twice")
    parser.add_argument("--database-url", help="with --modes: run on this PostgreSQL database (emptied first) "
                                               "instead of SQLite")
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(scan_at_scale(args.scale), ensure_ascii=False, indent=2))
        return
    if args.modes:
        modes = args.modes.split(",")
        print(json.dumps(run_modes(args.orders, args.seed, modes, args.late, args.replays, args.database_url),
                         ensure_ascii=False, indent=2))
        return
    print(json.dumps(run(args.orders, seed=args.seed), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
