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
    connection.ensure_connection()
    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"task queue: {type(HUEY).__name__}, {len(HUEY)} task(s) queued")
    print(f"data dir: {settings.DATA_DIR}")
    if pending:
        raise CommandError(f"{len(pending)} migration(s) not applied: run 'ordex migrate'")
    print("ok")
    return 0
