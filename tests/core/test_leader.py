"""The leaders' view from daily rows: each figure with its denominator, yesterday's and last week's,
its target; thirty days of trend with the gaps left as gaps; rankings by a week's on-time closure,
worked out here by hand from the same rows."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from console.core.daily import DayFigures, Scope
from console.core.leader import MIN_CLOSED, TREND_DAYS, leader_view
from console.core.rules import Rules

TODAY = date(2026, 12, 3)


def row(day: date, scope: Scope = Scope.DISTRICT, ident: str = "", **counts: int) -> DayFigures:
    return DayFigures(day, scope, ident, **counts)


def district_day(n_days_ago: int, responded: int, settled: int, **more: int) -> DayFigures:
    return row(TODAY - timedelta(days=n_days_ago), hotline_responded=responded, hotline_settled=settled, **more)


def test_each_figure_has_its_denominator_its_past_and_its_target() -> None:
    today = [district_day(0, 97, 100, closed=40, closed_on_time=30, open=200, overdue=12)]
    past = [district_day(1, 99, 100, open=190, overdue=8), district_day(7, 95, 100, open=210, overdue=20)]
    view = leader_view(today, past, Rules())
    response = view.figure("response")
    assert (response.value, response.denominator, response.yesterday, response.last_week) == (0.97, 100, 0.99, 0.95)
    assert response.misses_target  # the center's line for the 12345 response rate is 99 %
    assert response.worse_than(response.yesterday) and not response.worse_than(response.last_week)
    on_time = view.figure("on_time")
    assert (on_time.value, on_time.denominator) == (0.75, 40) and on_time.misses_target  # below 90 %
    overdue = view.figure("overdue")
    assert (overdue.value, overdue.denominator, overdue.yesterday, overdue.last_week) == (12, None, 8, 20)
    assert overdue.worse_than(8) and not overdue.worse_than(20) and not overdue.misses_target
    satisfaction = view.figure("satisfaction")
    assert math.isnan(satisfaction.value) and satisfaction.denominator == 0 and not satisfaction.misses_target


def test_the_trend_is_thirty_days_ending_today_with_gaps_left_as_gaps() -> None:
    today = [district_day(0, 9, 10)]
    past = [district_day(n, 10, 10) for n in (1, 2, 5, 29, 30, 40)]  # 30 and 40 days ago: outside it
    view = leader_view(today, past, Rules())
    trend = view.trends["response"]
    assert len(trend) == TREND_DAYS and trend[-1] == (TODAY, 0.9) and trend[0][0] == TODAY - timedelta(days=29)
    kept = {d: v for d, v in trend if not math.isnan(v)}
    assert set(kept) == {TODAY - timedelta(days=n) for n in (0, 1, 2, 5, 29)}
    assert view.days_kept == 4


def test_a_stored_row_of_today_never_replaces_the_live_one() -> None:
    view = leader_view([district_day(0, 5, 10)], [district_day(0, 10, 10)], Rules())
    assert view.figure("response").value == 0.5


def test_streets_and_departments_rank_by_a_weeks_on_time_closure() -> None:
    today = [district_day(0, 1, 1)]
    past: list[DayFigures] = []
    rates = {"s1": 1.0, "s2": 0.9, "s3": 0.8, "s4": 0.7, "s5": 0.6, "s6": 0.5, "s7": 0.4, "s8": 0.3, "s9": 0.2}
    for ident, rate in rates.items():
        for n in range(7):  # ten closures a day for a week
            past.append(
                row(TODAY - timedelta(days=n + 1), Scope.STREET, ident, closed=10, closed_on_time=round(10 * rate))
            )
        past.append(row(TODAY - timedelta(days=8), Scope.STREET, ident, closed=10, closed_on_time=5))  # the week before
    past.append(row(TODAY - timedelta(days=1), Scope.STREET, "tiny", closed=MIN_CLOSED - 1, closed_on_time=0))
    view = leader_view(today, past, Rules())
    assert [x.scope_id for x in view.best_streets] == ["s1", "s2", "s3", "s4", "s5"]
    assert [x.scope_id for x in view.worst_streets] == ["s9", "s8", "s7", "s6"]  # never one in both lists
    s9 = view.worst_streets[0]
    # by hand: six days of the last seven are in the rows (day 1 … 6; day 7 is in the week before)
    week = [d for d in range(1, 8) if d <= 6]
    assert s9.closed == 10 * len(week) and s9.rate == pytest.approx(0.2)
    assert s9.change == pytest.approx(0.2 - (2 * 1 + 5) / 20)  # the week before: day 7 (2/10) and day 8 (5/10)
    assert "tiny" not in {x.scope_id for x in (*view.best_streets, *view.worst_streets)}
    assert view.best_departments == view.worst_departments == ()


def test_without_todays_rows_there_is_no_view() -> None:
    with pytest.raises(ValueError, match="today"):
        leader_view([], [district_day(1, 1, 1)], Rules())
