"""The customer's choice, and the playbook's default when the 48 h deadline passes, create the matching
action (through the choice listener registered with cases)."""

from datetime import timedelta
from decimal import Decimal

from ordex.cases import actions as case_actions
from ordex.cases.choices import CaseStatus, TimelineKind
from ordex.resolutions.choices import ActionStatus
from ordex.resolutions.models import Action

from .conftest import open_case, paid_order


def _waiting(case, actor):
    case_actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=actor)
    return case_actions.offer_choice(case.pk, actor=actor)


def test_an_expired_out_of_stock_choice_creates_the_default_refund_waiting_for_a_person(as_supervisor):
    case = open_case(paid_order(shop_code="oos"), "out_of_stock")
    choice = _waiting(case, as_supervisor)
    assert case_actions.apply_expired_choices(choice.deadline_at + timedelta(seconds=1)) == 1
    action = Action.objects.get(case=case)
    assert (action.kind, action.amount, action.status) == ("refund", Decimal("300.00"), ActionStatus.REQUESTED)
    assert action.requested_by_name == "system" and action.idempotency_key == f"choice:{choice.pk}"


def test_a_recorded_choice_creates_the_action_as_the_agent_who_recorded_it(as_supervisor):
    case = open_case(paid_order(shop_code="lost"), "parcel_lost")
    _waiting(case, as_supervisor)
    case_actions.record_choice(case.pk, actor=as_supervisor, chosen="reship")
    action = Action.objects.get(case=case)
    assert action.kind == "reship" and action.status == ActionStatus.EXECUTING
    assert {(line["sku"], line["qty"]) for line in action.lines} == {("CUP", 2), ("LID", 1)}


def test_a_default_cancel_of_a_shipped_duplicate_is_noted_not_created(as_supervisor):
    order = paid_order(shop_code="dup", shipped=True)
    case = open_case(order, "duplicate_order")
    choice = _waiting(case, as_supervisor)
    case_actions.apply_expired_choices(choice.deadline_at + timedelta(seconds=1))
    assert not Action.objects.filter(case=case).exists()
    note = case.timeline.filter(kind=TimelineKind.ACTION).last()
    assert note.data["refused"] == "order_shipped"
    assert note.message == "未能创建取消订单：订单已发货：请改为拦截包裹或安排退货。"  # stored in zh-Hans


def test_a_paid_price_error_is_not_cancelled_by_a_default(as_supervisor):
    case = open_case(paid_order(shop_code="price"), "price_error")
    case_actions.transition(case.pk, to=CaseStatus.TRIAGED, actor=as_supervisor)
    choice = case_actions.offer_choice(case.pk, actor=as_supervisor, options=["cancel", "price_difference"])
    case_actions.apply_expired_choices(choice.deadline_at + timedelta(seconds=1))
    assert not Action.objects.filter(case=case, kind="cancel").exists()
    assert case.timeline.filter(kind=TimelineKind.ACTION).last().data["refused"] == "paid_order_not_cancelled_automatically"


def test_a_choice_without_a_money_or_goods_meaning_creates_nothing(as_supervisor):
    case = open_case(paid_order(shop_code="wait"), "out_of_stock")
    _waiting(case, as_supervisor)
    case_actions.record_choice(case.pk, actor=as_supervisor, chosen="wait_restock")
    assert not Action.objects.filter(case=case).exists()
