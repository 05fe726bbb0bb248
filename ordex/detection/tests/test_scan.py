"""The scan pass and `ordex scan`: replayable, dry runs open nothing, the import hook stays batch-minded."""

import json

from ordex.cli import main
from ordex.detection.models import Finding, RuleState
from ordex.detection.tests.helpers import (
    cases_of,
    findings,
    ingest,
    order_created,
    order_paid,
    scan,
    shipment_created,
    tracking,
)


def test_dry_run_with_changed_parameters_shows_what_would_fire_and_opens_nothing(db, capsys):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"), order_paid("P1", at="2026-11-01T10:40:00+08:00"))
    assert main(["scan", "--as-of", "2026-11-01T12:00:00+08:00", "--param", "payment_timeout.minutes=45",
                 "--rule", "payment_timeout", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["dry_run"] is True and summary["rules"][0]["found"] == 0
    assert main(["scan", "--as-of", "2026-11-01T12:00:00+08:00", "--param", "payment_timeout.minutes=20",
                 "--rule", "payment_timeout", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rules"][0]["found"] == 1
    assert Finding.objects.count() == 0 and cases_of("payment_timeout") == []


def test_scan_command_opens_cases_and_rejects_bad_input(db, capsys):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    assert main(["scan", "--as-of", "2026-11-01T12:00:00+08:00"]) == 0
    assert "payment_timeout" in capsys.readouterr().out
    assert len(cases_of("payment_timeout")) == 1
    assert main(["scan", "--as-of", "yesterday"]) == 2
    assert main(["scan", "--param", "payment_timeout.minutes=soon"]) == 2
    assert main(["scan", "--rule", "no_such_rule"]) == 2


def test_same_events_and_same_as_of_give_the_same_findings(db):
    events = [order_created("A1", at="2026-11-01T10:00:00+08:00"), order_paid("A1", at="2026-11-01T10:05:00+08:00"),
              shipment_created("A1", at="2026-11-01T12:00:00+08:00"),
              tracking("picked_up", "2026-11-01T14:00:00+08:00")]
    ingest(*events)
    scan("2026-11-04T00:00:00+08:00")
    first = sorted((f.rule_code, f.subject_key, f.occurrence) for f in Finding.objects.all())
    scan("2026-11-04T00:00:00+08:00", full=True)
    scan("2026-11-04T00:00:00+08:00")
    assert sorted((f.rule_code, f.subject_key, f.occurrence) for f in Finding.objects.all()) == first


def test_a_pass_remembers_how_far_it_scanned(db):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00"))
    scan("2026-11-01T12:00:00+08:00")
    state = RuleState.objects.get(rule__code="payment_timeout")
    assert state.scanned_until.isoformat() == "2026-11-01T04:00:00+00:00"
    scan("2026-11-01T11:00:00+08:00")  # an earlier time replays history, the watermark stays
    state.refresh_from_db()
    assert state.scanned_until.isoformat() == "2026-11-01T04:00:00+00:00"


def test_the_import_hook_does_a_bounded_number_of_queries_whatever_the_chunk_size(db, django_assert_max_num_queries):
    from ordex.detection.subscriber import on_events
    from ordex.ingest.schemas import parse_event
    from ordex.orders.apply import apply_events

    def chunk(n, offset):
        events = []
        for i in range(offset, offset + n):
            events += [order_created(f"B{i}", at=f"2026-11-01T10:{i % 60:02d}:00+08:00", phone=f"1380000{i:04d}"),
                       order_paid(f"B{i}", at=f"2026-11-01T11:{i % 60:02d}:00+08:00")]
        return apply_events([parse_event(e) for e in events]).applied

    small, large = chunk(5, 0), chunk(100, 100)
    with django_assert_max_num_queries(40) as small_ctx:
        on_events(small)
    with django_assert_max_num_queries(40) as large_ctx:
        on_events(large)
    assert len(large_ctx.captured_queries) <= len(small_ctx.captured_queries) + 2
    assert findings() == []


def test_imported_stream_then_scan_lists_cases_with_order_no_and_type(db, api_as):
    ingest(order_created("E1", at="2026-11-01T10:00:00+08:00"),
           order_created("E2", at="2026-11-01T10:00:00+08:00", phone="12345"))
    scan("2026-11-01T12:00:00+08:00")
    body = api_as("supervisor").get("/api/v1/cases").json()
    listed = {(item["order_no"], item["type"]) for item in body["items"]}
    assert {("E1", "payment_timeout"), ("E2", "payment_timeout"), ("E2", "customer_info_error")} <= listed
    assert {item["opened_by_rule"] for item in body["items"]} == {"payment_timeout", "customer_info_error"}
