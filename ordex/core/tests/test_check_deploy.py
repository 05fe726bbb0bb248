"""`ordex check` runs Django's deploy checks for an instance served beyond loopback, and says what to set."""

import pytest

from ordex.cli import main

pytestmark = pytest.mark.django_db


def test_a_public_instance_without_https_settings_is_told_what_to_set(settings, capsys):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    main(["check"])
    out = capsys.readouterr().out
    for check_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert f"deploy {check_id}" in out, out
    assert "ORDEX_HTTPS=1" in out


def test_a_public_instance_with_https_settings_passes_the_deploy_checks(settings, capsys):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31536000, True
    settings.SECURE_HSTS_PRELOAD = True
    main(["check"])
    out = capsys.readouterr().out
    assert "deploy checks (desk.example.com): no warning(s)" in out, out


def test_a_loopback_instance_skips_the_deploy_checks(settings, capsys):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    main(["check"])
    assert "deploy" not in capsys.readouterr().out
