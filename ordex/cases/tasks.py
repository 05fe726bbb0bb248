"""Periodic work of the cases app, run by the Huey worker every minute. `ordex scan --as-of` calls the
same `evaluate_sla` with a past `as_of` to replay history."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ordex.core.tasks import one_at_a_time

from . import actions


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("cases-sla-tick")
def sla_tick() -> dict:
    """Apply overdue customer choices, then flag near-breaches and breaches (escalate, notify)."""
    scan = actions.evaluate_sla()
    return {
        "near_breached": scan.near_breached,
        "breached": scan.breached,
        "response_breached": scan.response_breached,
        "department_breached": scan.department_breached,
        "choices_defaulted": scan.choices_defaulted,
    }
