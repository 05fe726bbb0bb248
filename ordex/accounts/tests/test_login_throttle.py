"""Login forms lock a (username, client IP) pair out after repeated failures; pages carry a strict CSP."""

import pytest
from django.test import Client

from ordex.accounts.services import create_user

pytestmark = pytest.mark.django_db
PASSWORD = "Harbour-lights-77"


@pytest.fixture
def root():
    return create_user(username="root", role="admin", password=PASSWORD)


def _login(client, password, ip="198.51.100.7"):
    return client.post("/admin/login/?next=/admin/", {"username": "root", "password": password}, REMOTE_ADDR=ip)


def test_the_admin_login_locks_out_after_five_failures_even_for_the_right_password(root):
    client = Client()
    assert _login(client, "wrong-guess").status_code == 200  # the form again, with its error
    for _ in range(4):
        _login(client, "wrong-guess")
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_before_the_limit_logs_in_and_clears_the_count(root):
    client = Client()
    for _ in range(4):
        _login(client, "wrong-guess")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "wrong-guess")
    assert _login(client, PASSWORD).status_code == 302


def test_another_client_ip_is_not_locked_by_someone_elses_failures(root):
    for _ in range(5):
        _login(Client(), "wrong-guess", ip="198.51.100.7")
    assert _login(Client(), PASSWORD, ip="203.0.113.9").status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script_or_style():
    response = Client().get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
