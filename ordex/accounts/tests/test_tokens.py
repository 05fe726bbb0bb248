from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from ordex.accounts.auth import TokenAuth
from ordex.accounts.models import ApiToken, hash_token
from ordex.accounts.services import create_user, issue_token, revoke_tokens


def test_token_is_stored_only_as_its_hash(db):
    token, raw = issue_token(name="erp", role="integration")
    assert raw.startswith("odx_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(raw)
    assert raw not in {stored.token_hash, stored.hint, stored.name}


def test_unknown_role_is_refused_with_the_choices(db):
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        issue_token(name="x", role="boss")
    assert not ApiToken.objects.exists()


def test_user_gets_the_department_of_its_role(db):
    dave = create_user(username="dave", role="warehouse", password="x")
    assert dave.department.code == "warehouse"


def test_a_bearer_token_authenticates_as_its_role_user_and_department(db, django_assert_num_queries):
    dave = create_user(username="dave", role="warehouse", password="x")
    token, raw = issue_token(name="wms", role="warehouse", user=dave, department="warehouse")
    TokenAuth().authenticate(None, raw)  # the first use is recorded (one more statement)
    with django_assert_num_queries(1):  # token, department and user in one read
        principal = TokenAuth().authenticate(None, raw)
        user = principal.user
        assert (user.username, user.role, user.is_active, user.department_id) == (
            "dave", "warehouse", True, dave.department_id)
    assert (principal.role, principal.name, principal.user, principal.department_code, principal.token_id) == (
        "warehouse", "wms", dave, "warehouse", token.pk)
    assert user.check_password("x") and user.date_joined == dave.date_joined
    _, plain = issue_token(name="erp", role="integration")
    principal = TokenAuth().authenticate(None, plain)
    assert (principal.role, principal.user, principal.department_code) == ("integration", None, None)


def test_an_unknown_or_revoked_token_does_not_authenticate(db):
    _, raw = issue_token(name="old", role="integration")
    assert TokenAuth().authenticate(None, raw + "x") is None
    revoke_tokens(name="old")
    assert TokenAuth().authenticate(None, raw) is None


def test_use_is_recorded_at_most_once_a_minute(db):
    token, raw = issue_token(name="erp", role="integration")
    start = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        TokenAuth().authenticate(None, raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        TokenAuth().authenticate(None, raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        TokenAuth().authenticate(None, raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start + timedelta(seconds=61)
