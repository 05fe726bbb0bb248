from ordex.cli import CommandError


def configure(parser):
    pass


def run(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from huey.contrib.djhuey import HUEY

    call_command("check", verbosity=0)
    _deploy_checks(settings)
    connection.ensure_connection()
    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"task queue: {type(HUEY).__name__}, {len(HUEY)} task(s) queued")
    print(f"data dir: {settings.DATA_DIR}")
    if pending:
        raise CommandError(f"{len(pending)} migration(s) not applied: run 'ordex migrate'")
    print("ok")
    return 0


# What to set for each of Django's deploy warnings, in Ordex's environment variables.
DEPLOY_ADVICE = {
    "security.W004": "set ORDEX_HTTPS=1 (HSTS for a year; ORDEX_HSTS_SECONDS to change)",
    "security.W005": "set ORDEX_HTTPS=1 (HSTS covers subdomains)",
    "security.W008": "set ORDEX_HTTPS=1 (HTTP is redirected to HTTPS); behind a TLS proxy also ORDEX_BEHIND_PROXY=1",
    "security.W012": "set ORDEX_HTTPS=1 (session cookie only over HTTPS)",
    "security.W016": "set ORDEX_HTTPS=1 (CSRF cookie only over HTTPS)",
    "security.W018": "unset ORDEX_DEBUG",
    "security.W021": "set ORDEX_HSTS_PRELOAD=1 once the domain is ready for browsers' HSTS preload lists",
    "security.W009": "set SECRET_KEY to a long random value",
    "security.W020": "set ALLOWED_HOSTS to the names the site is served under",
}


def _deploy_checks(settings) -> None:
    """Django's deploy checks, when the instance is served beyond this machine with DEBUG off."""
    from django.core import checks

    public = [host for host in settings.ALLOWED_HOSTS if host not in settings.LOOPBACK_HOSTS]
    if settings.DEBUG or not public:
        return
    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id and m.id.startswith("security.")]
    for message in found:
        advice = DEPLOY_ADVICE.get(message.id, message.hint or "")
        print(f"deploy {message.id}: {message.msg.splitlines()[0][:120]} -> {advice}")
    print(f"deploy checks ({', '.join(public)}): {len(found) or 'no'} warning(s)")
