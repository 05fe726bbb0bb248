import copy
import json
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest

from ordex.ingest.models import Event
from ordex.ingest.pipeline import ingest_events
from ordex.orders.models import Order, Payment, PendingEvent, Shipment, TrackingEvent

from .events import envelope, order_created, order_paid, shipment_created, tracking

pytestmark = pytest.mark.django_db


def statuses(results):
    return [r.status for r in results]


def test_batch_applies_and_replay_is_duplicate_and_changes_nothing():
    batch = [order_created(id="e1"), order_paid(id="e2")]
    assert statuses(ingest_events(batch, source="test")) == ["applied", "applied"]
    order = Order.objects.get(order_no="A1001")
    assert order.status == "paid" and order.paid_amount == Decimal("99.00")

    assert statuses(ingest_events(copy.deepcopy(batch), source="test")) == ["duplicate", "duplicate"]
    order.refresh_from_db()
    assert order.paid_amount == Decimal("99.00") and order.payment_count == 1
    assert Payment.objects.count() == 1 and Event.objects.count() == 2


def test_same_id_twice_in_one_batch_applies_once():
    results = ingest_events([order_created(id="e1"), order_paid(id="p"), order_paid(id="p")], source="test")
    assert statuses(results) == ["applied", "applied", "duplicate"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda e: e["data"].update(amount=99.0), "data.amount", "not a JSON number"),
        (lambda e: e["data"].update(amount="99.999"), "data.amount", "at most 2 decimal places"),
        (lambda e: e.update(occurred_at="2026-11-01T10:20:00"), "occurred_at", "UTC offset"),
        (lambda e: e.update(occurred_at="yesterday"), "occurred_at", "ISO-8601"),
        (lambda e: e.update(type="order.exploded"), "type", "unknown event type"),
        (lambda e: e["data"].pop("order_no"), "data.order_no", "required"),
        (lambda e: e.pop("id"), "id", "required"),
        (lambda e: e.pop("data"), "data", "required"),
    ],
)
def test_bad_event_is_rejected_alone_with_the_field_named(mutate, field, message):
    bad = order_paid(id="bad")
    mutate(bad)
    results = ingest_events([order_created(id="good"), bad], source="test")
    assert results[0].status == "applied"
    assert results[1].status == "rejected"
    assert results[1].field == field
    assert message in results[1].error
    assert list(Event.objects.values_list("event_id", flat=True)) == ["good"]


def test_quantities_must_be_positive_integers():
    zero = order_created(id="q0", qty=0)
    text = order_created(order_no="A2", id="qs")
    text["data"]["lines"][0]["qty"] = "2"
    results = ingest_events([zero, text], source="test")
    assert [(r.status, r.field) for r in results] == [("rejected", "data.lines.0.qty"), ("rejected", "data.lines.0.qty")]
    assert not Order.objects.exists()


def test_paid_before_created_waits_and_applies_when_the_order_arrives():
    assert statuses(ingest_events([order_paid(id="p1")], source="test")) == ["applied"]
    assert not Order.objects.exists()
    assert PendingEvent.objects.filter(event_id="p1", waiting_key="order:A1001").exists()
    assert Event.objects.get(event_id="p1").status == "waiting"

    ingest_events([order_created(id="c1")], source="test")
    order = Order.objects.get(order_no="A1001")
    assert order.status == "paid" and order.paid_amount == Decimal("99.00")
    assert not PendingEvent.objects.exists()
    assert Event.objects.get(event_id="p1").status == "applied"


def test_older_tracking_event_never_rolls_the_parcel_back():
    ingest_events([order_created(), order_paid(), shipment_created(),
                   tracking("delivered", "2026-11-04T15:00:00+08:00")], source="test")
    ingest_events([tracking("in_transit", "2026-11-03T08:00:00+08:00")], source="test")
    shipment = Shipment.objects.get()
    assert shipment.status == "delivered"
    assert TrackingEvent.objects.count() == 2
    assert shipment.order.status == "delivered"


def test_tracking_before_its_shipment_waits_for_the_parcel():
    ingest_events([order_created(), tracking("picked_up", "2026-11-02T10:00:00+08:00")], source="test")
    assert PendingEvent.objects.filter(waiting_key="tracking:yunda:YD100").exists()
    ingest_events([shipment_created()], source="test")
    shipment = Shipment.objects.get()
    assert shipment.status == "picked_up" and shipment.picked_up_at is not None


def test_older_order_snapshot_does_not_overwrite_a_newer_one():
    newer = order_created(id="u2", at="2026-11-01T12:00:00+08:00", total="80.00")
    newer["type"] = "order.updated"
    ingest_events([newer], source="test")
    ingest_events([order_created(id="c1", at="2026-11-01T10:00:00+08:00", total="99.00")], source="test")
    order = Order.objects.get()
    assert order.total == Decimal("80.00")
    assert order.created_at.isoformat() == "2026-11-01T02:00:00+00:00"


def test_same_transaction_id_reported_twice_is_one_payment():
    ingest_events([order_created(), order_paid(id="p1", txn_id="T9"),
                   order_paid(id="p2", txn_id="T9", at="2026-11-01T10:21:00+08:00")], source="test")
    assert Order.objects.get().payment_count == 1


def test_a_transaction_id_already_stored_is_not_paid_again():
    ingest_events([order_created(), order_paid(id="p1", txn_id="T9")], source="test")
    results = ingest_events([order_paid(id="p2", txn_id="T9", at="2026-11-01T11:00:00+08:00"),
                             order_paid(id="p3", txn_id="T10", at="2026-11-01T11:05:00+08:00")], source="test")
    assert statuses(results) == ["applied", "applied"]  # accepted and stored; the repeat changes nothing
    order = Order.objects.get()
    assert order.payment_count == 2 and order.paid_amount == Decimal("198.00")
    assert sorted(Payment.objects.values_list("txn_id", flat=True)) == ["T10", "T9"]


def test_paid_twice_is_recorded_as_two_payments():
    ingest_events([order_created(), order_paid(id="p1", txn_id="T1"),
                   order_paid(id="p2", txn_id="T2", at="2026-11-01T10:21:00+08:00")], source="test")
    order = Order.objects.get()
    assert order.payment_count == 2 and order.paid_amount == Decimal("198.00")


def test_accepted_event_is_stored_as_received():
    event = order_created(id="c1", buyer_note="请尽快发货")
    event["data"]["vendor_extra"] = {"k": [1, 2]}
    ingest_events([event], source="file")
    stored = Event.objects.get(event_id="c1")
    assert json.loads(stored.envelope) == event
    assert stored.source == "file" and stored.received_at is not None


def test_address_raw_text_is_structured_with_current_districts():
    ingest_events([order_created(address={"raw": "杭州市钱塘区下沙街道6号大街1号"})], source="test")
    order = Order.objects.get()
    assert (order.province, order.city, order.district) == ("浙江省", "杭州市", "钱塘区")
    assert order.address_quality == "ok"


def test_stale_shipment_tracking_number_reuse_is_refused():
    ingest_events([order_created(), shipment_created()], source="test")
    reuse = shipment_created(shipment_no="SH2", id="s2")
    result = ingest_events([reuse], source="test")[0]
    assert (result.status, result.field) == ("rejected", "data.tracking_no")
    assert not Event.objects.filter(event_id="s2").exists()


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_racing_apply_each_event_once():
    batch = [order_created(id="c1")] + [order_paid(id=f"p{i}", txn_id=f"T{i}") for i in range(20)]
    outcomes = []

    def push():
        from django.db import connections

        try:
            outcomes.append(statuses(ingest_events(copy.deepcopy(batch), source="http")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    applied = sum(status == "applied" for outcome in outcomes for status in outcome)
    assert applied == len(batch)
    assert Payment.objects.count() == 20
    assert Order.objects.get().payment_count == 20


def _hold_writer_lock_elsewhere(connection):
    """Another process (SQLite: its flock) or session (PostgreSQL: the advisory lock) holds the writer lock
    until the returned function is called; returns once it is held."""
    if connection.vendor == "sqlite":
        lock_file = f"{connection.settings_dict['NAME']}.writer-lock"
        holder = subprocess.Popen(
            [sys.executable, "-c", "import fcntl, os, sys\n"
             f"fd = os.open({lock_file!r}, os.O_RDWR | os.O_CREAT)\n"
             "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.readline()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"

        def release():
            holder.stdin.write("release\n")
            holder.stdin.close()
            holder.wait(10)

        return release
    import psycopg

    from ordex.ingest.pipeline import _ADVISORY_LOCK_KEY

    params = connection.get_connection_params()
    session = psycopg.connect(**{k: v for k, v in params.items() if k in (
        "dbname", "user", "password", "host", "port")}, autocommit=True)
    session.execute("SELECT pg_advisory_lock(%s)", [_ADVISORY_LOCK_KEY])

    def release():
        session.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_LOCK_KEY])
        session.close()

    return release


def _someone_waits_for_the_writer_lock(connection) -> bool:
    """Whether a writer is blocked on the writer lock right now (SQLite: a blocked flock on the lock file in
    /proc/locks; PostgreSQL: an advisory lock request not granted in pg_locks)."""
    if connection.vendor == "sqlite":
        import os

        inode = os.stat(f"{connection.settings_dict['NAME']}.writer-lock").st_ino
        with open("/proc/locks") as locks:
            return any("->" in line and line.split()[-3].endswith(f":{inode}") for line in locks)
    from ordex.ingest.pipeline import _ADVISORY_LOCK_KEY

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
                       [_ADVISORY_LOCK_KEY])
        return cursor.fetchone()[0] > 0


def wait_until(condition, what):
    """Poll `condition` (a failure, not a pause, if it never holds)."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


@pytest.mark.django_db(transaction=True)
def test_a_writer_queues_behind_another_writer_holding_the_lock():
    from django.db import connection

    release = _hold_writer_lock_elsewhere(connection)
    results = []
    writer = threading.Thread(target=lambda: results.extend(ingest_events([order_created(id="c1")], source="test")))
    try:
        writer.start()
        wait_until(lambda: _someone_waits_for_the_writer_lock(connection), "the writer to queue on the lock")
        assert not Event.objects.exists()  # it waits for the other writer instead of writing alongside it
    finally:
        release()
        writer.join(20)
    assert statuses(results) == ["applied"]


def test_unknown_customer_report_kind_names_the_field():
    report = envelope("customer.reported", "2026-11-05T10:00:00+08:00",
                      {"order_no": "A1001", "kind": "angry", "message": "x"})
    result = ingest_events([report], source="test")[0]
    assert (result.status, result.field) == ("rejected", "data.kind")
