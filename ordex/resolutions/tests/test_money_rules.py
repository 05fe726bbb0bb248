"""The money controls of DESIGN.md "Money and goods", each a test that fails without it."""

from decimal import Decimal

import pytest

from ordex.cases import actions as case_actions
from ordex.cases.choices import CaseStatus, TimelineKind
from ordex.core.errors import DomainError
from ordex.resolutions import actions
from ordex.resolutions.actions import ActionRequest, LineRequest
from ordex.resolutions.choices import ActionStatus, LedgerKind
from ordex.resolutions.models import Action, AppendOnlyError, CommerceSettings, LedgerLine

from .conftest import open_case, paid_order

D = Decimal


def refund(case, actor, amount=None, key=None, lines=(), **extra):
    request = ActionRequest(kind="refund", amount=None if amount is None else D(amount),
                            lines=tuple(LineRequest(sku=s, qty=q) for s, q in lines), **extra)
    return actions.request_action(case.pk, actor=actor, request=request, idempotency_key=key or f"k-{amount}-{lines}")


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- within limits, approved at once and recorded for staff (ledger adapter) -------------------------


def test_a_refund_within_the_agents_limit_is_approved_and_waits_for_staff(case, as_agent):
    action = refund(case, as_agent, "150.00").action
    assert action.status == ActionStatus.EXECUTING
    assert action.approved_by_name == "alice"
    entries = case.timeline.filter(kind=TimelineKind.ACTION)
    assert [entry.data["to"] for entry in entries] == ["requested", "approved", "executing"]


def test_marking_done_writes_one_ledger_line(case, as_agent, as_finance):
    action = refund(case, as_agent, "150.00").action
    actions.mark_done(action.pk, actor=as_finance, reference="RF-1")
    actions.mark_done(action.pk, actor=as_finance, reference="RF-1")
    line = LedgerLine.objects.get()
    assert (line.kind, line.direction, line.amount, line.actor_name) == ("refund", "out", D("150.00"), "erin")
    assert line.case_id == case.pk and line.action_id == action.pk


# --- the cap: never more out than came in ---------------------------------------------------------


def test_partial_refunds_add_up_and_stop_at_what_was_paid(case, as_finance):
    refund(case, as_finance, "120.00", key="a")
    refund(case, as_finance, "150.00", key="b")
    error = refused("exceeds_paid", refund, case, as_finance, "30.01", key="c")
    assert "30.00" in error.message
    refund(case, as_finance, "30.00", key="d")
    assert Action.objects.count() == 3


def test_compensation_and_price_difference_count_against_the_same_cap(case, as_finance):
    actions.request_action(case.pk, actor=as_finance, idempotency_key="comp",
                           request=ActionRequest(kind="compensation", amount=D("250.00")))
    refused("exceeds_paid", refund, case, as_finance, "50.01", key="r")


def test_the_postage_allowance_lets_cash_go_that_far_above_paid(order, case, as_finance):
    CommerceSettings.objects.create(shop=order.shop, postage_allowance=D("12.00"))
    refund(case, as_finance, "300.00", key="all")
    refused("exceeds_paid", refund, case, as_finance, "12.01", key="more")
    actions.request_action(case.pk, actor=as_finance, idempotency_key="postage",
                           request=ActionRequest(kind="compensation", amount=D("12.00")))


def test_failed_and_cancelled_actions_free_their_money(case, as_finance):
    first = refund(case, as_finance, "300.00", key="first").action
    actions.mark_failed(first.pk, actor=as_finance, reason="card closed")
    second = refund(case, as_finance, "300.00", key="second").action
    assert second.status == ActionStatus.EXECUTING


def test_refunds_the_merchant_made_outside_ordex_reduce_what_is_left(order, case, as_finance):
    from ordex.orders.tests.factories import RefundFactory

    RefundFactory(order=order, refund_no="PLAT-1", status="completed", amount=D("100.00"),
                  completed_amount=D("100.00"))
    refused("exceeds_paid", refund, case, as_finance, "200.01", key="x")


def test_a_cap_on_the_ledger_itself_refuses_a_line_above_paid(case, as_finance, order):
    """Even if an action slipped past (paid amount corrected down later), done never pays out above paid."""
    action = refund(case, as_finance, "300.00").action
    order.paid_amount = D("100.00")
    order.save(update_fields=["paid_amount"])
    refused("exceeds_paid", actions.mark_done, action.pk, actor=as_finance)
    assert not LedgerLine.objects.exists()


# --- lines: refunded or sent again once -----------------------------------------------------------


def test_a_line_is_not_refunded_twice(case, as_finance):
    refund(case, as_finance, lines=[("LID", 1)], key="one")
    refused("line_already_refunded", refund, case, as_finance, lines=[("LID", 1)], key="two")


def test_units_of_a_line_are_refunded_one_by_one_until_none_are_left(case, as_finance):
    refund(case, as_finance, lines=[("CUP", 1)], key="one")
    refund(case, as_finance, lines=[("CUP", 1)], key="two")
    refused("line_already_refunded", refund, case, as_finance, lines=[("CUP", 1)], key="three")


def test_a_refunded_line_is_not_also_reshipped(case, as_finance, as_warehouse):
    refund(case, as_finance, lines=[("LID", 1)], key="r")
    refused("line_already_refunded", actions.request_action, case.pk, actor=as_warehouse,
            request=ActionRequest(kind="reship", lines=(LineRequest("LID", 1),)))


def test_a_reshipped_line_is_not_also_refunded(case, as_finance, as_warehouse):
    actions.request_action(case.pk, actor=as_warehouse, request=ActionRequest(kind="reship", lines=(LineRequest("LID", 1),)))
    refused("line_already_reshipped", refund, case, as_finance, lines=[("LID", 1)], key="r")


def test_a_supervisor_overrides_with_a_recorded_reason(case, as_finance, as_supervisor):
    refund(case, as_finance, lines=[("LID", 1)], key="r")
    action = actions.request_action(
        case.pk, actor=as_supervisor,
        request=ActionRequest(kind="reship", lines=(LineRequest("LID", 1),), override_reason="refund was for damage"),
    ).action
    assert action.override_reason == "refund was for damage" and action.override_by_name == "bob"
    entry = case.timeline.filter(kind=TimelineKind.ACTION, data__action_id=action.pk).first()
    assert entry.data["override_reason"] == "refund was for damage"


def test_an_agent_may_not_override(case, as_agent):
    refused("override_not_allowed", actions.request_action, case.pk, actor=as_agent,
            request=ActionRequest(kind="reship", lines=(LineRequest("LID", 1),), override_reason="because"))


# --- approvals ------------------------------------------------------------------------------------


def test_above_the_agents_limit_the_action_waits_for_approval(case, as_agent):
    action = refund(case, as_agent, "200.01").action
    assert action.status == ActionStatus.REQUESTED
    refused("needs_approval", actions.mark_done, action.pk, actor=None)


def test_the_limit_is_per_case_not_per_action(case, as_agent):
    assert refund(case, as_agent, "150.00", key="a").action.status == ActionStatus.EXECUTING
    assert refund(case, as_agent, "60.00", key="b").action.status == ActionStatus.REQUESTED


def test_nobody_approves_their_own_request(case, as_supervisor, as_finance):
    action = refund(case, as_supervisor, "300.00").action  # within 2,000: approved at once
    assert action.status == ActionStatus.EXECUTING
    other = open_case(paid_order(shop_code="s2", paid="3000.00",
                                 lines=[{"sku": "TV", "unit_price": D("3000.00"), "qty": 1}]))
    big = refund(other, as_supervisor, "2500.00").action
    assert big.status == ActionStatus.REQUESTED
    refused("own_request", actions.approve_action, big.pk, actor=as_supervisor)
    assert actions.approve_action(big.pk, actor=as_finance).status == ActionStatus.EXECUTING


def test_an_approver_whose_limit_is_too_low_is_refused(as_agent, as_supervisor, as_finance):
    case = open_case(paid_order(shop_code="s3", paid="3000.00", lines=[{"sku": "TV", "unit_price": D("3000.00"), "qty": 1}]))
    action = refund(case, as_agent, "2500.00").action
    refused("approval_limit_exceeded", actions.approve_action, action.pk, actor=as_supervisor)
    assert Action.objects.get(pk=action.pk).status == ActionStatus.REQUESTED
    actions.approve_action(action.pk, actor=as_finance)


def test_roles_without_a_limit_row_may_not_approve(case, as_agent, as_warehouse):
    action = refund(case, as_agent, "250.00").action
    refused("forbidden", actions.approve_action, action.pk, actor=as_warehouse)


def test_rejecting_needs_a_reason_and_frees_the_money(case, as_agent, as_supervisor):
    action = refund(case, as_agent, "250.00").action
    refused("reason_required", actions.reject_action, action.pk, actor=as_supervisor, reason=" ")
    actions.reject_action(action.pk, actor=as_supervisor, reason="customer keeps the goods")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.CANCELLED
    assert refund(case, as_supervisor, "300.00", key="again").action.status == ActionStatus.EXECUTING


# --- idempotency ----------------------------------------------------------------------------------


def test_a_retried_refund_with_the_same_key_pays_once(case, as_finance):
    first = refund(case, as_finance, "100.00", key="same")
    again = refund(case, as_finance, "100.00", key="same")
    assert first.created and not again.created and again.action.pk == first.action.pk
    actions.mark_done(first.action.pk, actor=as_finance)
    actions.mark_done(first.action.pk, actor=as_finance)
    assert LedgerLine.objects.count() == 1


def test_the_same_key_with_another_request_is_refused(case, as_finance):
    refund(case, as_finance, "100.00", key="same")
    refused("idempotency_key_reused", refund, case, as_finance, "100.01", key="same")


def test_money_kinds_need_a_key(case, as_finance):
    refused("idempotency_key_required", actions.request_action, case.pk, actor=as_finance,
            request=ActionRequest(kind="refund", amount=D("1.00")))


def test_ledger_lines_are_unique_on_order_and_key(case, as_finance, order):
    from django.db import IntegrityError, transaction

    LedgerLine.objects.create(order=order, case=case, kind="refund", direction="out", amount=D("1.00"),
                              idempotency_key="k", actor_name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerLine.objects.create(order=order, case=case, kind="refund", direction="out", amount=D("1.00"),
                                  idempotency_key="k", actor_name="x")


# --- the ledger is append-only --------------------------------------------------------------------


def test_a_ledger_line_cannot_be_changed_or_deleted(case, as_finance):
    action = refund(case, as_finance, "10.00").action
    actions.mark_done(action.pk, actor=as_finance)
    line = LedgerLine.objects.get()
    line.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()
    with pytest.raises(AppendOnlyError):
        LedgerLine.objects.filter(pk=line.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        LedgerLine.objects.all().delete()
    assert LedgerLine.objects.get().amount == D("10.00")


# --- playbook and order state ---------------------------------------------------------------------


def test_only_kinds_the_playbook_allows(order, as_supervisor):
    case = open_case(order, "pickup_timeout")  # shipped or no_action: no money at all
    refused("not_allowed_for_type", refund, case, as_supervisor, "10.00")


def test_a_shipped_order_is_not_cancelled(as_supervisor):
    case = open_case(paid_order(shop_code="s4", shipped=True), "duplicate_order")
    refused("order_shipped", actions.request_action, case.pk, actor=as_supervisor, idempotency_key="c",
            request=ActionRequest(kind="cancel"))


def test_cancel_refunds_what_is_left_and_covers_every_line(as_supervisor, as_finance):
    case = open_case(paid_order(shop_code="s5"), "duplicate_order")
    action = actions.request_action(case.pk, actor=as_supervisor, idempotency_key="c",
                                    request=ActionRequest(kind="cancel")).action
    assert action.amount == D("300.00") and {line["sku"] for line in action.lines} == {"CUP", "LID"}
    actions.mark_done(action.pk, actor=as_finance)
    assert LedgerLine.objects.get().kind == LedgerKind.REFUND


def test_a_paid_price_error_order_is_never_cancelled_automatically(db):
    order = paid_order(shop_code="s6")
    case = open_case(order, "price_error")
    refused("paid_order_not_cancelled_automatically", actions.request_action, case.pk, actor=None,
            idempotency_key="auto", request=ActionRequest(kind="cancel"))


def test_intercept_needs_a_parcel(as_supervisor, order):
    case = open_case(order, "cancel_failed")
    refused("order_not_shipped", actions.request_action, case.pk, actor=as_supervisor,
            request=ActionRequest(kind="intercept"))


def test_address_change_after_shipping_is_an_intercept_and_redirect(as_supervisor):
    case = open_case(paid_order(shop_code="s7", shipped=True), "address_misdelivery")
    action = actions.request_action(case.pk, actor=as_supervisor, request=ActionRequest(
        kind="address_change", details={"address": "杭州市余杭区文一西路1号"})).action
    assert action.details["redirect"] is True


def test_a_closed_case_takes_no_actions(case, as_supervisor):
    case_actions.transition(case.pk, to=CaseStatus.REJECTED, actor=as_supervisor, reason="false alarm")
    refused("case_not_open", refund, case, as_supervisor, "1.00")


# --- a case is not resolved while an action is open -----------------------------------------------


def test_resolving_with_an_open_action_is_refused_naming_it(case, as_agent, as_finance, as_supervisor):
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=as_supervisor)
    action = refund(case, as_agent, "50.00").action
    error = refused("action_open", case_actions.transition, case.pk, to=CaseStatus.RESOLVED,
                    actor=as_supervisor, resolution="refund")
    assert error.status == 409 and f"#{action.pk}" in error.message
    actions.mark_done(action.pk, actor=as_finance)
    case_actions.transition(case.pk, to=CaseStatus.RESOLVED, actor=as_supervisor, resolution="refund")


# --- goods and claims, and what a case cost -------------------------------------------------------


def test_net_cost_adds_refunds_goods_postage_and_subtracts_claims(as_supervisor, as_finance, frank):
    from ordex.accounts.access import principal_for_user
    from ordex.resolutions.queries import net_cost

    case = open_case(paid_order(shop_code="s8"), "parcel_damaged")
    logistics = principal_for_user(frank)
    reship = actions.request_action(case.pk, actor=as_supervisor, request=ActionRequest(
        kind="reship", lines=(LineRequest("CUP", 1),), postage=D("12.00"))).action
    actions.mark_done(reship.pk, actor=as_supervisor)
    comp = actions.request_action(case.pk, actor=as_supervisor, idempotency_key="comp",
                                  request=ActionRequest(kind="compensation", amount=D("20.00"))).action
    actions.mark_done(comp.pk, actor=as_finance)
    claim = actions.request_action(case.pk, actor=logistics, request=ActionRequest(
        kind="carrier_claim", lines=(LineRequest("CUP", 1),))).action
    assert claim.status == ActionStatus.EXECUTING and claim.claim_status == "filed"
    refused("claim_in_progress", actions.mark_done, claim.pk, actor=logistics)
    for step in ("evidence", "accepted"):
        actions.progress_claim(claim.pk, actor=logistics, to=step)
    refused("recovered_amount_required", actions.progress_claim, claim.pk, actor=logistics, to="paid")
    actions.progress_claim(claim.pk, actor=logistics, to="paid", recovered_amount=D("60.00"))
    assert Action.objects.get(pk=claim.pk).status == ActionStatus.DONE
    cost = net_cost(case.pk)
    assert (cost.reship_goods, cost.postage, cost.compensation, cost.carrier_claims_recovered) == (
        D("40.00"), D("12.00"), D("20.00"), D("60.00"))
    assert cost.total == D("12.00")


def test_a_rejected_claim_ends_without_money(as_supervisor, frank):
    from ordex.accounts.access import principal_for_user

    logistics = principal_for_user(frank)
    case = open_case(paid_order(shop_code="s9"), "parcel_lost")
    claim = actions.request_action(case.pk, actor=logistics, request=ActionRequest(kind="carrier_claim")).action
    refused("illegal_claim_transition", actions.progress_claim, claim.pk, actor=logistics, to="paid",
            recovered_amount=D("1.00"))
    actions.progress_claim(claim.pk, actor=logistics, to="rejected")
    assert Action.objects.get(pk=claim.pk).status == ActionStatus.DONE and not LedgerLine.objects.exists()


# --- platform suggestions -------------------------------------------------------------------------


@pytest.mark.parametrize(("platform", "paid", "expected"), [
    ("taobao", "50.00", "5.00"),     # 5% = 2.50, raised to the 5.00 minimum
    ("taobao", "300.00", "15.00"),
    ("taobao", "1000.00", "30.00"),  # capped at 30
    ("tmall", "300.00", "90.00"),    # 30%
    ("tmall", "3000.00", "500.00"),  # capped at 500
])
def test_late_shipment_compensation_suggested_by_platform_rule(platform, paid, expected, as_supervisor):
    from ordex.resolutions.queries import panel

    order = paid_order(platform=platform, shop_code=f"{platform}-{paid}", paid=paid,
                       lines=[{"sku": f"X{paid}", "unit_price": D(paid), "qty": 1}])
    offers = {offer.kind: offer for offer in panel(open_case(order, "ship_delay"), as_supervisor).offers}
    assert offers["compensation"].suggested_amount == D(expected)
    assert ("淘宝" if platform == "taobao" else "天猫") in offers["compensation"].source


def test_cancel_after_a_line_refund_covers_only_the_units_left(as_supervisor):
    case = open_case(paid_order(shop_code="s10"), "duplicate_order")
    actions.request_action(case.pk, actor=as_supervisor, idempotency_key="r", request=ActionRequest(
        kind="refund", lines=(LineRequest("LID", 1),)))
    cancel = actions.request_action(case.pk, actor=as_supervisor, idempotency_key="c",
                                    request=ActionRequest(kind="cancel")).action
    assert [(line["sku"], line["qty"]) for line in cancel.lines] == [("CUP", 2)]
    assert cancel.amount == D("200.00")
