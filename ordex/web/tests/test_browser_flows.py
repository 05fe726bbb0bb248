"""The workbench's flows in a real browser (issue 14 §6): an agent works a case from the queue to resolved, a
refused move shows its reason and changes nothing, a supervisor works a breached case and acts on a whole
incident, the page in both languages, the queue on a phone. With ORDEX_SCREENSHOTS=1 the agent's flow also
writes the README's screenshots of the queue and the case page (zh-Hans) to docs/img/."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.models import Case
from ordex.resolutions.actions import mark_done
from ordex.resolutions.models import Action

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"
# A PNG the evidence check accepts (judged by content: the signature and the header chunk).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def screenshot(page, name: str) -> None:
    if os.environ.get("ORDEX_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_an_agent_works_the_soonest_case_of_their_department_from_the_queue_to_resolved(
        live_server, browser, person, make_case):
    person("agent")
    other_department = make_case("warehouse")
    later = make_case(severity="p4")
    soonest = make_case(severity="p1")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("button[type=submit].primary")
    rows = page.locator("#queue-rows tr[data-case-id]")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-case-id") == str(soonest.pk)
    assert rows.nth(1).get_attribute("data-case-id") == str(later.pk)
    expect(page.locator(f"tr[data-case-id='{other_department.pk}']")).to_have_count(0)
    screenshot(page, "queue.png")

    rows.nth(0).locator("a").first.click()
    page.wait_for_url(f"**/cases/{soonest.pk}/")
    page.click("button[data-action=triaged]")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "triaged")
    for position in (1, 2, 3):
        page.click(f"li[data-step='{position}'] form button")
        expect(page.locator(f"li[data-step='{position}'].done")).to_have_count(1)
    page.click("#record_choice form[action$='/offer_choice/'] button[type=submit]")
    page.select_option("#record_choice select[name=chosen]", "exchange")
    page.click("#record_choice form[action$='/record_choice/'] button[type=submit]")
    expect(page.locator("#record_choice")).to_contain_text("换货")
    page.fill("#note-text", "已与顾客确认：换同款黑色")
    page.click("#note form button[type=submit]")
    page.set_input_files("#evidence-file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    page.fill("#evidence input[name=note]", "顾客发来的照片")
    page.click("#evidence form button[type=submit]")
    expect(page.locator("#evidence .evidence-list")).to_contain_text("顾客发来的照片")

    # The choice made an exchange; the warehouse carries it out (another helper's panel), then it resolves.
    exchange = Action.objects.get(case=soonest, kind="exchange")
    mark_done(exchange.pk, actor=principal_for_user(person("warehouse")), reference="SH-EXCHANGE-1")
    page.reload()
    screenshot(page, "case.png")
    page.select_option("form.transition-resolved select[name=resolution]", "exchange")
    page.click("button[data-action=resolved]")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "resolved")
    case = Case.objects.get(pk=soonest.pk)
    assert (case.status, case.resolution) == ("resolved", "exchange")
    assert case.timeline.filter(kind="note", message="已与顾客确认：换同款黑色").exists()
    context.close()


def test_a_move_someone_else_made_first_is_refused_in_words_and_changes_nothing(live_page, make_case, person):
    case = make_case()
    page = live_page("agent", language="en")
    page.goto(f"/cases/{case.pk}/")
    # Meanwhile the supervisor rejects it: the agent's page still offers triage.
    actions.transition(case.pk, to="rejected", actor=principal_for_user(person("supervisor")), reason="duplicate")
    entries = Case.objects.get(pk=case.pk).timeline.count()
    page.click("button[data-action=triaged]")
    expect(page.locator("[data-error=transition]")).to_be_visible()
    expect(page.locator("[data-error=transition]")).not_to_be_empty()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "rejected")
    case.refresh_from_db()
    assert case.status == "rejected" and case.timeline.count() == entries


def test_a_supervisor_finds_a_breached_case_escalates_it_and_triages_a_whole_incident(live_page, make_case, person):
    breached = make_case(at=timezone.now() - timedelta(days=20))
    on_time = make_case()
    actions.evaluate_sla()
    assert Case.objects.get(pk=breached.pk).breached_at is not None
    page = live_page("supervisor")
    page.goto("/")
    page.click("nav.saved-views a[href*='breached=1']")
    expect(page.locator(f"tr[data-case-id='{breached.pk}'] .sla-breached")).to_have_count(1)
    expect(page.locator(f"tr[data-case-id='{on_time.pk}']")).to_have_count(0)
    page.click(f"tr[data-case-id='{breached.pk}'] a")
    page.click("#escalate summary")
    page.fill("#escalate input[name=reason]", "超时两周，需要客服经理回电")
    page.click("#escalate-submit")
    expect(page.locator(".escalated")).to_contain_text("L")
    assert Case.objects.get(pk=breached.pk).escalation_level >= 1

    incident = actions.create_incident(actor=principal_for_user(person("supervisor")), type_code="complaint",
                                       key="SKU-CUP", title="保温杯批次投诉")
    Case.objects.filter(pk__in=[breached.pk, on_time.pk]).update(incident=incident)
    page.goto("/incidents/")
    page.click(f"[data-incident-id='{incident.pk}'] a")
    page.select_option("#id_action", "transition")
    page.select_option("#id_to", "triaged")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("2")
    assert set(Case.objects.filter(incident=incident).values_list("status", flat=True)) == {"triaged"}


def test_the_language_switch_changes_the_page_and_is_remembered(live_page, make_case):
    case = make_case()
    page = live_page("agent")
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#case-status")).to_have_text("新建")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#case-status")).to_have_text("New")
    expect(page.locator("#actions-title")).to_have_text("Actions")
    page.goto("/")
    expect(page.locator("h1").first).to_contain_text("Queue")


def test_the_queue_on_a_phone_has_no_sideways_scroll_and_its_rows_still_open_the_case(live_page, make_case):
    case = make_case()
    page = live_page("agent", width=390, height=844)
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row = page.locator(f"tr[data-case-id='{case.pk}']")
    expect(row).to_be_visible()
    row.locator("a").first.click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
