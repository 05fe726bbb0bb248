"""History imports: the periodic rules replayed with the clock following the events.

Importing last month into a running instance must give the cases a live system would have opened then, not
what today's clock makes of a month-old stream. While a history import runs (`ordex import --history FILE`,
or `POST /api/v1/events` batches carrying `"backfill": "<id>"`):
- the importer calls `Replay.scan_to(moment)` whenever the stream's time passes a scan interval (after every
  event that arrived before it is applied): the periodic rules run as of that moment, from the import's own
  watermark (`HistoryImport.scanned_until`), leaving the live watermarks alone;
- findings (on event or periodic) are logged with the import (`Finding.history`) and open no case yet: a
  case opened for a month-old parcel would start an SLA clock and message a customer now;
- the live minute pass does not run (it would judge the half-imported stream by today's clock).
When it finishes (`Replay.finish`, or `POST /api/v1/backfills/{id}/finish`) one last pass runs as of the
stream's end and the cases are settled, in time order: a condition that ended before the end of the import is
a **historical** case — opened at its time and closed at once (resolved, `cleared`), `facts.historical`
set, no SLA clock ever running, no customer message; a condition still true opens a **live** case whose SLA
starts at the end of the import (or, as a live run would have, reopens the subject's historical case of the
same type when that one ended within the reopen window, 15 days, of the end of the import). Withdrawn findings
open nothing. Rules that never had a live pass start
their live watermark at the stream's end.
"""

import contextvars
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.cases import actions
from ordex.cases.choices import OPEN_STATUSES
from ordex.cases.models import Case
from ordex.core.errors import DomainError, NotFound
from ordex.core.text import stored_text
from ordex.orders.queries import orders_by_id

from .models import Finding, FindingLevel, HistoryImport, Rule, RuleState

DEFAULT_SCAN_MINUTES = 15
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

_current: contextvars.ContextVar[HistoryImport | None] = contextvars.ContextVar("history_import", default=None)


def current() -> HistoryImport | None:
    """The history import this thread is applying events for, if any."""
    return _current.get()


# A history import that has applied nothing for this long no longer holds the live pass back (an import that
# was killed, a backfill whose client went away): finish it (`POST /backfills/{id}/finish`) to settle its cases.
STALLED_AFTER = timedelta(hours=1)


def running() -> bool:
    """Whether a history import is under way (then the live pass waits)."""
    return HistoryImport.objects.filter(finished_at__isnull=True,
                                        active_at__gte=timezone.now() - STALLED_AFTER).exists()


def scan_moment(moment: datetime, minutes: int) -> datetime:
    """The latest scan moment at or before `moment` (multiples of the interval since 2000-01-01 UTC)."""
    step = timedelta(minutes=minutes)
    return _EPOCH + (moment - _EPOCH) // step * step


@dataclass
class Replay:
    """What the importer holds while it applies a history import's events."""

    record: HistoryImport

    def scan_to(self, moment: datetime) -> None:
        """Every event that arrived before `moment` is applied: replay the periodic rules as of the latest
        scan moment at or before it, unless an earlier call (another client of the backfill) did."""
        boundary = scan_moment(moment, self.record.scan_minutes)
        rows = HistoryImport.objects.filter(pk=self.record.pk)
        previous = rows.values_list("scanned_until", flat=True).get()
        if previous is not None and boundary <= previous:
            self.record.scanned_until = previous
            return
        # Compare-and-set: of two clients of one backfill passing the same moment, one replays it.
        claimed = rows.filter(scanned_until=previous) if previous else rows.filter(scanned_until__isnull=True)
        if claimed.update(scanned_until=boundary):
            self.record.scanned_until = boundary
            _replay_pass(self.record, boundary, since=previous)
        else:
            self.record.scanned_until = rows.values_list("scanned_until", flat=True).get()

    def due(self, moment: datetime) -> bool:
        """Whether a scan moment lies after the last one replayed and at or before `moment`."""
        boundary = scan_moment(moment, self.record.scan_minutes)
        return self.record.scanned_until is None or boundary > self.record.scanned_until

    def saw(self, newest: datetime) -> None:
        """The newest `occurred_at` among the events just applied (the stream's clock)."""
        HistoryImport.objects.filter(pk=self.record.pk).update(active_at=timezone.now())
        HistoryImport.objects.filter(pk=self.record.pk).exclude(clock__gte=newest).update(clock=newest)
        if self.record.clock is None or newest > self.record.clock:
            self.record.clock = newest

    def finish(self) -> dict:
        return finish(self.record.key)


@contextmanager
def history_import(key: str, *, source: str, scan_minutes: int | None = None):
    """Apply events as part of history import `key` (created on first use): yields its `Replay`."""
    record, _ = HistoryImport.objects.get_or_create(
        key=key, defaults={"source": source, "scan_minutes": scan_minutes or DEFAULT_SCAN_MINUTES})
    if record.finished_at is not None:
        raise DomainError("backfill_finished", f"history import {key} has finished; start another one",
                          field="backfill")
    token = _current.set(record)
    try:
        yield Replay(record)
    finally:
        _current.reset(token)


def _replay_pass(record: HistoryImport, as_of: datetime, since: datetime | None) -> None:
    from .scan import run_scan

    token = _current.set(record)
    try:
        run_scan(as_of, replay_since=since, replay=True)
    finally:
        _current.reset(token)


def finish(key: str) -> dict:
    """End history import `key`: the last pass as of the stream's end, then its cases settled (see above)."""
    record = HistoryImport.objects.filter(key=key).first()
    if record is None:
        raise NotFound("backfill_not_found", f"no history import {key}", field="backfill")
    if record.finished_at is not None:
        return summary(record)
    if record.clock is not None and (record.scanned_until is None or record.clock > record.scanned_until):
        _replay_pass(record, record.clock, since=record.scanned_until)
        HistoryImport.objects.filter(pk=record.pk).update(scanned_until=record.clock)
    ended = timezone.now()
    findings = list(Finding.objects.filter(history=record, case_id__isnull=True, withdrawn_at__isnull=True)
                    .exclude(level=FindingLevel.WARNING).select_related("order").order_by("found_at", "pk"))
    linked = orders_by_id({pk for f in findings for pk in f.facts.get("history_case", {}).get("orders", ())})
    escalations = defaultdict(list)  # evidence added to the case of the condition they escalate
    for finding in findings:
        if finding.level == FindingLevel.ESCALATION:
            escalations[(finding.rule_code, finding.subject_key)].append(finding)
    # Historical ones first, in time order, each opened and closed in one transaction (no SLA pass ever sees
    # it open); then what is still true, opened now.
    conditions = [f for f in findings if f.level == FindingLevel.FINDING]
    for finding in sorted(conditions, key=lambda f: (f.cleared_at is None, f.found_at, f.pk)):
        was = finding.cleared_at is not None
        with transaction.atomic():
            settled = [(finding, _open(finding, linked, finding.found_at if was else ended, historical=was))]
            for extra in escalations[(finding.rule_code, finding.subject_key)]:
                if finding.found_at <= extra.found_at and (not was or extra.found_at < finding.cleared_at):
                    settled.append((extra, _open(extra, linked, extra.found_at if was else ended, historical=was)))
            if was:
                actions.clear_finding(type_code=finding.type_code, cleared_at=finding.cleared_at,
                                      summary=finding.clear_summary or stored_text(_("The condition cleared")),
                                      rule_code=finding.rule_code,
                                      order=finding.order, subject_key="" if finding.order_id else finding.subject_key)
            for row, case in settled:
                Finding.objects.filter(pk=row.pk).update(case_id=case.pk, case_created=row.case_created)
    cases = set(Finding.objects.filter(history=record, case_id__isnull=False).values_list("case_id", flat=True))
    live = Case.objects.filter(pk__in=cases, status__in=OPEN_STATUSES).count()
    historical = Case.objects.filter(pk__in=cases, facts__historical=True).exclude(status__in=OPEN_STATUSES).count()
    with transaction.atomic():
        HistoryImport.objects.filter(pk=record.pk).update(finished_at=ended, historical_cases=historical,
                                                          live_cases=live)
        if record.clock is not None:
            # Rules that never had a live pass start from the stream's end, not from the first event.
            for rule in Rule.objects.filter(state__isnull=True, trigger="periodic"):
                RuleState.objects.create(rule=rule, scanned_until=record.clock)
            RuleState.objects.filter(scanned_until__isnull=True).update(scanned_until=record.clock)
    record.refresh_from_db()
    return summary(record)


def _open(finding: Finding, linked: dict, found_at: datetime, *, historical: bool):
    extra = finding.facts.get("history_case", {})
    facts = {key: value for key, value in finding.facts.items() if key != "history_case"}
    if finding.level != FindingLevel.FINDING:
        facts["level"] = finding.level
    if historical:
        facts["historical"] = True
    else:
        facts["condition_since"] = finding.found_at.isoformat()
    result = actions.record_finding(
        type_code=finding.type_code, found_at=found_at, summary=finding.summary, facts=facts,
        rule_code=finding.rule_code, order=finding.order, subject_key="" if finding.order_id else finding.subject_key,
        orders=[linked[pk] for pk in extra.get("orders", ()) if pk in linked],
        incident_key=extra.get("incident_key"), incident_title=extra.get("incident_title", ""))
    finding.case_created = result.created
    return result.case


def status(key: str) -> dict:
    record = HistoryImport.objects.filter(key=key).first()
    if record is None:
        raise NotFound("backfill_not_found", f"no history import {key}", field="backfill")
    return summary(record)


def summary(record: HistoryImport) -> dict:
    return {"backfill": record.key, "source": record.source, "scan_minutes": record.scan_minutes,
            "started_at": record.started_at, "clock": record.clock, "finished_at": record.finished_at,
            "historical_cases": record.historical_cases, "live_cases": record.live_cases,
            "findings": Finding.objects.filter(history=record).count(),
            "withdrawn": Finding.objects.filter(history=record, withdrawn_at__isnull=False).count()}

