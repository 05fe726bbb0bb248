"""Business calendars: when is the desk at work, and how much working time lies between two instants.

Pure Python, no database. A ``BusinessCalendar`` answers the three questions the SLA engine asks
(``is_working_time``, ``add_working_time``, ``working_time_between``); admins store calendars as data
and build instances of this class from them.

How a local day's working hours are decided, first match wins:

1. ``overrides[day]`` — an admin override: an empty list closes the day, intervals open those hours.
2. With ``observe_holidays``: a Chinese public holiday (including the swapped days off of 调休) is
   closed; a make-up working day (调休上班, always a Saturday or Sunday) is worked with Monday's hours,
   the regular weekday schedule.
3. ``hours[day.weekday()]``.

Hours are wall-clock times in ``tz``; an interval ending at ``time(0)`` ends at midnight at the end
of the day (so ``(time(0), time(0))`` is the whole day). Intervals are half-open: 09:00-18:00 is
working time at 09:00 and at 17:59:59, not at 18:00. Arithmetic is done in UTC, so zones with
daylight saving count real elapsed time.

Holiday data comes from the ``holidays`` package, which only knows the official schedule of years
whose State Council notice it has published; ``unconfirmed_years`` tells which years are estimates,
so the admin can enter overrides for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[time, time]
DayHours = tuple[Interval, ...]

SHANGHAI = "Asia/Shanghai"
ONE_DAY = timedelta(days=1)
MIDNIGHT = time(0)
MONDAY = 0
# A calendar with no working time at all would otherwise be scanned forever.
MAX_SCAN_DAYS = 3660
# Bounds the per-calendar day cache; a long-running worker touches a few years of days at most.
DAY_CACHE_SIZE = 4096


@lru_cache(maxsize=256)
def china_days_off_and_makeup_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays incl. swapped days off, make-up working days) dated in ``year``, cached per year."""
    china = holidays.China(years=year)
    days_off = frozenset(day for day in china if day.year == year)
    # weekend_workdays also carries cross-year make-up days of other years' notices: keep this year's.
    makeup_days = frozenset(day for day in china.weekend_workdays if day.year == year)
    return days_off, makeup_days


def unconfirmed_years(years: Iterable[int]) -> list[int]:
    """Years, sorted and distinct, whose Chinese holiday schedule the installed ``holidays`` does not confirm.

    Every official annual notice (2001 onwards) moves working days onto weekends (调休上班), and the
    library only knows such make-up days from the published notices; for years without one it
    still returns holidays, but estimated from rules (in-lieu days for weekend holidays). A year
    with no make-up working day is therefore one whose schedule has not been published to the
    installed version: SLA deadlines there are estimates until an admin adds overrides.
    """
    return sorted({year for year in years if not china_days_off_and_makeup_days(year)[1]})


def _ensure_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def _normalize_day_hours(intervals: Sequence[Interval], where: str) -> DayHours:
    """Sorted, validated intervals; rejects reversed, empty and overlapping ones."""
    normalized = []
    for start, end in intervals:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{where}: working hours are wall-clock times without tzinfo")
        if end != MIDNIGHT and end <= start:
            raise ValueError(f"{where}: interval {start:%H:%M}-{end:%H:%M} ends before it starts")
        normalized.append((start, end))
    normalized.sort()
    for (_, previous_end), (next_start, _) in zip(normalized, normalized[1:], strict=False):
        if previous_end == MIDNIGHT or next_start < previous_end:
            raise ValueError(f"{where}: working hours overlap")
    return tuple(normalized)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (Mon=0 … Sun=6) in a zone, Chinese holidays, and admin overrides.

    ``hours`` may be given as a mapping weekday -> intervals (missing weekdays are closed) or as a
    sequence of seven interval lists; it is stored as a tuple of seven tuples. ``tz`` may be a zone
    name. ``overrides`` maps a local date to its intervals (empty = closed) and is stored read-only.
    """

    tz: ZoneInfo
    hours: tuple[DayHours, ...]
    observe_holidays: bool = False
    overrides: Mapping[date, DayHours] = field(default_factory=dict)
    _day_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if isinstance(self.tz, str):
            object.__setattr__(self, "tz", ZoneInfo(self.tz))
        week = self.hours
        if isinstance(week, Mapping):
            unknown = set(week) - set(range(7))
            if unknown:
                raise ValueError(f"hours: weekdays are 0 (Monday) to 6 (Sunday), got {sorted(unknown)}")
            week = [week.get(weekday, ()) for weekday in range(7)]
        if len(week) != 7:
            raise ValueError(f"hours: expected 7 weekdays, got {len(week)}")
        object.__setattr__(
            self,
            "hours",
            tuple(_normalize_day_hours(day, f"hours[{weekday}]") for weekday, day in enumerate(week)),
        )
        object.__setattr__(
            self,
            "overrides",
            MappingProxyType(
                {
                    day: _normalize_day_hours(hours, f"overrides[{day}]")
                    for day, hours in self.overrides.items()
                }
            ),
        )

    def __hash__(self) -> int:
        return hash((self.tz.key, self.hours, self.observe_holidays, tuple(sorted(self.overrides.items()))))

    def hours_on(self, day: date) -> DayHours:
        """The wall-clock intervals worked on the local date ``day`` (see the module docstring for precedence)."""
        if day in self.overrides:
            return self.overrides[day]
        if self.observe_holidays:
            days_off, makeup_days = china_days_off_and_makeup_days(day.year)
            if day in days_off:
                return ()
            if day in makeup_days:
                return self.hours[MONDAY]
        return self.hours[day.weekday()]

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Aware (start, end) intervals in ``tz`` for the local date ``day``, in order."""
        return [
            (start.astimezone(self.tz), end.astimezone(self.tz)) for start, end in self._utc_intervals(day)
        ]

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a working interval (start inclusive, end exclusive)."""
        _ensure_aware(moment, "moment")
        moment = moment.astimezone(UTC)
        day = moment.astimezone(self.tz).date()
        return any(start <= moment < end for start, end in self._utc_intervals(day))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (in ``tz``) at which ``duration`` of working time has elapsed since ``start``.

        Counting begins at ``start`` if it is working time, else at the next opening. A result that
        lands exactly on the end of an interval stays there (9 h from 09:00 on a 09:00-18:00 day is
        18:00 that day). A zero duration gives ``start``, or the next opening outside working time.
        """
        _ensure_aware(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        cursor = start.astimezone(UTC)
        remaining = duration
        day = cursor.astimezone(self.tz).date()
        for _ in range(MAX_SCAN_DAYS):
            for interval_start, interval_end in self._utc_intervals(day):
                if interval_end <= cursor:
                    continue
                begin = max(interval_start, cursor)
                available = interval_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= available
            day += ONE_DAY
        raise ValueError(f"calendar has no working time within {MAX_SCAN_DAYS} days after {start}")

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); negative when ``b`` is before ``a``."""
        _ensure_aware(a, "a")
        _ensure_aware(b, "b")
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta(0)
        day = a.astimezone(self.tz).date()
        last_day = b.astimezone(self.tz).date()
        while day <= last_day:
            for interval_start, interval_end in self._utc_intervals(day):
                overlap = min(interval_end, b) - max(interval_start, a)
                if overlap > timedelta(0):
                    total += overlap
            day += ONE_DAY
        return total

    def _utc_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._day_cache.get(day)
        if cached is None:
            if len(self._day_cache) >= DAY_CACHE_SIZE:
                self._day_cache.clear()
            cached = tuple(
                (
                    datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC),
                    datetime.combine(
                        day + ONE_DAY if end == MIDNIGHT else day, end, tzinfo=self.tz
                    ).astimezone(UTC),
                )
                for start, end in self.hours_on(day)
            )
            self._day_cache[day] = cached
        return cached


def office(tz: str = SHANGHAI) -> BusinessCalendar:
    """Mon-Fri 09:00-18:00, Chinese public holidays off and make-up working days on."""
    workday = ((time(9), time(18)),)
    return BusinessCalendar(tz=tz, hours={weekday: workday for weekday in range(5)}, observe_holidays=True)


def service(tz: str = SHANGHAI) -> BusinessCalendar:
    """Every day 09:00-21:00, holidays included: customer service desks staff public holidays."""
    return BusinessCalendar(tz=tz, hours={weekday: ((time(9), time(21)),) for weekday in range(7)})


def always(tz: str = SHANGHAI) -> BusinessCalendar:
    """24x7: working time equals elapsed time."""
    return BusinessCalendar(tz=tz, hours={weekday: ((MIDNIGHT, MIDNIGHT),) for weekday in range(7)})
