import pytest

from ordex.accounts.models import ApiToken, User, hash_token
from ordex.cli import main

pytestmark = pytest.mark.django_db


def test_token_create_prints_a_token_that_authenticates(capsys, client):
    assert main(["token", "create", "--name", "erp", "--role", "integration"]) == 0
    raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(name="erp").token_hash == hash_token(raw)
    response = client.get("/api/v1/orders/NOPE", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404


def test_user_create_with_an_unknown_role_is_one_line_and_exit_2(capsys):
    assert main(["user", "create", "--username", "zed", "--role", "boss", "--password", "Tall-ship-0417"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown role 'boss'" in err[0]
    assert not User.objects.filter(username="zed").exists()


def test_user_create_sets_role_and_department(capsys):
    assert main(["user", "create", "--username", "frank", "--role", "logistics", "--password", "Tall-ship-0417"]) == 0
    frank = User.objects.get(username="frank")
    assert frank.role == "logistics" and frank.department.code == "logistics"
    assert frank.check_password("Tall-ship-0417")


@pytest.mark.parametrize("password", ["1", "12345678901", "password123", "short-1"])
def test_user_create_refuses_a_weak_password_in_one_line(capsys, password):
    assert main(["user", "create", "--username", "frank", "--role", "logistics", "--password", password]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "password refused" in err[0]
    assert not User.objects.filter(username="frank").exists()


def test_the_demo_password_passes_the_rules_for_every_demo_user():
    import argparse

    from ordex.accounts.services import check_new_password
    from ordex.demo import DEMO_USERS, configure

    parser = argparse.ArgumentParser()
    configure(parser)
    password = parser.parse_args([]).password
    for username, _ in DEMO_USERS:
        check_new_password(password, username=username)


def test_revoked_token_no_longer_authenticates(capsys, client):
    main(["token", "create", "--name", "old", "--role", "agent"])
    raw = capsys.readouterr().out.strip()
    assert main(["token", "revoke", "--name", "old"]) == 0
    assert client.get("/api/v1/orders/NOPE", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
