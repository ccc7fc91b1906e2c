"""On a 1366×768 screen the wall's right-hand column is about 545 px wide and the heat about 440 px
(the default layout at scale 1, as ``scripts/screenshot OUT --size 1366x768`` shows it): the KPI strip
fits without scrolling sideways, the queue's search hint is whole, the heat's captions stand apart;
in Chinese and in English (the wall's style sheet, the real widgets, offscreen)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import QApplication, QScrollArea, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from console.core.situation import Situation
from console.shell.i18n import install_translators
from console.shell.style import style_sheet
from tests.widgets.test_department_heat import situation
from tests.widgets.test_panels import two_cases
from widgets.case_queue import CaseQueue
from widgets.department_heat import CAPTION_GAP_PX, METRICS, DepartmentHeat
from widgets.kpi_strip import KpiStrip

RIGHT_PX, HEAT_PX = 545, 519  # at 1366×768: the right-hand column, the heat (0.38 of the width)


@pytest.fixture(params=["zh_CN", "en"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """Each test in Chinese, then in English (the translators removed again afterwards)."""
    locale = QLocale()
    installed = install_translators(qapp, request.param)
    try:
        yield request.param
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


def on_the_wall(qtbot: QtBot, panel: QWidget, width: int, *, scrolled: bool = False) -> QWidget:
    """``panel`` under the wall's style sheet, ``width`` pixels wide (in a scroll area as its dock has it)."""
    wall = QWidget()
    wall.setStyleSheet(style_sheet("dark", 1.0))
    inner: QWidget = panel
    if scrolled:
        area = QScrollArea()
        area.setWidget(panel)
        area.setWidgetResizable(True)
        inner = area
    layout = QVBoxLayout(wall)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(inner)
    qtbot.addWidget(wall)
    wall.resize(width, 400)
    wall.show()
    qtbot.waitExposed(wall)
    return wall


def whole(widget: QWidget, text: str) -> bool:
    return widget.fontMetrics().horizontalAdvance(text) <= widget.contentsRect().width()


def test_the_kpi_strip_fits_the_column_without_scrolling_sideways(qtbot: QtBot, language: str) -> None:
    strip = KpiStrip()
    wall = on_the_wall(qtbot, strip, RIGHT_PX, scrolled=True)
    strip.show_situation(two_cases())
    strip.figures["closure"].setText("100.0%")  # the widest a figure gets
    area = wall.findChild(QScrollArea)
    assert area is not None
    qtbot.waitUntil(lambda: strip.width() <= area.viewport().width())
    assert area.horizontalScrollBar().maximum() == 0
    for name in strip.figures:
        assert whole(strip.captions[name], strip.captions[name].text()), (language, name)
        assert whole(strip.figures[name], strip.figures[name].text()), (language, name)
    # the height the column gives it at 1366×768 (the KPI dock's 201 px): no vertical scrolling either
    needed = strip.layout().heightForWidth(strip.width())
    assert needed <= 201, (language, needed)
    shown = QTextDocument()
    shown.setHtml(strip.captions["open"].toolTip())
    assert strip.details["open"].isHidden() and shown.toPlainText() == strip.details["open"].text() != ""
    smaller = strip.figures["open"].font().pixelSize()
    wall.resize(1600, 400)  # a wall screen's column: the style's own sizes again
    qtbot.waitUntil(lambda: strip.figures["open"].font().pixelSize() > smaller)
    assert not strip.details["intake"].isHidden()


def test_the_queues_search_hint_is_whole_in_a_narrow_column(qtbot: QtBot, language: str) -> None:
    queue = CaseQueue(two_cases())
    wall = on_the_wall(qtbot, queue, RIGHT_PX)
    box = queue.search_box
    hint = box.placeholderText()
    qtbot.waitUntil(lambda: box.width() > box.fontMetrics().horizontalAdvance(hint) + 2 * box.fontMetrics().height())
    assert box.geometry().bottom() < queue.hard_toggle.geometry().top()  # on a line of its own
    wall.resize(1400, 400)
    qtbot.waitUntil(lambda: box.geometry().bottom() >= queue.hard_toggle.geometry().top())  # beside the buttons again
    assert box.geometry().right() < queue.hard_toggle.geometry().left() and whole(box, hint)


def test_the_heats_captions_stand_apart_in_a_narrow_panel(qtbot: QtBot, language: str) -> None:
    heat = DepartmentHeat()
    wall = on_the_wall(qtbot, heat, HEAT_PX)
    sit: Situation = situation(busy=4, quiet=1)
    heat.show_situation(sit)

    def captions() -> list[str]:
        ticks = heat.plot.getAxis("top")._tickLevels[0]
        return [text for _, text in ticks]

    qtbot.waitUntil(lambda: all("\n" in c for c in captions()))  # two staggered lines
    metrics = QFontMetrics(heat.plot.getAxis("top").style["tickFont"])
    room = 2 * heat.plot.getViewBox().width() / len(METRICS) - CAPTION_GAP_PX
    for caption in captions():
        assert metrics.horizontalAdvance(caption.strip()) <= room and "…" not in caption, (language, caption)
    wall.resize(1400, 400)
    qtbot.waitUntil(lambda: not any("\n" in c for c in captions()))  # side by side where they fit
