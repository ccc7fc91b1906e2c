"""Deadlines counted in working time across nights, lunch breaks, weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server_link.workcal import BEIJING, DeadlineUnit, WorkCalendar

CAL = WorkCalendar()


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def test_two_working_hours_from_friday_afternoon_end_on_monday_morning() -> None:
    assert CAL.add_working_hours(bj(2026, 11, 27, 16, 30), 2) == bj(2026, 11, 30, 10, 0)


def test_lunch_break_and_night_are_skipped() -> None:
    assert CAL.add_working_hours(bj(2026, 11, 24, 11, 0), 2) == bj(2026, 11, 24, 14, 30)
    assert CAL.add_working_hours(bj(2026, 11, 24, 22, 0), 1) == bj(2026, 11, 25, 10, 0)
    assert CAL.add_working_hours(bj(2026, 11, 28, 3, 0), 0) == bj(2026, 11, 30, 9, 0)  # Saturday


def test_holidays_and_worked_weekends() -> None:
    cal = WorkCalendar.with_days(holidays=[date(2026, 11, 30)], workdays=[date(2026, 11, 29)])
    assert cal.add_working_hours(bj(2026, 11, 27, 17, 0), 1) == bj(2026, 11, 29, 9, 30)
    assert cal.add_working_hours(bj(2026, 11, 29, 17, 0), 1) == bj(2026, 12, 1, 9, 30)


def test_working_days_keep_the_clock_time() -> None:
    assert CAL.add_working_days(bj(2026, 11, 26, 10, 15), 3) == bj(2026, 12, 1, 10, 15)
    assert CAL.deadline(bj(2026, 11, 26, 10, 15), 20, DeadlineUnit.DAYS) == bj(2026, 12, 16, 10, 15)
    assert CAL.deadline(bj(2026, 11, 26, 10, 15), 2, DeadlineUnit.HOURS) == bj(2026, 11, 26, 12, 15)


def test_utc_inputs_are_read_in_beijing_time() -> None:
    utc = bj(2026, 11, 24, 11, 0).astimezone(datetime.now().astimezone().tzinfo)
    assert CAL.add_working_hours(utc, 2) == bj(2026, 11, 24, 14, 30)


YEAR = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(BEIJING))


@given(start=YEAR, hours=st.floats(0, 200))
def test_adding_then_measuring_gives_the_hours_back(start: datetime, hours: float) -> None:
    end = CAL.add_working_hours(start, hours)
    assert end >= start
    assert abs(CAL.working_hours_between(start, end) - hours) < 1e-6
    assert abs(CAL.working_hours_between(end, start) + hours) < 1e-6
    if hours > 0.001:  # the last instant before the deadline is working time
        assert CAL.is_working(end - timedelta(microseconds=1))


# ---------------------------------------------------------------------- counted, never walked (issue 12)
def _walk_add(cal: WorkCalendar, start: datetime, hours: float) -> datetime:
    """The plain definition: walk the working periods one by one."""
    left = timedelta(hours=hours) if hours > 0 else timedelta(0)
    local = start.astimezone(BEIJING)
    d = local.date()
    while True:
        if cal.is_workday(d):
            for a, b in cal.periods:
                begin = max(datetime.combine(d, a, BEIJING), local)
                end = datetime.combine(d, b, BEIJING)
                if begin < end:
                    if left <= end - begin:
                        return begin + left
                    left -= end - begin
        d += timedelta(days=1)


def _walk_between(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    total, d = timedelta(0), a.astimezone(BEIJING).date()
    while d <= b.astimezone(BEIJING).date():
        if cal.is_workday(d):
            for p, q in cal.periods:
                lo, hi = max(datetime.combine(d, p, BEIJING), a), min(datetime.combine(d, q, BEIJING), b)
                total += max(hi - lo, timedelta(0))
        d += timedelta(days=1)
    return total.total_seconds() / 3600


DAYS_2026 = st.dates(date(2026, 1, 1), date(2026, 12, 31))
CALENDARS = st.builds(
    WorkCalendar.with_days,
    holidays=st.frozensets(DAYS_2026, max_size=60),
    workdays=st.frozensets(DAYS_2026, max_size=20),
)


@given(cal=CALENDARS, start=YEAR, hours=st.floats(0, 400), span=st.floats(0, 400))
def test_counting_whole_days_agrees_with_walking_them(
    cal: WorkCalendar, start: datetime, hours: float, span: float
) -> None:
    assert cal.add_working_hours(start, hours) == _walk_add(cal, start, hours)
    end = start + timedelta(hours=span)
    assert abs(cal.working_hours_between(start, end) - _walk_between(cal, start, end)) < 1e-9
    days = int(hours // 8)
    opening = _walk_add(cal, start, 0)
    d = opening.date()
    for _ in range(days):
        d += timedelta(days=1)
        while not cal.is_workday(d):
            d += timedelta(days=1)
    assert cal.add_working_days(start, days) == datetime.combine(d, opening.timetz())


WINDOW_EDGES = [
    datetime(2000, 1, 1, tzinfo=UTC),
    datetime(2000, 1, 1, 14, tzinfo=timezone(timedelta(hours=14))),
    datetime(2099, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2099, 12, 31, 9, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
]


def test_the_calendar_is_total_across_the_records_window() -> None:
    """Every instant a record may carry plus the longest deadline, and spans of the whole window:
    answers without an exception, however many days lie between (a dense holiday table included)."""
    off_2099 = [date(2099, 1, 1) + timedelta(days=i) for i in range(365)]
    for cal in (CAL, WorkCalendar.with_days(holidays=off_2099)):
        for start in WINDOW_EDGES:
            for value, unit in [(30, DeadlineUnit.DAYS), (24, DeadlineUnit.HOURS), (10, DeadlineUnit.WORKING_DAYS),
                                (2, DeadlineUnit.WORKING_HOURS)]:  # fmt: skip
                end = cal.deadline(start, value, unit)
                assert end > start
        first, last = WINDOW_EDGES[0], WINDOW_EDGES[2]
        century = cal.working_hours_between(first, last)
        workdays = cal.workdays_between(date(2000, 1, 1), date(2100, 1, 1))
        assert abs(century - workdays * cal.hours_per_day) < 1e-6
        assert cal.add_working_hours(first, century) <= last
        assert abs(cal.working_hours_between(first, cal.add_working_hours(first, century * 0.8)) - century * 0.8) < 1e-6
        assert cal.working_hours_between(last, first) == -century
    assert 25_000 < CAL.workdays_between(date(2000, 1, 1), date(2100, 1, 1)) < 26_200  # 5 of every 7 days


def test_a_working_day_needs_working_periods_in_order() -> None:
    for periods in [(), ((time(12), time(9)),), ((time(9), time(12)), (time(11), time(13)))]:
        with pytest.raises(ValueError, match="period"):
            WorkCalendar(periods=periods)
    assert WorkCalendar(periods=((time(9), time(12)), (time(12), time(13)))).hours_per_day == 4
