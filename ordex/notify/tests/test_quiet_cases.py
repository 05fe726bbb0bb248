"""Cases the customer is never told about: a case withdrawn because late data showed its condition never held
(even when its opening message was already queued), and a case a history import recorded closed as
historical. A live case the same import opens is told as usual."""

import json

from ordex.cases.choices import CaseStatus
from ordex.cases.models import Case
from ordex.cli import main
from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import envelope, order_created, order_paid
from ordex.notify import actions
from ordex.notify.choices import MessageStatus
from ordex.notify.models import Message
from ordex.orders.apply import forget_cached_rows


def _stock(on_hand, at):
    return envelope("inventory.updated", at, {"sku": "SKU-9", "warehouse": "WH-HZ", "on_hand": on_hand,
                                              "reserved": 0}, id=f"stock-{at}")


def test_a_case_withdrawn_after_its_message_was_queued_tells_the_customer_nothing(db):
    forget_cached_rows()
    ingest_events([_stock(1, "2026-11-01T07:00:00+08:00")], source="test")
    ingest_events([order_created("O1", at="2026-11-01T10:00:00+08:00", sku="SKU-9", qty=3, warehouse="WH-HZ")],
                  source="test")
    case = Case.objects.get(order_no="O1", type__code="out_of_stock")
    queued = Message.objects.filter(case=case)
    assert queued.exists()

    ingest_events([_stock(50, "2026-11-01T09:00:00+08:00")], source="test")  # enough stock at the order's time
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN

    actions.drain()
    assert set(queued.values_list("status", flat=True)) == {MessageStatus.SKIPPED}
    assert not Message.objects.filter(status=MessageStatus.SENT).exists()
    assert actions.enqueue(case, "opened") == []


def test_a_history_import_tells_nobody_about_its_historical_cases_and_tells_the_live_ones(db, tmp_path):
    forget_cached_rows()
    events = [
        order_created("H1", at="2026-11-01T10:00:00+08:00", id="h1"),
        order_paid("H1", at="2026-11-01T10:45:00+08:00", id="h1-paid"),  # 45 minutes: payment_timeout, over
        order_created("H2", at="2026-11-01T11:00:00+08:00", id="h2"),  # never paid
        envelope("system.heartbeat", "2026-11-01T13:00:00+08:00", {"component": "oms"}, id="beat"),
    ]
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    assert main(["import", str(path), "--history", "--no-progress"]) == 0

    historical = Case.objects.get(order_no="H1", type__code="payment_timeout")
    live = Case.objects.get(order_no="H2", type__code="payment_timeout")
    assert historical.status == CaseStatus.RESOLVED and historical.facts["historical"] is True
    assert live.status == CaseStatus.NEW and not live.facts.get("historical")
    assert not Message.objects.filter(case=historical).exists()
    assert Message.objects.filter(case=live).exists()
    assert actions.enqueue(historical, "opened") == []
