"""The resolutions panel of the case page and the list of actions waiting for a person: they offer what the
playbook and the caller's role allow, with the amount suggested and the limits shown; a form sends its
idempotency key so a double submit makes one action; a refusal comes back in words with what was typed."""

import re

import pytest
from django.test import Client

from ordex.resolutions.models import Action, LedgerLine


@pytest.fixture
def as_role(person):
    def login(role, language="en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(person(role))
        client.cookies["django_language"] = language
        return client

    return login


def form_key(html: str, kind: str) -> str:
    form = re.search(rf'data-kind="{kind}".*?</form>', html, re.S).group(0)
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


def verbs(html: str, action: Action) -> set[str]:
    row = re.search(rf'<tr id="action-{action.pk}".*?</tr>', html, re.S).group(0)
    return set(re.findall(r'data-verb="([a-z]+)"', row))


def refund(client, case, key, **fields):
    return client.post(f"/cases/{case.pk}/actions/", {"kind": "refund", "idempotency_key": key, **fields})


def test_the_panel_offers_the_playbooks_kinds_with_suggested_amounts_and_limits(as_role, make_case):
    case = make_case(price="300.00")  # not_as_described: exchange, return, refund, partial refund, compensation
    html = as_role("agent").get(f"/cases/{case.pk}/").content.decode()
    offered = set(re.findall(r'data-request="([a-z_]+)"', html))
    assert {"refund", "exchange", "compensation"} <= offered
    assert "cancel" not in offered and "carrier_claim" not in offered
    assert 'data-money="paid">¥300.00<' in html and 'data-money="left">¥300.00<' in html
    assert 'data-money="my-limit">¥200.00<' in html
    refund_form = re.search(r'data-kind="refund".*?</form>', html, re.S).group(0)
    assert 'name="amount" inputmode="decimal" value="300.00"' in refund_form  # what is left, suggested
    assert form_key(html, "refund") != form_key(html, "compensation")


def test_a_refund_above_the_agents_limit_waits_for_a_supervisor_then_finance_pays_and_the_ledger_shows_it(
        as_role, make_case):
    case = make_case(price="300.00")
    agent, supervisor, finance = as_role("agent"), as_role("supervisor"), as_role("finance")
    key = form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund")
    assert refund(agent, case, key, amount="250", reason="杯盖破损").status_code == 302
    action = Action.objects.get(case=case)
    assert (action.status, action.amount, action.requested_by_name) == ("requested", 250, "alice")
    assert verbs(agent.get(f"/cases/{case.pk}/").content.decode(), action) == {"cancel"}  # not her own approval
    assert {"approve", "reject"} <= verbs(supervisor.get(f"/cases/{case.pk}/").content.decode(), action)
    # Finance works every team's refunds from its list (finance approves without limit too), not from the
    # case page of another department.
    assert verbs(finance.get("/actions/").content.decode(), action) == {"approve", "reject"}
    assert finance.get(f"/cases/{case.pk}/").status_code == 404
    assert supervisor.post(f"/actions/{action.pk}/do/approve/").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.approved_by_name) == ("executing", "bob")
    waiting = finance.get("/actions/").content.decode()
    assert verbs(waiting, action) == {"done", "failed"}
    done = finance.post(f"/actions/{action.pk}/do/done/", {"reference": "RF-2211", "from": "waiting"})
    assert done.status_code == 302 and done.url == "/actions/"
    line = LedgerLine.objects.get(action=action)
    assert (line.kind, line.direction, line.amount) == ("refund", "out", 250)
    page = agent.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-ledger-kind="refund"' in page and "¥250.00" in page and "RF-2211" in page
    assert 'data-money="left">¥50.00<' in page


def test_the_same_form_submitted_twice_makes_one_action(as_role, make_case):
    case = make_case(price="100.00")
    agent = as_role("agent")
    key = form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund")
    first = refund(agent, case, key, amount="40")
    second = refund(agent, case, key, amount="40")
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Action.objects.filter(case=case).count() == 1


def test_a_refused_request_says_why_next_to_its_form_and_keeps_what_was_typed(as_role, make_case):
    case = make_case(price="100.00")
    agent = as_role("agent")
    key = form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund")
    response = refund(agent, case, key, amount="140.00", reason="顾客要求全额加运费")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-error="request_action"' in html
    assert "above what it paid" in html and "¥140.00" in html
    refund_form = re.search(r'<details class="request-form" data-kind="refund" open>.*?</form>', html, re.S).group(0)
    assert 'value="140.00"' in refund_form and "顾客要求全额加运费" in refund_form
    assert form_key(html, "refund") == key  # the same form again: submitting it twice still makes one action
    assert not Action.objects.filter(case=case).exists()


def test_nobody_approves_their_own_request_and_the_refusal_shows_on_the_row(as_role, make_case, person):
    case = make_case(price="300.00")
    supervisor = as_role("supervisor")
    key = form_key(supervisor.get(f"/cases/{case.pk}/").content.decode(), "refund")
    # The supervisor's limit covers it: approved and handed to finance at once.
    refund(supervisor, case, key, amount="300")
    assert Action.objects.get(case=case).status == "executing"
    other = make_case(price="300.00")
    agent = as_role("agent")
    refund(agent, other, form_key(agent.get(f"/cases/{other.pk}/").content.decode(), "refund"), amount="260")
    waiting = Action.objects.get(case=other)
    response = agent.post(f"/actions/{waiting.pk}/do/approve/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f'data-error="action-{waiting.pk}"' in html and "Nobody approves their own request" in html
    waiting.refresh_from_db()
    assert waiting.status == "requested"


def test_marking_a_waiting_refund_done_is_refused_in_words(as_role, make_case):
    case = make_case(price="300.00")
    agent, finance = as_role("agent"), as_role("finance")
    refund(agent, case, form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund"), amount="250")
    action = Action.objects.get(case=case)
    response = finance.post(f"/actions/{action.pk}/do/done/", {"reference": "RF-1", "from": "waiting"})
    assert response.status_code == 409
    assert "waits for approval" in response.content.decode()
    assert not LedgerLine.objects.exists()


def test_a_carrier_claim_moves_along_from_the_case_page(as_role, make_case):
    case = make_case("logistics", tracking_no="YD7001", price="80.00")  # tracking_stalled
    logistics = as_role("logistics")
    html = logistics.get(f"/cases/{case.pk}/").content.decode()
    if 'data-request="carrier_claim"' not in html:
        pytest.fail("the tracking_stalled playbook offers a carrier claim")
    logistics.post(f"/cases/{case.pk}/actions/", {"kind": "carrier_claim", "idempotency_key": form_key(html, "carrier_claim"),
                                                   "amount": "80.00", "reason": "包裹丢失"})
    claim = Action.objects.get(case=case, kind="carrier_claim")
    assert (claim.status, claim.claim_status) == ("executing", "filed")
    assert verbs(logistics.get(f"/cases/{case.pk}/").content.decode(), claim) == {"claim"}
    logistics.post(f"/actions/{claim.pk}/do/claim/", {"to": "accepted"})
    refused = logistics.post(f"/actions/{claim.pk}/do/claim/", {"to": "paid", "recovered_amount": ""})
    assert refused.status_code == 422 and f'data-error="action-{claim.pk}"' in refused.content.decode()
    logistics.post(f"/actions/{claim.pk}/do/claim/", {"to": "paid", "recovered_amount": "80"})
    claim.refresh_from_db()
    assert (claim.status, claim.claim_status, claim.recovered_amount) == ("done", "paid", 80)
    assert 'data-ledger-kind="carrier_claim"' in logistics.get(f"/cases/{case.pk}/").content.decode()


def chargeback_key(html: str) -> str:
    form = re.search(r'id="chargeback".*?</form>', html, re.S).group(0)
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


def test_a_supervisor_records_a_supplier_chargeback_once_and_the_ledger_shows_it(as_role, make_case):
    case = make_case(price="100.00")
    supervisor = as_role("supervisor")
    assert 'id="chargeback"' not in as_role("agent").get(f"/cases/{case.pk}/").content.decode()
    key = chargeback_key(supervisor.get(f"/cases/{case.pk}/").content.decode())
    refused = supervisor.post(f"/cases/{case.pk}/chargebacks/", {"idempotency_key": key, "amount": "30",
                                                                 "supplier": "", "reference": "DN-1"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'data-error="chargeback"' in html and 'value="DN-1"' in html and chargeback_key(html) == key
    body = {"idempotency_key": key, "amount": "30", "supplier": "杯盖厂", "reference": "DN-1"}
    assert supervisor.post(f"/cases/{case.pk}/chargebacks/", body).status_code == 302
    assert supervisor.post(f"/cases/{case.pk}/chargebacks/", body).status_code == 302
    assert LedgerLine.objects.filter(kind="chargeback").count() == 1
    page = supervisor.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-ledger-kind="chargeback"' in page and "supplier 杯盖厂, DN-1" in page
    assert 'data-money="net-cost">-¥30.00<' in page
    assert as_role("agent").post(f"/cases/{case.pk}/chargebacks/", body).status_code == 403


def test_approve_is_offered_only_to_an_approver_whose_limit_covers_the_money(as_role, make_case):
    """The supervisor's limit (¥2,000) is below the ¥2,500 the case commits: she may reject it but not approve
    it, so no approve button; finance has no limit and is offered it. Forcing the approval anyway is refused
    with the words of that refusal, naming the money and the limit, in the page's language."""
    case = make_case(price="3000.00")
    agent = as_role("agent")
    refund(agent, case, form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund"), amount="2500")
    action = Action.objects.get(case=case)
    assert action.status == "requested"
    assert verbs(as_role("supervisor").get(f"/cases/{case.pk}/").content.decode(), action) == {"reject", "cancel"}
    assert verbs(as_role("supervisor").get("/actions/").content.decode(), action) == {"reject"}
    assert {"approve", "reject"} <= verbs(as_role("finance").get("/actions/").content.decode(), action)

    refused = as_role("supervisor").post(f"/actions/{action.pk}/do/approve/")
    assert refused.status_code == 403
    row = re.search(rf'data-error="action-{action.pk}">(.*?)</p>', refused.content.decode(), re.S).group(1)
    assert row == f"Case #{case.pk} commits ¥2500.00; your approval limit as Supervisor is ¥2000.00."
    in_chinese = as_role("supervisor", "zh-hans").post(f"/actions/{action.pk}/do/approve/").content.decode()
    row = re.search(rf'data-error="action-{action.pk}">(.*?)</p>', in_chinese, re.S).group(1)
    assert row == f"工单 #{case.pk} 涉及金额 ¥2500.00，超出你作为主管的审批额度 ¥2000.00。"
    action.refresh_from_db()
    assert action.status == "requested"


def test_a_request_above_what_the_order_paid_is_refused_with_the_amounts(as_role, make_case):
    case = make_case(price="100.00")
    agent = as_role("agent", "zh-hans")
    response = refund(agent, case, form_key(agent.get(f"/cases/{case.pk}/").content.decode(), "refund"), amount="140")
    error = re.search(r'data-error="request_action">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert error == (f"退款 ¥140.00 将使订单 {case.order_no} 超出实付金额：实付 ¥100.00 + 运费额度 ¥0.00，"
                     "还可支付 ¥100.00。")
