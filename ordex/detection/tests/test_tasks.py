import time_machine

from ordex.detection.tasks import scan_periodic_rules
from ordex.detection.tests.helpers import cases_of, ingest, order_created


@time_machine.travel("2026-11-01T12:00:00+08:00", tick=False)
def test_the_minute_task_runs_the_periodic_rules_as_of_now(db):
    ingest(order_created("P1", at="2026-11-01T11:00:00+08:00"))
    scan_periodic_rules.call_local()
    assert len(cases_of("payment_timeout")) == 1
