"""What an action writes into its case's timeline is stored text (core.text.stored_text): written in zh-Hans
with the kinds and statuses by their translated labels, whatever language the person acting reads, so the
record reads the same to everyone afterwards; the figures and codes stay in the entry's data."""

from decimal import Decimal as D

from django.utils import translation

from ordex.cases.choices import TimelineKind
from ordex.resolutions import actions
from ordex.resolutions.actions import ActionRequest

from .conftest import open_case, paid_order


def action_entries(case):
    return list(case.timeline.filter(kind=TimelineKind.ACTION).order_by("pk"))


def test_a_refund_requested_approved_and_paid_reads_in_chinese_in_the_timeline(as_agent, as_supervisor, as_finance):
    case = open_case(paid_order(shop_code="tl", paid="300.00", lines=[{"sku": "TV", "unit_price": D("300.00"), "qty": 1}]))
    with translation.override("en"):  # the agent reads English; the record is written in zh-Hans all the same
        action = actions.request_action(case.pk, actor=as_agent, idempotency_key="tl-1",
                                        request=ActionRequest(kind="refund", amount=D("250.00"), reason="屏幕碎裂")).action
        actions.approve_action(action.pk, actor=as_supervisor)
        actions.mark_done(action.pk, actor=as_finance, reference="RF-1")
    assert [entry.message for entry in action_entries(case)] == [
        f"已申请退款 #{action.pk}：¥250.00（屏幕碎裂）",
        f"退款 #{action.pk}：已申请 → 已批准",
        f"退款 #{action.pk}：已批准 → 执行中。已记录，由商家人员执行",
        f"退款 #{action.pk}：执行中 → 已完成",
    ]
    assert [(entry.data["from"], entry.data["to"]) for entry in action_entries(case)][1:] == [
        ("requested", "approved"), ("approved", "executing"), ("executing", "done")]


def test_a_rejected_request_keeps_the_approvers_words(as_agent, as_supervisor):
    case = open_case(paid_order(shop_code="tl2", paid="300.00", lines=[{"sku": "TV", "unit_price": D("300.00"), "qty": 1}]))
    action = actions.request_action(case.pk, actor=as_agent, idempotency_key="tl-2",
                                    request=ActionRequest(kind="refund", amount=D("250.00"))).action
    actions.reject_action(action.pk, actor=as_supervisor, reason="already refunded on the platform")
    action.refresh_from_db()
    assert action.outcome_reason == "已驳回：already refunded on the platform"
    assert action_entries(case)[-1].message == f"退款 #{action.pk}：已申请 → 已取消。已驳回：already refunded on the platform"
