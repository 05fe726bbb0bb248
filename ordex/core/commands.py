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

    if not os.environ.get("ORDEX_PUBLIC_URL"):
        # Links in customer messages point at this server unless the deployment names its public address.
        settings.ORDEX_PUBLIC_URL = f"http://{args.host}:{args.port}"
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
    from huey.contrib.djhuey import HUEY

    call_command("check", verbosity=0)
    _deploy_checks(settings)
    connection.ensure_connection()
    pending = pending_migrations()
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"task queue: {type(HUEY).__name__}, {len(HUEY)} task(s) queued")
    print(f"data dir: {settings.DATA_DIR}")
    require_migrated(pending)
    print("ok")
    return 0


def pending_migrations() -> list:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def require_migrated(pending: list | None = None) -> None:
    """Verbs that need the tables say so in one line instead of failing on their first query."""
    pending = pending_migrations() if pending is None else pending
    if pending:
        raise CommandError(f"{len(pending)} migration(s) not applied: run `ordex migrate`")
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


# verb -> (help, configure(parser), run(args) -> exit code); `ordex.cli` registers these.
COMMANDS = {
    "serve": ("run the web server (gunicorn) with the embedded worker", configure_serve, run_serve),
    "worker": ("run the background task worker", configure_worker, run_worker),
    "migrate": ("create or upgrade the database", configure_migrate, run_migrate),
    "check": ("check configuration, database and queue", configure_check, run_check),
}
