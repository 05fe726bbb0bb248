"""Background work of the resolutions app (Huey): send webhook requests after commit, retry the due
ones every minute, reconcile actions with the merchant's events every ten minutes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import reconcile, sender


@db_task()
def send_outbox_message(message_id: int) -> str:
    return sender.send(message_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("resolutions-outbox-drain")
def drain_outbox() -> dict:
    """Send every due message (first tries a crash left behind, and retries whose backoff has passed)."""
    outcomes: dict[str, int] = {}
    for message_id in sender.due_messages():
        outcome = sender.send(message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@db_periodic_task(crontab(minute="*/10"))
@lock_task("resolutions-reconcile")
def reconcile_tick() -> dict:
    return reconcile.run().as_dict()
