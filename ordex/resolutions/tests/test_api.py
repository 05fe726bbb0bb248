"""The HTTP API of resolutions: request with an Idempotency-Key, list with what may still be asked for,
approve / reject / done / failed, an order's ledger, and the 409 that keeps a case with an open action
from being resolved."""

from decimal import Decimal

import pytest

from ordex.resolutions.models import Action, LedgerLine

from .conftest import open_case, paid_order


@pytest.fixture
def supervisor_api(api_as, bob):
    return api_as("supervisor", user=bob)


@pytest.fixture
def agent_api(api_as, alice):
    return api_as("agent", user=alice)


@pytest.fixture
def finance_api(api_as, erin):
    return api_as("finance", user=erin)


def post_action(client, case, body, key="key-1"):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/cases/{case.pk}/actions", body, **extra)


def test_a_refund_through_the_api_and_its_ledger(supervisor_api, finance_api, case):
    response = post_action(supervisor_api, case, {"kind": "refund", "lines": [{"sku": "LID", "qty": 1}],
                                                  "reason": "lid cracked"})
    assert response.status_code == 201, response.json()
    action = response.json()
    assert (action["kind"], action["amount"], action["status"]) == ("refund", "100.00", "executing")
    done = finance_api.post(f"/api/v1/actions/{action['id']}/done", {"reference": "RF-9"})
    assert done.json()["status"] == "done" and done.json()["reference"] == "RF-9"
    ledger = supervisor_api.get(f"/api/v1/orders/{case.order_no}/ledger").json()
    assert ledger["cash_out"] == "100.00" and ledger["paid"] == "300.00"
    assert [(line["kind"], line["direction"], line["amount"]) for line in ledger["lines"]] == [("refund", "out", "100.00")]


def test_the_same_key_and_body_answers_the_first_result_again(supervisor_api, case):
    body = {"kind": "refund", "amount": "50.00"}
    first = post_action(supervisor_api, case, body)
    again = post_action(supervisor_api, case, {"amount": "50.00", "kind": "refund"})
    assert again.status_code == 201 and again.json() == first.json()
    assert Action.objects.count() == 1


def test_the_same_key_with_another_body_is_422(supervisor_api, case):
    post_action(supervisor_api, case, {"kind": "refund", "amount": "50.00"})
    response = post_action(supervisor_api, case, {"kind": "refund", "amount": "60.00"})
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"


def test_a_money_kind_without_a_key_is_422(supervisor_api, case):
    response = post_action(supervisor_api, case, {"kind": "refund", "amount": "5.00"}, key=None)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_required"
    assert response.json()["field"] == "Idempotency-Key"


def test_money_as_a_json_number_is_refused(supervisor_api, case):
    response = post_action(supervisor_api, case, {"kind": "refund", "amount": 5.5})
    assert response.status_code == 422 and not Action.objects.exists()


def test_refusals_carry_their_codes(supervisor_api, case):
    too_much = post_action(supervisor_api, case, {"kind": "refund", "amount": "300.01"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "exceeds_paid"
    unknown = post_action(supervisor_api, case, {"kind": "refund", "lines": [{"sku": "NOPE", "qty": 1}]}, key="k2")
    assert unknown.status_code == 422 and unknown.json()["field"] == "lines.0.sku"


def test_the_list_shows_actions_offers_limits_and_net_cost(supervisor_api, case):
    post_action(supervisor_api, case, {"kind": "refund", "amount": "50.00"})
    page = supervisor_api.get(f"/api/v1/cases/{case.pk}/actions").json()
    assert [item["amount"] for item in page["items"]] == ["50.00"]
    assert [offer["kind"] for offer in page["offered"]] == ["exchange", "reship", "refund", "compensation", "coupon"]
    refund_offer = next(offer for offer in page["offered"] if offer["kind"] == "refund")
    assert refund_offer["suggested_amount"] == "250.00" and page["cash_left"] == "250.00"
    assert page["my_limit"] == "2000.00" and page["limits"]["agent"] == "200.00" and page["limits"]["finance"] is None
    assert page["net_cost"]["total"] == "0.00"


def test_approval_through_the_api(agent_api, supervisor_api, finance_api):
    case = open_case(paid_order(shop_code="dup-api"), "duplicate_order")  # customer service: alice's department
    action = post_action(agent_api, case, {"kind": "refund", "amount": "250.00"}).json()
    assert action["status"] == "requested"
    early = finance_api.post(f"/api/v1/actions/{action['id']}/done", {})
    assert early.status_code == 409 and early.json()["code"] == "needs_approval"
    own = agent_api.post(f"/api/v1/actions/{action['id']}/approve", {})
    assert own.status_code == 403
    approved = supervisor_api.post(f"/api/v1/actions/{action['id']}/approve", {"reason": "ok"})
    assert approved.json()["status"] == "executing" and approved.json()["approved_by"] == "test-supervisor"
    failed = finance_api.post(f"/api/v1/actions/{action['id']}/failed", {"reason": "account closed"})
    assert failed.json()["status"] == "failed" and not LedgerLine.objects.exists()


def test_a_case_with_an_open_action_answers_409_naming_it_when_resolved(supervisor_api, case, bob):
    from ordex.accounts.access import principal_for_user
    from ordex.cases import actions as case_actions

    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=principal_for_user(bob))
    action = post_action(supervisor_api, case, {"kind": "refund", "amount": "10.00"}).json()
    response = supervisor_api.post(f"/api/v1/cases/{case.pk}/transitions", {"to": "resolved", "resolution": "refund"})
    assert response.status_code == 409
    assert response.json()["code"] == "action_open" and response.json()["field"] == f"actions.{action['id']}"


def test_other_departments_may_not_request_actions(agent_api, case):
    response = post_action(agent_api, case, {"kind": "refund", "amount": "10.00"})
    assert response.status_code in (403, 404) and not Action.objects.exists()


def test_a_carrier_claim_through_the_api(api_as, frank, supervisor_api):
    logistics = api_as("logistics", user=frank)
    case = open_case(paid_order(shop_code="claim-api"), "parcel_lost")
    claim = post_action(logistics, case, {"kind": "carrier_claim"}, key=None).json()
    assert claim["claim_status"] == "filed"
    logistics.post(f"/api/v1/actions/{claim['id']}/claim", {"to": "accepted"})
    paid = logistics.post(f"/api/v1/actions/{claim['id']}/claim", {"to": "paid", "recovered_amount": "120.00"}).json()
    assert paid["status"] == "done" and paid["recovered_amount"] == "120.00"
    ledger = supervisor_api.get(f"/api/v1/orders/{case.order_no}/ledger").json()
    assert [(line["kind"], line["direction"]) for line in ledger["lines"]] == [("carrier_claim", "in")]


def test_an_approval_above_the_limit_is_refused_in_english_naming_the_money_and_the_limit(agent_api, supervisor_api):
    """The API speaks English whatever language the client accepts; the workbench shows the same refusal in
    the reader's language."""
    order = paid_order(shop_code="big-api", paid="3000.00", lines=[{"sku": "TV", "unit_price": Decimal("3000.00"),
                                                                     "qty": 1}])
    case = open_case(order, "duplicate_order")
    action = post_action(agent_api, case, {"kind": "refund", "amount": "2500.00"}).json()
    refused = supervisor_api.post(f"/api/v1/actions/{action['id']}/approve", {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 403
    assert refused.json() == {"code": "approval_limit_exceeded", "field": None,
                              "error": f"Case #{case.pk} commits ¥2500.00; your approval limit as Supervisor is ¥2000.00."}


def test_every_answer_is_the_action_as_stored(agent_api, supervisor_api, finance_api, api_as, frank):
    """The verbs answer with the action the action function returned, without reading it back: what they
    answer must be what a later GET shows (amounts with two places, dates, lines, who and why)."""
    def same_as_stored(response):
        assert response.status_code in (200, 201), response.json()
        assert response.json() == supervisor_api.get(f"/api/v1/actions/{response.json()['id']}").json()
        return response.json()

    case = open_case(paid_order(shop_code="answers"), "duplicate_order")
    waiting = same_as_stored(post_action(agent_api, case, {"kind": "refund", "amount": "250.00"}, key="a"))
    same_as_stored(supervisor_api.post(f"/api/v1/actions/{waiting['id']}/approve", {"reason": "ok"}))
    same_as_stored(finance_api.post(f"/api/v1/actions/{waiting['id']}/done", {"reference": "RF-1"}))
    same_as_stored(finance_api.post(f"/api/v1/actions/{waiting['id']}/done", {"reference": "RF-1"}))  # again
    rejected = same_as_stored(post_action(agent_api, case, {"kind": "refund", "amount": "20.00"}, key="b"))
    same_as_stored(supervisor_api.post(f"/api/v1/actions/{rejected['id']}/reject", {"reason": "no"}))
    cancelled = same_as_stored(post_action(agent_api, case, {"kind": "refund", "amount": "20.00"}, key="c"))
    same_as_stored(agent_api.post(f"/api/v1/actions/{cancelled['id']}/cancel", {"reason": "asked twice"}))
    running = same_as_stored(post_action(supervisor_api, case, {"kind": "refund", "amount": "20.00"}, key="d"))
    assert running["status"] == "executing"
    same_as_stored(finance_api.post(f"/api/v1/actions/{running['id']}/failed", {"reason": "account closed"}))
    logistics = api_as("logistics", user=frank)
    lost = open_case(paid_order(shop_code="answers-claim"), "parcel_lost")
    claim = same_as_stored(post_action(logistics, lost, {"kind": "carrier_claim", "lines": [{"sku": "CUP", "qty": 1}]},
                                       key=None))
    same_as_stored(logistics.post(f"/api/v1/actions/{claim['id']}/claim", {"to": "accepted"}))
    same_as_stored(logistics.post(f"/api/v1/actions/{claim['id']}/claim", {"to": "paid", "recovered_amount": "80"}))
