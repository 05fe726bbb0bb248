"""The importer keeps rows between chunks; these tests prove it never serves a row someone else changed."""

from decimal import Decimal

import pytest
from django.db import transaction

from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import order_created, order_paid
from ordex.orders.models import HubVersion, Order

pytestmark = pytest.mark.django_db


def test_a_write_by_another_process_drops_the_kept_rows():
    ingest_events([order_created(id="c1")], source="test")
    # Another web process applies a payment: its own transaction, its own token.
    Order.objects.filter(order_no="A1001").update(paid_amount=Decimal("10.00"), payment_count=1)
    HubVersion.objects.filter(pk=1).update(token="written-elsewhere")

    ingest_events([order_paid(id="p1", amount="89.00")], source="test")
    order = Order.objects.get()
    assert order.paid_amount == Decimal("99.00") and order.payment_count == 2


def test_a_rolled_back_chunk_leaves_nothing_behind_in_memory():
    ingest_events([order_created(id="c1")], source="test")
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest_events([order_paid(id="p1", amount="99.00")], source="test")
        raise RuntimeError("the request died after the chunk was applied")

    ingest_events([order_paid(id="p2", amount="99.00", at="2026-11-01T10:30:00+08:00")], source="test")
    order = Order.objects.get()
    assert order.paid_amount == Decimal("99.00") and order.payment_count == 1


def test_rows_kept_between_chunks_see_the_previous_chunk():
    ingest_events([order_created(id="c1")], source="test")
    ingest_events([order_paid(id="p1", amount="50.00", txn_id="T1")], source="test")
    ingest_events([order_paid(id="p2", amount="49.00", txn_id="T2", at="2026-11-01T10:25:00+08:00")],
                  source="test")
    order = Order.objects.get()
    assert order.paid_amount == Decimal("99.00") and order.payment_count == 2 and order.status == "paid"
