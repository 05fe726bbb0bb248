"""Shared fixtures. Named people whose roles are obvious: alice (agent), bob (supervisor), carol (admin),
dave (warehouse), erin (finance), frank (logistics). `api_as(role)` gives a test client with a bearer
token of that role."""

import re
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from ordex.accounts.services import create_user, issue_token
from ordex.orders.writes import hub_tables, writing_hub

ROOT = Path(__file__).resolve().parent

# Property tests are judged by their examples, not by the wall clock (a loaded machine is not a failure).
hypothesis_settings.register_profile("ordex", deadline=None)
hypothesis_settings.load_profile("ordex")
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _written_by_the_test_itself() -> bool:
    """A test (or its fixtures and factories) setting up rows directly, not code under test: the innermost
    frame of ours is test code, and no request is being handled on the way."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if "django/core/handlers" in filename:
            return False
        if filename.startswith(str(ROOT)) and "/.venv/" not in filename:
            return "/tests/" in filename or filename.endswith("conftest.py")
        frame = frame.f_back
    return True


def _hub_writes_must_stamp(execute, sql, params, many, context):
    match = _WRITE.match(sql)
    if match and match.group(1) in hub_tables() and not writing_hub() and not _written_by_the_test_itself():
        raise AssertionError(
            f"a write to hub table {match.group(1)} outside ordex.orders.writes.hub_write(): the hub version "
            f"is not stamped, so other processes keep stale rows ({sql[:100]})")
    return execute(sql, params, many, context)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Every test runs with the connection wrapped: a hub write by code under test must be stamped."""
    with connection.execute_wrapper(_hub_writes_must_stamp):
        yield


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
