"""Background work of the resolutions app (Huey): send webhook requests after commit, retry the due
ones every minute, reconcile actions with the merchant's events every ten minutes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ordex.core.tasks import one_at_a_time

from . import reconcile, sender


@db_task()
def send_outbox_message(message_id: int) -> str:
    return sender.send(message_id)


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("resolutions-outbox-drain")
def drain_outbox() -> dict:
    """Send every due message (first tries a crash left behind, and retries whose backoff has passed)."""
    outcomes: dict[str, int] = {}
    for message_id in sender.due_messages():
        outcome = sender.send(message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@db_periodic_task(crontab(minute="*/10"))
@one_at_a_time("resolutions-reconcile")
def reconcile_tick() -> dict:
    return reconcile.run().as_dict()
