"""Department heat: 85 departments × evaluation metrics, ranked worst first, with 24-hour sparklines.

One pyqtgraph ``ImageItem`` for the matrix and one curve with a ``connect`` array for all the
sparklines (ARCHITECTURE.md: 0.01 ms and 0.4 ms per update, against 14 ms for 85 separate items).
"With whom is it stuck" is read off it: each visible cell carries its figure (a small pool of text
items, for the rows in view only), a cell's tooltip names the department and all its figures, a
click on a row or on a department's name filters the queue to it and marks the row, and while the
pointer is over the heat its rows keep their order (they re-rank when it leaves).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QEnterEvent, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from console.core.aggregates import DepartmentFigures
from console.core.rules import ScoreWeights
from console.core.situation import Situation
from console.core.trouble import HEAT_METRICS, department_badness
from console.core.untrusted import one_line, tooltip
from widgets.i18n import QT_TRANSLATE_NOOP
from widgets.labels import department_names, short_department_name
from widgets.map_page import Theme

METRICS = (  # (name, column caption: translated where it is shown)
    ("open", QT_TRANSLATE_NOOP("DepartmentHeat", "在办")), ("overdue", QT_TRANSLATE_NOOP("DepartmentHeat", "超期")),
    ("on_time", QT_TRANSLATE_NOOP("DepartmentHeat", "按期率")),
    ("returns", QT_TRANSLATE_NOOP("DepartmentHeat", "退回")),
    ("rework", QT_TRANSLATE_NOOP("DepartmentHeat", "返工")),
    ("satisfaction", QT_TRANSLATE_NOOP("DepartmentHeat", "满意")),
    ("composite", QT_TRANSLATE_NOOP("DepartmentHeat", "综合")),
)  # fmt: skip
assert tuple(name for name, _ in METRICS) == HEAT_METRICS  # the core judges the same columns


@dataclass(frozen=True, slots=True)
class Palette:
    ramp: tuple[str, ...]  # badness 0 … 1: calm grey → red, as on the map
    names: str  # department names
    captions: str  # metric captions
    spark: str  # sparklines
    figures: str  # the figure in a cell
    mark: str  # the outline of the department picked


PALETTES: Final[Mapping[Theme, Palette]] = {
    "dark": Palette(
        ("#3a3d42", "#5a4a44", "#8a4a3c", "#b8442f", "#e03b2a"), "#e6e6e6", "#a8abb0", "#a8abb0", "#f4f4f4", "#7fb2ff"
    ),
    "light": Palette(
        ("#d3d5d8", "#d2b1a6", "#cf8572", "#d45a45", "#e03b2a"), "#14181f", "#3d4148", "#5e6268", "#101318", "#1f5fbf"
    ),
}
VISIBLE_ROWS = 18
ROW_PX = 22
NAMES_PX = 150  # the department names' column, at most
SPARK_PX = (36, 140)  # the sparklines' column: at least, at most (about an eighth of the panel between)
NAMES_SHARE = 0.4  # … and at most this share of a narrow panel (a laptop's), so the cells keep room
CAPTION_GAP_PX = 6  # at least this between two metric captions side by side
SAMPLE_EVERY_S = 600.0  # one sparkline point per ten minutes, 24 hours kept
HISTORY = 145  # 24 hours of ten-minute samples, both ends included


class DepartmentHeat(QWidget):
    """The heat matrix and sparklines; each cell grey unless the core judges its figure trouble
    (``console.core.trouble``), then a tint rising to red.

    Signals:
        department_clicked(str): the id of the department whose row (a cell or its name) was clicked.
    """

    department_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = "dark") -> None:
        super().__init__(parent)
        colours = PALETTES[theme]
        self.order: list[str] = []  # department ids, worst first
        self.values: dict[str, tuple[float, ...]] = {}
        self._history: dict[str, deque[int]] = {}
        self._last_sample = -math.inf
        self._ranged = False
        self._shown: npt.NDArray[np.float64] | None = None  # the badness matrix on screen
        self._ticked: list[str] = []  # the order the row names were laid out in
        self.names: dict[str, str] = {}
        self.picked: str | None = None  # the department clicked (its row is outlined)
        self._held = False  # the pointer is over the heat: the rows keep their order
        self._waiting: tuple[Situation, bool] | None = None  # shown again when the pointer leaves
        self._palette = colours
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(None)
        self.plot = self.view.addPlot(row=0, col=0)
        self.spark = self.view.addPlot(row=0, col=1)
        self.view.ci.layout.setColumnStretchFactor(0, 5)
        self.view.ci.layout.setColumnStretchFactor(1, 1)
        for p in (self.plot, self.spark):
            p.setMenuEnabled(False)
            p.hideButtons()
            p.invertY(True)
            p.setMouseEnabled(x=False, y=True)
        self.plot.showAxis("top")
        self._axis_font = QFont()  # the application's: what pyqtgraph draws axis text with, set to measure it
        left = self.plot.getAxis("left")
        left.setTickFont(self._axis_font)
        self._names_px = NAMES_PX
        left.setWidth(NAMES_PX)
        left.setStyle(tickLength=0, autoExpandTextSpace=False)
        left.setTextPen(colours.names)
        top = self.plot.getAxis("top")
        top.setTickFont(self._axis_font)
        top.setTextPen(colours.captions)
        top.setStyle(hideOverlappingLabels=NAMES_PX // 2)  # the first and last captions may reach past the cells
        self.plot.hideAxis("bottom")
        self.spark.hideAxis("left")
        self.spark.hideAxis("bottom")
        self.spark.setYLink(self.plot)
        self.image = pg.ImageItem(axisOrder="row-major")
        ramp = list(colours.ramp)
        self.image.setLookupTable(pg.ColorMap(np.linspace(0, 1, len(ramp)), ramp).getLookupTable(nPts=256))
        self.image.setLevels((0.0, 1.0))
        self.plot.addItem(self.image)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(colours.spark, width=1))
        self.spark.addItem(self.curve)
        self._captions = [QCoreApplication.translate("DepartmentHeat", caption) for _, caption in METRICS]
        self._caption_ticks = [(i + 0.5, caption) for i, caption in enumerate(self._captions)]  # until laid out
        top.setTicks([self._caption_ticks])
        self.image.mouseClickEvent = self._on_image_clicked
        self.image.hoverEvent = self._on_image_hovered
        self.plot.getAxis("left").mouseClickEvent = self._on_name_clicked
        self.cells: list[pg.TextItem] = []  # figures of the rows in view, reused as the view scrolls
        self.mark = QGraphicsRectItem(0, 0, len(METRICS), 1)
        self.mark.setPen(pg.mkPen(colours.mark, width=3, cosmetic=True))
        self.mark.setZValue(10)
        self.mark.hide()
        self.plot.addItem(self.mark)
        self.plot.getViewBox().sigYRangeChanged.connect(self._place_figures)
        self.plot.getViewBox().sigResized.connect(self._place_captions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def show_situation(self, sit: Situation, *, sample: bool = True) -> None:
        """The departments' figures, ranked; ``sample``: the live figures also feed the sparklines
        (not a past situation's, shown during a replay)."""
        weights = sit.rules.weights
        figures = sit.aggregates.departments
        names = department_names(sit)
        ids = sorted(names)
        held = [figures.get(i) or DepartmentFigures() for i in ids]
        rows = {i: _row(f, weights) for i, f in zip(ids, held, strict=True)}
        judged = dict(zip(ids, department_badness(held, weights, sit.rules.heat), strict=True))
        # the most trouble first (the core's judgement, summed over the row), then overdue, open, score
        ranked = sorted(ids, key=lambda i: (-sum(judged[i]), -rows[i][1], -rows[i][0], rows[i][-1], i))
        if self._held and self.order:  # under the pointer: the same order (new departments at the end)
            kept = [i for i in self.order if i in rows]
            ranked = kept + [i for i in ranked if i not in set(kept)]
            self._waiting = (sit, sample)
        self.order = ranked
        self.values = rows
        self.names = names
        # Only what changed is handed to pyqtgraph: new ticks re-lay 85 names of text, and a new
        # image or curve repaints the view (a native profile of the GUI thread under load found the
        # heat's axis painting among its larger parts).
        badness = np.array([judged[i] for i in self.order], dtype=np.float64).reshape(-1, len(METRICS))
        if self._shown is None or not np.array_equal(badness, self._shown):
            self._shown = badness
            self.image.setImage(badness, autoLevels=False, levels=(0.0, 1.0))
            self.image.setRect(0, 0, len(METRICS), len(self.order))
        reordered = self.order != self._ticked
        if reordered:
            self._tick_names()
        if not self._ranged:  # the first time only: afterwards the user's scroll position stays
            self.plot.setXRange(0, len(METRICS), padding=0)
            self._fit_rows()
            self.plot.getViewBox().disableAutoRange()
            self._ranged = True
        if (sample and self._sample(rows)) or reordered:
            self._draw_sparklines()
        self._place_figures()
        self._place_mark()

    def _tick_names(self) -> None:
        """The departments' names down the left, in the rows' order, elided to the names' column."""
        self._ticked = list(self.order)
        metrics = QFontMetrics(self._axis_font)
        room = self._names_px - 8

        def shown(dept: str) -> str:
            name = short_department_name(one_line(self.names.get(dept, dept), wrap=False))
            return metrics.elidedText(name, Qt.TextElideMode.ElideRight, room)

        self.plot.getAxis("left").setTicks([[(k + 0.5, shown(i)) for k, i in enumerate(self.order)]])

    # ------------------------------------------------------------------ reading it
    def figure_text(self, dept: str, column: int) -> str:
        """A cell's figure as shown: counts as they are, rates in per cent, the score in points."""
        value = self.values[dept][column]
        if math.isnan(value):
            return "—"
        name = METRICS[column][0]
        if name in ("on_time", "rework", "satisfaction"):
            return f"{value * 100:.0f}%"  # whole per cent: a cell is narrow (the tooltip has the same)
        return f"{value:.0f}"

    def tooltip_text(self, dept: str) -> str:
        """The department by name with every figure of its row (plain text)."""
        lines = [one_line(self.names.get(dept, dept), 40)]
        for column, (_, caption) in enumerate(METRICS):
            label = QCoreApplication.translate("DepartmentHeat", caption)
            lines.append(f"{label}: {self.figure_text(dept, column)}")
        lines.append(self.tr("单击：在队列中只看这个部门的案件"))
        return "\n".join(lines)

    def pick(self, dept: str | None) -> None:
        """Outline ``dept``'s row (None: no row), as a click does; the filter it leads to is the shell's."""
        self.picked = dept
        self._place_mark()

    def _place_mark(self) -> None:
        if self.picked is None or self.picked not in self.order:
            self.mark.hide()
            return
        self.mark.setRect(0, self.order.index(self.picked), len(METRICS), 1)
        self.mark.show()

    def _place_figures(self) -> None:
        """The figures of the rows in view, one text item per cell, from a pool."""
        if not self._ranged:
            return
        top, bottom = self.plot.getViewBox().viewRange()[1]
        first, last = max(0, math.floor(top)), min(len(self.order), math.ceil(bottom))
        if self.plot.getViewBox().width() / len(METRICS) < QFontMetrics(self.font()).horizontalAdvance("100%") + 4:
            first = last = 0  # cells too narrow for their figures (a small screen): the colours and tooltips only
        needed = max(0, last - first) * len(METRICS)
        while len(self.cells) < needed:
            cell = pg.TextItem(color=self._palette.figures, anchor=(0.5, 0.5))
            cell.setZValue(5)
            self.plot.addItem(cell)
            self.cells.append(cell)
        k = 0
        for row in range(first, last):
            dept = self.order[row]
            for column in range(len(METRICS)):
                cell = self.cells[k]
                text = self.figure_text(dept, column)
                if cell.textItem.toPlainText() != text:
                    cell.setText(text)
                cell.setPos(column + 0.5, row + 0.5)
                cell.show()
                k += 1
        for cell in self.cells[k:]:
            cell.hide()

    def shown_figures(self) -> dict[tuple[str, int], str]:
        """What the cells in view say: (department, column) → text (for tests and screen readers)."""
        out: dict[tuple[str, int], str] = {}
        for cell in self.cells:
            if cell.isVisible():
                row, column = int(cell.pos().y()), int(cell.pos().x())
                out[(self.order[row], column)] = cell.textItem.toPlainText()
        return out

    # ------------------------------------------------------------------ the pointer
    def enterEvent(self, event: QEnterEvent) -> None:
        self._held = True
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._held = False
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.show_situation(waiting[0], sample=False)  # re-ranked now that nobody is reading it
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.spark.setMaximumWidth(max(SPARK_PX[0], min(SPARK_PX[1], self.width() * 0.12)))  # cells first
        names_px = max(80, min(NAMES_PX, int(self.width() * NAMES_SHARE)))
        if names_px != self._names_px:
            self._names_px = names_px
            self.plot.getAxis("left").setWidth(names_px)
            self._ticked = []  # the names again, elided to the new width
            if self._waiting is None and self.order and self._shown is not None:
                self._tick_names()
        if self._ranged:
            self._fit_rows()
            self._place_figures()  # a narrower panel may have no room for them

    def _place_captions(self) -> None:
        """The metric captions over their columns: side by side where the columns are wide enough for
        them, else on two staggered lines (each caption then has two columns' width, elided beyond)."""
        metrics = QFontMetrics(self._axis_font)
        column = self.plot.getViewBox().width() / len(METRICS)
        staggered = max(metrics.horizontalAdvance(c) for c in self._captions) + CAPTION_GAP_PX > column
        ticks = []
        for i, caption in enumerate(self._captions):
            if staggered:
                text = metrics.elidedText(caption, Qt.TextElideMode.ElideRight, int(2 * column) - CAPTION_GAP_PX)
                caption = f"{text}\n " if i % 2 == 0 else f" \n{text}"  # upper line, lower line
            ticks.append((i + 0.5, caption))
        if ticks != self._caption_ticks:
            self._caption_ticks = ticks
            top = self.plot.getAxis("top")
            top.setTicks([ticks])
            top.setHeight(2 * metrics.height() + CAPTION_GAP_PX if staggered else None)  # (auto: one line)

    def _fit_rows(self) -> None:
        """As many rows as are legible in the panel's height (about 22 px each), from the top."""
        rows = max(3, min(len(self.order) or VISIBLE_ROWS, self.height() // ROW_PX))
        top = max(0.0, self.plot.getViewBox().viewRange()[1][0]) if self._ranged else 0.0
        self.plot.setYRange(top, top + rows, padding=0)

    def show_history(self, history: Mapping[str, Iterable[int]]) -> None:
        """The sparklines' past (open cases per department, oldest first, one point per ten minutes
        up to now), rebuilt from the cases' timelines; live samples carry on from there."""
        self._history = {dept: deque((int(v) for v in points), maxlen=HISTORY) for dept, points in history.items()}
        self._last_sample = time.monotonic()
        self._draw_sparklines()

    def _sample(self, rows: dict[str, tuple[float, ...]]) -> bool:
        """Append each department's open figure if a sample is due; True if one was."""
        now = time.monotonic()
        if now - self._last_sample < SAMPLE_EVERY_S:
            return False
        self._last_sample = now
        for dept, values in rows.items():
            self._history.setdefault(dept, deque(maxlen=HISTORY)).append(int(values[0]))
        return True

    def _draw_sparklines(self) -> None:
        xs: list[npt.NDArray[np.float64]] = []
        ys: list[npt.NDArray[np.float64]] = []
        connect: list[npt.NDArray[np.bool_]] = []
        for k, dept in enumerate(self.order):
            points = np.array(self._history.get(dept, ()), dtype=np.float64)
            if len(points) < 2:
                continue
            peak = max(points.max(), 1.0)
            xs.append(np.linspace(0, 1, len(points)))
            ys.append(k + 0.85 - 0.7 * points / peak)  # one row per department, flipped (rows grow down)
            link = np.ones(len(points), dtype=bool)
            link[-1] = False  # no line from one department's last point to the next one's first
            connect.append(link)
        if xs:
            self.curve.setData(np.concatenate(xs), np.concatenate(ys), connect=np.concatenate(connect))
        else:
            self.curve.setData([], [])

    def _on_image_clicked(self, event: object) -> None:
        self._click_row(int(event.pos().y()), event)  # type: ignore[attr-defined]

    def _on_name_clicked(self, event: object) -> None:
        y = self.plot.getViewBox().mapSceneToView(event.scenePos()).y()  # type: ignore[attr-defined]
        self._click_row(math.floor(y), event)

    def _click_row(self, row: int, event: object) -> None:
        if 0 <= row < len(self.order) and event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            self.pick(self.order[row])
            self.department_clicked.emit(self.order[row])
            event.accept()  # type: ignore[attr-defined]

    def _on_image_hovered(self, event: object) -> None:
        if event.isExit():  # type: ignore[attr-defined]
            self.view.setToolTip("")
            return
        row = int(event.pos().y())  # type: ignore[attr-defined]
        # the name may be the backend's: a tooltip of untrusted text, escaped (a tooltip may be rich text)
        self.view.setToolTip(tooltip(self.tooltip_text(self.order[row])) if 0 <= row < len(self.order) else "")


def _row(f: DepartmentFigures, weights: ScoreWeights) -> tuple[float, ...]:
    """The metric values in ``METRICS`` order (rates 0–1, NaN when nothing is behind them)."""
    return (
        float(f.open), float(f.overdue), f.on_time_rate(), float(f.returns), f.rework_rate(),
        f.satisfaction_rate(), f.composite(weights),
    )  # fmt: skip
