"""`bulk_seed_cases`: the benchmarks' one way to fill a fresh, migrated database with N cases and everything a
case page shows, by multi-row INSERTs inside one transaction per table (the ORM one row at a time would take
hours at 1,000,000). Not for anything but a throwaway benchmark database.

What it writes, for N cases:
- 25 users per department; one shop; N / 5 customers (each with 5 orders a few minutes apart, so a customer's
  30-day history has a handful of orders); 100 products;
- N orders and N cases (one per order, 15% open, 10% breached, a tenth of the other open ones near breach, most of the rest closed), N order links;
- with `detail=True` also what the case page reads: 2 lines and a payment per order, a parcel with 4 tracking
  events for every other order, 2 timeline entries per case, and for each open case its playbook's steps
  and the finding's evidence.
"""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

BATCH = 10_000
OPEN_SHARE = 0.15  # most rows are history; the queues read the open part
BREACHED_SHARE = 0.10
NEAR_BREACH_SHARE = 0.10  # of the open cases not breached
USERS_PER_DEPARTMENT = 25
ORDERS_PER_CUSTOMER = 5
PRODUCTS = 100
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _row_template(instance) -> tuple[list[str], dict]:
    """Columns and db-ready values of a model instance (defaults filled), to vary per row."""
    from django.db import connection

    values = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        values[field.column] = field.get_db_prep_save(field.pre_save(instance, True), connection)
    return list(values), values


def _insert(model, columns: list[str], rows) -> int:
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch, written = [], 0
    if connection.vendor == "postgresql":
        # COPY: PostgreSQL takes the rows as one stream (INSERTs, even pipelined, are one statement a row).
        with transaction.atomic(), connection.cursor() as cursor, \
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    # One transaction per table: a commit per batch would checkpoint the WAL hundreds of times.
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _rows_of(instance):
    """Columns, their positions by name, and the instance's values as the row each generated row starts from."""
    columns, values = _row_template(instance)
    col = {name: i for i, name in enumerate(columns)}
    base = [values[c] for c in columns]
    return columns, col, base


def _ids(model, order_by="pk"):
    return list(model.objects.order_by(order_by).values_list("pk", flat=True))


def bulk_seed_cases(cases: int, rng, *, detail: bool = False) -> dict:
    """Seed `cases` cases (see the module docstring); returns the seconds taken and the rows per table."""
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
    adapt = connection.ops.adapt_datetimefield_value
    rows: dict[str, int] = {}
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
    customers = max(1, cases // ORDERS_PER_CUSTOMER)
    columns, col, base = _rows_of(Customer(shop=shop, external_id="", name="张三", phone=""))

    def customer_rows():
        for n in range(customers):
            row = list(base)
            row[col["external_id"]] = f"buyer-{n}"
            row[col["phone"]] = f"139{n:08d}"
            yield row

    rows["customers"] = _insert(Customer, columns, customer_rows())
    customer_ids = _ids(Customer)

    columns, col, base = _rows_of(Order(
        order_no="", shop=shop, customer_id=customer_ids[0], total=Decimal("198.00"), created_at=NOW,
        snapshot_at=NOW, phone="", receiver_name="张三", province="浙江省", city="杭州市", district="临平区",
        address_detail="南苑街道人民大道100号",
    ))

    def order_created(n: int) -> datetime:
        # A customer's orders are minutes apart; customers spread over the year before NOW.
        return NOW - timedelta(minutes=(n // ORDERS_PER_CUSTOMER * 97 + n % ORDERS_PER_CUSTOMER) % 525_600)

    def order_rows():
        for n in range(cases):
            row = list(base)
            row[col["order_no"]] = f"B{n:09d}"
            row[col["customer_id"]] = customer_ids[min(n // ORDERS_PER_CUSTOMER, customers - 1)]
            row[col["phone"]] = f"139{n // ORDERS_PER_CUSTOMER:08d}"
            row[col["created_at"]] = row[col["snapshot_at"]] = adapt(order_created(n))
            yield row

    rows["orders"] = _insert(Order, columns, order_rows())
    order_ids = _ids(Order)

    columns, col, base = _rows_of(Case(
        type_id=types[0][0], status=CaseStatus.NEW, severity="p3", department_id=types[0][1], title="bench",
        opened_by_rule="bench.rule", found_at=NOW, sla_started_at=NOW, response_due_at=NOW, resolve_due_at=NOW,
        near_breach_due_at=NOW, created_at=NOW,
    ))
    open_statuses = [CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER]
    ended_statuses = [CaseStatus.CLOSED] * 7 + [CaseStatus.RESOLVED] * 2 + [CaseStatus.REJECTED]
    open_cases: list[int] = []  # positions of the open cases, for their steps and evidence

    def case_rows():
        for n in range(cases):
            type_id, department_id, severity = types[n % len(types)]
            row = list(base)
            found = NOW - timedelta(minutes=rng.randrange(0, 525_600))
            is_open = rng.random() < OPEN_SHARE
            status = rng.choice(open_statuses) if is_open else rng.choice(ended_statuses)
            due = found + timedelta(hours=rng.choice((4, 8, 24, 48, 72)))
            row[col["type_id"]] = type_id
            row[col["department_id"]] = department_id
            row[col["severity"]] = severity
            row[col["status"]] = status
            row[col["order_id"]] = order_ids[n]
            row[col["order_no"]] = f"B{n:09d}"
            row[col["title"]] = f"bench case {n}"
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
            elif is_open and rng.random() < NEAR_BREACH_SHARE:
                row[col["near_breach_at"]] = adapt(found + (due - found) * 0.8)
            if is_open:
                open_cases.append(n)
            else:
                row[col["ended_at"]] = adapt(due - timedelta(minutes=5))
            yield row

    rows["cases"] = _insert(Case, columns, case_rows())
    case_ids = _ids(Case)
    rows["case_orders"] = _insert(CaseOrder, ["case_id", "order_id", "order_no"],
                                  ([case_ids[n], order_ids[n], f"B{n:09d}"] for n in range(cases)))
    if detail:
        rows |= _seed_detail(cases, shop, order_ids, case_ids, open_cases, order_created)
    with connection.cursor() as cursor:
        # Fresh statistics, as a live database has; on PostgreSQL VACUUM also sets the visibility map
        # so counts can read the index alone.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return {"seconds": round(time.perf_counter() - started, 1), "rows": rows}


def _seed_detail(cases, shop, order_ids, case_ids, open_cases, order_created) -> dict:
    from django.db import connection

    from ordex.cases.choices import EvidenceKind, TimelineKind
    from ordex.cases.models import Case, CaseStep, Evidence, PlaybookStep, TimelineEntry
    from ordex.orders.models import OrderLine, Payment, Product, Shipment, TrackingEvent

    adapt = connection.ops.adapt_datetimefield_value
    rows = {}
    _insert(Product, ["sku", "name", "list_price", "active", "supplier"],
            ([f"SKU-{n:03d}", f"保温杯 {n} 号", "99.00", True, ""] for n in range(PRODUCTS)))
    product_ids = _ids(Product)
    rows["order_lines"] = _insert(OrderLine, ["order_id", "line_no", "product_id", "sku", "name", "qty",
                                              "unit_price", "list_price"], (
        [order_ids[n], line, product_ids[(n + line) % PRODUCTS], f"SKU-{(n + line) % PRODUCTS:03d}",
         f"保温杯 {(n + line) % PRODUCTS} 号", 1, "99.00", "99.00"]
        for n in range(cases) for line in (1, 2)))
    rows["payments"] = _insert(Payment, ["order_id", "status", "amount", "method", "txn_id", "reason", "occurred_at",
                                         "event_id"], (
        [order_ids[n], "paid", "198.00", "alipay", f"T{n}", "", adapt(order_created(n) + timedelta(minutes=2)),
         f"pay-{n}"] for n in range(cases)))
    shipped = range(0, cases, 2)
    rows["shipments"] = _insert(Shipment, ["shipment_no", "order_id", "carrier", "tracking_no", "created_at", "status",
                                           "last_location", "last_description"], (
        [f"S{n:09d}", order_ids[n], "zto", f"ZT{n:010d}", adapt(order_created(n) + timedelta(hours=6)),
         "in_transit", "杭州转运中心", "快件已到达杭州转运中心"] for n in shipped))
    shipment_ids = _ids(Shipment)
    steps = [("picked_up", "杭州临平"), ("in_transit", "杭州转运中心"), ("in_transit", "上海转运中心"),
             ("out_for_delivery", "上海浦东")]
    rows["tracking_events"] = _insert(TrackingEvent, ["shipment_id", "status", "raw_status", "description", "location",
                                                      "occurred_at", "event_id"], (
        [shipment_ids[i], status, "", f"快件{location}", location,
         adapt(order_created(n) + timedelta(hours=8 + 10 * k)), f"trk-{n}-{k}"]
        for i, n in enumerate(shipped) for k, (status, location) in enumerate(steps)))
    case_rows = Case.objects.order_by("pk").values_list("pk", "found_at", "type_id", "status")
    found = {pk: (at, type_id, status) for pk, at, type_id, status in case_rows.iterator(chunk_size=BATCH)}
    rows["timeline_entries"] = _insert(TimelineEntry, ["case_id", "at", "actor_name", "kind", "from_status",
                                                       "to_status", "message", "data"], (
        entry for pk in case_ids for entry in (
            [pk, adapt(found[pk][0]), "system", TimelineKind.OPENED, "", "new", "opened by bench.rule", "{}"],
            [pk, adapt(found[pk][0] + timedelta(minutes=20)), "bench", TimelineKind.TRANSITION, "new",
             found[pk][2], "", "{}"])))
    playbooks: dict[int, list] = {}
    for step in PlaybookStep.objects.order_by("exception_type_id", "position"):
        playbooks.setdefault(step.exception_type_id, []).append(step)
    rows["case_steps"] = _insert(CaseStep, ["case_id", "position", "title_zh", "title_en", "role", "required",
                                            "status", "note"], (
        [case_ids[n], step.position, step.title_zh, step.title_en, step.role, step.required, "open", ""]
        for n in open_cases for step in playbooks.get(found[case_ids[n]][1], ())))
    rows["evidence"] = _insert(Evidence, ["case_id", "kind", "rule_code", "summary", "facts", "file", "content_type",
                                          "size", "found_at"], (
        [case_ids[n], EvidenceKind.FINDING, "bench.rule", "订单超过时限未发货", '{"hours": 48}', "", "", 0,
         adapt(found[case_ids[n]][0])] for n in open_cases))
    return rows
