"""The customer's self-service page, through its signed link, with no login."""

import re
from datetime import timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ordex.accounts.access import Principal
from ordex.cases import actions as case_actions
from ordex.cases.choices import ChoiceSource, TimelineKind
from ordex.cases.models import Case, CustomerChoice, Evidence, TimelineEntry
from ordex.notify import actions, links
from ordex.notify.models import Survey

from .conftest import sh

ADMIN = Principal(role="admin", name="carol")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def _link(case):
    link = actions.link_for_case(case)
    return link, links.url_for(link).replace("http://testserver", "")


def _offered(open_case, agent, type_code="out_of_stock"):
    case = open_case(type_code)
    case_actions.transition(case.pk, to="triaged", actor=agent)
    case_actions.offer_choice(case.pk, actor=agent, options=["wait_restock", "refund"])
    return case


def _resolved(open_case, agent):
    case = open_case()
    case_actions.transition(case.pk, to="triaged", actor=agent)
    for step in case.steps.all():
        case_actions.complete_step(case.pk, step.position, actor=ADMIN)
    case_actions.transition(case.pk, to="resolved", actor=agent, resolution="refund")
    return case


def test_page_shows_progress_in_plain_words_with_the_name_masked_and_no_internal_notes(open_case, agent):
    case = open_case()
    case_actions.add_note(case.pk, actor=agent, text="INTERNAL: supplier blamed, do not tell the buyer")
    _, url = _link(case)
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert case.order_no in html and "张*" in html and "张三" not in html
    assert "INTERNAL" not in html and "13912345678" not in html and "人民大道100号" not in html
    assert "<script" not in html and "style=" not in html
    assert "default-src 'self'" in page["Content-Security-Policy"]


def test_page_follows_the_customers_language(open_case):
    _, url = _link(open_case())
    assert "Being handled" in Client().get(url + "?lang=en").content.decode() or \
        "Received" in Client().get(url + "?lang=en").content.decode()
    assert "已收到" in Client().get(url).content.decode()


def test_customer_chooses_an_option_which_lands_on_the_case_by_customer(open_case, agent):
    case = _offered(open_case, agent)
    _, url = _link(case)
    client = Client()
    assert "wait_restock" in client.get(url).content.decode()
    answer = client.post(url + "choose", {"chosen": "wait_restock"})
    assert answer.status_code == 302 and "done=chosen" in answer["Location"]
    choice = CustomerChoice.objects.get(case=case)
    assert (choice.chosen, choice.source) == ("wait_restock", ChoiceSource.CUSTOMER)
    entry = TimelineEntry.objects.get(case=case, kind=TimelineKind.CHOICE_RECORDED)
    assert entry.actor_name == "customer" and entry.data["source"] == "customer"
    assert Case.objects.get(pk=case.pk).chosen_resolution == "wait_restock"


def test_after_the_deadline_the_page_says_which_default_was_applied(open_case, agent):
    with time_machine.travel(sh(2026, 12, 1, 10), tick=False):
        case = _offered(open_case, agent)
        _, url = _link(case)
    with time_machine.travel(sh(2026, 12, 3, 11), tick=False):
        case_actions.apply_expired_choices()
        html = Client().get(url).content.decode()
        refused = Client().post(url + "choose", {"chosen": "wait_restock"})
    assert "退款" in html and "12月3日 10:00" in html
    assert "error=" in refused["Location"]
    assert CustomerChoice.objects.get(case=case).source == ChoiceSource.DEFAULT


def test_customer_corrects_the_address_which_becomes_an_order_change_request(open_case):
    case = open_case("customer_info_error")
    _, url = _link(case)
    answer = Client().post(url + "address", {"address": "浙江省杭州市西湖区文三路90号东部软件园", "receiver": "张三"})
    assert "done=address" in answer["Location"]
    change = Case.objects.get(type__code="order_change_request", order_id=case.order_id)
    assert "西湖区文三路90号" in change.title
    assert TimelineEntry.objects.get(case=change, kind=TimelineKind.OPENED).actor_name == "customer"


def test_an_address_that_does_not_resolve_is_refused_and_changes_nothing(open_case):
    case = open_case("customer_info_error")
    _, url = _link(case)
    answer = Client().post(url + "address", {"address": "随便哪里"})
    assert "error=" in answer["Location"]
    assert not Case.objects.filter(type__code="order_change_request").exists()


def test_customer_uploads_a_photo_with_the_evidence_limits(open_case, settings):
    case = open_case("parcel_damaged")
    _, url = _link(case)
    client = Client()
    answer = client.post(url + "photo", {"photo": SimpleUploadedFile("box.png", PNG, content_type="image/png")})
    assert "done=photo" in answer["Location"]
    evidence = Evidence.objects.get(case=case, kind="upload")
    assert evidence.content_type == "image/png"
    settings.ORDEX_EVIDENCE_MAX_BYTES = 10
    too_big = client.post(url + "photo", {"photo": SimpleUploadedFile("big.png", PNG, content_type="image/png")})
    assert "error=" in too_big["Location"]
    fake = client.post(url + "photo", {"photo": SimpleUploadedFile("x.png", b"not a png", content_type="image/png")})
    assert "error=" in fake["Location"]
    assert Evidence.objects.filter(case=case, kind="upload").count() == 1


def test_a_low_rating_opens_a_low_satisfaction_case_for_a_supervisor_with_a_follow_up_step(open_case, agent, bob):
    with time_machine.travel(sh(2026, 12, 4, 16), tick=False):  # a Friday afternoon
        case = _resolved(open_case, agent)
        _, url = _link(case)
        answer = Client().post(url + "rate", {"score": "1", "comment": "没人回我消息"})
    assert "done=rated" in answer["Location"]
    survey = Survey.objects.get(case=case)
    assert (survey.score, survey.comment, survey.type_code, survey.resolution) == (1, "没人回我消息", "out_of_stock", "refund")
    rated = case.timeline.filter(data__score=1).get()
    assert rated.message == f"客户为工单 #{case.pk} 的处理打分 1/5：没人回我消息"
    follow_up = survey.follow_up_case
    assert follow_up.type.code == "low_satisfaction" and follow_up.order_id == case.order_id
    assert follow_up.assignee == bob and follow_up.facts["follow_up_of"] == case.pk
    step = follow_up.steps.order_by("position").first()
    assert "回访" in step.title_zh
    assert sh(2026, 12, 4, 16) < step.due_at <= sh(2026, 12, 7, 18)
    again = Client().post(url + "rate", {"score": "5"})
    assert "error=" in again["Location"]
    assert Survey.objects.get(case=case).score == 1


def test_a_good_rating_opens_nothing(open_case, agent):
    case = _resolved(open_case, agent)
    _, url = _link(case)
    Client().post(url + "rate", {"score": "4"})
    assert Survey.objects.get(case=case).score == 4
    assert not Case.objects.filter(type__code="low_satisfaction").exists()


def test_bad_links_get_a_clear_page_and_change_nothing(open_case, agent):
    case = _offered(open_case, agent)
    link, url = _link(case)
    token = url.split("/")[2]
    tampered = "/c/" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB") + "/"
    client = Client()
    page = client.get(tampered)
    assert page.status_code == 404 and 'data-reason="tampered"' in page.content.decode()
    assert client.post(tampered + "choose", {"chosen": "refund"}).status_code == 404

    with time_machine.travel(link.expires_at + timedelta(seconds=1), tick=False):
        expired = client.post(url + "choose", {"chosen": "refund"})
    assert expired.status_code == 410 and 'data-reason="expired"' in expired.content.decode()

    actions.revoke_links(case.pk, actor=ADMIN)
    revoked = client.post(url + "choose", {"chosen": "refund"})
    assert revoked.status_code == 410 and 'data-reason="revoked"' in revoked.content.decode()
    assert CustomerChoice.objects.get(case=case).chosen == ""


def test_a_link_to_a_closed_case_is_refused(open_case, agent):
    case = _resolved(open_case, agent)
    _, url = _link(case)
    case_actions.transition(case.pk, to="closed", actor=agent)
    page = Client().post(url + "rate", {"score": "1"})
    assert page.status_code == 410 and 'data-reason="closed"' in page.content.decode()
    assert not Survey.objects.filter(case=case).exists()


def test_links_are_rate_limited(open_case, settings):
    settings.ORDEX_LINK_RATE_PER_10_MIN = 3
    _, url = _link(open_case())
    client = Client()
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_messages_carry_a_working_link(open_case):
    case = open_case()
    actions.drain()
    body = case.messages.get(channel="sms").body
    url = re.search(r"http://testserver(/c/\S+/)", body).group(1)
    assert Client().get(url).status_code == 200
