from ordex.cli import CommandError


def configure(parser):
    pass


def pending_migrations() -> list:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def require_migrated(pending: list | None = None) -> None:
    """Commands that need the tables say so in one line instead of failing on the first query."""
    pending = pending_migrations() if pending is None else pending
    if pending:
        raise CommandError(f"{len(pending)} migration(s) not applied: run `ordex migrate`")


def run(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    call_command("check", verbosity=0)
    connection.ensure_connection()
    pending = pending_migrations()
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"task queue: {type(HUEY).__name__}, {len(HUEY)} task(s) queued")
    print(f"data dir: {settings.DATA_DIR}")
    require_migrated(pending)
    print("ok")
    return 0
