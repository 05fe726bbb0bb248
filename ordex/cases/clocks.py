"""Where the stored configuration meets the pure SLA arithmetic (`calendar.py`, `sla.py`).

Builds `BusinessCalendar`s from `Calendar` rows (cached per process, keyed by the row's `updated_at`
so an admin edit takes effect at once) and computes a case's due times from its policy, severity,
start and pauses.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from . import sla
from .calendar import BusinessCalendar
from .choices import ALWAYS_PAUSED_STATUSES, CaseStatus
from .models import Calendar, CasePause, SlaPolicy, SlaTarget

_calendars: dict[int, tuple[datetime, BusinessCalendar]] = {}


def business_calendar(calendar: Calendar) -> BusinessCalendar:
    """The pure calendar for a row; queries its hours and overrides only when the row changed."""
    cached = _calendars.get(calendar.pk)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    built = calendar.build()
    _calendars[calendar.pk] = (calendar.updated_at, built)
    return built


def pauses_status(policy: SlaPolicy, status: str) -> bool:
    """Whether a case in `status` has its SLA clocks stopped under `policy`."""
    return status in ALWAYS_PAUSED_STATUSES or (
        policy.pause_on_third_party and status == CaseStatus.WAITING_THIRD_PARTY
    )


def as_pauses(rows) -> list[sla.Pause]:
    return [sla.Pause(row.started_at, row.ended_at) for row in rows]


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime
    resolve_due_at: datetime
    near_breach_due_at: datetime


def target_for(policy: SlaPolicy, severity: str) -> SlaTarget:
    """The policy's target for a severity (prefetched `targets` are used when present)."""
    for target in policy.targets.all():
        if target.severity == severity:
            return target
    raise LookupError(f"SLA policy '{policy.code}' has no target for severity {severity}")


def near_fraction(policy: SlaPolicy) -> Decimal:
    return Decimal(policy.near_breach_percent) / 100


def case_deadlines(
    policy: SlaPolicy, severity: str, started_at: datetime, pauses: list[sla.Pause], as_of: datetime
) -> Deadlines:
    calendar = business_calendar(policy.calendar)
    target = target_for(policy, severity)
    resolution = target.resolution
    near = timedelta(microseconds=int(resolution // sla.MICROSECOND * near_fraction(policy)))
    return Deadlines(
        response_due_at=sla.deadline(calendar, started_at, target.first_response, pauses, as_of),
        resolve_due_at=sla.deadline(calendar, started_at, resolution, pauses, as_of),
        near_breach_due_at=sla.deadline(calendar, started_at, near, pauses, as_of),
    )


def case_pauses(case) -> list[sla.Pause]:
    return as_pauses(CasePause.objects.filter(case=case).order_by("started_at"))
