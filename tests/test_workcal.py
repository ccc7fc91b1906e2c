"""Deadlines counted in working time across nights, lunch breaks, weekends and holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
