"""Case queue speed: seed 1,000,000 cases (bulk insert, a realistic mix of history and open work) and time
the three queue questions through `ordex.cases.queries.case_queue` (count + page + linked orders, what
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
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = 1_000_000
DEFAULT_SAMPLES = 200
BATCH = 10_000
OPEN_SHARE = 0.15  # most rows are history; the queues read the open part
BREACHED_SHARE = 0.10
USERS_PER_DEPARTMENT = 25


def run(orders: int = 0, runs: int = 3) -> dict:
    """Figures for SQLite, and PostgreSQL when configured. `orders` is ignored: the case count is fixed
    (override with BENCH_CASES)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import fresh_env, postgres_url, reset_postgres

    cases = int(os.environ.get("BENCH_CASES", DEFAULT_CASES))
    results = {"cases": cases, "sqlite": _child(fresh_env(None), cases, DEFAULT_SAMPLES)}
    url = postgres_url()
    if url:
        reset_postgres(url)
        results["postgresql"] = _child(fresh_env(url), cases, DEFAULT_SAMPLES)
    return results


def _child(env: dict, cases: int, samples: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--cases", str(cases), "--samples", str(samples)],
        env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- inside the child: Django set up against the fresh database ------------------------------------------


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordex.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _row_template(instance) -> tuple[list[str], dict]:
    """Columns and db-ready values of a model instance (defaults filled), to vary per row."""
    from django.db import connection

    values = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        values[field.column] = field.get_db_prep_save(field.pre_save(instance, True), connection)
    return list(values), values


def _insert(model, columns: list[str], rows) -> None:
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch = []
    # One transaction per table: a commit per batch would checkpoint the WAL hundreds of times.
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _ids(model, order_by="pk"):
    return list(model.objects.order_by(order_by).values_list("pk", flat=True))


def seed(cases: int, rng: random.Random) -> dict:
    from decimal import Decimal

    from django.db import connection

    from ordex.accounts.models import Department, User
    from ordex.cases.choices import CaseStatus
    from ordex.cases.models import Case, CaseOrder, ExceptionType
    from ordex.orders.models import Customer, Order, Shop

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        # Seeding only: a throwaway database need not survive a power cut mid-load.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    departments = {d.code: d.pk for d in Department.objects.all()}
    role_for = {"customer_service": "agent", "warehouse": "warehouse", "logistics": "logistics", "finance": "finance"}
    users_by_department: dict[int, list[int]] = {}
    for code, department_id in departments.items():
        for n in range(USERS_PER_DEPARTMENT):
            user = User.objects.create(username=f"{code}-{n}", role=role_for.get(code, "agent"),
                                       department_id=department_id, max_open_cases=10_000)
            users_by_department.setdefault(department_id, []).append(user.pk)
    types = list(ExceptionType.objects.values_list("pk", "default_department_id", "default_severity"))

    shop = Shop.objects.create(code="bench-shop", name="bench")
    customer = Customer.objects.create(shop=shop, external_id="bench-buyer", phone="13900000000")
    order_columns, order_values = _row_template(Order(
        order_no="", shop=shop, customer=customer, total=Decimal("99.00"), created_at=now, snapshot_at=now,
        phone="13900000000", province="浙江省", city="杭州市", district="临平区", address_detail="人民大道100号",
    ))
    order_index = order_columns.index("order_no"), order_columns.index("created_at"), order_columns.index("snapshot_at")

    def order_rows():
        base = [order_values[c] for c in order_columns]
        for n in range(cases):
            row = list(base)
            row[order_index[0]] = f"B{n:09d}"
            created = connection.ops.adapt_datetimefield_value(now - timedelta(minutes=n % 525_600))
            row[order_index[1]] = row[order_index[2]] = created
            yield row

    _insert(Order, order_columns, order_rows())
    order_ids = _ids(Order)

    case_columns, case_values = _row_template(Case(
        type_id=types[0][0], status=CaseStatus.NEW, severity="p3", department_id=types[0][1], title="bench",
        opened_by_rule="bench.rule", found_at=now, sla_started_at=now, response_due_at=now, resolve_due_at=now,
        near_breach_due_at=now, created_at=now,
    ))
    col = {name: i for i, name in enumerate(case_columns)}
    open_statuses = [CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER]
    ended_statuses = [CaseStatus.CLOSED] * 7 + [CaseStatus.RESOLVED] * 2 + [CaseStatus.REJECTED]
    adapt = connection.ops.adapt_datetimefield_value

    def case_rows():
        base = [case_values[c] for c in case_columns]
        for n in range(cases):
            type_id, department_id, severity = types[n % len(types)]
            row = list(base)
            found = now - timedelta(minutes=rng.randrange(0, 525_600))
            is_open = rng.random() < OPEN_SHARE
            status = rng.choice(open_statuses) if is_open else rng.choice(ended_statuses)
            due = found + timedelta(hours=rng.choice((4, 8, 24, 48, 72)))
            row[col["type_id"]] = type_id
            row[col["department_id"]] = department_id
            row[col["severity"]] = severity
            row[col["status"]] = status
            row[col["order_id"]] = order_ids[n]
            row[col["order_no"]] = f"B{n:09d}"
            row[col["found_at"]] = row[col["sla_started_at"]] = row[col["created_at"]] = adapt(found)
            row[col["resolve_due_at"]] = adapt(due)
            row[col["response_due_at"]] = adapt(found + timedelta(hours=1))
            row[col["near_breach_due_at"]] = adapt(found + (due - found) * 0.8)
            row[col["sla_paused"]] = status == CaseStatus.WAITING_CUSTOMER
            if is_open or rng.random() < 0.9:
                row[col["assignee_id"]] = rng.choice(users_by_department[department_id])
            if rng.random() < BREACHED_SHARE:
                row[col["breached_at"]] = adapt(due)
                row[col["near_breach_at"]] = adapt(found + (due - found) * 0.8)
            if not is_open:
                row[col["ended_at"]] = adapt(due - timedelta(minutes=5))
            yield row

    _insert(Case, case_columns, case_rows())
    case_ids = _ids(Case)
    link_columns = ["case_id", "order_id", "order_no"]
    _insert(CaseOrder, link_columns, ([case_ids[n], order_ids[n], f"B{n:09d}"] for n in range(cases)))
    with connection.cursor() as cursor:
        # Fresh statistics, as a live database has; on PostgreSQL VACUUM also sets the visibility map
        # so counts can read the index alone.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return {"seconds": round(time.perf_counter() - started, 1), "rows": {"orders": cases, "cases": cases,
                                                                            "case_orders": cases}}


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
    seeded = seed(cases, rng)
    return {"database": connection.vendor, "seed": seeded, "queries": measure(samples, rng)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    args = parser.parse_args()
    if "ORDEX_DATA_DIR" not in os.environ:
        import tempfile

        os.environ["ORDEX_DATA_DIR"] = tempfile.mkdtemp(prefix="ordex-bench-cases-")
    print(json.dumps(child(args.cases, args.samples), ensure_ascii=False))
