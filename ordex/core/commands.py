"""The platform's command-line verbs: `ordex serve`, `worker`, `migrate`, `check`.

`ordex serve`: gunicorn serving the WSGI app; with the default (SQLite) queue it also runs the Huey worker
in-process, so one command runs everything. With REDIS_URL set, run `ordex worker` separately."""

import multiprocessing
import os

from .errors import CommandError


def configure_serve(parser):
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    # One process by default: writes are one at a time anyway (SQLite's single writer, PostgreSQL's advisory
    # lock), and in one process the hub rows stay cached between requests and concurrent requests' events
    # are committed together (ingest.pipeline._GroupCommit); docs/benchmarks.md has the figures.
    # More workers serve more concurrent reads (agents browsing) at that cost to ingest.
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")),
                        help="worker processes (default 1, or WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("ORDEX_WEB_THREADS", "4")),
                        help="threads per worker (default 4, or ORDEX_WEB_THREADS)")
    parser.add_argument("--no-worker", action="store_true", help="do not start the embedded task worker")


def run_serve(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    # Before the WSGI app loads: WhiteNoise indexes the static files when its middleware starts.
    call_command("collectstatic", interactive=False, verbosity=0)
    from ordex.wsgi import application

    worker = None
    if not args.no_worker and not settings.REDIS_URL:
        worker = multiprocessing.Process(target=_run_embedded_worker, name="ordex-worker", daemon=True)
        worker.start()

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)
            self.cfg.set("post_worker_init", _worker_ready)

        def load(self):
            return application

    try:
        Server().run()
    finally:
        if worker is not None:
            worker.terminate()
    return 0


def _worker_ready(worker):
    from .gc_tuning import tune_for_throughput

    tune_for_throughput()


def _run_embedded_worker():
    from django.core.management import call_command

    call_command("run_huey")


def configure_worker(parser):
    parser.add_argument("--workers", type=int, default=None, help="worker threads (default from ORDEX_WORKERS)")


def run_worker(args) -> int:
    from django.core.management import call_command

    options = {"workers": args.workers} if args.workers else {}
    call_command("run_huey", **options)
    return 0


def configure_migrate(parser):
    parser.add_argument("--quiet", action="store_true")


def run_migrate(args) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def configure_check(parser):
    pass


def run_check(args) -> int:
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


# verb -> (help, configure(parser), run(args) -> exit code); `ordex.cli` registers these.
COMMANDS = {
    "serve": ("run the web server (gunicorn) with the embedded worker", configure_serve, run_serve),
    "worker": ("run the background task worker", configure_worker, run_worker),
    "migrate": ("create or upgrade the database", configure_migrate, run_migrate),
    "check": ("check configuration, database and queue", configure_check, run_check),
}
