"""The customer's self-service page in a real browser at phone width (390 px), opened from its signed link
with no login: progress in plain words, choosing before the deadline, the default after it, bad links
refused in words, the survey."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.cases.choices import ChoiceSource
from ordex.cases.models import CustomerChoice
from ordex.notify import actions, links
from ordex.notify.models import CustomerLink, Survey

pytestmark = pytest.mark.browser

ADMIN = Principal(role="admin", name="carol")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def customer_page(live_server, browser):
    """customer_page(case, language="zh-hans") -> a phone-sized page (no login) on the case's signed link."""
    contexts = []

    def open_link(case, *, language: str = "zh-hans"):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True,
                                      locale="zh-CN" if language == "zh-hans" else "en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.link_path = links.url_for(actions.link_for_case(case)).split("://", 1)[1].split("/", 1)[1]
        page.goto("/" + page.link_path)
        return page

    yield open_link
    for context in contexts:
        context.close()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def offered(open_case, agent):
    case = open_case("out_of_stock")
    case_actions.transition(case.pk, to="triaged", actor=agent)
    case_actions.offer_choice(case.pk, actor=agent, options=["wait_restock", "refund"])
    return case


def test_progress_in_plain_words_without_notes_or_personal_data(customer_page, open_case, agent):
    case = open_case()
    case_actions.add_note(case.pk, actor=agent, text="INTERNAL: supplier blamed, do not tell the buyer")
    page = customer_page(case, language="en")
    expect(page.locator(".stage")).to_be_visible()
    expect(page.locator("body")).to_contain_text(case.order_no)
    expect(page.locator("body")).to_contain_text("张*")
    text = page.locator("body").inner_text()
    assert "INTERNAL" not in text and "张三" not in text and "13912345678" not in text and "人民大道100号" not in text
    assert fits_the_phone(page)


def test_choosing_before_the_deadline_lands_on_the_case_by_customer(customer_page, live_page, open_case, agent):
    case = offered(open_case, agent)
    page = customer_page(case, language="en")
    page.get_by_label("wait", exact=False).first.check()
    page.get_by_role("button", name="Confirm my choice").click()
    expect(page.locator(".notice.ok")).to_contain_text("we have your choice")
    assert fits_the_phone(page)
    choice = CustomerChoice.objects.get(case=case)
    assert (choice.chosen, choice.source) == ("wait_restock", ChoiceSource.CUSTOMER)
    staff = live_page("supervisor", language="en")
    staff.goto(f"/cases/{case.pk}/")
    entry = staff.locator('#timeline li[data-kind="choice_recorded"]')
    expect(entry).to_contain_text("customer")  # the actor: the choice is the customer's own


def test_after_the_deadline_the_page_says_which_default_was_applied(customer_page, open_case, agent):
    with time_machine.travel(timezone.now() - timedelta(days=3)):  # offered three days ago, 48 h to answer
        case = offered(open_case, agent)
    case_actions.apply_expired_choices()
    page = customer_page(case)
    choice_card = page.locator("#choice")
    expect(choice_card).to_contain_text("退款")  # out_of_stock's default: refund
    expect(page.locator("#choose")).to_have_count(0)  # nothing left to choose
    assert CustomerChoice.objects.get(case=case).source == ChoiceSource.DEFAULT
    assert fits_the_phone(page)


def test_an_expired_or_revoked_link_is_refused_in_words(customer_page, open_case, agent):
    case = offered(open_case, agent)
    link = actions.link_for_case(case)
    CustomerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = customer_page(case, language="en")  # a new link was made for this page: use the expired one instead
    page.goto("/" + links.url_for(link).split("://", 1)[1].split("/", 1)[1] + "?lang=en")
    expect(page.locator('[data-reason="expired"]')).to_contain_text("This link has expired")
    expect(page.locator("form")).to_have_count(0)

    fresh = customer_page(case, language="en")
    expect(fresh.locator("#choose")).to_be_visible()
    actions.revoke_links(case.pk, actor=ADMIN)
    fresh.reload()
    expect(fresh.locator('[data-reason="revoked"]')).to_contain_text("This link has been withdrawn")
    assert CustomerChoice.objects.get(case=case).chosen == ""
    assert fits_the_phone(fresh)


def test_the_survey_takes_a_rating_once(customer_page, open_case, agent):
    case = open_case()
    case_actions.transition(case.pk, to="triaged", actor=agent)
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=ADMIN)
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")
    page = customer_page(case, language="en")
    page.locator('#rate input[name="score"][value="4"]').check()
    page.locator("#comment-input").fill("Quick and kind")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.locator(".notice.ok")).to_contain_text("Thank you for telling us how we did.")
    expect(page.locator("body")).to_contain_text("You rated us 4 of 5")
    expect(page.locator("#rate")).to_have_count(0)
    survey = Survey.objects.get(case=case)
    assert (survey.score, survey.comment) == (4, "Quick and kind")
    assert fits_the_phone(page)
