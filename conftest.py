"""Shared fixtures. Named people whose roles are obvious: alice (agent), bob (supervisor), carol (admin),
dave (warehouse), erin (finance), frank (logistics). `api_as(role)` gives a test client with a bearer
token of that role."""

import pytest
from django.test import Client

from ordex.accounts.services import create_user, issue_token


def _user(username, role, department=None):
    return create_user(username=username, role=role, password="pw-" + username, department=department)


@pytest.fixture
def alice(db):
    return _user("alice", "agent")


@pytest.fixture
def bob(db):
    return _user("bob", "supervisor")


@pytest.fixture
def carol(db):
    return _user("carol", "admin")


@pytest.fixture
def dave(db):
    return _user("dave", "warehouse")


@pytest.fixture
def erin(db):
    return _user("erin", "finance")


@pytest.fixture
def frank(db):
    return _user("frank", "logistics")


class ApiClient(Client):
    """A Django test client that sends a bearer token and JSON bodies."""

    def __init__(self, token: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.token = token

    def _auth(self, extra):
        if self.token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return extra

    def get(self, path, data=None, **extra):
        return super().get(path, data, **self._auth(extra))

    def post(self, path, data=None, content_type="application/json", **extra):
        return super().post(path, data, content_type=content_type, **self._auth(extra))

    def patch(self, path, data=None, content_type="application/json", **extra):
        return super().patch(path, data, content_type=content_type, **self._auth(extra))

    def delete(self, path, data=None, content_type="application/json", **extra):
        return super().delete(path, data, content_type=content_type, **self._auth(extra))


@pytest.fixture
def api_as(db):
    """api_as("integration") -> ApiClient with a fresh token of that role (optionally user=...)."""

    def make(role: str, user=None, department=None) -> ApiClient:
        _, raw = issue_token(name=f"test-{role}", role=role, user=user, department=department)
        return ApiClient(raw)

    return make


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)
