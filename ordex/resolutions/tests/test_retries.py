"""Retries answered from what is committed (retries.py): the same answer as the locked path, case by case,
without waiting for a writer; and the query counts of requesting an action, pinned."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ordex.cases.models import Case
from ordex.core.errors import DomainError
from ordex.resolutions import actions, retries
from ordex.resolutions.actions import ActionRequest

from .conftest import open_case, paid_order

REFUND = ActionRequest(kind="refund", amount=Decimal("50.00"), reason="lid cracked")


def refused(call) -> tuple[str, str, str | None]:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code, caught.value.message, caught.value.field


def test_a_retry_of_a_committed_request_gets_the_locked_paths_answer(case, as_supervisor):
    first = actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1")
    fingerprint = REFUND.fingerprint(case.pk)

    unlocked = retries.answered_request(case.pk, "k1", fingerprint)
    locked = actions.request_action_locked(case.pk, actor=as_supervisor, request=REFUND, key="k1")

    assert first.created and not locked.created
    assert unlocked.pk == locked.action.pk == first.action.pk
    assert (unlocked.order.order_no, unlocked.status) == (locked.action.order.order_no, locked.action.status)


def test_a_key_reused_for_another_request_is_refused_alike(case, as_supervisor):
    actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1")
    other = ActionRequest(kind="refund", amount=Decimal("60.00"))

    unlocked = refused(lambda: retries.answered_request(case.pk, "k1", other.fingerprint(case.pk)))
    locked = refused(lambda: actions.request_action_locked(case.pk, actor=as_supervisor, request=other, key="k1"))

    assert unlocked == locked and unlocked[0] == "idempotency_key_reused"


def test_a_key_of_another_case_of_the_same_order_is_refused_alike(case, as_supervisor):
    actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1")
    second_case = open_case(case.order, type_code="quality_issue")

    unlocked = refused(lambda: retries.answered_request(second_case.pk, "k1", REFUND.fingerprint(second_case.pk)))
    locked = refused(lambda: actions.request_action_locked(second_case.pk, actor=as_supervisor, request=REFUND,
                                                           key="k1"))

    assert unlocked == locked and unlocked[0] == "idempotency_key_reused"


def test_a_new_key_is_left_to_the_locked_path(case):
    assert retries.answered_request(case.pk, "never-used", REFUND.fingerprint(case.pk)) is None


def test_done_again_gets_the_locked_paths_answer(case, as_supervisor, as_finance, as_warehouse):
    action = actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1").action
    assert retries.already_done(action.pk) is None  # executing: the locked path decides
    actions.mark_done(action.pk, actor=as_finance, reference="RF-1")

    unlocked = actions.mark_done(action.pk, actor=as_finance)
    locked = actions.mark_done_locked(action.pk, actor=as_finance)

    assert unlocked.pk == locked.pk and (unlocked.status, unlocked.reference) == (locked.status, locked.reference)
    assert refused(lambda: actions.mark_done(action.pk, actor=as_warehouse)) == refused(
        lambda: actions.mark_done_locked(action.pk, actor=as_warehouse))


class CaseLockedElsewhere:
    """Another connection holds the case's row lock (PostgreSQL) or the database's write lock (SQLite) until
    the block ends, and this connection gives up on a lock after 2 s instead of 30: whatever waits for a
    lock in the block fails."""

    def __init__(self, case: Case):
        self.case_pk = case.pk
        self.held, self.release = threading.Event(), threading.Event()
        self.holder = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=self.case_pk)
                self.held.set()
                self.release.wait(30)
        finally:
            connection.close()

    def __enter__(self):
        self.holder.start()
        assert self.held.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'" if connection.vendor == "postgresql" else "PRAGMA busy_timeout = 2000")

    def __exit__(self, *exc):
        self.release.set()
        self.holder.join(30)
        connection.close()  # the next connection has the settings' timeouts again


@pytest.mark.django_db(transaction=True)
def test_retries_of_a_committed_refund_wait_for_no_lock(as_supervisor, as_finance):
    case = open_case(paid_order(shop_code="retry-1"))
    first = actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1")
    actions.mark_done(first.action.pk, actor=as_finance)

    with CaseLockedElsewhere(case):
        again = actions.request_action(case.pk, actor=as_supervisor, request=REFUND, idempotency_key="k1")
        done_again = actions.mark_done(first.action.pk, actor=as_finance)

    assert (again.action.pk, again.created) == (first.action.pk, False)
    assert done_again.status == "done"


def test_requesting_costs_the_same_queries_whatever_its_lines_and_a_retry_three(supervisor_api_of, case):
    api = supervisor_api_of
    url = f"/api/v1/cases/{case.pk}/actions"
    one_line = {"kind": "refund", "lines": [{"sku": "CUP", "qty": 1}]}
    two_lines = {"kind": "refund", "lines": [{"sku": "CUP", "qty": 1}, {"sku": "LID", "qty": 1}]}

    api.get(url)  # the token's first use of the minute writes its last use; not what this test counts
    with CaptureQueriesContext(connection) as first:
        assert api.post(url, one_line, HTTP_IDEMPOTENCY_KEY="a").status_code == 201
    with CaptureQueriesContext(connection) as second:
        assert api.post(url, two_lines, HTTP_IDEMPOTENCY_KEY="b").status_code == 201
    with CaptureQueriesContext(connection) as retry:
        assert api.post(url, two_lines, HTTP_IDEMPOTENCY_KEY="b").status_code == 201

    assert len(first) == len(second) <= 23
    # the token, the case (may this user ask?), the action by its key: no lock, no transaction
    assert len(retry) == 3, [query["sql"][:80] for query in retry.captured_queries]


@pytest.fixture
def supervisor_api_of(api_as, bob):
    return api_as("supervisor", user=bob)
