"""The queue: a person's visible cases, soonest deadline first, filtered by the URL as the case API filters,
with the customer masked; and the search box."""

import re

import pytest
from django.test import Client

from ordex.accounts.access import principal_for_user
from ordex.cases import actions


@pytest.fixture
def as_role(person):
    def login(role):
        client = Client()
        client.force_login(person(role))
        return client

    return login


def case_ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-case-id="(\d+)"', response.content.decode())]


def test_department_staff_see_only_their_department_soonest_first(as_role, make_case):
    later = make_case(severity="p4")
    sooner = make_case(severity="p1")
    make_case("warehouse")
    assert case_ids(as_role("agent").get("/")) == [sooner.pk, later.pk]
    assert len(case_ids(as_role("supervisor").get("/"))) == 3


def test_filters_in_the_url_are_the_case_api_filters(as_role, make_case, person):
    p1 = make_case(severity="p1")
    p3 = make_case(severity="p3")
    agent = as_role("agent")
    actions.assign(p3.pk, actor=principal_for_user(person("agent")), user_id=person("agent").pk)
    assert case_ids(agent.get("/cases/?severity=p1")) == [p1.pk]
    assert case_ids(agent.get("/cases/?assignee=me")) == [p3.pk]
    assert case_ids(agent.get("/cases/?assignee=none")) == [p1.pk]
    assert case_ids(agent.get("/cases/?status=new&type=not_as_described")) == [p1.pk, p3.pk]
    response = agent.get("/cases/?incident=99999999999999999999999")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_saved_views_link_to_their_filters(as_role, make_case):
    html = as_role("agent").get("/").content.decode()
    for query in ("assignee=me", "department=customer_service", "breached=1", "assignee=none"):
        assert f'href="/?{query}"' in html


def test_the_customer_is_masked_in_the_queue(as_role, make_case):
    make_case(phone="13800138000")
    html = as_role("supervisor").get("/").content.decode()
    assert "张**" in html
    assert "13800138000" not in html


def test_an_htmx_refresh_returns_only_the_rows_with_the_same_filters(as_role, make_case):
    make_case(severity="p1")
    response = as_role("agent").get("/cases/?severity=p1", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<tbody id="queue-rows" hx-get="/cases/?severity=p1"')
    assert "<header" not in html


def test_queue_pages_fifty_at_a_time(as_role, make_case):
    for _ in range(51):
        make_case()
    agent = as_role("agent")
    assert len(case_ids(agent.get("/"))) == 50
    assert len(case_ids(agent.get("/?page=2"))) == 1


def test_queue_reads_a_fixed_number_of_queries(as_role, make_case, django_assert_max_num_queries):
    make_case()
    agent = as_role("agent")
    with django_assert_max_num_queries(12):
        agent.get("/")
    for _ in range(5):
        make_case(tracking_no=None)
    with django_assert_max_num_queries(12):
        agent.get("/")


@pytest.mark.parametrize("text", ["W-ORDER", "13800138000", "138-0013-8000", "+86 138 0013 8000", "YT123", "保温杯 59"])
def test_search_finds_the_order_however_it_is_asked_for(as_role, person, text):
    from ordex.ingest.pipeline import ingest_events

    from .conftest import order_events

    ingest_events(order_events("W-ORDER", phone="13800138000", tracking_no="YT123"), source="test")
    html = as_role("agent").get("/search/", {"q": text}).content.decode()
    assert "W-ORDER" in html
    assert "138****8000" in html  # the receiver's phone, masked


def test_search_lists_the_cases_of_the_order_the_person_may_see(as_role, make_case):
    case = make_case(phone="13900000001")
    html = as_role("agent").get("/search/", {"q": case.order_no}).content.decode()
    assert f'href="/cases/{case.pk}/"' in html
    html = as_role("warehouse").get("/search/", {"q": case.order_no}).content.decode()
    assert f'href="/cases/{case.pk}/"' not in html
