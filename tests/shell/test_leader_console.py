"""The leaders' console on the reference CHP server over loopback: its board's figures are the live
situation's (open and overdue equal the core's aggregates), it offers no command, and the days its
cases cover reach the store's daily rows and the board's trend."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import msgspec
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from console.core.daily import day_of
from console.core.rules import OPEN_STEPS
from console.store import ActionKind
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, NEIGHBOUR, NOW, WAIT_MS, case, publish, pytestmark, receiving  # noqa: F401
from tests.shell.test_walls import console_of
from widgets.leader_board import LeaderBoard


def test_the_leaders_board_shows_the_live_figures_and_offers_no_command(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    older = msgspec.structs.replace(case(4, GRID), received_at=NOW - timedelta(days=2))  # open since two days ago
    older = msgspec.structs.replace(
        older, timeline=[msgspec.structs.replace(older.timeline[0], at=older.received_at), *older.timeline[1:]]
    )
    cases = [case(1, GRID), case(2, GRID, due_in=timedelta(hours=-2)), case(3, NEIGHBOUR, due_in=timedelta(hours=-1))]
    cases.append(older)
    sequence = publish(server, cases)
    with console_of(qtbot, tmp_path, endpoints, "--role", "leader") as console:
        qtbot.waitUntil(lambda: receiving(console) and console.situation.sequence >= sequence, timeout=WAIT_MS)
        board = console.panels["leader"].widget
        assert isinstance(board, LeaderBoard)
        qtbot.waitUntil(lambda: board.view is not None, timeout=WAIT_MS)
        d = console.situation.aggregates.district
        assert board.tiles["open"].value.text() == f"{sum(d.backlog[s.value] for s in OPEN_STEPS):,}" == "4"
        assert board.tiles["overdue"].value.text() == f"{d.overdue:,}" == "2"
        assert board.view is not None and board.view.day == day_of(console.situation.now)
        # the leader's console sends nothing, and shows nothing that would
        assert not console.commands.may(ActionKind.NOTE) and console.commands.allowed == frozenset()
        buttons = {b.text() for w in console.windows for b in w.findChildren(QPushButton) if b.isVisible()}
        assert buttons <= {"今日", "7 天", "30 天", "▶ 60×", "▶ 600×", "回到实时", "全区", "导出简报（PDF）…"}, buttons
        # the store writes the days the held cases cover (the first start's rebuild) and the board
        # reads them: yesterday's open cases behind today's figure. The days follow the cases' own
        # (Beijing) days, so the test holds at any hour: in the first hour after midnight the
        # hour-old cases were received yesterday, and the two-day-old one three days back.
        qtbot.waitUntil(lambda: console.store.daily_writes >= 1, timeout=WAIT_MS)
        today = day_of(console.situation.now)
        first = day_of(older.received_at.timestamp())
        covered = {first + timedelta(days=k) for k in range((today - first).days)}
        kept = console.store.daily(today - timedelta(days=4), today)
        assert {x.day for x in kept} == covered and len(covered) in (2, 3)
        qtbot.waitUntil(lambda: board.view is not None and board.view.days_kept == len(covered), timeout=WAIT_MS)
        open_yesterday = sum(day_of(c.received_at.timestamp()) < today for c in cases)
        assert board.view.figure("open").yesterday == float(open_yesterday) and open_yesterday in (1, 4)
        # the briefing from the board's button (the file dialog answered): the same view, as a PDF
        written = console.export_briefing(tmp_path / "briefing.pdf")
        assert written is not None and written.stat().st_size > 10_000
        # A past instant: the past holds no bodies, so the store makes the board's view of it, which
        # is the view of that instant's cases (here the same four, still open)
        assert console.store.flush(10)
        then = time.time()
        console.replay_bar.instant_requested.emit(then)
        qtbot.waitUntil(lambda: abs(board.as_of - then) < 1e-3 and not board.live, timeout=WAIT_MS)
        assert board.tiles["open"].value.text() == "4" and board.tiles["overdue"].value.text() == "2"
        # Dragging on: the store makes one view at a time, and the board ends on the last instant's.
        for k in range(1, 4):
            console.replay.request(then - k)
            qtbot.waitUntil(lambda k=k: console.replay.instant == then - k, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: abs(board.as_of - (then - 3)) < 1e-3 and not board.live, timeout=WAIT_MS)
        console.replay.live()
        qtbot.waitUntil(lambda: board.live, timeout=WAIT_MS)
