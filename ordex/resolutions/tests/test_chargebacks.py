"""Supplier chargebacks: money the supplier pays back for a case is one ledger line in, which lowers the
case's net cost; recorded once per key, by finance, supervisors and admins only."""

from decimal import Decimal

import pytest

from ordex.cases.models import TimelineEntry
from ordex.core.errors import Forbidden, InvalidInput
from ordex.resolutions import actions, commitments, queries
from ordex.resolutions.actions import ActionRequest
from ordex.resolutions.models import AppendOnlyError, LedgerLine


def test_a_chargeback_lowers_the_net_cost_of_the_case(case, as_finance):
    refund = actions.request_action(case.pk, actor=as_finance, idempotency_key="r1",
                                    request=ActionRequest(kind="refund", amount=Decimal("100.00"))).action
    actions.mark_done(refund.pk, actor=as_finance)
    recorded = actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("60"), supplier="杯盖厂",
                                         reference="DN-7", idempotency_key="cb-1")
    line = recorded.line
    assert (line.kind, line.direction, line.amount, line.action_id) == ("chargeback", "in", Decimal("60.00"), None)
    cost = queries.net_cost(case.pk)
    assert (cost.refunds, cost.supplier_chargebacks, cost.total) == (Decimal("100.00"), Decimal("60.00"),
                                                                      Decimal("40.00"))
    entry = TimelineEntry.objects.filter(case=case).order_by("-pk").first()
    assert entry.message == "供应商扣款 ¥60.00：杯盖厂, DN-7" and entry.data["supplier"] == "杯盖厂"
    assert commitments.ledger_cash_out(case.order_id) == Decimal("100.00")  # money in leaves the refund cap alone


def test_the_same_key_records_once_and_another_body_under_it_is_refused(case, as_finance):
    first = actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("20"), supplier="A",
                                      idempotency_key="cb")
    again = actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("20.00"), supplier="A",
                                      idempotency_key="cb")
    assert (again.line.pk, again.created) == (first.line.pk, False)
    with pytest.raises(InvalidInput) as refused:
        actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("25"), supplier="A", idempotency_key="cb")
    assert refused.value.code == "idempotency_key_reused"
    assert LedgerLine.objects.filter(kind="chargeback").count() == 1


def test_an_agent_may_not_record_one_and_a_supplier_is_required(case, as_agent, as_finance):
    with pytest.raises(Forbidden):
        actions.record_chargeback(case.pk, actor=as_agent, amount=Decimal("5"), supplier="A", idempotency_key="x")
    with pytest.raises(InvalidInput) as refused:
        actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("5"), supplier=" ", idempotency_key="x")
    assert refused.value.code == "supplier_required"
    with pytest.raises(InvalidInput) as refused:
        actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("0"), supplier="A", idempotency_key="x")
    assert refused.value.code == "invalid_amount"
    assert not LedgerLine.objects.exists()


def test_a_chargeback_line_is_append_only(case, as_finance):
    line = actions.record_chargeback(case.pk, actor=as_finance, amount=Decimal("5"), supplier="A",
                                     idempotency_key="x").line
    line.amount = Decimal("1")
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()


def test_the_api_records_a_chargeback_with_its_key(api_as, erin, alice, bob, case):
    finance = api_as("finance", user=erin)
    body = {"amount": "30.00", "supplier": "杯盖厂", "reference": "DN-8"}
    first = finance.post(f"/api/v1/cases/{case.pk}/chargebacks", body, HTTP_IDEMPOTENCY_KEY="cb-api")
    assert first.status_code == 201, first.json()
    assert (first.json()["kind"], first.json()["direction"], first.json()["amount"]) == ("chargeback", "in", "30.00")
    again = finance.post(f"/api/v1/cases/{case.pk}/chargebacks", body, HTTP_IDEMPOTENCY_KEY="cb-api")
    assert again.json() == first.json()
    assert finance.post(f"/api/v1/cases/{case.pk}/chargebacks", body).json()["code"] == "idempotency_key_required"
    agent = api_as("agent", user=alice)
    # An agent records none (the domain test above: forbidden); one of another department is not even told
    # the case exists.
    assert agent.post(f"/api/v1/cases/{case.pk}/chargebacks", body, HTTP_IDEMPOTENCY_KEY="cb-2").status_code == 404
    listed = api_as("supervisor", user=bob).get(f"/api/v1/cases/{case.pk}/actions").json()
    assert listed["net_cost"]["supplier_chargebacks"] == "30.00"
