"""The API's doors: a missing or wrong bearer token is a 401 that names the scheme, whatever the method; a
browser session keeps its CSRF protection. The clients here enforce CSRF as a browser's server would."""

import pytest
from django.test import Client

from ordex.accounts.services import create_user

pytestmark = pytest.mark.django_db

WRITES = [("post", "/api/v1/cases", {"type": "complaint", "summary": "phone call"}),
          ("post", "/api/v1/events", {"events": []}),
          ("patch", "/api/v1/incidents/1", {"title": "x"})]


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_write_without_a_token_is_401_with_the_bearer_challenge(csrf_client, method, path, body):
    resp = getattr(csrf_client, method)(path, body, content_type="application/json")
    assert resp.status_code == 401, resp.content
    assert resp["WWW-Authenticate"].startswith("Bearer")
    assert resp.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_write_with_a_wrong_token_is_401_with_the_bearer_challenge(csrf_client, method, path, body):
    resp = getattr(csrf_client, method)(path, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer forged")
    assert resp.status_code == 401, resp.content
    assert resp["WWW-Authenticate"].startswith("Bearer")


def test_a_read_without_a_token_is_401_with_the_bearer_challenge(csrf_client):
    resp = csrf_client.get("/api/v1/cases")
    assert resp.status_code == 401
    assert resp["WWW-Authenticate"].startswith("Bearer")


def _logged_in(csrf_client):
    create_user(username="alice", role="agent", password="Ordex-agent-2026")
    assert csrf_client.login(username="alice", password="Ordex-agent-2026")
    csrf_client.get("/api/v1/cases")  # a page view would hand out the CSRF cookie; the API read works either way
    return csrf_client


def test_a_session_post_without_the_csrf_token_is_refused(csrf_client):
    _logged_in(csrf_client)
    resp = csrf_client.post("/api/v1/cases", {"type": "complaint", "summary": "phone call"}, content_type="application/json")
    assert resp.status_code == 403
    assert resp.json()["code"] == "csrf_failed"


def test_a_session_post_with_the_csrf_token_is_accepted(csrf_client):
    from django.middleware.csrf import _get_new_csrf_string

    _logged_in(csrf_client)
    secret = _get_new_csrf_string()
    csrf_client.cookies["csrftoken"] = secret
    resp = csrf_client.post("/api/v1/cases", {"type": "complaint", "summary": "phone call"},
                        content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert resp.status_code == 201, resp.content


def test_a_session_read_needs_no_csrf_token(csrf_client):
    _logged_in(csrf_client)
    assert csrf_client.get("/api/v1/cases").status_code == 200
