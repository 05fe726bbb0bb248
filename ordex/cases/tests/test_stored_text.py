"""What Ordex stores when something happens is written in the default language (zh-Hans), whatever language
the person acting reads: the record reads the same to everyone afterwards."""

from django.utils import translation

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.choices import TimelineKind
from ordex.cases.models import Notification

from .conftest import sh


def open_case(order):
    return actions.record_finding(type_code="out_of_stock", found_at=sh(2026, 11, 23, 10), summary="short",
                                  facts={}, rule_code="stock.short", order=order).case


def test_a_person_reading_english_still_stores_the_timeline_in_chinese(order, dave):
    case = open_case(order)
    with translation.override("en"):
        actions.change_severity(case.pk, severity="p1", actor=principal_for_user(dave))
        actions.transition(case.pk, to="triaged", actor=principal_for_user(dave))
        actions.offer_choice(case.pk, actor=principal_for_user(dave), options=["wait_restock", "refund"])
    assert case.timeline.get(kind=TimelineKind.NOTE).message == "级别 P2 高 → P1 紧急"
    assert case.timeline.get(kind=TimelineKind.CHOICE_OFFERED).message == "提供方案：等待补货、退款"


def test_sla_escalation_is_stored_in_chinese_with_shanghai_times(order, bob):
    case = open_case(order)
    with translation.override("en"):
        actions.evaluate_sla(sh(2026, 11, 30, 9))
    breach = case.timeline.get(kind=TimelineKind.SLA_BREACH).message
    assert breach.startswith("解决时限已于 2026-11-") and "用尽" in breach
    assert set(case.timeline.filter(kind=TimelineKind.ESCALATION).values_list("message", flat=True)) == {
        "升级至第 1 级", "升级至第 2 级"}
    assert Notification.objects.filter(user=bob, message__startswith=f"工单 #{case.pk} ").count() == 2
