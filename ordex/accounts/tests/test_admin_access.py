"""Django admin answers admins only; every other role (supervisors have the staff flag) is sent to the admin's
login page, for the index and for a model's page alike."""

import pytest
from django.test import Client

from ordex.accounts.models import Role
from ordex.accounts.services import create_user

ADMIN_PAGES = ["/admin/", "/admin/cases/case/", "/admin/detection/rule/", "/admin/accounts/user/"]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_django_admin_opens_to_admins_only(role, db):
    user = create_user(username=f"user-{role}", role=role, password="pw-long-enough-1")
    client = Client()
    client.force_login(user)
    for url in ADMIN_PAGES:
        response = client.get(url)
        if role == Role.ADMIN:
            assert response.status_code == 200, (role, url)
        else:
            assert response.status_code == 302, (role, url, response.status_code)
            assert response.url.startswith("/admin/login/"), (role, url)


def test_a_supervisor_logging_in_to_the_admin_is_told_they_may_not(db):
    create_user(username="bob", role="supervisor", password="pw-long-enough-1")
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "bob", "password": "pw-long-enough-1"},
                           follow=True)
    assert response.request["PATH_INFO"] == "/admin/login/"
    assert client.get("/admin/").status_code == 302
