"""Case queue speed: seed 1,000,000 cases (`seed_cases.bulk_seed_cases`: bulk insert, a realistic mix of
history and open work) and time the three queue questions through `ordex.cases.queries.case_queue` (count + page + linked orders, what
`GET /api/v1/cases` runs):

- mine: an agent's open cases, soonest deadline first
- department_breached: a department's open breached cases, soonest deadline first (supervisor)
- order_no: search by order number (primary or linked order)

Run alone: `python bench/bench_cases.py [--cases N] [--samples S]` prints JSON. `make bench` calls run().
Each database gets a fresh data directory (SQLite) or a reset schema (PostgreSQL, when BENCH_DATABASE_URL
or DATABASE_URL points at one)."""

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
DEFAULT_SAMPLES = 200


def run(orders: int = 0, runs: int = 3) -> dict:
    """Figures for SQLite, and PostgreSQL when configured. `orders` is ignored: the case count is fixed
    (override with BENCH_CASES)."""
    from common import on_each_database

    cases = int(os.environ.get("BENCH_CASES", DEFAULT_CASES))
    return {"cases": cases,
            **on_each_database(__file__, "--cases", str(cases), "--samples", str(DEFAULT_SAMPLES))}


# --- inside the child: Django set up against the fresh database ------------------------------------------


def _setup():
    from common import setup_django

    setup_django()


def measure(samples: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ordex.accounts.access import Principal
    from ordex.accounts.models import Department, User
    from ordex.cases.queries import CaseFilters, case_queue

    agents = list(User.objects.filter(role="agent").select_related("department"))
    departments = list(Department.objects.values_list("code", flat=True))
    supervisor = Principal(role="supervisor", name="bench-supervisor")
    count = _case_count()

    def mine():
        user = rng.choice(agents)
        principal = Principal(role="agent", name=user.username, user=user, department_code=user.department.code)
        return case_queue(principal, CaseFilters(assignee="me", status="open"), limit=50)

    def department_breached():
        return case_queue(supervisor, CaseFilters(department=rng.choice(departments), breached=True, status="open"),
                          limit=50)

    def by_order_no():
        return case_queue(supervisor, CaseFilters(order_no=f"B{rng.randrange(count):09d}"), limit=50)

    figures = {}
    for name, question in (("mine", mine), ("department_breached", department_breached), ("order_no", by_order_no)):
        for _ in range(5):
            question()  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            question()
        timings, sizes = [], []
        for _ in range(samples):
            started = time.perf_counter()
            page, total = question()
            timings.append((time.perf_counter() - started) * 1000)
            sizes.append(total)
        timings.sort()
        figures[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max_ms": round(timings[-1], 2),
            "median_count": statistics.median(sizes),
            "queries": len(captured),
            "samples": samples,
        }
    return figures


def _case_count() -> int:
    from ordex.cases.models import Case

    return Case.objects.count()


def child(cases: int, samples: int) -> dict:
    from django.db import connection

    _setup()
    rng = random.Random(7)
    seeded = bulk_seed_cases(cases, rng)
    return {"database": connection.vendor, "seed": seeded, "queries": measure(samples, rng)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    args = parser.parse_args()
    if "ORDEX_DATA_DIR" not in os.environ:
        from common import temporary_dir

        os.environ["ORDEX_DATA_DIR"] = temporary_dir("ordex-bench-cases-")
    print(json.dumps(child(args.cases, args.samples), ensure_ascii=False))
