"""Build events (EVENTS.md envelopes), ingest them, scan, and look at findings and cases."""

from datetime import datetime

from ordex.detection.models import Finding
from ordex.detection.scan import run_scan
from ordex.ingest.pipeline import ingest_events
from ordex.ingest.tests.events import envelope, order_created, order_paid, shipment_created, tracking

__all__ = ["envelope", "order_created", "order_paid", "shipment_created", "tracking", "ingest", "scan", "at",
           "findings", "active", "cases_of"]


def ingest(*events):
    results = ingest_events(list(events), source="test")
    bad = [r for r in results if r.status != "applied"]
    assert not bad, bad
    return results


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def scan(as_of: str, **kwargs):
    return run_scan(at(as_of), **kwargs)


def findings(rule=None, **filters):
    qs = Finding.objects.filter(level="finding", **filters)
    if rule:
        qs = qs.filter(rule_code=rule)
    return list(qs.order_by("found_at"))


def active(rule):
    return [f for f in findings(rule) if f.active]


def cases_of(type_code):
    from ordex.cases.models import Case

    return list(Case.objects.filter(type__code=type_code))
