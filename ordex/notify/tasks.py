"""Background work of notify, run by the Huey worker: the outbox drain (after each commit that wrote
messages, and every minute for retries and for messages a dead worker left behind), reminders and surveys.
A run that finds the previous one still going returns at once, quietly (`one_at_a_time`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ordex.core.tasks import one_at_a_time

from . import actions


@db_task()
@one_at_a_time("notify-drain")
def drain_outbox() -> dict:
    return actions.drain()


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("notify-drain-tick")
def drain_tick() -> dict:
    return actions.drain()


@db_periodic_task(crontab(minute="*/5"))
@one_at_a_time("notify-customer-tick")
def customer_tick() -> dict:
    """Choice reminders, surveys due, surveys that went unanswered."""
    return {
        "reminders": actions.send_choice_reminders(),
        "surveys_sent": actions.send_due_surveys(),
        "surveys_unanswered": actions.close_unanswered_surveys(),
    }
