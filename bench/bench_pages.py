"""Workbench page speed: seed 1,000,000 cases with what a case page shows (`seed_cases.bulk_seed_cases` with
detail) and time the real pages, server side: each request goes through Django's whole stack in process (URL
routing, middleware, session, view, template) with the test client, logged in as a named role.

Pages timed (p50 / p95 / max of the request, and the queries it sends):
- queue_agent: `/` for an agent (their department's open cases, soonest deadline first)
- queue_supervisor: `/` for a supervisor (every open case)
- queue_breached: `/?breached=true` for a supervisor
- case_page: `/cases/<id>/` of a random open case, for a supervisor
- incidents, rules, notifications: the side pages, for a supervisor

Target: p95 < 150 ms for the queue and the case page at 1,000,000 cases.

Run alone: `python bench/bench_pages.py [--cases N] [--samples S]` prints JSON; `bench/run.py --only pages` runs
it on SQLite and, when BENCH_DATABASE_URL or DATABASE_URL points at a server, on PostgreSQL (BENCH_CASES sets
the case count there, default 1,000,000)."""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_cases import bulk_seed_cases  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = 1_000_000
DEFAULT_SAMPLES = 100
TARGET_P95_MS = 150


def run(orders: int = 0, runs: int = 3) -> dict:
    """Figures for SQLite, and PostgreSQL when configured. `orders` is ignored: the case count is fixed
    (override with BENCH_CASES)."""
    from common import on_each_database

    cases = int(os.environ.get("BENCH_CASES", DEFAULT_CASES))
    return {"cases": cases, "target_p95_ms": TARGET_P95_MS,
            **on_each_database(__file__, "--cases", str(cases), "--samples", str(DEFAULT_SAMPLES))}


# --- inside the child: Django set up against the fresh database ------------------------------------------


def _setup():
    from common import setup_django

    setup_django()


def _clients():
    from django.test import Client

    from ordex.accounts.models import User

    agent = User.objects.filter(role="agent").select_related("department").order_by("pk").first()
    supervisor, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"role": "supervisor"})
    clients = {}
    for name, user in (("agent", agent), ("supervisor", supervisor)):
        client = Client()
        client.force_login(user)
        clients[name] = client
    return clients


def measure(samples: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ordex.cases.models import Case

    clients = _clients()
    open_case_ids = list(Case.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)[:5000])
    pages = {
        "queue_agent": ("agent", lambda: "/"),
        "queue_supervisor": ("supervisor", lambda: "/"),
        "queue_breached": ("supervisor", lambda: "/?breached=1"),
        "case_page": ("supervisor", lambda: f"/cases/{rng.choice(open_case_ids)}/"),
        "incidents": ("supervisor", lambda: "/incidents/"),
        "rules": ("supervisor", lambda: "/rules/"),
        "notifications": ("supervisor", lambda: "/notifications/"),
    }
    figures = {}
    for name, (who, url) in pages.items():
        client = clients[who]
        status = client.get(url()).status_code
        if status != 200:
            # A page this checkout does not serve yet is reported, not timed.
            figures[name] = {"status": status}
            continue
        for _ in range(3):
            _get(client, url())  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            _get(client, url())
        queries = len(captured)  # now: the next request's reset_queries empties the log it reads from
        timings = []
        for _ in range(samples):
            path = url()
            started = time.perf_counter()
            _get(client, path)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        figures[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max_ms": round(timings[-1], 2),
            "queries": queries,
            "samples": samples,
        }
    return figures


def _get(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")
    return response


def child(cases: int, samples: int, *, reuse: bool = False, seed_only: bool = False) -> dict:
    _setup()
    from django.db import connection

    from ordex.cases.models import Case

    rng = random.Random(7)
    if reuse and Case.objects.exists():
        seeded = {"reused": Case.objects.count()}
    else:
        seeded = bulk_seed_cases(cases, rng, detail=True)
    if seed_only:
        return {"database": connection.vendor, "seed": seeded}
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    figures = measure(samples, rng)
    return {"database": connection.vendor, "seed": seeded, "load_average_before": load, "pages": figures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database ORDEX_DATA_DIR / DATABASE_URL already holds, if it has cases")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    args = parser.parse_args()
    if "ORDEX_DATA_DIR" not in os.environ:
        import tempfile

        os.environ["ORDEX_DATA_DIR"] = tempfile.mkdtemp(prefix="ordex-bench-pages-")
    print(json.dumps(child(args.cases, args.samples, reuse=args.reuse, seed_only=args.seed_only), ensure_ascii=False))
