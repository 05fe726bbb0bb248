"""Business calendar: working hours, Chinese holidays and make-up days, overrides, working-time arithmetic."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordex.cases.calendar import BusinessCalendar, always, office, service, unconfirmed_years

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = office()
SERVICE = service()
ALWAYS = always()
H = timedelta(hours=1)


def sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def office_with(overrides):
    return dataclasses.replace(OFFICE, overrides=overrides)


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        (OFFICE, date(2026, 11, 25), [(sh(2026, 11, 25, 9), sh(2026, 11, 25, 18))]),
        (OFFICE, date(2026, 11, 28), []),  # Saturday
        (OFFICE, date(2026, 10, 1), []),  # National Day
        (OFFICE, date(2026, 10, 7), []),  # weekday swapped off (调休) for the 2026-10-10 make-up day
        (OFFICE, date(2026, 10, 8), [(sh(2026, 10, 8, 9), sh(2026, 10, 8, 18))]),
        (OFFICE, date(2026, 9, 20), [(sh(2026, 9, 20, 9), sh(2026, 9, 20, 18))]),  # Sunday make-up day
        (OFFICE, date(2026, 10, 10), [(sh(2026, 10, 10, 9), sh(2026, 10, 10, 18))]),  # Saturday make-up day
        (SERVICE, date(2026, 10, 1), [(sh(2026, 10, 1, 9), sh(2026, 10, 1, 21))]),  # service works holidays
        (SERVICE, date(2026, 11, 29), [(sh(2026, 11, 29, 9), sh(2026, 11, 29, 21))]),
        (ALWAYS, date(2026, 11, 29), [(sh(2026, 11, 29), sh(2026, 11, 30))]),
    ],
    ids=[
        "office-weekday",
        "office-saturday",
        "office-national-day",
        "office-swapped-day-off",
        "office-after-golden-week",
        "office-sunday-makeup-day",
        "office-saturday-makeup-day",
        "service-holiday",
        "service-sunday",
        "always-whole-day",
    ],
)
def test_working_intervals(calendar, day, expected):
    assert calendar.working_intervals(day) == expected


@pytest.mark.parametrize(
    ("overrides", "day", "expected"),
    [
        ({date(2026, 11, 25): []}, date(2026, 11, 25), []),
        (
            {date(2026, 11, 25): [(time(13), time(17))]},
            date(2026, 11, 25),
            [(sh(2026, 11, 25, 13), sh(2026, 11, 25, 17))],
        ),
        (
            {date(2026, 10, 2): [(time(10), time(12))]},
            date(2026, 10, 2),
            [(sh(2026, 10, 2, 10), sh(2026, 10, 2, 12))],
        ),
        ({date(2026, 9, 20): []}, date(2026, 9, 20), []),
        (
            {date(2026, 11, 28): [(time(14), time(18)), (time(9), time(12))]},
            date(2026, 11, 28),
            [(sh(2026, 11, 28, 9), sh(2026, 11, 28, 12)), (sh(2026, 11, 28, 14), sh(2026, 11, 28, 18))],
        ),
    ],
    ids=[
        "closes-working-day",
        "shortens-working-day",
        "opens-holiday",
        "closes-makeup-day",
        "opens-saturday-in-order",
    ],
)
def test_admin_override_wins_over_weekly_hours_and_holidays(overrides, day, expected):
    assert office_with(overrides).working_intervals(day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (sh(2026, 11, 25, 8, 59, 59), False),
        (sh(2026, 11, 25, 9), True),
        (sh(2026, 11, 25, 17, 59, 59), True),
        (sh(2026, 11, 25, 18), False),
        (datetime(2026, 11, 25, 1, tzinfo=UTC), True),  # 09:00 in Shanghai
        (sh(2026, 10, 1, 12), False),
        (sh(2026, 9, 20, 12), True),
    ],
)
def test_is_working_time_is_start_inclusive_end_exclusive(moment, expected):
    assert OFFICE.is_working_time(moment) is expected


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        (OFFICE, sh(2026, 11, 23, 9), 8 * H, sh(2026, 11, 23, 17)),
        (OFFICE, sh(2026, 11, 23, 9), 9 * H, sh(2026, 11, 23, 18)),  # end of interval stays there
        (OFFICE, sh(2026, 11, 23, 9), 9 * H + timedelta(seconds=1), sh(2026, 11, 24, 9, 0, 1)),
        (OFFICE, sh(2026, 11, 23, 7), 1 * H, sh(2026, 11, 23, 10)),  # before opening
        (OFFICE, sh(2026, 11, 23, 18), 1 * H, sh(2026, 11, 24, 10)),  # at closing
        (OFFICE, sh(2026, 11, 27, 20), 1 * H, sh(2026, 11, 30, 10)),  # Friday evening -> Monday
        (OFFICE, sh(2026, 9, 30, 17), 8 * H, sh(2026, 10, 8, 16)),  # across National Day
        (OFFICE, sh(2026, 9, 19, 10), 4 * H, sh(2026, 9, 20, 13)),  # Saturday -> Sunday make-up day
        (OFFICE, sh(2026, 11, 23, 10), timedelta(0), sh(2026, 11, 23, 10)),
        (OFFICE, sh(2026, 11, 28, 10), timedelta(0), sh(2026, 11, 30, 9)),  # zero from closed time: opening
        (OFFICE, datetime(2026, 11, 23, 1, tzinfo=UTC), 2 * H, sh(2026, 11, 23, 11)),
        (SERVICE, sh(2026, 9, 30, 20), 2 * H, sh(2026, 10, 1, 10)),
        (ALWAYS, sh(2026, 11, 27, 22), 48 * H, sh(2026, 11, 29, 22)),
        (OFFICE, sh(2026, 12, 31, 17), 2 * H, sh(2027, 1, 4, 10)),  # 2027 from the library's estimate
    ],
)
def test_add_working_time(calendar, start, duration, expected):
    result = calendar.add_working_time(start, duration)
    assert result == expected
    assert result.tzinfo == calendar.tz


def test_add_working_time_skips_day_closed_by_override():
    calendar = office_with({date(2026, 11, 24): []})
    assert calendar.add_working_time(sh(2026, 11, 23, 17), 2 * H) == sh(2026, 11, 25, 10)


def test_add_working_time_in_a_zone_with_daylight_saving_counts_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    night_shift = BusinessCalendar(tz="Europe/Berlin", hours={6: [(time(0), time(6))]})
    # 2026-03-29: clocks jump from 02:00 to 03:00, the shift is 5 real hours long.
    start = datetime(2026, 3, 29, 0, tzinfo=berlin)
    assert night_shift.add_working_time(start, 5 * H) == datetime(2026, 3, 29, 6, tzinfo=berlin)
    assert night_shift.working_time_between(start, datetime(2026, 3, 29, 6, tzinfo=berlin)) == 5 * H


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (sh(2026, 11, 23, 9), sh(2026, 11, 23, 18), 9 * H),
        (sh(2026, 11, 27, 17), sh(2026, 11, 30, 10), 2 * H),  # weekend is free
        (sh(2026, 9, 30, 0), sh(2026, 10, 9, 0), 18 * H),  # Sep 30 and Oct 8 only
        (sh(2026, 9, 19, 0), sh(2026, 9, 21, 0), 9 * H),  # Sunday make-up day counts
        (sh(2026, 11, 23, 12), sh(2026, 11, 23, 12), timedelta(0)),
        (sh(2026, 11, 23, 18), sh(2026, 11, 23, 9), -9 * H),
    ],
)
def test_working_time_between(a, b, expected):
    assert OFFICE.working_time_between(a, b) == expected


def test_unconfirmed_years_flags_years_without_a_published_schedule():
    assert unconfirmed_years([2031, 2026, 2025, 2031]) == [2031]


@pytest.mark.parametrize(
    "hours",
    [
        {0: [(time(18), time(9))]},
        {0: [(time(9), time(13)), (time(12), time(18))]},
        {0: [(time(9), time(0)), (time(10), time(11))]},
        {7: [(time(9), time(18))]},
        [[(time(9), time(18))]] * 6,
    ],
    ids=["reversed", "overlapping", "after-midnight-end", "weekday-7", "six-days"],
)
def test_invalid_hours_are_refused(hours):
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, hours=hours)


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError):
        OFFICE.add_working_time(datetime(2026, 11, 23, 9), H)
    with pytest.raises(ValueError):
        OFFICE.add_working_time(sh(2026, 11, 23, 9), -H)


def test_calendar_without_any_working_time_fails_instead_of_looping():
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, hours={}).add_working_time(sh(2026, 11, 23, 9), H)


def test_calendar_is_immutable_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        OFFICE.observe_holidays = False
    with pytest.raises(TypeError):
        office_with({date(2026, 11, 24): []}).overrides[date(2026, 11, 25)] = ()
    assert office() == OFFICE
    assert hash(office()) == hash(OFFICE)


# Property tests: starts spread over 2025-2026 (confirmed schedules) in minutes, durations up to ~3 weeks.
starts = st.builds(
    lambda minutes: sh(2025, 1, 1) + timedelta(minutes=minutes),
    st.integers(min_value=0, max_value=2 * 365 * 24 * 60),
)
durations = st.builds(
    lambda seconds: timedelta(seconds=seconds), st.integers(min_value=0, max_value=150 * 3600)
)
calendars = st.sampled_from(
    [OFFICE, SERVICE, ALWAYS, office_with({date(2025, 6, 3): [(time(13), time(15))]})]
)


def ends_inside_or_at_end_of_an_interval(calendar, moment):
    local_day = moment.astimezone(calendar.tz).date()
    intervals = calendar.working_intervals(local_day) + calendar.working_intervals(
        local_day - timedelta(days=1)
    )
    return any(start < moment <= end for start, end in intervals)


@given(calendar=calendars, start=starts, duration=durations)
def test_working_time_between_inverts_add_working_time(calendar, start, duration):
    assert calendar.working_time_between(start, calendar.add_working_time(start, duration)) == duration


@given(calendar=calendars, start=starts, duration=durations.filter(bool))
def test_positive_duration_ends_inside_working_time_or_at_an_interval_end(calendar, start, duration):
    assert ends_inside_or_at_end_of_an_interval(calendar, calendar.add_working_time(start, duration))


@given(calendar=calendars, start=starts, first=durations, second=durations)
def test_add_working_time_is_monotonic_in_duration(calendar, start, first, second):
    shorter, longer = sorted([first, second])
    assert calendar.add_working_time(start, shorter) <= calendar.add_working_time(start, longer)
