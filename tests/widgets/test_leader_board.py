"""The leaders' board shows a LeaderView as it is: each figure with what it is out of, its changes
(red only when worse), its target (amber only when missed); a click on a tile draws its trend; the
rankings by name (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.daily import Scope
from console.core.leader import leader_view
from console.core.rules import Rules
from server_link.workcal import BEIJING
from tests.core.test_leader import TODAY, district_day, row
from widgets.leader_board import WORSE, LeaderBoard


def board(qtbot: QtBot) -> LeaderBoard:
    today = [district_day(0, 97, 100, closed=40, closed_on_time=38, open=200, overdue=12)]
    past = [district_day(n, 99 if n == 1 else 96, 100, closed=10, closed_on_time=9, open=190) for n in range(1, 30)]
    past += [row(TODAY - timedelta(days=n), Scope.STREET, "110101001", closed=10, closed_on_time=9) for n in range(7)]
    past += [row(TODAY - timedelta(days=n), Scope.STREET, "110101002", closed=10, closed_on_time=5) for n in range(7)]
    view = leader_view(today, past, Rules())
    b = LeaderBoard()
    qtbot.addWidget(b)
    b.resize(1300, 900)
    b.show()
    b.show_view(view, {"110101001": "东华门", "110101002": "景山"}, {}, 1764750000.0, live=True)
    return b


def test_each_tile_says_what_it_is_out_of_how_it_moved_and_its_target(qtbot: QtBot) -> None:
    b = board(qtbot)
    response = b.tiles["response"]
    assert response.value.text() == "97.0%" and response.base.text() == "共 100 件 · 目标 ≥ 99.0%"
    assert response.since_yesterday.text() == "较昨日 ▼2.0 个百分点"
    assert response.since_last_week.text() == "较上周同日 ▲1.0 个百分点"
    assert WORSE in response.since_yesterday.styleSheet()  # worse than yesterday: red
    assert response.since_last_week.styleSheet() == ""  # better than last week: calm
    assert response.value.styleSheet() != ""  # below its target: amber
    on_time = b.tiles["on_time"]
    assert on_time.value.text() == "95.0%" and on_time.value.styleSheet() == ""  # above its 90 %: calm
    assert on_time.since_yesterday.styleSheet() == on_time.since_last_week.styleSheet() == ""  # better: no colour
    overdue = b.tiles["overdue"]
    assert overdue.value.text() == "12" and overdue.base.text() == "件"  # a count: no target
    assert "实时" in b.heading.text()


def test_a_click_on_a_tile_draws_its_trend_and_the_span_can_be_a_week(qtbot: QtBot) -> None:
    b = board(qtbot)
    qtbot.mouseClick(b.tiles["response"], Qt.MouseButton.LeftButton)
    assert b.trend_figure == "response"
    points = b.trend_points()
    assert len(points) == 30 and points[-1] == (29.0, 97.0) and points[-2] == (28.0, 99.0)
    assert b.target_line.isVisible() and b.target_line.value() == 99.0
    b.span_buttons[7].click()
    assert len(b.trend_points()) == 7 and "7" in b.trend_title.text()
    qtbot.mouseClick(b.tiles["open"], Qt.MouseButton.LeftButton)
    assert b.trend_points()[-1] == (6.0, 200.0) and not b.target_line.isVisible()


def test_the_rankings_name_the_streets_best_first_and_worst_first(qtbot: QtBot) -> None:
    b = board(qtbot)
    best, worst = b.rankings["best_streets"][1], b.rankings["worst_streets"][1]
    assert (best.rowCount(), best.item(0, 0).text(), best.item(0, 1).text()) == (1, "东华门", "90.0%")
    assert (worst.rowCount(), worst.item(0, 0).text(), worst.item(0, 1).text()) == (1, "景山", "50.0%")


def test_today_is_drawn_hour_by_hour_and_asked_for_when_missing(qtbot: QtBot) -> None:
    b = board(qtbot)
    assert b.view is not None and b.view.today == ()
    with qtbot.waitSignal(b.hourly_wanted, timeout=1000):
        b.span_buttons[1].click()  # 今日: the view has no hours yet, the panel is asked for them
    start = datetime.combine(TODAY, datetime.min.time(), BEIJING).timestamp()
    hours = tuple((start + 3600 * h, district_day(0, 7 + h, 10)) for h in (1, 2, 3))
    view = dataclasses.replace(b.view, today=hours)
    b.show_view(view, {}, {}, start + 3 * 3600, live=True)
    qtbot.mouseClick(b.tiles["response"], Qt.MouseButton.LeftButton)
    points = b.trend_points()
    assert [x for x, _ in points] == [1.0, 2.0, 3.0]
    assert [y for _, y in points] == pytest.approx([80.0, 90.0, 100.0])  # (7 + h) / 10, in per cent
    assert "今日逐时" in b.trend_title.text()
