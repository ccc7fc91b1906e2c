"""The department heat answers "with whom is it stuck": figures in the cells, a tooltip naming the
department with its figures, a click on a row or on its name picks it (outlined), and the rows stay
put while the pointer is over them (real pyqtgraph view, real mouse events, offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QEnterEvent, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.situation import Situation
from console.core.untrusted import ZWSP
from server_link import records as r
from tests.core.test_backend_records import DISTRICT, A, apply, page_case
from widgets.department_heat import METRICS, PALETTES, DepartmentHeat

BUSY, QUIET = "d-cgzf", "d-hwzx"


def situation(busy: int, quiet: int, third: int = 0) -> Situation:
    sit = Situation(DISTRICT)
    cases = [page_case(n, until=A.DISPATCH, dept=BUSY) for n in range(busy)]
    cases += [page_case(100 + n, until=A.DISPATCH, dept=QUIET) for n in range(quiet)]
    cases += [page_case(200 + n, until=A.DISPATCH, dept="d-swj") for n in range(third)]
    apply(sit, list[r.Record](cases))
    return sit


def shown_heat(qtbot: QtBot, sit: Situation) -> DepartmentHeat:
    heat = DepartmentHeat()
    qtbot.addWidget(heat)
    heat.resize(900, 500)
    heat.show()
    qtbot.waitExposed(heat)
    heat.show_situation(sit)
    return heat


def viewport_point(heat: DepartmentHeat, x: float, y: float) -> QPoint:
    """Where the heat's data point (x = column, y = row) is on its view's viewport."""
    scene = heat.plot.getViewBox().mapViewToScene(QPointF(x, y))
    return heat.view.mapFromScene(scene)


def test_each_cell_in_view_shows_its_figure(qtbot: QtBot) -> None:
    sit = situation(busy=4, quiet=1)
    heat = shown_heat(qtbot, sit)
    figures = heat.shown_figures()
    open_column = [name for name, _ in METRICS].index("open")
    assert figures[(BUSY, open_column)] == "4" and figures[(QUIET, open_column)] == "1"
    assert heat.order.index(BUSY) < heat.order.index(QUIET)  # worse first: more open
    assert all((dept, c) in figures for dept in heat.order[:3] for c in range(len(METRICS)))
    heat.show_situation(situation(busy=6, quiet=1))  # live: the figures follow
    assert heat.shown_figures()[(BUSY, open_column)] == "6"


def test_the_tooltip_names_the_department_and_its_figures(qtbot: QtBot) -> None:
    heat = shown_heat(qtbot, situation(busy=4, quiet=1))
    row = heat.order.index(BUSY)
    QTest.mouseMove(heat.view.viewport(), viewport_point(heat, 1.5, row + 0.5))
    qtbot.waitUntil(lambda: heat.view.toolTip() != "")
    doc = QTextDocument()
    doc.setHtml(heat.view.toolTip())  # a tooltip may be rich text: this one always is, escaped
    tip = doc.toPlainText().replace(ZWSP, "")
    name = DISTRICT.departments[BUSY].name
    assert tip.startswith(name) and "在办: 4" in tip and "单击" in tip


def test_a_backends_hostile_department_name_is_shown_literally(qtbot: QtBot) -> None:
    hostile = "<b>粗体</b><img src=x>"
    sit = Situation(DISTRICT)
    dept = r.Department(schema=1, id="x-bad", name=hostile, type=r.DepartmentKind.DISTRICT)
    apply(sit, [dept, page_case(1, until=A.DISPATCH, dept="x-bad")])
    heat = shown_heat(qtbot, sit)
    QTest.mouseMove(heat.view.viewport(), viewport_point(heat, 1.5, heat.order.index("x-bad") + 0.5))
    qtbot.waitUntil(lambda: heat.view.toolTip() != "")
    doc = QTextDocument()
    doc.setHtml(heat.view.toolTip())
    assert doc.toPlainText().replace(ZWSP, "").startswith(hostile)


def test_a_click_on_a_name_picks_the_department_and_outlines_its_row(qtbot: QtBot) -> None:
    heat = shown_heat(qtbot, situation(busy=4, quiet=1))
    row = heat.order.index(QUIET)
    axis = heat.plot.getAxis("left")
    at = heat.view.mapFromScene(axis.mapToScene(QPointF(axis.width() / 2, 0)))  # the names' column
    y = viewport_point(heat, 0, row + 0.5).y()
    with qtbot.waitSignal(heat.department_clicked, timeout=2000) as clicked:
        QTest.mouseClick(heat.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at.x(), y))
    assert clicked.args == [QUIET]
    assert heat.picked == QUIET and heat.mark.isVisible() and heat.mark.rect().top() == row
    with qtbot.waitSignal(heat.department_clicked, timeout=2000) as clicked:  # a cell of the row does the same
        QTest.mouseClick(heat.view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(heat, 3.5, 0.5))
    assert clicked.args == [heat.order[0]] and heat.mark.rect().top() == 0


def test_the_rows_keep_their_order_while_the_pointer_is_over_them(qtbot: QtBot) -> None:
    heat = shown_heat(qtbot, situation(busy=4, quiet=1))
    before = list(heat.order)
    QApplication.sendEvent(heat, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    heat.show_situation(situation(busy=1, quiet=6))  # the ranking would change
    assert heat.order == before
    open_column = [name for name, _ in METRICS].index("open")
    assert heat.shown_figures()[(QUIET, open_column)] == "6"  # the figures are live all the same
    QApplication.sendEvent(heat, QEvent(QEvent.Type.Leave))
    assert heat.order.index(QUIET) < heat.order.index(BUSY)  # re-ranked once the pointer left


def test_cells_too_narrow_for_their_figures_show_colour_only(qtbot: QtBot) -> None:
    heat = shown_heat(qtbot, situation(busy=4, quiet=1))
    assert heat.shown_figures()
    heat.resize(260, 500)  # a 1366x768 laptop's share, or less
    qtbot.waitUntil(lambda: not heat.shown_figures())
    assert "在办: 4" in heat.tooltip_text(BUSY)  # the tooltip still has them
    heat.resize(900, 500)
    qtbot.waitUntil(lambda: bool(heat.shown_figures()))


def test_a_busier_department_is_not_red_for_being_busy(qtbot: QtBot) -> None:
    """WALL.md: colour only for trouble. Four open cases against one is no trouble in itself (the
    figure that ranks it first used to paint it red): every cell stays the calm grey on screen; only
    a figure the core judges trouble (here: overdue cases, a month on) is tinted, in its own cell."""
    heat = shown_heat(qtbot, situation(busy=4, quiet=1))
    grey = QColor(PALETTES["dark"].ramp[0])

    def painted(dept: str, column: int) -> QColor:
        image = heat.view.grab().toImage()
        at = viewport_point(heat, column + 0.1, heat.order.index(dept) + 0.15)  # a corner: not the figure
        return image.pixelColor(at)

    assert heat.image.image is not None and not heat.image.image.any()
    assert all(painted(BUSY, c) == grey for c in range(len(METRICS)))
    sit = situation(busy=4, quiet=1)
    sit.tick(sit.now + 30 * 86400)  # a month on: every case is overdue
    heat.show_situation(sit)
    overdue = [name for name, _ in METRICS].index("overdue")
    assert painted(BUSY, overdue) != grey
    assert [c for c in range(len(METRICS)) if painted(BUSY, c) != grey] == [overdue]
