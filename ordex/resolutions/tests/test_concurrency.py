"""Races: eight threads at once on one order (SQLite and PostgreSQL, real transactions)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ordex.core.errors import DomainError
from ordex.resolutions import actions
from ordex.resolutions.actions import ActionRequest
from ordex.resolutions.choices import LIVE_STATUSES
from ordex.resolutions.models import Action, LedgerLine

from .conftest import open_case, paid_order

THREADS = 8


def run_together(work) -> list:
    barrier = threading.Barrier(THREADS)
    outcomes = [None] * THREADS

    def one(n):
        try:
            barrier.wait()
            outcomes[n] = work(n)
        except DomainError as refused:
            outcomes[n] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_eight_retries_of_one_refund_make_one_action_and_one_ledger_line(as_finance):
    case = open_case(paid_order(shop_code="race-1"))

    def retry(n):
        result = actions.request_action(case.pk, actor=as_finance, idempotency_key="refund-once",
                                        request=ActionRequest(kind="refund", amount=Decimal("120.00")))
        actions.mark_done(result.action.pk, actor=as_finance)
        return result.created

    outcomes = run_together(retry)
    assert sorted(outcomes) == [False] * (THREADS - 1) + [True]
    assert Action.objects.count() == 1
    assert [line.amount for line in LedgerLine.objects.all()] == [Decimal("120.00")]


@pytest.mark.django_db(transaction=True)
def test_eight_partial_refunds_together_never_exceed_what_was_paid(as_finance):
    order = paid_order(shop_code="race-2")  # 300.00 paid

    case = open_case(order)

    def partial(n):
        actions.request_action(case.pk, actor=as_finance, idempotency_key=f"part-{n}",
                               request=ActionRequest(kind="refund", amount=Decimal("50.00")))
        return "ok"

    outcomes = run_together(partial)
    assert sorted(outcomes) == ["exceeds_paid"] * 2 + ["ok"] * 6
    committed = sum(a.amount for a in Action.objects.filter(order=order, status__in=sorted(LIVE_STATUSES)))
    assert committed == Decimal("300.00")
