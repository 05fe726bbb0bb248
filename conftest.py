"""Shared fixtures. Named people whose roles are obvious: alice (agent), bob (supervisor), carol (admin),
dave (warehouse), erin (finance), frank (logistics). `api_as(role)` gives a test client with a bearer
token of that role; `live_page(role)` a real browser page logged in as that role's person on a live server
(tests marked `browser`; ORDEX_SKIP_BROWSER=1 leaves them out)."""

import os
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
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


# --- browser tests ------------------------------------------------------------------------------------

# Playwright's sync API runs an event loop in the test's thread; Django's ORM calls made by the test itself
# (fixtures, assertions on rows) are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ORDEX_CHROMIUM", "/usr/bin/chromium")
# Debian's chromium, run headless in a container: no sandbox, no GPU, and nothing that reaches the network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-dev-shm-usage",
]
ROLE_PEOPLE = {
    "agent": ("alice", None), "supervisor": ("bob", None), "admin": ("carol", None),
    "warehouse": ("dave", None), "finance": ("erin", None), "logistics": ("frank", None),
}


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    wants = marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    return bool(wants) or bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every transactional test (browser tests are: they need committed rows a live server can read) restores
    the seeded configuration (departments, types, playbooks, templates) by serialized rollback, so its flush
    leaves nothing behind that the next such test cannot restore over (a flush that re-creates content types
    under new keys would). ORDEX_SKIP_BROWSER=1 deselects the browser tests (they do not run).
    tryfirst: the markers are there before pytest-django sorts the items by the database access they need."""
    if os.environ.get("ORDEX_SKIP_BROWSER") == "1":
        kept = [item for item in items if item.get_closest_marker("browser") is None]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    for item in items:
        if item.get_closest_marker("browser") is not None or _is_transactional(item):
            marker = item.get_closest_marker("django_db")
            kwargs = dict(marker.kwargs) if marker is not None else {}
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()),
                                                  **{**kwargs, "transaction": True, "serialized_rollback": True}),
                            append=False)  # the closest marker: before the test's own


class _BrowserTestsLast:
    """After every other reordering (pytest-django's by database access, pytest's grouping of parametrized
    session fixtures such as the browser's name), the browser tests go last: they leave the database flushed
    behind them and Playwright's event loop running in the worker, so no test that expects the seeded
    configuration may follow them in the same process."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        browser = [item for item in items if item.get_closest_marker("browser") is not None]
        if browser:
            items[:] = [item for item in items if item.get_closest_marker("browser") is None] + browser


def pytest_configure(config):
    config.pluginmanager.register(_BrowserTestsLast(), "ordex-browser-tests-last")


_seed_snapshots: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep the seeded configuration (departments, types, playbooks) that serialized rollback restores."""
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _seed_snapshots[alias] = contents
    yield


def _give_back_seed(item):
    if not _seed_snapshots:
        return
    from django.db import connections

    for alias, contents in _seed_snapshots.items():
        connections[alias]._test_serialized_contents = contents


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Once a browser test has started Playwright's sync API, every later test runs in another context, where
    Django opens new connection objects that lack the serialized seed; give it back to them so serialized
    rollback restores it (and the flush after such a test leaves the seed to it)."""
    _give_back_seed(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    _give_back_seed(item)


@pytest.fixture(autouse=True)
def _seeded_for_browser(request):
    """A browser test starts from the seeded configuration even when the serialized rollback of its set-up
    went to a connection object of another context (Playwright's event loop makes Django's connections
    context-local): restore it through the connection the test itself uses."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.db import connections

    from ordex.accounts.models import Department

    if not Department.objects.exists() and "default" in _seed_snapshots:
        connections["default"].creation.deserialize_db_from_string(_seed_snapshots["default"])
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def person(db):
    """person(role) -> the named user of that role (alice for agent, bob for supervisor, ...), created once."""
    from ordex.accounts.models import User

    def make(role: str):
        username, department = ROLE_PEOPLE[role]
        return User.objects.filter(username=username).first() or _user(username, role, department)

    return make


@pytest.fixture
def live_page(live_server, browser, person):
    """live_page(role, language="zh-hans", width=1280) -> a Playwright page logged in as that role's named
    person, its base URL the live server. The session cookie is set directly (the login form has its own test)."""
    contexts = []

    def make(role: str, *, language: str = "zh-hans", width: int = 1280, height: int = 900):
        user = person(role)
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN" if language == "zh-hans" else "en-US",
            viewport={"width": width, "height": height},
        )
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.user = user
        return page

    yield make
    for context in contexts:
        context.close()
