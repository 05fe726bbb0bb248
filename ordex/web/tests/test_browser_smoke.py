"""The workbench in a real browser: logging in, the queue, the language."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_login_form_takes_an_agent_to_their_queue(live_server, browser, person):
    person("agent")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/cases/?assignee=me")
    assert "/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cases/?assignee=me")
    expect(page.locator("h1").first).to_contain_text("队列")
    context.close()


def test_wrong_password_is_refused_in_words(live_server, browser, person):
    person("agent")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit].primary")
    expect(page.locator("[role=alert]")).to_be_visible()
    assert "/login/" in page.url
    context.close()


def test_queue_shows_soonest_case_first_with_its_countdown(live_page, make_case):
    later = make_case(severity="p4")
    sooner = make_case(severity="p1")
    page = live_page("agent")
    page.goto("/")
    rows = page.locator("#queue-rows tr[data-case-id]")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-case-id") == str(sooner.pk)
    assert rows.nth(1).get_attribute("data-case-id") == str(later.pk)
    assert rows.nth(0).locator(".sla").is_visible()
