"""The `webhook` commerce adapter: a signed request written to the outbox with the approval, sent by the
worker after commit, retried with exponential backoff, confirmed by the merchant's signed callback or by a
later matching event; and reconciliation of done actions with the merchant's refunds."""

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from ordex.cases.models import Case
from ordex.orders.tests.factories import RefundFactory
from ordex.resolutions import actions, reconcile, sender
from ordex.resolutions.actions import ActionRequest
from ordex.resolutions.choices import ActionStatus, OutboxStatus
from ordex.resolutions.models import Action, CommerceSettings, LedgerLine, OutboxMessage
from ordex.resolutions.money import signature, signature_matches

from .conftest import open_case, paid_order


class Merchant:
    """A merchant's system on a local port: records what it receives, answers with `status`."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                merchant.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(merchant.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ordex"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def merchant():
    server = Merchant()
    yield server
    server.close()


@pytest.fixture
def shop_order(db, merchant):
    order = paid_order(shop_code="hooked")
    CommerceSettings.objects.create(shop=order.shop, adapter="webhook", webhook_url=merchant.url)
    return order


@pytest.fixture
def secret(shop_order):
    return actions.issue_webhook_secret(shop_order.shop_id)


def approved_refund(order, actor, amount="100.00", key="refund-1"):
    case = open_case(order)
    return actions.request_action(case.pk, actor=actor, idempotency_key=key,
                                  request=ActionRequest(kind="refund", amount=Decimal(amount))).action


def test_approval_writes_the_request_to_the_outbox_and_waits_for_the_worker(shop_order, secret, as_finance):
    action = approved_refund(shop_order, as_finance)
    assert action.status == ActionStatus.APPROVED
    message = OutboxMessage.objects.get(action=action)
    body = json.loads(message.body)
    assert (body["idempotency_key"], body["amount"], body["order_no"]) == ("refund-1", "100.00", shop_order.order_no)
    assert message.status == OutboxStatus.PENDING


def test_the_worker_sends_it_signed_and_the_action_executes(shop_order, secret, as_finance, merchant):
    action = approved_refund(shop_order, as_finance)
    assert sender.send(OutboxMessage.objects.get(action=action).pk) == "sent"
    request = merchant.received[0]
    headers = request["headers"]
    assert headers["Idempotency-Key"] == "refund-1"
    assert signature_matches(secret, int(headers["X-Ordex-Timestamp"]), request["body"], headers["X-Ordex-Signature"])
    assert not signature_matches("another secret", int(headers["X-Ordex-Timestamp"]), request["body"],
                                 headers["X-Ordex-Signature"])
    assert Action.objects.get(pk=action.pk).status == ActionStatus.EXECUTING


def test_a_refused_request_is_retried_with_exponential_backoff_then_the_action_fails(
        shop_order, secret, as_finance, merchant):
    merchant.status = 500
    action = approved_refund(shop_order, as_finance)
    message_id = OutboxMessage.objects.get(action=action).pk
    delays = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(sender.MAX_ATTEMPTS - 1):
            assert sender.send(message_id) == "retry"
            message = OutboxMessage.objects.get(pk=message_id)
            delays.append(int((message.next_attempt_at - timezone.now()).total_seconds()))
            assert sender.send(message_id) == "skipped"  # not due yet
            clock.shift(message.next_attempt_at - timezone.now())
        assert sender.send(message_id) == "dead"
    assert delays == [30, 60, 120, 240, 480, 960, 1920]
    failed = Action.objects.get(pk=action.pk)
    assert failed.status == ActionStatus.FAILED and "HTTP 500" in failed.outcome_reason
    assert len(merchant.received) == sender.MAX_ATTEMPTS and not LedgerLine.objects.exists()


def test_a_crash_between_commit_and_send_loses_nothing_and_resends_the_same_key(
        shop_order, secret, as_finance, merchant):
    action = approved_refund(shop_order, as_finance)
    message_id = OutboxMessage.objects.get(action=action).pk
    # A worker claimed the message and died before recording anything.
    OutboxMessage.objects.filter(pk=message_id).update(claimed_until=timezone.now() + sender.CLAIM_FOR)
    assert sender.due_messages() == [message_id] and sender.send(message_id) == "skipped"
    with time_machine.travel(timezone.now() + sender.CLAIM_FOR + timedelta(seconds=1)):
        assert [sender.send(pk) for pk in sender.due_messages()] == ["sent"]
        assert sender.due_messages() == []
    assert [request["headers"]["Idempotency-Key"] for request in merchant.received] == ["refund-1"]


def test_an_approved_request_not_yet_sent_can_be_withdrawn(shop_order, secret, as_finance, merchant):
    action = approved_refund(shop_order, as_finance)
    actions.cancel_action(action.pk, actor=as_finance, reason="customer changed their mind")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.CANCELLED
    assert sender.send(OutboxMessage.objects.get(action=action).pk) == "skipped" and merchant.received == []


# --- confirmation -----------------------------------------------------------------------------------


def _callback(client, order, body, secret, *, at=None, signature_override=None):
    raw = json.dumps(body).encode()
    timestamp = int(at if at is not None else time.time())
    return client.post(
        f"/api/v1/integrations/commerce/{order.shop.code}/callback", raw, content_type="application/json",
        HTTP_X_ORDEX_TIMESTAMP=str(timestamp),
        HTTP_X_ORDEX_SIGNATURE=signature_override or "sha256=" + signature(secret, timestamp, raw),
    )


def test_a_signed_callback_confirms_the_action_once(client, shop_order, secret, as_finance):
    action = approved_refund(shop_order, as_finance)
    body = {"order_no": shop_order.order_no, "idempotency_key": "refund-1", "status": "done", "reference": "RF-77"}
    answer = _callback(client, shop_order, body, secret)
    assert answer.status_code == 200 and answer.json() == {"action_id": action.pk, "status": "done"}
    assert LedgerLine.objects.get().amount == Decimal("100.00")
    replay = _callback(client, shop_order, body, secret, at=int(answer.request["HTTP_X_ORDEX_TIMESTAMP"]))
    assert replay.status_code == 409 and replay.json()["code"] == "replayed"
    assert LedgerLine.objects.count() == 1


def test_unsigned_and_stale_callbacks_are_refused(client, shop_order, secret, as_finance):
    approved_refund(shop_order, as_finance)
    body = {"order_no": shop_order.order_no, "idempotency_key": "refund-1", "status": "done"}
    forged = _callback(client, shop_order, body, secret, signature_override="sha256=" + "0" * 64)
    assert forged.status_code == 401 and forged.json()["code"] == "bad_signature"
    stale = _callback(client, shop_order, body, secret, at=time.time() - 301)
    assert stale.status_code == 401 and stale.json()["code"] == "stale_signature"
    assert not LedgerLine.objects.exists()


def test_a_failed_callback_fails_the_action(client, shop_order, secret, as_finance):
    action = approved_refund(shop_order, as_finance)
    body = {"order_no": shop_order.order_no, "idempotency_key": "refund-1", "status": "failed", "reason": "no funds"}
    assert _callback(client, shop_order, body, secret).json()["status"] == "failed"
    assert Action.objects.get(pk=action.pk).outcome_reason == "no funds"


def test_a_matching_refund_completed_event_confirms_the_action(shop_order, secret, as_finance):
    CommerceSettings.objects.filter(shop=shop_order.shop).update(reconcile_with_events=True)
    action = approved_refund(shop_order, as_finance)
    RefundFactory(order=shop_order, refund_no="refund-1", status="completed", amount=Decimal("100.00"),
                  completed_amount=Decimal("100.00"), completed_at=timezone.now())
    result = reconcile.run()
    assert result.confirmed == 1 and result.unexplained == 0
    confirmed = Action.objects.get(pk=action.pk)
    assert (confirmed.status, confirmed.confirmed_by, confirmed.reference) == ("done", "event", "refund-1")


# --- reconciliation ---------------------------------------------------------------------------------


@pytest.fixture
def reconciled_order(db):
    order = paid_order(shop_code="reconciled")
    CommerceSettings.objects.create(shop=order.shop, reconcile_with_events=True, confirm_within_hours=72)
    return order


def test_a_done_refund_with_no_matching_event_becomes_a_refund_mismatch(reconciled_order, as_finance):
    action = approved_refund(reconciled_order, as_finance, amount="80.00")
    actions.mark_done(action.pk, actor=as_finance)
    assert reconcile.run().unconfirmed == 0  # within the limit
    result = reconcile.run(as_of=timezone.now() + timedelta(hours=73))
    assert result.unconfirmed == 1
    finding = Case.objects.get(order=reconciled_order, type__code="refund_mismatch")
    assert finding.facts["action_id"] == action.pk
    assert finding.evidence.get().summary == f"退款 #{action.pk}（¥80.00）已标记完成，但 72 小时内未收到退款完成事件"
    assert reconcile.run(as_of=timezone.now() + timedelta(hours=80)).unconfirmed == 0


def test_a_done_refund_whose_refund_arrived_is_reconciled_quietly(reconciled_order, as_finance):
    action = approved_refund(reconciled_order, as_finance, amount="80.00")
    actions.mark_done(action.pk, actor=as_finance)
    RefundFactory(order=reconciled_order, refund_no="PLAT-9", status="completed", amount=Decimal("80.00"),
                  completed_amount=Decimal("80.00"), completed_at=timezone.now())
    result = reconcile.run(as_of=timezone.now() + timedelta(hours=73))
    assert (result.unconfirmed, result.unexplained) == (0, 0)
    assert Action.objects.get(pk=action.pk).reference == "PLAT-9"


def test_a_refund_no_action_explains_becomes_a_data_loss_finding(reconciled_order):
    RefundFactory(order=reconciled_order, refund_no="GHOST-1", status="completed", amount=Decimal("55.00"),
                  completed_amount=Decimal("55.00"), completed_at=timezone.now())
    assert reconcile.run().unexplained == 1
    finding = Case.objects.get(order=reconciled_order, type__code="data_loss")
    assert finding.evidence.get().summary == "退款 GHOST-1（¥55.00）已完成，但 Ordex 中没有处理动作申请过它"
    assert reconcile.run().unexplained == 0  # read once
