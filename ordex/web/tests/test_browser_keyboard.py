"""The keyboard in a real browser: j/k move through the queue and Enter opens the case, / focuses the search
box, a takes the case, n starts a note; escalating asks for a reason first."""

import pytest
from playwright.sync_api import expect

from ordex.cases.models import Case

pytestmark = pytest.mark.browser


def test_keys_move_through_the_queue_open_a_case_take_it_and_start_a_note(live_page, make_case):
    first = make_case(severity="p1")
    second = make_case(severity="p4")
    page = live_page("agent")
    page.goto("/")
    page.keyboard.press("j")
    expect(page.locator(f"tr[data-case-id='{first.pk}'].selected")).to_have_count(1)
    page.keyboard.press("j")
    expect(page.locator(f"tr[data-case-id='{second.pk}'].selected")).to_have_count(1)
    page.keyboard.press("k")
    expect(page.locator(f"tr[data-case-id='{first.pk}'].selected")).to_have_count(1)
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{first.pk}/")
    page.keyboard.press("a")
    expect(page.locator("#case-assignee")).to_have_text("alice")
    assert Case.objects.get(pk=first.pk).assignee.username == "alice"
    page.keyboard.press("n")
    expect(page.locator("#note-text")).to_be_focused()


def test_escalating_asks_for_a_reason_then_raises_the_level(live_page, make_case):
    case = make_case()
    page = live_page("agent", language="en")
    page.goto(f"/cases/{case.pk}/")
    page.click("#escalate summary")
    page.click("#escalate-submit")
    expect(page.locator("#escalate input[name=reason]:invalid")).to_have_count(1)
    assert Case.objects.get(pk=case.pk).escalation_level == 0
    page.fill("#escalate input[name=reason]", "The customer asks for a supervisor")
    page.click("#escalate-submit")
    expect(page.locator(".escalated")).to_have_text("L1")
