"""Column headers on a 1366×768 screen, in Chinese and in English (the wall's style sheet, the real
widgets, offscreen): the streets panel's headers are never cut at the width the commander's default
layout gives it, and the queue's sort arrow never covers a header."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader
from pytestqt.qtbot import QtBot

from console.core.situation import Situation
from server_link import records as r
from server_link.link_state import Batch
from tests.core.test_situation import DISTRICT, GRIDS, A, S, bj, make_case, upd
from tests.widgets.test_laptop_column import RIGHT_PX, language, on_the_wall
from tests.widgets.test_panels import two_cases
from widgets.case_queue import CaseQueue
from widgets.streets_panel import StreetsPanel

__all__ = ["language"]  # the fixture: each test in Chinese, then in English

# The streets panel's width in the commander's default layout at 1366×768 (measured in the console that
# ``scripts/screenshot OUT --size 1366x768`` runs: the bottom row under the map shares its 60 % among
# alarms, heat and streets); in the leader's layout there and the commander's at 1920×1080 (by the
# layout's shares, ``WallWindow.apply_default_sizes``).
STREETS_PX = (187, 369, 269)


def every_street() -> Situation:
    """A case in each of the 17 streets, every other one escalated (▲ 100.0 %, the widest figure)."""
    t = bj(2026, 11, 27, 9, 0)
    grids = {g[:9]: g for g in reversed(GRIDS)}
    cases = [
        make_case(
            n, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], grid=grid,
            escalated=n % 2 == 0, loop=r.Loop.BIG if n % 2 == 0 else r.Loop.SMALL,
        )
        for n, grid in enumerate(grids.values(), 1)
    ]  # fmt: skip
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, tuple(upd(c, i) for i, c in enumerate(cases, 1)), len(cases), "e"), t.timestamp() + 86400)
    assert len(sit.aggregates.streets) == len(DISTRICT.streets) == 17
    return sit


def header_label_width(header: QHeaderView, col: int) -> int:
    """The room the header's style gives a section's text (the section less its padding)."""
    opt = QStyleOptionHeader()
    header.initStyleOption(opt)
    opt.section = col
    opt.rect = QRect(0, 0, header.sectionSize(col), header.height())
    return header.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, opt, header).width()


@pytest.mark.parametrize("width", STREETS_PX)
def test_the_streets_panels_headers_and_cells_are_never_cut(qtbot: QtBot, language: str, width: int) -> None:
    panel = StreetsPanel()
    wall = on_the_wall(qtbot, panel, width)
    panel.show_situation(every_street())
    table, header = panel.table, panel.table.horizontalHeader()
    assert table.item(0, 3).text().startswith("▲")
    metrics = header.fontMetrics()
    titles = [table.horizontalHeaderItem(col).text() for col in range(table.columnCount())]
    for col, title in enumerate(titles):
        assert metrics.horizontalAdvance(title) <= header_label_width(header, col), (language, title)
        assert table.sizeHintForColumn(col) <= header.sectionSize(col), (language, title)  # names, figures
    assert all(table.horizontalHeaderItem(col).toolTip() for col in range(len(titles)))  # what each figure is
    total = sum(header.sectionSize(col) for col in range(table.columnCount()))
    if total > table.viewport().width():  # the commander's narrow panel: sideways, nothing cut
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() > 0)
    wall.resize(900, 400)  # wide: the columns share the room, no gap and no scrolling
    qtbot.waitUntil(lambda: sum(header.sectionSize(c) for c in range(header.count())) == table.viewport().width())
    assert table.horizontalScrollBar().maximum() == 0


def non_background(image: QImage, background: int) -> QRect:
    """The bounding box of the pixels unlike ``background``."""
    xs, ys = [], []
    for x in range(image.width()):
        for y in range(image.height()):
            if image.pixel(x, y) != background:
                xs.append(x)
                ys.append(y)
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) if xs else QRect()


def changed(a: QImage, b: QImage) -> QRect:
    """The bounding box of the pixels that differ between two images of one size."""
    differ = [(x, y) for x in range(a.width()) for y in range(a.height()) if a.pixel(x, y) != b.pixel(x, y)]
    if not differ:
        return QRect()
    xs, ys = [x for x, _ in differ], [y for _, y in differ]
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


@pytest.mark.parametrize("large", [False, True], ids=["desk", "large type"])
def test_the_queues_sort_arrow_never_covers_its_header(qtbot: QtBot, language: str, large: bool) -> None:
    queue = CaseQueue(two_cases())
    wall = on_the_wall(qtbot, queue, RIGHT_PX)
    queue.set_large_type(large)
    header = queue.view.horizontalHeader()
    shown = [col for col in range(header.count()) if not header.isSectionHidden(col)]
    wall.resize(3 * RIGHT_PX, 400)  # every column in view at once, to be drawn (only the title's width changes)
    qtbot.waitUntil(lambda: header.length() <= header.viewport().width())
    for col in shown:
        header.setSortIndicator(col, Qt.SortOrder.DescendingOrder)
        assert header.sortIndicatorSection() == col
        section = QRect(header.sectionViewportPosition(col), 0, header.sectionSize(col), header.height())
        with_arrow = header.grab(section).toImage()
        header.setSortIndicatorShown(False)
        without = header.grab(section).toImage()
        header.setSortIndicatorShown(True)
        title = str(queue.model.headerData(col, Qt.Orientation.Horizontal))
        text = non_background(without, without.pixel(1, 1))
        arrow = changed(with_arrow, without)
        assert not text.isNull() and not arrow.isNull(), (language, title)
        assert not arrow.intersects(text), (language, title, text, arrow)  # the arrow clear of the words
        assert header.fontMetrics().horizontalAdvance(title) <= header_label_width(header, col), (language, title)
