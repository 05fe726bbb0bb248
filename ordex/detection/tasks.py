"""Periodic detection on the task queue: every minute, the periodic rules as of now."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ordex.core.tasks import one_at_a_time


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("detection-scan")
def scan_periodic_rules():
    """Reads outside a write transaction, findings written in short transactions (see scan.run_scan),
    so importing keeps going on SQLite while a pass runs. The lock keeps passes from overlapping."""
    from .scan import run_scan

    run_scan()
