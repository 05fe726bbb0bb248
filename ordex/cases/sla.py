"""SLA clock arithmetic: deadlines and status from (calendar, start, target, pauses). No database.

The clock runs during the calendar's working time and stops during pauses (e.g. while waiting on
the customer). ``deadline`` is the instant at which ``target`` of un-paused working time has
elapsed since ``started_at``; a pause therefore moves the deadline by exactly the working time it
covered, not by its wall-clock length.

``as_of`` is the moment the question is asked ("now", or a past moment when replaying history).
Pauses are only known up to ``as_of``: a pause still open at ``as_of`` counts as ending at
``as_of`` (the deadline "if the customer answered now"), and pause time after ``as_of`` is ignored,
so a status replayed at a past ``as_of`` equals what was shown then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ordex.cases.calendar import BusinessCalendar

DEFAULT_NEAR_FRACTION = Decimal("0.8")
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Pause:
    """A stretch during which the SLA clock is stopped; ``end`` is None while it is still open."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"Pause.{name} must be timezone-aware, got {value!r}")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"Pause ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class SlaStatus:
    """The state of one SLA clock at ``as_of``.

    ``near_breach`` is true from ``near_fraction`` of the target on, breach included, so callers
    check ``breached`` first. Neither is ever true while ``paused``. Exactly at ``due_at`` is not
    a breach; one microsecond later is.
    """

    due_at: datetime
    target: timedelta
    elapsed: timedelta
    fraction: Decimal
    paused: bool
    near_breach: bool
    breached: bool

    @property
    def remaining(self) -> timedelta:
        """Working time left until the target; negative once overrun."""
        return self.target - self.elapsed


def deadline(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause] = (),
    as_of: datetime | None = None,
) -> datetime:
    """When ``target`` of un-paused working time since ``started_at`` has elapsed.

    Open pauses need ``as_of`` (they count as ending then); without ``as_of`` all pauses are
    taken as given. Overlapping pauses count once; pause time before ``started_at`` is ignored.
    """
    if target < timedelta(0):
        raise ValueError(f"target must not be negative, got {target}")
    if as_of is None and any(pause.end is None for pause in pauses):
        raise ValueError("an open pause has no end yet: pass as_of to take it as ending then")
    cursor = started_at
    remaining = target
    for pause_start, pause_end in _pause_windows(pauses, started_at, as_of):
        if pause_end <= cursor:
            continue
        pause_start = max(pause_start, cursor)
        due = calendar.add_working_time(cursor, remaining)
        if due <= pause_start:
            return due
        remaining -= calendar.working_time_between(cursor, pause_start)
        cursor = pause_end
    return calendar.add_working_time(cursor, remaining)


def evaluate(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause],
    as_of: datetime,
    near_fraction: Decimal = DEFAULT_NEAR_FRACTION,
) -> SlaStatus:
    """The clock's status at ``as_of``: due time, working time used, and breach flags.

    A pause open at ``as_of`` (started at or before it, not yet ended) makes the clock ``paused``:
    never breached or near breach while paused, whatever the time used. A zero target counts as
    fully used (fraction 1).
    """
    due_at = deadline(calendar, started_at, target, pauses, as_of)
    paused = any(pause.start <= as_of and (pause.end is None or as_of < pause.end) for pause in pauses)
    paused_time = sum(
        (
            calendar.working_time_between(start, end)
            for start, end in _pause_windows(pauses, started_at, as_of)
        ),
        timedelta(0),
    )
    elapsed = max(calendar.working_time_between(started_at, as_of) - paused_time, timedelta(0))
    fraction = Decimal(elapsed // MICROSECOND) / Decimal(target // MICROSECOND) if target else Decimal(1)
    return SlaStatus(
        due_at=due_at,
        target=target,
        elapsed=elapsed,
        fraction=fraction,
        paused=paused,
        near_breach=not paused and fraction >= near_fraction,
        breached=not paused and as_of > due_at,
    )


def _pause_windows(
    pauses: Sequence[Pause], started_at: datetime, as_of: datetime | None
) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to [started_at, as_of], sorted, overlapping ones merged, empty ones dropped."""
    windows: list[tuple[datetime, datetime]] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        start = max(pause.start, started_at)
        end = pause.end if pause.end is not None else as_of
        if as_of is not None:
            end = min(end, as_of)
        if end <= start:
            continue
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows
