"""The wall's keys as a commander meets them: F1 shows them, Esc leaves no highlight behind, Ctrl+Q
and Ctrl+C in the terminal end the console cleanly (the real console offscreen)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, LOAD_MS, WAIT_MS, applied, case, publish, pytestmark, wall  # noqa: F401
from tests.widgets.test_grid_map import wait_page

ROOT = Path(__file__).resolve().parents[2]


def test_f1_shows_the_keys_and_hides_them_again(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        window = console.window
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        assert window.keys_help.isHidden()
        QTest.keyClick(window, Qt.Key.Key_F1)
        assert window.keys_help.isVisible()
        for key in ("F1", "Ctrl+F", "Esc", "Ctrl+S", "Ctrl+0", "Ctrl+Q"):
            assert key in window.keys_help.text()
        QTest.keyClick(window, Qt.Key.Key_F1)
        assert window.keys_help.isHidden()


def test_esc_clears_the_filter_and_every_highlight_that_followed_it(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    seq = publish(server, [case(1, GRID)])
    with wall(qtbot, tmp_path, endpoints) as console:
        applied(qtbot, console, seq)
        console.map.grid_clicked.emit(GRID)  # as a click on the grid does
        wait_page(qtbot, console.map, "gridMap.selectedGrid", GRID)
        console.streets.street_clicked.emit(GRID[:9])
        console.streets.table.selectRow(0)
        console.heat.pick("d-hwzx")  # as a click on its row does
        console.heat.department_clicked.emit("d-hwzx")
        assert console.queue.filter.unit_grids == {GRID} and console.queue.filter.streets
        assert console.queue.filter.depts == {"d-hwzx"} and console.heat.mark.isVisible()
        console.window.activateWindow()
        qtbot.waitUntil(console.window.isActiveWindow)
        QTest.keyClick(console.window, Qt.Key.Key_Escape)
        assert not console.queue.filter.unit_grids and not console.queue.filter.streets
        wait_page(qtbot, console.map, "gridMap.selectedGrid", None)
        assert not console.streets.table.selectedItems()
        assert console.heat.picked is None and not console.heat.mark.isVisible()


def test_ctrl_q_closes_every_window(qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer) -> None:
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        window = console.window
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: all(not w.isVisible() for w in console.windows), timeout=WAIT_MS)


def test_ctrl_c_in_the_terminal_ends_the_console_with_one_line_and_exit_0(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.shell.app", "--endpoint", str(Endpoints.free_loopback()),
         "--db", str(tmp_path / "c.db")],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:  # started: it says where its window opened
            line = proc.stderr.readline()
            seen.append(line)
            if line.startswith("grid-console: window 1 on screen"):
                break
        else:
            raise AssertionError(f"the console did not start: {seen}")
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "grid-console: SIGINT: closing" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_a_case_picked_in_the_queue_is_brought_into_view_on_the_map(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    from tests.shell.test_wall import DISTRICT

    far = max(g for g in DISTRICT.unit_grids if g[:9] == "110101017")  # the far south
    seq = publish(server, [case(1, GRID), case(2, far)])
    with wall(qtbot, tmp_path, endpoints) as console:
        applied(qtbot, console, seq)
        console.map.fit_street(GRID[:9])  # the operator looks at the north
        g = DISTRICT.unit_grids[far]
        in_view = f"gridMap.map.getBounds().contains([{g.lat}, {g.lon}])"
        wait_page(qtbot, console.map, in_view, False)
        assert console.queue.select_case("DC0000000002")
        wait_page(qtbot, console.map, in_view, True)


def test_f11_twice_returns_a_maximised_window_to_maximised(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        window = console.window
        window.showMaximized()
        qtbot.waitUntil(window.isMaximized, timeout=WAIT_MS)
        window.toggle_full_screen()
        qtbot.waitUntil(window.isFullScreen, timeout=WAIT_MS)
        window.toggle_full_screen()
        qtbot.waitUntil(lambda: window.isMaximized() and not window.isFullScreen(), timeout=WAIT_MS)


def test_the_queue_needs_no_sideways_scroll_and_its_title_has_room(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    from widgets.case_queue_model import Column

    seq = publish(server, [case(n, GRID) for n in range(1, 6)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, seq)
        view = console.queue.view
        qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() == 0, timeout=WAIT_MS)
        assert view.columnWidth(Column.TITLE) >= 150


def test_a_kpi_figure_leads_to_the_cases_it_counts(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    from datetime import timedelta

    late = case(1, GRID, due_in=-timedelta(hours=2))
    seq = publish(server, [late, case(2, GRID), case(3, GRID)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, seq)
        kpis, queue = console.kpis, console.queue
        qtbot.waitUntil(lambda: kpis.figures["overdue"].text() == "1", timeout=WAIT_MS)
        QTest.mouseClick(kpis.figures["overdue"], Qt.MouseButton.LeftButton)
        assert queue.filter.overdue_only and queue.model.case_nos() == [late.no]
        kpis.figures["open"].setFocus()
        QTest.keyClick(kpis.figures["open"], Qt.Key.Key_Return)  # by keyboard too
        assert queue.filter == type(queue.filter)() and len(queue.model.case_nos()) == 3
        QTest.mouseClick(kpis.figures["response"], Qt.MouseButton.LeftButton)  # a rate counts no cases here
        assert len(queue.model.case_nos()) == 3
