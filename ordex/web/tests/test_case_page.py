"""The case page offers exactly what the transitions table and the caller's role allow, works the case through
the same actions as the API, and on a refusal shows the reason next to the control with nothing lost."""

import pytest
from django.test import Client

from ordex.accounts.access import principal_for_user
from ordex.accounts.models import PersonalDataReveal
from ordex.cases.models import Case, CaseStep, Notification
from ordex.resolutions.actions import mark_done
from ordex.resolutions.models import Action

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def as_role(person):
    def login(role):
        client = Client()
        client.force_login(person(role))
        return client

    return login


def buttons(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-action="([a-z_]+)"', html))


def test_a_new_case_offers_triage_start_and_reject_but_not_resolve_while_a_required_step_is_open(as_role, make_case):
    case = make_case()
    html = as_role("agent").get(f"/cases/{case.pk}/").content.decode()
    assert buttons(html) == {"triaged", "in_progress", "rejected"}
    assert 'data-blocked="resolved"' in html


def test_staff_of_another_department_see_nothing_to_do(as_role, make_case):
    case = make_case()
    html = as_role("supervisor").get(f"/cases/{case.pk}/").content.decode()
    assert "triaged" in buttons(html)
    html = as_role("admin").get(f"/cases/{case.pk}/").content.decode()
    assert "triaged" in buttons(html)


def test_an_agent_works_a_case_from_new_to_resolved(as_role, make_case, person):
    case = make_case()
    agent = as_role("agent")
    url = f"/cases/{case.pk}/do"
    assert agent.post(f"{url}/take/").status_code == 302
    assert agent.post(f"{url}/transition/", {"to": "triaged"}).status_code == 302
    for position in (1, 2, 3):
        assert agent.post(f"{url}/step/", {"position": position, "status": "done"}).status_code == 302
    assert agent.post(f"{url}/offer_choice/", {"options": ["exchange", "compensation"]}).status_code == 302
    assert agent.post(f"{url}/record_choice/", {"chosen": "exchange"}).status_code == 302
    assert agent.post(f"{url}/note/", {"text": "已与顾客确认换货"}).status_code == 302
    upload = agent.post(f"{url}/evidence/", {"file": _png(), "note": "顾客照片"})
    assert upload.status_code == 302
    # The customer's choice made an exchange; the case resolves once the warehouse has carried it out.
    assert agent.post(f"{url}/transition/", {"to": "resolved"}).status_code == 409
    exchange = Action.objects.get(case=case, kind="exchange")
    mark_done(exchange.pk, actor=principal_for_user(person("warehouse")), reference="SH-EXCHANGE-1")
    assert agent.post(f"{url}/transition/", {"to": "resolved"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolution, case.assignee.username) == ("resolved", "exchange", "alice")
    page = agent.get(f"/cases/{case.pk}/").content.decode()
    assert "已与顾客确认换货" in page and "顾客照片" in page


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def test_a_refused_move_shows_its_reason_next_to_the_control_and_changes_nothing(as_role, make_case):
    case = make_case()
    agent = as_role("agent")
    before = list(case.timeline.values_list("pk", flat=True))
    response = agent.post(f"/cases/{case.pk}/do/transition/", {"to": "resolved", "resolution": "exchange",
                                                                "reason": "顾客同意换货"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-error="transition"' in html
    assert '<li data-step="1" class=" blocking">' in html  # the step that blocks it is marked
    assert "顾客同意换货" in html  # what was typed is still in the form
    case.refresh_from_db()
    assert case.status == "new"
    assert list(case.timeline.values_list("pk", flat=True)) == before


def test_rejecting_without_a_reason_is_refused_in_words_and_the_note_typed_elsewhere_is_kept(as_role, make_case):
    case = make_case()
    response = as_role("agent").post(f"/cases/{case.pk}/do/note/", {"text": "   "})
    assert response.status_code == 422
    assert 'data-error="note"' in response.content.decode()
    response = as_role("agent").post(f"/cases/{case.pk}/do/transition/", {"to": "rejected", "reason": ""})
    assert response.status_code == 422
    assert 'data-error="transition"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == "new"


def test_a_step_of_another_role_has_no_tick_box(as_role, make_case):
    case = make_case("warehouse")
    html = as_role("warehouse").get(f"/cases/{case.pk}/").content.decode()
    agent_steps = CaseStep.objects.filter(case=case, role="agent").values_list("position", flat=True)
    warehouse_steps = CaseStep.objects.filter(case=case, role="warehouse").values_list("position", flat=True)
    for position in warehouse_steps:
        assert f'name="position" value="{position}"' in html
    for position in agent_steps:
        assert f'name="position" value="{position}"' not in html


def test_personal_data_is_masked_until_shown_and_showing_it_is_recorded(as_role, make_case, person):
    case = make_case(phone="13800138000")
    agent = as_role("agent")
    html = agent.get(f"/cases/{case.pk}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    revealed = agent.post(f"/cases/{case.pk}/reveal/").content.decode()
    assert "13800138000" in revealed
    audit = PersonalDataReveal.objects.get()
    assert (audit.user, audit.subject) == (person("agent"), f"case:{case.pk}")
    assert "13800138000" not in agent.get(f"/cases/{case.pk}/").content.decode()


def test_roles_without_the_right_to_personal_data_cannot_reveal_it(as_role, make_case):
    case = make_case("finance", phone="13800138000")
    finance = as_role("finance")
    html = finance.get(f"/cases/{case.pk}/").content.decode()
    assert "/reveal/" not in html
    response = finance.post(f"/cases/{case.pk}/reveal/", follow=True)
    assert "13800138000" not in response.content.decode()
    assert not PersonalDataReveal.objects.exists()


# Session, user, department; the case with its orders, steps, timeline, evidence and choice; the order with its
# lines, payments, parcels, scans, refunds, changes and reports; 30 days of history; clocks; people; the bell;
# departments; the resolutions panel (limits, the order's actions, the merchant's refunds, shop settings, the
# playbook's kinds, platform rules, ledger). 43 before the panel read the order's actions once.
MAX_CASE_PAGE_QUERIES = 33


def test_case_page_reads_a_fixed_number_of_queries(as_role, make_case, person, django_assert_max_num_queries):
    """Session, user, the bell's unread count, the case with its parts, the order with its parts, 30 days of
    history, clocks, people, the resolutions panel (limits, commitments, offers, actions, ledger, net cost): the
    count does not grow with steps, timeline entries, parcels, history, actions or ledger lines."""
    case = make_case(tracking_no="YD0001")
    agent = as_role("agent")
    with django_assert_max_num_queries(MAX_CASE_PAGE_QUERIES):
        agent.get(f"/cases/{case.pk}/")
    for text in ("一", "二", "三"):
        agent.post(f"/cases/{case.pk}/do/note/", {"text": text})
    for number, amount in enumerate(("5.00", "6.00", "7.00")):
        agent.post(f"/cases/{case.pk}/actions/", {"kind": "compensation", "amount": amount,
                                                   "idempotency_key": f"comp-{number}"})
    assert Action.objects.filter(case=case).count() == 3
    for action in Action.objects.filter(case=case):
        mark_done(action.pk, actor=principal_for_user(person("finance")))
    make_case(phone=Case.objects.get(pk=case.pk).order.phone)
    with django_assert_max_num_queries(MAX_CASE_PAGE_QUERIES):
        agent.get(f"/cases/{case.pk}/")


def test_text_ordex_stored_about_a_case_shows_personal_data_masked_until_revealed(as_role, make_case, person):
    """Titles, rule evidence, facts and timeline text are stored with placeholders; the page fills them masked
    (for finance always, for an agent until the reveal), never printing the stored values themselves."""
    from ordex.accounts.access import principal_for_user
    from ordex.cases import actions

    case = make_case(phone="13800138000")
    actions.add_note(case.pk, actor=principal_for_user(person("supervisor")),
                     text="顾客 13800138000 说地址是文三路100号2幢501室")
    html = as_role("agent").get(f"/cases/{case.pk}/").content.decode()
    assert "13800138000" not in html and "{{phone}}" not in html
    assert "138****8000" in html
    revealed = as_role("agent").post(f"/cases/{case.pk}/reveal/").content.decode()
    assert "13800138000" in revealed
    finance_case = make_case("finance", phone="13700137000")
    actions.add_note(finance_case.pk, actor=principal_for_user(person("supervisor")), text="回电 13700137000")
    finance_html = as_role("finance").get(f"/cases/{finance_case.pk}/").content.decode()
    assert "13700137000" not in finance_html and "137****7000" in finance_html


def test_an_agent_escalates_with_a_reason_and_the_page_shows_the_new_level(as_role, make_case, person):
    case = make_case()
    agent = as_role("agent")
    assert 'id="escalate"' in agent.get(f"/cases/{case.pk}/").content.decode()
    refused = agent.post(f"/cases/{case.pk}/do/escalate/", {"reason": ""})
    assert refused.status_code == 422 and 'data-error="escalate"' in refused.content.decode()
    assert Case.objects.get(pk=case.pk).escalation_level == 0
    done = agent.post(f"/cases/{case.pk}/do/escalate/", {"reason": "顾客要求主管回电"}, follow=True)
    assert '<span class="escalated">L1</span>' in done.content.decode()
    assert Notification.objects.filter(case=case, kind="escalated", user=person("supervisor")).exists()


def test_an_ended_case_offers_no_escalation_and_a_supervisor_may_escalate_any_departments_case(as_role, make_case):
    case = make_case()
    as_role("agent").post(f"/cases/{case.pk}/do/transition/", {"to": "rejected", "reason": "重复工单"})
    assert 'id="escalate"' not in as_role("agent").get(f"/cases/{case.pk}/").content.decode()
    warehouse_case = make_case("warehouse")
    assert 'id="escalate"' not in as_role("supervisor").get(f"/cases/{case.pk}/").content.decode()
    assert 'id="escalate"' in as_role("supervisor").get(f"/cases/{warehouse_case.pk}/").content.decode()


def test_the_resolutions_panel_reads_as_many_queries_for_six_actions_as_for_one(
        as_role, make_case, person, django_assert_num_queries, django_assert_max_num_queries):
    """Refunds, an exchange with its lines, compensation and a supplier chargeback, done (ledger lines) and
    waiting: the case page reads the same number of queries as with one action."""
    case = make_case(price="300.00")  # not_as_described: refund, exchange, compensation
    agent, supervisor = as_role("agent"), as_role("supervisor")
    carrying_out = principal_for_user(person("supervisor"))

    def ask(client, key, **fields):
        assert client.post(f"/cases/{case.pk}/actions/", {"idempotency_key": key, **fields}).status_code == 302

    ask(agent, "one", kind="compensation", amount="5.00")
    with django_assert_max_num_queries(MAX_CASE_PAGE_QUERIES) as one:
        supervisor.get(f"/cases/{case.pk}/")
    with_one_action = len(one.captured_queries)
    ask(agent, "two", kind="compensation", amount="6.00")
    ask(agent, "three", kind="refund", amount="190.00")  # the case then commits ¥201, above the agent's ¥200
    ask(supervisor, "four", kind="refund", amount="20.00")
    ask(supervisor, "five", kind="exchange", qty_1="1", sku_1=case.order.lines.get().sku)
    ask(supervisor, "six", kind="compensation", amount="7.00")
    for action in Action.objects.filter(case=case, status="executing"):
        mark_done(action.pk, actor=carrying_out)
    supervisor.post(f"/cases/{case.pk}/chargebacks/", {"idempotency_key": "cb", "amount": "3", "supplier": "杯盖厂"})
    assert Action.objects.filter(case=case).count() == 6
    assert set(Action.objects.filter(case=case).values_list("status", flat=True)) == {"done", "requested"}
    with django_assert_num_queries(with_one_action):
        page = supervisor.get(f"/cases/{case.pk}/").content.decode()
    assert page.count('<tr id="action-') == 6 and page.count("data-ledger-kind=") == 5  # exchange at no cost
