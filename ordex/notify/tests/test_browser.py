"""The customer's self-service flows in a real browser (Debian's chromium through Playwright) on a phone-sized
screen, against a live server: choose, fix the address, send a photo, rate 1 and see the follow-up case
opened; tampered and expired links refused."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.cases.models import Case, CustomerChoice, Evidence
from ordex.notify import actions, links
from ordex.notify.models import CustomerLink, Survey

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}

ADMIN = Principal(role="admin", name="carol")
PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def phone(live_server, browser):
    contexts = []

    def make(language="zh-hans"):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True,
                                      locale="zh-CN" if language == "zh-hans" else "en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _path(case) -> str:
    return "/" + links.url_for(actions.link_for_case(case)).split("/", 3)[3]


def _offered(open_case, agent):
    case = open_case("out_of_stock")
    case_actions.transition(case.pk, to="triaged", actor=agent)
    case_actions.offer_choice(case.pk, actor=agent, options=["wait_restock", "partial_shipment", "refund"])
    return case


def test_customer_chooses_an_option_on_a_phone(phone, open_case, agent):
    case = _offered(open_case, agent)
    page = phone()
    page.goto(_path(case))
    expect(page.locator("h1")).to_contain_text("商品缺货")
    page.get_by_label("先发有货部分").check()
    page.get_by_role("button", name="确认我的选择").click()
    expect(page.get_by_role("status")).to_contain_text("已收到您的选择")
    expect(page.locator("#choice")).to_contain_text("先发有货部分")
    choice = CustomerChoice.objects.get(case=case)
    assert (choice.chosen, choice.source) == ("partial_shipment", "customer")


def test_customer_fixes_the_address_in_english(phone, open_case):
    case = open_case("customer_info_error")
    page = phone("en")
    page.goto(_path(case))
    page.get_by_label("Correct address").fill("广东省深圳市南山区科技园科苑路15号")
    page.get_by_role("button", name="Send the corrected address").click()
    expect(page.get_by_role("status")).to_contain_text("we have your address")
    change = Case.objects.get(type__code="order_change_request", order_id=case.order_id)
    assert "南山区科苑路15号" in change.title or "南山区科技园科苑路15号" in change.title


def test_customer_uploads_a_photo_of_the_damage(phone, open_case, tmp_path):
    case = open_case("parcel_damaged")
    photo = tmp_path / "box.png"
    photo.write_bytes(PNG)
    page = phone()
    page.goto(_path(case))
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="上传照片").click()
    expect(page.get_by_role("status")).to_contain_text("照片已收到")
    assert Evidence.objects.filter(case=case, kind="upload", content_type="image/png").count() == 1


def test_a_rating_of_one_opens_a_follow_up_case_for_the_supervisor(phone, open_case, agent, bob):
    case = open_case("out_of_stock")
    case_actions.transition(case.pk, to="triaged", actor=agent)
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=ADMIN)
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")
    page = phone()
    page.goto(_path(case))
    page.locator("label.star", has_text="1").click()
    page.get_by_label("还有什么想告诉我们的").fill("等了太久")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status")).to_contain_text("谢谢您的评价")
    survey = Survey.objects.get(case=case)
    assert survey.score == 1 and survey.follow_up_case.type.code == "low_satisfaction"
    assert survey.follow_up_case.assignee == bob


def test_tampered_and_expired_links_are_refused(phone, open_case, agent):
    case = _offered(open_case, agent)
    path = _path(case)
    page = phone()
    page.goto(path[:-4] + "xyz/")
    expect(page.locator("[data-reason=tampered]")).to_be_visible()
    CustomerLink.objects.filter(case=case).update(expires_at=timezone.now() - timedelta(seconds=1))
    page.goto(path)
    expect(page.locator("[data-reason=expired]")).to_contain_text("已过期")
    assert CustomerChoice.objects.get(case=case).chosen == ""
