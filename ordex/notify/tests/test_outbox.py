"""The transactional outbox: rows written with the case change, sent after commit, once per
(case, moment, channel) whatever crashes and retries happen, with backoff and dead letters."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.cases.choices import TimelineKind
from ordex.cases.models import TimelineEntry
from ordex.notify import actions, channels
from ordex.notify.choices import Channel, MessageStatus, Moment
from ordex.notify.models import Message

from .conftest import sh


def test_opening_a_case_writes_its_messages_in_the_same_transaction(open_case):
    case = open_case()
    rows = Message.objects.filter(case=case, moment=Moment.OPENED)
    assert sorted(rows.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.IN_APP, Channel.SMS]
    assert set(rows.values_list("status", flat=True)) == {MessageStatus.QUEUED}
    assert set(rows.values_list("idempotency_key", flat=True)) == {f"{case.pk}:opened:{c}" for c in ("email", "in_app", "sms")}


def test_a_rolled_back_case_change_sends_nothing(open_case, agent):
    case = open_case()
    case_actions.transition(case.pk, to="triaged", actor=agent)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_actions.offer_choice(case.pk, actor=agent)
        assert Message.objects.filter(case=case, moment=Moment.CHOICE_OFFERED).count() == 3
        raise RuntimeError("the request failed after the choice was offered")
    assert not Message.objects.filter(case=case, moment=Moment.CHOICE_OFFERED).exists()
    actions.drain()
    assert not Message.objects.filter(moment=Moment.CHOICE_OFFERED).exists()


def test_messages_left_by_a_crash_after_commit_are_sent_once_after_restart(open_case, data_dir):
    case = open_case()  # committed; the worker died before it could send
    assert actions.drain() == {"sent": 3}
    assert actions.drain() == {}
    assert Message.objects.filter(case=case, status=MessageStatus.SENT).count() == 3
    assert len(list((data_dir / "mail").glob("*.eml"))) == 1
    assert len((data_dir / "sms" / "outbox.jsonl").read_text().splitlines()) == 1


def test_a_worker_killed_mid_send_leaves_a_claim_that_runs_out_and_is_sent_once(open_case):
    with time_machine.travel(sh(2026, 12, 1, 10), tick=False):
        case = open_case()
        email = Message.objects.get(case=case, channel=Channel.EMAIL)
        assert actions.claim(email.pk, sh(2026, 12, 1, 10))  # ...and the worker was killed here
        assert actions.drain() == {"sent": 2}  # the claimed one is not touched while its lease runs
    with time_machine.travel(sh(2026, 12, 1, 10, 6), tick=False):
        assert actions.drain() == {"sent": 1}
        assert actions.drain() == {}
    email.refresh_from_db()
    assert email.status == MessageStatus.SENT and email.attempts == 1


def test_the_same_moment_is_queued_once_per_channel(open_case):
    case = open_case()
    actions.enqueue(case, Moment.OPENED)
    actions.enqueue(case, Moment.OPENED)
    assert Message.objects.filter(case=case, moment=Moment.OPENED).count() == 3


def test_failed_sends_back_off_exponentially_then_die_visibly(open_case, monkeypatch, settings, carol):
    settings.ORDEX_NOTIFY_MAX_ATTEMPTS = 3
    calls = []

    def smtp_down(**kwargs):
        calls.append(kwargs["key"])
        raise ConnectionRefusedError("smtp.example.com:587 refused")

    monkeypatch.setattr(channels, "send_email", smtp_down)
    start = sh(2026, 12, 1, 10)
    with time_machine.travel(start, tick=False) as clock:
        case = open_case()
        actions.drain()
        email = Message.objects.get(case=case, channel=Channel.EMAIL)
        assert (email.status, email.attempts, email.next_attempt_at) == (MessageStatus.QUEUED, 1, start + timedelta(seconds=60))
        clock.move_to(start + timedelta(seconds=59))
        actions.drain()
        assert len(calls) == 1
        clock.move_to(start + timedelta(seconds=61))
        actions.drain()
        email.refresh_from_db()
        assert email.attempts == 2 and email.next_attempt_at == start + timedelta(seconds=61 + 120)
        clock.move_to(start + timedelta(seconds=61 + 121))
        actions.drain()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (MessageStatus.DEAD, 3)
    assert "refused" in email.last_error
    failed = TimelineEntry.objects.get(case=case, kind=TimelineKind.MESSAGE_FAILED)
    assert "尝试 3 次后放弃" in failed.message  # stored in the default language, like every timeline entry
    client = Client()
    client.force_login(carol)
    page = client.get("/admin/notify/message/?status__exact=dead")
    assert email.idempotency_key in page.content.decode()


def test_sent_messages_show_on_the_case_timeline(open_case):
    case = open_case()
    actions.drain()
    entries = list(TimelineEntry.objects.filter(case=case, kind=TimelineKind.MESSAGE).values_list("message", flat=True))
    assert len(entries) == 3
    assert any("139****5678" in entry for entry in entries)
    assert not any("13912345678" in entry for entry in entries)
    assert any(entry.startswith("短信发送至 139****5678：") for entry in entries)
    assert any(entry.startswith("站内（案件时间线）：") for entry in entries)  # not "站内 → 站内"


def test_resolving_with_a_refund_tells_the_case_is_settled_but_not_that_money_left(open_case, agent):
    """"Refund sent" is the refund action's moment (test_action_messages.py): a resolution says what was
    decided, not that the money reached the customer."""
    case = open_case()
    case_actions.transition(case.pk, to="triaged", actor=agent)
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=Principal(role="admin", name="carol"))
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")
    moments = set(Message.objects.filter(case=case).values_list("moment", flat=True))
    assert Moment.RESOLVED in moments and Moment.REFUND_SENT not in moments


def test_a_case_without_templates_switched_on_sends_nothing(open_case):
    case = open_case("malicious_orders")
    assert not Message.objects.filter(case=case).exists()


def test_a_moment_carries_facts_the_case_does_not_hold(open_case):
    case = open_case("wrong_item")
    actions.enqueue(case, Moment.REFUND_SENT, details={"refund_amount": "12.50"})
    actions.enqueue(case, Moment.RESHIP_DISPATCHED, details={"carrier": "SF", "tracking_no": "SF1234567890"})
    actions.drain()
    assert "¥12.50" in Message.objects.get(case=case, moment=Moment.REFUND_SENT, channel=Channel.SMS).body
    assert "SF1234567890" in Message.objects.get(case=case, moment=Moment.RESHIP_DISPATCHED, channel=Channel.EMAIL).body
