"""Resolutions in a real browser: a refund above the agent's limit goes from her request through the
supervisor's approval to finance marking it paid, and the order's ledger shows it; a double click on
"request" makes one action."""

import pytest
from playwright.sync_api import expect

from ordex.resolutions.models import Action

pytestmark = pytest.mark.browser


def ask_for_refund(page, case, amount: str, reason: str):
    page.goto(f"/cases/{case.pk}/")
    form = page.locator('details.request-form[data-kind="refund"]')
    form.locator("summary").click()
    form.locator('input[name="amount"]').fill(amount)
    form.locator('input[name="reason"]').fill(reason)
    return form.locator('button[data-request="refund"]')


def test_a_refund_above_the_agents_limit_is_approved_paid_and_lands_in_the_ledger(live_page, make_case):
    case = make_case(price="300.00")
    agent = live_page("agent", language="en")
    ask_for_refund(agent, case, "250.00", "lid cracked").click()
    row = agent.locator("#resolutions tr[data-kind=refund]")
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.locator('[data-verb="approve"]')).to_have_count(0)  # not her own request

    supervisor = live_page("supervisor", language="en")
    supervisor.goto(f"/cases/{case.pk}/")
    supervisor.locator('#resolutions tr[data-kind=refund] [data-verb="approve"]').click()
    expect(supervisor.locator("#resolutions tr[data-kind=refund]")).to_have_attribute("data-status", "executing")

    finance = live_page("finance", language="en")
    finance.goto("/")
    finance.get_by_role("link", name="Waiting for me").click()
    waiting = finance.locator("#waiting tr[data-kind=refund]")
    waiting.locator('input[name="reference"]').fill("RF-2211")
    waiting.locator('[data-verb="done"]').click()
    expect(finance.locator("#waiting")).to_contain_text("Nothing waits for you.")

    agent.goto(f"/cases/{case.pk}/")
    expect(agent.locator("#resolutions tr[data-kind=refund]")).to_have_attribute("data-status", "done")
    ledger = agent.locator("#ledger tr[data-ledger-kind=refund]")
    expect(ledger).to_contain_text("¥250.00")
    expect(ledger).to_contain_text("erin")
    expect(agent.locator('[data-money="left"]')).to_have_text("¥50.00")


def test_a_double_click_on_request_makes_one_action(live_page, make_case):
    case = make_case(price="100.00")
    page = live_page("agent", language="en")
    ask_for_refund(page, case, "30.00", "twice by mistake").dblclick()
    expect(page.locator("#resolutions tr[data-kind=refund]")).to_have_count(1)
    assert Action.objects.filter(case=case).count() == 1


def test_the_same_form_sent_twice_at_once_makes_one_action(live_page, make_case):
    """Chromium sends a double-clicked form once; a flaky connection or an impatient script can still send
    the same form twice at the same moment: both carry the form's idempotency key, one action is made."""
    case = make_case(price="100.00")
    page = live_page("agent", language="en")
    ask_for_refund(page, case, "30.00", "sent twice")
    statuses = page.evaluate("""() => {
        const form = document.querySelector('details.request-form[data-kind="refund"] form');
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form), redirect: "manual"});
        return Promise.all([send(), send()]).then(answers => answers.map(answer => answer.type));
    }""")
    assert statuses == ["opaqueredirect", "opaqueredirect"]  # both answered with the redirect to the case
    page.reload()
    expect(page.locator("#resolutions tr[data-kind=refund]")).to_have_count(1)
    assert Action.objects.filter(case=case).count() == 1


def test_a_supervisor_whose_limit_is_too_low_is_not_offered_approve_and_finance_approves(live_page, make_case):
    """¥2,500 is above the supervisor's ¥2,000 limit: her page offers reject, not approve (the API would refuse
    it); finance, without a limit, approves it from the list of what waits for it."""
    case = make_case(price="3000.00")
    agent = live_page("agent", language="en")
    ask_for_refund(agent, case, "2500.00", "television cracked").click()
    expect(agent.locator("#resolutions tr[data-kind=refund]")).to_have_attribute("data-status", "requested")

    supervisor = live_page("supervisor")
    supervisor.goto(f"/cases/{case.pk}/")
    row = supervisor.locator("#resolutions tr[data-kind=refund]")
    expect(row.locator('[data-verb="reject"]')).to_have_count(1)
    expect(row.locator('[data-verb="approve"]')).to_have_count(0)
    expect(supervisor.locator('[data-money="my-limit"]')).to_have_text("¥2,000.00")

    finance = live_page("finance", language="en")
    finance.goto("/actions/")
    finance.locator('#waiting tr[data-kind=refund] [data-verb="approve"]').click()
    expect(finance.locator("#waiting tr[data-kind=refund]")).to_have_attribute("data-status", "executing")
