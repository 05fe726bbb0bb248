"""Resolutions under retries: `ordex serve` on loopback; 300 paid orders, each with an open case; 8 client
threads each ask for every case's full refund with the same Idempotency-Key (a client retrying, 8 times at
once), then mark it done (again 8 times). Checked afterwards in the database: exactly 300 actions done,
0 doubled (an order with two actions or two ledger lines), 0 over-refunded (an order whose ledger pays out
more than it paid). Reported: p50/p95 latency of the creation requests, requests per second, and the CPU the
server and the client spent per request; then, as the baseline on the same server, the p50/p95 of the same
clients sending every creation request once more, when all of them are retries of committed actions. The server runs 1 worker process × 8 threads
(BENCH_RESOLUTIONS_WORKERS and BENCH_RESOLUTIONS_THREADS change them).

Run alone: `python bench/bench_resolutions.py` prints JSON; `make bench BENCH_ARGS="--only resolutions"`
calls run(). PostgreSQL figures are added when BENCH_DATABASE_URL (or DATABASE_URL) points at a server."""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_env, migrate, postgres_url, reset_postgres, run_script, served, setup_django  # noqa: E402

ACTIONS = 300
RETRIES = 8
PAID = Decimal("100.00")


def _percentile(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def _child(env: dict, *args) -> dict:
    return run_script(__file__, env, *args)


def _client(port, case_ids, token, created, latencies, errors, lock, seed, then_done=True):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    order = list(case_ids)
    random.Random(seed).shuffle(order)
    body = json.dumps({"kind": "refund", "amount": str(PAID), "reason": "bench"})
    for case_id in order:
        started = time.perf_counter()
        conn.request("POST", f"/api/v1/cases/{case_id}/actions", body=body,
                     headers={**headers, "Idempotency-Key": f"bench-refund-{case_id}"})
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if response.status != 201:
                errors.append(f"create {case_id}: HTTP {response.status} {answer.get('code')}")
                continue
            created.setdefault(case_id, set()).add(answer["id"])
        if not then_done:
            continue
        conn.request("POST", f"/api/v1/actions/{answer['id']}/done", body="{}", headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            with lock:
                errors.append(f"done {answer['id']}: HTTP {response.status}")


def run_once(database_url: str | None = None, actions: int = ACTIONS, retries: int = RETRIES, workers: int = 1,
             threads: int = RETRIES) -> dict:
    if database_url:
        reset_postgres(database_url)
    env = fresh_env(database_url)
    migrate(env)
    seeded = _child(env, "--seed", str(actions))
    with served(env, "--workers", str(workers), "--threads", str(threads)) as server:
        created, latencies, errors, lock = {}, [], [], threading.Lock()
        cpu_before, client_cpu_before = server.cpu_seconds(), time.process_time()
        elapsed = _clients(server.port, seeded, retries, created, latencies, errors, lock)
        server_cpu, client_cpu = server.cpu_seconds() - cpu_before, time.process_time() - client_cpu_before
        # The baseline, on the same server right after: the same 8 clients send every creation request again.
        # Every one is now a retry of a committed action (3 indexed reads, no lock, no write): the cheapest
        # request action creation can be, under the same concurrency.
        floor = []
        _clients(server.port, seeded, retries, created, floor, errors, lock, then_done=False)
    checked = _child(env, "--verify")
    requests = 2 * actions * retries
    return {
        "requests": requests, "requests_per_s": round(requests / elapsed),
        "create_p50_ms": _percentile(latencies, 0.5), "create_p95_ms": _percentile(latencies, 0.95),
        "retries_only_p50_ms": _percentile(floor, 0.5), "retries_only_p95_ms": _percentile(floor, 0.95),
        # CPU per request (all 2 × actions × retries of them): what one core of Python can serve.
        "server_cpu_ms_per_request": round(server_cpu / requests * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / requests * 1000, 2),
        "ids_per_case_max": max((len(ids) for ids in created.values()), default=0),
        "errors": errors[:10], **checked,
    }


def _clients(port, seeded, count, created, latencies, errors, lock, then_done=True) -> float:
    """`count` client threads at once, each through every case in its own order; the seconds it took."""
    started = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(port, seeded["case_ids"], seeded["token"], created, latencies,
                                                      errors, lock, n, then_done)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run(orders: int = 0, runs: int = 3) -> dict:
    """`orders` is ignored: the benchmark is 300 actions × 8 concurrent retries (BENCH_RESOLUTIONS_ACTIONS)."""
    actions = int(os.environ.get("BENCH_RESOLUTIONS_ACTIONS", ACTIONS))
    server = {"workers": int(os.environ.get("BENCH_RESOLUTIONS_WORKERS", "1")),
              "threads": int(os.environ.get("BENCH_RESOLUTIONS_THREADS", RETRIES))}
    result = {"actions": actions, "retries": RETRIES, "server": server,
              "sqlite": _summarise([run_once(None, actions, **server) for _ in range(runs)])}
    url = postgres_url()
    if url:
        result["postgresql"] = _summarise([run_once(url, actions, **server) for _ in range(runs)])
    return result


def _summarise(runs: list[dict]) -> dict:
    return {
        "executed": [r["executed"] for r in runs], "doubled": [r["doubled"] for r in runs],
        "over_refunded": [r["over_refunded"] for r in runs],
        "create_p50_ms": statistics.median(r["create_p50_ms"] for r in runs),
        "create_p95_ms": statistics.median(r["create_p95_ms"] for r in runs),
        "retries_only_p95_ms": statistics.median(r["retries_only_p95_ms"] for r in runs),
        "requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
        "server_cpu_ms_per_request": statistics.median(r["server_cpu_ms_per_request"] for r in runs),
        "runs": runs,
    }


# --- inside the child: Django set up against the fresh database ----------------------------------------


def _seed(count: int) -> dict:
    from django.utils import timezone

    from ordex.accounts.services import issue_token
    from ordex.cases import actions as case_actions
    from ordex.orders.models import Customer, Order, OrderLine, Product, Shop

    shop = Shop.objects.create(code="bench-shop", platform="tmall")
    product = Product.objects.create(sku="BENCH-CUP", name="保温杯", list_price=PAID, cost=Decimal("40.00"))
    now = timezone.now()
    case_ids = []
    with case_actions.batch_of_findings():
        for n in range(count):
            customer = Customer.objects.create(shop=shop, external_id=f"b{n}", phone="13912345678")
            order = Order.objects.create(order_no=f"BR{n:06d}", shop=shop, platform="tmall", customer=customer,
                                         total=PAID, paid_amount=PAID, paid_at=now, created_at=now, snapshot_at=now)
            OrderLine.objects.create(order=order, line_no=1, product=product, sku=product.sku, qty=1, unit_price=PAID)
            case = case_actions.record_finding(type_code="wrong_item", found_at=now, summary="bench", facts={},
                                               rule_code="bench", order=order).case
            case_ids.append(case.pk)
    _, token = issue_token(name="bench-admin", role="admin")
    return {"case_ids": case_ids, "token": token}


def _verify() -> dict:
    from django.db.models import Count, Sum

    from ordex.orders.models import Order
    from ordex.resolutions.models import Action, LedgerLine

    per_order = Action.objects.values("order_id").annotate(n=Count("pk"))
    lines_per_order = LedgerLine.objects.values("order_id").annotate(n=Count("pk"), out=Sum("amount"))
    paid = dict(Order.objects.values_list("pk", "paid_amount"))
    return {
        "executed": Action.objects.filter(status="done").count(),
        "doubled": sum(1 for row in per_order if row["n"] > 1) + sum(1 for row in lines_per_order if row["n"] > 1),
        "over_refunded": sum(1 for row in lines_per_order if row["out"] > paid[row["order_id"]]),
        "ledger_lines": LedgerLine.objects.count(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int)
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.seed is not None or args.verify:
        setup_django(migrate_first=False)
        print(json.dumps(_seed(args.seed) if args.seed is not None else _verify()))
        return
    print(json.dumps(run(runs=args.runs), indent=2))


if __name__ == "__main__":
    main()
