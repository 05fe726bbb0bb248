"""Every workbench URL × every role, read from the URL conf: a page answers 200 to the roles its view
declares, 403 to the others, and sends anonymous people to /login/ with `next`."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ordex.accounts.models import Role
from ordex.accounts.services import create_user
from ordex.cases.models import ExceptionType, Incident

# Views that are not pages of a role: they serve whoever comes (logging in and out, choosing a language).
OPEN_TO_ALL = {"web:login", "web:logout", "web:language"}
DEPARTMENT_OF_ROLE = {
    Role.AGENT: "customer_service", Role.WAREHOUSE: "warehouse", Role.LOGISTICS: "logistics",
    Role.FINANCE: "finance", Role.SUPERVISOR: "customer_service", Role.ADMIN: "customer_service",
    Role.INTEGRATION: "customer_service",
}


def web_patterns(patterns=None, prefix="", namespace=""):
    """(route, name, view) of every URL the workbench serves, walked from the root URL conf."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from web_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.callback.__module__.startswith("ordex.web"):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry.callback


PAGES = [(route, name, view) for route, name, view in web_patterns() if name not in OPEN_TO_ALL]


@pytest.fixture
def users(person, db):
    people = {role: person(role) for role in ("agent", "supervisor", "admin", "warehouse", "finance", "logistics")}
    people["integration"] = create_user(username="ivan", role="integration", password="pw-ivan")
    return people


@pytest.fixture
def url_for(make_case):
    """url_for(route, role) -> the route with each parameter filled by an object that role could reach."""
    cases = {}
    incidents = []

    def incident():
        if not incidents:
            incidents.append(Incident.objects.create(exception_type=ExceptionType.objects.get(code="price_error"),
                                                     key="SKU-1", opened_at=timezone.now()))
        return incidents[0]

    def fill(route: str, role: str) -> str:
        department = DEPARTMENT_OF_ROLE[role]
        url = "/" + route
        if "<int:case_id>" in url:
            if department not in cases:
                cases[department] = make_case(department)
            url = url.replace("<int:case_id>", str(cases[department].pk))
        url = url.replace("<slug:verb>", "note")
        if "<int:incident_id>" in url:
            url = url.replace("<int:incident_id>", str(incident().pk))
        url = url.replace("<slug:code>", "payment_timeout")
        # Action forms answer POST only: GET is refused (405) before the action is looked up.
        url = url.replace("<int:action_id>", "1")
        assert "<" not in url, f"no test value for a parameter of {route}: add one to url_for"
        return url

    return fill


def test_every_workbench_url_declares_who_may_open_it():
    undeclared = [name for _, name, view in PAGES if not hasattr(view, "workbench_roles")]
    assert PAGES and not undeclared, f"declare roles with @page(roles=...): {undeclared}"


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_page_answers_the_roles_it_declares(role, users, url_for):
    client = Client()
    client.force_login(users[role])
    for route, name, view in PAGES:
        url = url_for(route, role)
        response = client.get(url)
        if "GET" not in view.workbench_methods:
            assert response.status_code == 405, (name, role)
        elif role in view.workbench_roles:
            assert response.status_code == 200, (name, role, response.status_code)
        else:
            assert response.status_code == 403, (name, role, response.status_code)


def test_anonymous_people_are_sent_to_login_with_next(users, url_for):
    client = Client()
    for route, name, _ in PAGES:
        url = url_for(route, "admin")
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith("/login/?next="), name


def test_a_case_of_another_department_is_not_found_for_department_staff(users, make_case):
    client = Client()
    client.force_login(users["warehouse"])
    case = make_case("customer_service")
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    client.force_login(users["supervisor"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_login_page_and_language_switch_serve_anyone(users):
    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert client.get("/login/").content.decode().count("Log in") >= 1
