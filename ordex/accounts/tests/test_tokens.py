import pytest

from ordex.accounts.models import ApiToken, hash_token
from ordex.accounts.services import create_user, issue_token


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
