"""SLA clocks: deadlines on the office calendar, pauses, breach and near-breach at the boundaries."""

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordex.cases.calendar import always, office
from ordex.cases.sla import Pause, deadline, evaluate

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = office()
H = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("started_at", "target", "pauses", "expected"),
    [
        # Product owner's examples.
        (sh(2026, 9, 30, 17), 8 * H, [], sh(2026, 10, 8, 16)),  # National Day 10-01..10-07 off
        (sh(2026, 9, 19, 10), 4 * H, [], sh(2026, 9, 20, 13)),  # 2026-09-20 is a make-up working day
        # Friday 2026-11-20 14:00 + 8 h: 4 h on Friday, 4 h on Monday.
        (sh(2026, 11, 20, 14), 8 * H, [], sh(2026, 11, 23, 13)),
        # Paused Fri 16:00 -> Mon 10:00: 66 h wall clock, but 3 h of working time.
        (
            sh(2026, 11, 20, 14),
            8 * H,
            [Pause(sh(2026, 11, 20, 16), sh(2026, 11, 23, 10))],
            sh(2026, 11, 23, 16),
        ),
        # A pause wholly outside working time changes nothing.
        (
            sh(2026, 11, 20, 14),
            8 * H,
            [Pause(sh(2026, 11, 21, 8), sh(2026, 11, 22, 20))],
            sh(2026, 11, 23, 13),
        ),
        # Overlapping pauses count once: Fri 15-17 and 16-18 cover 3 working hours.
        (
            sh(2026, 11, 20, 14),
            8 * H,
            [
                Pause(sh(2026, 11, 20, 16), sh(2026, 11, 20, 18)),
                Pause(sh(2026, 11, 20, 15), sh(2026, 11, 20, 17)),
            ],
            sh(2026, 11, 23, 16),
        ),
        # Pause time before the clock started is ignored.
        (
            sh(2026, 11, 20, 14),
            8 * H,
            [Pause(sh(2026, 11, 20, 10), sh(2026, 11, 20, 15))],
            sh(2026, 11, 23, 14),
        ),
        # A pause that begins once the target is reached does not move the deadline.
        (
            sh(2026, 11, 20, 14),
            8 * H,
            [Pause(sh(2026, 11, 23, 13), sh(2026, 11, 23, 17))],
            sh(2026, 11, 23, 13),
        ),
        # A pause that begins exactly when the clock starts.
        (
            sh(2026, 11, 23, 9),
            2 * H,
            [Pause(sh(2026, 11, 23, 9), sh(2026, 11, 23, 10))],
            sh(2026, 11, 23, 12),
        ),
    ],
    ids=[
        "national-day",
        "makeup-sunday",
        "over-weekend",
        "pause-over-weekend-counts-working-time",
        "pause-outside-working-time",
        "overlapping-pauses",
        "pause-before-start",
        "pause-after-deadline",
        "pause-at-start",
    ],
)
def test_deadline(started_at, target, pauses, expected):
    assert deadline(OFFICE, started_at, target, pauses) == expected


def test_admin_override_closing_a_working_day_pushes_the_deadline():
    started_at, target = sh(2026, 11, 23, 9), 16 * H
    assert deadline(OFFICE, started_at, target) == sh(2026, 11, 24, 16)
    closed_tuesday = dataclasses.replace(OFFICE, overrides={date(2026, 11, 24): []})
    assert deadline(closed_tuesday, started_at, target) == sh(2026, 11, 25, 16)


def test_open_pause_counts_as_ending_at_as_of():
    started_at, pause = sh(2026, 11, 20, 14), Pause(sh(2026, 11, 20, 16))
    assert deadline(OFFICE, started_at, 8 * H, [pause], as_of=sh(2026, 11, 23, 10)) == sh(2026, 11, 23, 16)
    assert deadline(OFFICE, started_at, 8 * H, [pause], as_of=sh(2026, 11, 23, 11)) == sh(2026, 11, 23, 17)


def test_open_pause_without_as_of_is_refused():
    with pytest.raises(ValueError):
        deadline(OFFICE, sh(2026, 11, 20, 14), 8 * H, [Pause(sh(2026, 11, 20, 16))])


def test_pause_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        Pause(sh(2026, 11, 20, 16), sh(2026, 11, 20, 15))


# Opened Mon 2026-11-23 09:00 with 8 h: due 17:00; 80% used at 15:24.
STARTED = sh(2026, 11, 23, 9)
DUE = sh(2026, 11, 23, 17)


@pytest.mark.parametrize(
    ("as_of", "elapsed", "near_breach", "breached"),
    [
        (sh(2026, 11, 23, 8), timedelta(0), False, False),  # before the clock started
        (sh(2026, 11, 23, 15, 23, 59), 6 * H + 23 * timedelta(minutes=1) + 59 * SECOND, False, False),
        (sh(2026, 11, 23, 15, 24), 6 * H + 24 * timedelta(minutes=1), True, False),
        (DUE, 8 * H, True, False),  # exactly at the deadline is not a breach
        (DUE + SECOND, 8 * H + SECOND, True, True),
        (sh(2026, 11, 23, 20), 9 * H, True, True),  # after hours: wall clock decides the breach
    ],
    ids=["before-start", "just-under-80", "at-80", "at-deadline", "one-second-late", "after-hours"],
)
def test_status_at_the_boundaries(as_of, elapsed, near_breach, breached):
    status = evaluate(OFFICE, STARTED, 8 * H, [], as_of)
    assert (status.due_at, status.elapsed, status.paused) == (DUE, elapsed, False)
    assert (status.near_breach, status.breached) == (near_breach, breached)
    assert status.remaining == 8 * H - elapsed


def test_fraction_is_exact_and_threshold_is_a_parameter():
    status = evaluate(OFFICE, STARTED, 8 * H, [], sh(2026, 11, 23, 13), near_fraction=Decimal("0.5"))
    assert status.fraction == Decimal("0.5")
    assert status.near_breach is True
    assert evaluate(OFFICE, STARTED, 8 * H, [], sh(2026, 11, 23, 13)).near_breach is False


def test_no_breach_or_near_breach_while_paused_even_long_overdue():
    pause = Pause(sh(2026, 11, 23, 16))
    status = evaluate(OFFICE, STARTED, 8 * H, [pause], as_of=sh(2026, 12, 3, 12))
    assert status.paused is True
    assert (status.breached, status.near_breach) == (False, False)
    assert status.elapsed == 7 * H
    assert status.due_at == sh(2026, 12, 3, 13)  # the remaining hour, if the customer answered now


def test_clock_runs_again_once_the_pause_ends():
    pause = Pause(sh(2026, 11, 23, 16), sh(2026, 11, 24, 9, 30))
    assert evaluate(OFFICE, STARTED, 8 * H, [pause], as_of=sh(2026, 11, 24, 9, 30)).paused is False
    status = evaluate(OFFICE, STARTED, 8 * H, [pause], as_of=sh(2026, 11, 24, 10, 30) + SECOND)
    assert status.due_at == sh(2026, 11, 24, 10, 30)
    assert (status.paused, status.breached) == (False, True)


def test_status_replayed_at_a_past_moment_ignores_later_pauses():
    later_pause = Pause(sh(2026, 11, 23, 16), sh(2026, 11, 24, 12))
    status = evaluate(OFFICE, STARTED, 8 * H, [later_pause], as_of=sh(2026, 11, 23, 15))
    assert (status.due_at, status.elapsed, status.paused) == (DUE, 6 * H, False)


# Property tests on the office calendar over 2025-2026 (confirmed holiday schedules).
starts = st.builds(
    lambda minutes: sh(2025, 1, 1) + timedelta(minutes=minutes), st.integers(0, 2 * 365 * 24 * 60)
)
targets = st.builds(lambda minutes: timedelta(minutes=minutes), st.integers(1, 60 * 60))
pause_lists = st.lists(
    st.tuples(st.integers(-24 * 60, 30 * 24 * 60), st.integers(0, 5 * 24 * 60)), max_size=4
)


def make_pauses(started_at, offsets):
    return [
        Pause(started_at + timedelta(minutes=begin), started_at + timedelta(minutes=begin + length))
        for begin, length in offsets
    ]


@given(started_at=starts, target=targets, offsets=pause_lists)
def test_deadline_is_when_unpaused_working_time_reaches_the_target(started_at, target, offsets):
    pauses = make_pauses(started_at, offsets)
    due = deadline(OFFICE, started_at, target, pauses)
    status = evaluate(OFFICE, started_at, target, pauses, as_of=due)
    assert status.elapsed == target
    assert status.breached is False


@given(started_at=starts, target=targets, offsets=pause_lists)
def test_deadline_falls_inside_working_time_or_at_an_interval_end(started_at, target, offsets):
    due = deadline(OFFICE, started_at, target, make_pauses(started_at, offsets))
    local_day = due.astimezone(SHANGHAI).date()
    assert any(start < due <= end for start, end in OFFICE.working_intervals(local_day))


@given(started_at=starts, first=targets, second=targets, offsets=pause_lists)
def test_deadline_is_monotonic_in_the_target(started_at, first, second, offsets):
    pauses = make_pauses(started_at, offsets)
    shorter, longer = sorted([first, second])
    assert deadline(OFFICE, started_at, shorter, pauses) <= deadline(OFFICE, started_at, longer, pauses)


@given(started_at=starts, target=targets, offsets=pause_lists)
def test_on_a_24x7_clock_the_deadline_matches_a_minute_by_minute_count(started_at, target, offsets):
    paused_minutes = {minute for begin, length in offsets for minute in range(max(begin, 0), begin + length)}
    counted, minute = 0, 0
    while counted < target // timedelta(minutes=1):
        counted += minute not in paused_minutes
        minute += 1
    expected = started_at + timedelta(minutes=minute)
    assert deadline(always(), started_at, target, make_pauses(started_at, offsets)) == expected
