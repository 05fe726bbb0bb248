"""Schemathesis drives every operation of the HTTP API (its own OpenAPI document) with generated requests,
through the WSGI application, with a valid token. Any 5xx, or a response that does not match the schema the
API publishes for its status, fails the build. Bounded: Schemathesis's coverage phase (boundary and
invalid values of every parameter) plus 10 generated examples per operation, about 1,200 requests and
20 s of CPU per database."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ordex.accounts.services import issue_token
from ordex.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# The role that may call each tag's operations (the others answer 403, which tests less).
ROLE_BY_TAG = {"events": "integration"}


@pytest.fixture
def wsgi_in_test_transaction(db):
    """Requests run inside the test's transaction, as with Django's test client: the handler must not
    close the connection between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    return {role: issue_token(name=f"fuzz-{role}", role=role)[1] for role in ("admin", "integration")}


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_off_schema(case, wsgi_in_test_transaction, tokens):
    role = next((ROLE_BY_TAG[tag] for tag in case.operation.tags or [] if tag in ROLE_BY_TAG), "admin")
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"},
                           checks=[not_a_server_error, response_schema_conformance])
