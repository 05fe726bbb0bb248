"""History imports (issue 17 §5): `ordex import --history FILE` and backfills over the API replay the periodic
rules with the clock following the events, so a month imported afterwards gives the cases a live run would
have opened; what ended before the end of the import is recorded closed as historical (no SLA, no customer
message), what is still true opens a live case whose SLA starts at the end of the import."""

import json
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ordex.cases.choices import OPEN_STATUSES, CaseStatus, Resolution
from ordex.cases.models import Case
from ordex.cli import main
from ordex.detection.history import running, scan_moment
from ordex.detection.models import Finding, HistoryImport, RuleState
from ordex.detection.scan import run_scan
from ordex.detection.tests.helpers import envelope
from ordex.detection.tests.test_arrival_property import _envelopes
from ordex.ingest.pipeline import ingest_events
from ordex.orders.apply import forget_cached_rows

pytestmark = pytest.mark.django_db

# Recent history (the import ends within the 15-day reopen window of today, as a backfill before going live).
START = datetime.combine((timezone.now() - timedelta(days=12)).date(), time(9),
                         tzinfo=timezone.get_fixed_timezone(480))
HOUR = 3600

# A small merchant's few days (offset seconds, kind, argument), as the arrival property test writes them:
# paid orders that ship, parcels that stall and move again or never move, an order never paid, a heartbeat gap,
# a price list that makes one order a price error and a stock snapshot that makes one short until a restock.
STREAM = [
    (0, "stock", (0, 1)), (30, "price", (0, "99.00")),
    (0 * 60 + 60, "order", 0), (10 * 60, "paid", 0), (30 * HOUR, "shipment", 0),
    (31 * HOUR, "scan", (0, 0)), (86 * HOUR, "scan", (0, 1)),  # a 55-hour stall that ended
    (20 * 60, "order", 1), (70 * 60, "paid", 1), (22 * HOUR, "shipment", 1),
    (23 * HOUR, "scan", (1, 0)),  # then silent to the end: still stalled
    (40 * 60, "order", 2),  # never paid
    (2 * HOUR, "stock", (1, 50)), (3 * HOUR, "price", (1, "250.00")),
    (4 * HOUR, "order", 3), (4 * HOUR + 600, "paid", 3), (5 * HOUR, "shipment", 3),
    *[(k * 5 * 60, "beat", k) for k in range(12)],
    *[(k * 5 * 60 + 40 * 60, "beat", k) for k in range(12, 20)],  # a 45-minute gap, then beats again
]


@pytest.fixture(autouse=True)
def _fresh_rows():
    forget_cached_rows()


def _write(tmp_path, events, name="history.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return path


def _cases(run: int) -> Counter:
    """(type, subject, open?) of a run's cases that were not withdrawn."""
    rows = Case.objects.filter(order_no__startswith=f"R{run}-") | Case.objects.filter(subject_key__contains=f"{run}")
    return Counter((c.type.code, c.order_no.replace(f"R{run}-", "") or c.subject_key.replace(str(run), "#"),
                    c.status in OPEN_STATUSES) for c in rows.select_related("type") if c.status != CaseStatus.WITHDRAWN)


def _live_replay(events, every_minutes=15):
    """What a live system does: events arrive in time order, a pass runs at each scan moment of the clock."""
    events = sorted(events, key=lambda e: e["occurred_at"])
    scanned = None
    batch = []
    for event in events:
        at = datetime.fromisoformat(event["occurred_at"])
        moment = scan_moment(at, every_minutes)
        if scanned is None or moment > scanned:
            if batch:
                ingest_events(batch, source="test")
                batch = []
            run_scan(moment)
            scanned = moment
        batch.append(event)
    ingest_events(batch, source="test")
    run_scan(max(datetime.fromisoformat(e["occurred_at"]) for e in events))


def test_a_month_imported_with_history_gives_the_cases_of_a_live_run(tmp_path, capsys):
    live, imported = 101, 102
    # The instance has run live on this week's events; the same days of the week before are imported after.
    _live_replay(_envelopes(STREAM, live, START + timedelta(days=6)))
    expected = _cases(live)
    assert {code for code, _, _ in expected} >= {"tracking_stalled", "payment_timeout", "system_outage",
                                                  "price_error", "out_of_stock"}

    path = _write(tmp_path, _envelopes(STREAM, imported, START))
    assert main(["import", str(path), "--history", "--json", "--no-progress"]) == 0

    assert _cases(imported) == expected
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ended = sum(1 for _, _, still_open in expected.elements() if not still_open)
    assert summary["history"] == {"historical_cases": ended, "live_cases": sum(expected.values()) - ended,
                                  "withdrawn": 0}


def test_historical_cases_are_closed_with_no_sla_and_live_ones_start_their_sla_at_the_end(tmp_path):
    path = _write(tmp_path, _envelopes(STREAM, 103, START))
    before = timezone.now()
    assert main(["import", str(path), "--history", "--no-progress"]) == 0

    stalled = Case.objects.get(order_no="R103-0", type__code="tracking_stalled")  # moved again after 55 h
    assert stalled.status == CaseStatus.RESOLVED and stalled.resolution == Resolution.CLEARED
    assert stalled.facts["historical"] is True
    assert stalled.breached_at is None and stalled.response_breached_at is None
    assert stalled.found_at < START + timedelta(days=4)  # opened at its time, a month-old condition

    still = Case.objects.get(order_no="R103-1", type__code="tracking_stalled")  # silent to the end of the file
    assert still.status in OPEN_STATUSES and not still.facts.get("historical")
    assert still.sla_started_at >= before and still.found_at >= before
    assert datetime.fromisoformat(still.facts["condition_since"]) < START + timedelta(days=4)


def test_without_history_a_scan_by_todays_clock_judges_the_month_old_stream_as_of_today(tmp_path):
    path = _write(tmp_path, _envelopes(STREAM, 104, START))
    assert main(["import", str(path), "--no-progress"]) == 0
    run_scan(START + timedelta(days=60))  # a month later, nothing more arrived: every unshipped parcel is lost
    lost = Case.objects.filter(order_no__startswith="R104-", type__code="parcel_lost")
    assert lost.exists() and all(c.status in OPEN_STATUSES for c in lost)

    path = _write(tmp_path, _envelopes(STREAM, 105, START + timedelta(days=90)), "again.jsonl")
    assert main(["import", str(path), "--history", "--no-progress"]) == 0
    assert not Case.objects.filter(order_no__startswith="R105-", type__code="parcel_lost").exists()


def test_the_live_pass_waits_while_a_history_import_is_under_way():
    HistoryImport.objects.create(key="bf-1", source="http")
    assert running()
    assert run_scan() == []  # the worker's pass, on today's clock
    assert run_scan(START, dry_run=True)  # an explicit pass as of a moment still runs


def test_rules_without_a_live_pass_start_from_the_end_of_the_imported_stream(tmp_path):
    path = _write(tmp_path, _envelopes(STREAM, 106, START))
    assert main(["import", str(path), "--history", "--no-progress"]) == 0
    end = max(datetime.fromisoformat(e["occurred_at"]) for e in _envelopes(STREAM, 106, START))
    assert set(RuleState.objects.values_list("scanned_until", flat=True)) == {end}


def test_a_backfill_over_the_api_settles_its_cases_when_finished(api_as):
    client = api_as("integration")
    events = _envelopes(STREAM, 107, START)
    for start in range(0, len(events), 10):
        response = client.post("/api/v1/events", {"events": events[start:start + 10], "backfill": "bf-107"},
                               content_type="application/json")
        assert response.status_code == 200 and response.json()["rejected"] == 0
    assert not Case.objects.filter(order_no__startswith="R107-").exists()  # waiting for the end

    done = client.post("/api/v1/backfills/bf-107/finish")
    assert done.status_code == 200
    body = done.json()
    assert body["historical_cases"] >= 3 and body["live_cases"] >= 1 and body["finished_at"]
    assert Finding.objects.filter(history__key="bf-107", case_id__isnull=True, withdrawn_at__isnull=True) \
        .exclude(level="warning").count() == 0
    assert client.post("/api/v1/backfills/bf-107/finish").json() == body  # finishing again changes nothing

    late = client.post("/api/v1/events", {"events": [envelope("system.heartbeat", START.isoformat(),
                                                                {"component": "x"})], "backfill": "bf-107"},
                       content_type="application/json")
    assert late.status_code == 409 and late.json()["code"] == "backfill_finished"
    assert client.get("/api/v1/backfills/nope").status_code == 404
