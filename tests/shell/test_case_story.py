"""A case's story as a commander reads it: another case opens at its top, the whole timeline is
shown (no scroll bar of its own, a return's reason wrapped, not cut), and Enter on a queue row opens
the story in a large window that Esc closes (the real console offscreen, on a scripted backend)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, NEIGHBOUR, NOW, WAIT_MS, applied, case, publish, pytestmark, wall  # noqa: F401
from widgets.case_detail import REPORT_LINES

S, A = r.Step, r.Action
REASON = "不属于本单位职责范围，请改派区市场监管局核实处理，并告知报告人处理进度与联系方式" * 2


def long_story(n: int) -> r.Case:
    """A case sent back and forth: fourteen events, returns with long reasons, a long report."""
    base = case(n, GRID, text="\n".join(f"第{i}行：楼道内堆放杂物，影响通行。" for i in range(REPORT_LINES * 3)))
    at = NOW - timedelta(hours=6)
    events = [
        r.Event(at=at, step=S.COLLECTED, action=A.COLLECT, actor="网格员"),
        r.Event(at=at + timedelta(minutes=1), step=S.FILED, action=A.FILE),
    ]
    for i in range(6):
        t = at + timedelta(minutes=10 + 20 * i)
        events.append(r.Event(at=t, step=S.DISPATCHED, action=A.DISPATCH, dept="d-hwzx"))
        events.append(r.Event(at=t + timedelta(minutes=5), step=S.FILED, action=A.RETURN, dept="d-hwzx", note=REASON))
    events.append(r.Event(at=NOW - timedelta(minutes=30), step=S.DISPATCHED, action=A.DISPATCH, dept="d-hwzx"))
    return msgspec.structs.replace(base, timeline=events, step=S.DISPATCHED, step_at=events[-1].at)


def test_another_case_opens_at_its_top_with_its_whole_timeline(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    story, other = long_story(1), case(2, NEIGHBOUR)
    seq = publish(server, [story, other])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, seq)
        detail = console.detail
        assert console.queue.select_case(story.no)
        qtbot.waitUntil(lambda: detail.case_no == story.no, timeout=WAIT_MS)
        timeline = detail.timeline
        assert timeline.rowCount() == len(story.timeline) == 15
        # Every event shown, in the panel's own scrolling: the table is as tall as its rows.
        rows = sum(timeline.rowHeight(i) for i in range(timeline.rowCount()))
        assert timeline.height() >= rows + timeline.horizontalHeader().height()
        assert timeline.verticalScrollBar().maximum() == 0
        # A return's reason wraps in its cell (its row is taller than one line), it is not cut.
        assert timeline.item(3, 5).text() == REASON[: len(timeline.item(3, 5).text())]
        assert timeline.rowHeight(3) > timeline.rowHeight(0)

        area = detail.parentWidget()
        while not isinstance(area, QScrollArea):
            area = area.parentWidget()
        qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0, timeout=WAIT_MS)
        area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())  # read down to the end
        assert console.queue.select_case(other.no)
        qtbot.waitUntil(lambda: detail.case_no == other.no, timeout=WAIT_MS)
        assert detail.heading.text().startswith(other.no)
        assert area.verticalScrollBar().value() == 0  # the new case's number and title are in view


def test_enter_on_a_queue_row_opens_the_whole_story_and_esc_closes_it(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    story = long_story(1)
    seq = publish(server, [story, case(2, NEIGHBOUR)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, seq)
        queue = console.queue
        assert queue.select_case(story.no)
        queue.view.setFocus()
        QTest.keyClick(queue.view, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: console.story is not None and console.story.isVisible(), timeout=WAIT_MS)
        window = console.story
        assert window is not None and window.case_no == story.no
        screen = console.window.screen().availableGeometry()
        assert window.width() >= screen.width() * 0.6 and window.height() >= screen.height() * 0.6
        # The citizen's whole report, not six lines of it.
        report = window.detail.report_area
        assert report.height() >= (REPORT_LINES * 3) * window.detail.report.fontMetrics().lineSpacing()
        assert window.detail.timeline.rowCount() == 15
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)  # it has the keys
        QTest.keyClick(window, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
        # The detail's 展开 opens it again.
        assert console.detail.expand.isVisible()
        QTest.mouseClick(console.detail.expand, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.isVisible, timeout=WAIT_MS)
        window.close()


def test_the_story_of_the_past_says_so_in_its_title(qtbot: QtBot) -> None:
    from console.core.situation import Provenance, Situation
    from tests.core.test_situation import DISTRICT
    from widgets.case_story import CaseStory

    story = long_story(1)
    at = NOW.timestamp()
    past = Situation.picture(
        DISTRICT, {r.key_of(story): r.encode(story)}, at, provenance=Provenance.PAST, as_of=at
    ).held()
    window = CaseStory()
    qtbot.addWidget(window)
    window.show_case(past, story.no)
    assert story.no in window.windowTitle() and "历史回放" in window.windowTitle() and "非实时" in window.windowTitle()
    assert window.detail.heading.text().startswith(story.no)
    window.close()
