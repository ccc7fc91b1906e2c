"""The leaders' board: the district in one minute (issue 17).

Seven headline figures in large type, each with what it is out of ("98.0% · 1,234 件"), its change
against yesterday and the same day last week, and the center's target; a thirty-day trend of the
figure picked (a click on a tile), with the target as a line; the five best and five worst streets
and departments by a week's on-time closure. Colour only for trouble (WALL.md): a figure below its
target in amber, a change for the worse in red; everything else in the calm text colours.

It only shows a ``LeaderView`` (``console.core.leader``); it sends nothing (the leader's role is
read-only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.leader import FIGURES, Figure, LeaderView, Ranked
from console.core.untrusted import one_line
from server_link.workcal import BEIJING
from widgets.i18n import QT_TRANSLATE_NOOP

CAPTIONS = {
    "response": QT_TRANSLATE_NOOP("LeaderBoard", "12345 响应率"),
    "resolution": QT_TRANSLATE_NOOP("LeaderBoard", "12345 解决率"),
    "satisfaction": QT_TRANSLATE_NOOP("LeaderBoard", "12345 满意率"),
    "closure": QT_TRANSLATE_NOOP("LeaderBoard", "结案率"),
    "on_time": QT_TRANSLATE_NOOP("LeaderBoard", "按期结案率"),
    "open": QT_TRANSLATE_NOOP("LeaderBoard", "在办案件"),
    "overdue": QT_TRANSLATE_NOOP("LeaderBoard", "超期案件"),
}
WORSE = "#ff5c5c"  # a change for the worse
BELOW_TARGET = "#e0a030"
TREND_PEN = "#c8cace"
TARGET_PEN = "#e0a030"


def rate_text(value: float) -> str:
    return "—" if math.isnan(value) else f"{value * 100:.1f}%"


class Tile(QFrame):
    """One headline figure; a click picks it for the trend."""

    clicked = Signal(str)

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("leaderTile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.caption = self._label(caption, "leaderCaption")
        self.value = self._label("—", "leaderFigure")
        self.base = self._label("", "leaderDetail")  # what it is out of, and its target
        self.since_yesterday = self._label("", "leaderDetail")
        self.since_last_week = self._label("", "leaderDetail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        for label in (self.caption, self.value, self.base, self.since_yesterday, self.since_last_week):
            layout.addWidget(label)

    @staticmethod
    def _label(text: str, name: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def show_figure(self, f: Figure) -> None:
        self.value.setText(rate_text(f.value) if f.is_rate else f"{f.value:,.0f}")
        self.value.setStyleSheet(f"color: {BELOW_TARGET};" if f.misses_target else "")
        base = self.tr("共 {0:,} 件").format(f.denominator) if f.is_rate else self.tr("件")
        if f.target is not None:
            base += " · " + self.tr("目标 ≥ {0}").format(rate_text(f.target))
        self.base.setText(base)
        for label, since, then in (
            (self.since_yesterday, self.tr("较昨日"), f.yesterday),
            (self.since_last_week, self.tr("较上周同日"), f.last_week),
        ):
            label.setText(self._change(since, f, then))
            label.setStyleSheet(f"color: {WORSE};" if f.worse_than(then) else "")  # red only for the worse

    def _change(self, since: str, f: Figure, then: float) -> str:
        if math.isnan(f.value) or math.isnan(then):
            return self.tr("{0} —").format(since)
        delta = f.value - then
        arrow = "▲" if delta > 0 else "▼" if delta < 0 else "＝"
        if f.is_rate:
            return self.tr("{0} {1}{2:.1f} 个百分点").format(since, arrow, abs(delta) * 100)
        return self.tr("{0} {1}{2:,.0f}").format(since, arrow, abs(delta))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.name)
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (  # type: ignore[attr-defined]
            Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space,
        ):  # fmt: skip
            self.clicked.emit(self.name)
            return True
        return super().event(event)


class LeaderBoard(QWidget):
    """The leaders' one screen (see the module docstring). ``trend_figure`` is the figure whose trend
    is drawn; ``trend_days`` 7 or 30."""

    briefing_requested = Signal()
    hourly_wanted = Signal()  # today's curve is asked for: the view needs its hours

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leaderBoard")
        self.view: LeaderView | None = None
        self.as_of, self.live = 0.0, False  # the instant of the view, and whether the link was live then
        self.trend_figure = "on_time"
        self.trend_days = 30
        self.heading = QLabel(self.tr("正在等待数据…"))
        self.heading.setObjectName("leaderHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.tiles: dict[str, Tile] = {}
        tiles = QGridLayout()
        tiles.setSpacing(8)
        for i, name in enumerate(FIGURES):
            tile = Tile(name, self.tr(CAPTIONS[name]))
            tile.clicked.connect(self.pick)
            self.tiles[name] = tile
            tiles.addWidget(tile, *divmod(i, 4))
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(220)
        self.plot.setBackground(None)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.getAxis("bottom").setStyle(tickTextOffset=6)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(TREND_PEN, width=3), symbol="o", symbolSize=7)
        self.target_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(TARGET_PEN, width=2, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.target_line)
        self.trend_title = QLabel()
        self.trend_title.setObjectName("leaderCaption")
        self.trend_title.setTextFormat(Qt.TextFormat.PlainText)
        spans = QButtonGroup(self)
        span_row = QHBoxLayout()
        span_row.addWidget(self.trend_title, 1)
        self.span_buttons: dict[int, QPushButton] = {}
        for days in (1, 7, 30):
            button = QPushButton(self.tr("今日") if days == 1 else self.tr("{0} 天").format(days))
            button.setCheckable(True)
            button.setChecked(days == self.trend_days)
            button.clicked.connect(lambda _c=False, d=days: self.set_trend_days(d))
            spans.addButton(button)
            span_row.addWidget(button)
            self.span_buttons[days] = button
        self.rankings = {
            "best_streets": self._ranking(self.tr("街道 · 按期结案率 前五")),
            "worst_streets": self._ranking(self.tr("街道 · 按期结案率 后五")),
            "best_departments": self._ranking(self.tr("部门 · 按期结案率 前五")),
            "worst_departments": self._ranking(self.tr("部门 · 按期结案率 后五")),
        }
        ranks = QGridLayout()
        for i, (title, table) in enumerate(self.rankings.values()):
            box = QVBoxLayout()
            box.addWidget(title)
            box.addWidget(table)
            ranks.addLayout(box, *divmod(i, 2))
        self.export = QPushButton(self.tr("导出简报（PDF）…"))
        self.export.setToolTip(self.tr("一页 A4 简报：指标、趋势与排名，注明数据时间"))
        self.export.setEnabled(False)
        self.export.clicked.connect(self.briefing_requested.emit)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tiles)
        body = QHBoxLayout()
        trend = QVBoxLayout()
        trend.addLayout(span_row)
        trend.addWidget(self.plot, 1)
        body.addLayout(trend, 3)
        body.addLayout(ranks, 4)
        layout.addLayout(body, 1)

    def _ranking(self, title: str) -> tuple[QLabel, QTableWidget]:
        label = QLabel(title)
        label.setObjectName("leaderCaption")
        label.setTextFormat(Qt.TextFormat.PlainText)
        table = QTableWidget(0, 3)
        table.setHorizontalHeaderLabels([self.tr("名称"), self.tr("按期结案率"), self.tr("较前七天")])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return label, table

    # ------------------------------------------------------------------ showing
    def show_view(
        self, view: LeaderView, street_names: Mapping[str, str], department_names: Mapping[str, str],
        as_of: float, live: bool,
    ) -> None:  # fmt: skip
        """The view of ``as_of`` (whether the link was live then: a leader must know)."""
        self.view, self.as_of, self.live = view, as_of, live
        self.export.setEnabled(True)
        when = datetime.fromtimestamp(as_of, BEIJING).strftime("%Y-%m-%d %H:%M")
        state = self.tr("实时") if live else self.tr("非实时")
        self.heading.setText(self.tr("东城区 · 数据截至 {0}（{1}）").format(when, state))
        for f in view.figures:
            self.tiles[f.name].show_figure(f)
        for key, rows, names in (
            ("best_streets", view.best_streets, street_names), ("worst_streets", view.worst_streets, street_names),
            ("best_departments", view.best_departments, department_names),
            ("worst_departments", view.worst_departments, department_names),
        ):  # fmt: skip
            self._fill(self.rankings[key][1], rows, names)
        self._draw_trend()

    def _fill(self, table: QTableWidget, rows: Sequence[Ranked], names: Mapping[str, str]) -> None:
        table.setRowCount(len(rows))
        for i, x in enumerate(rows):
            change = "—" if math.isnan(x.change) else f"{'▲' if x.change > 0 else '▼' if x.change < 0 else '＝'}"
            if not math.isnan(x.change):
                change += self.tr("{0:.1f} 个百分点").format(abs(x.change) * 100)
            cells = (one_line(names.get(x.scope_id, x.scope_id), 24), rate_text(x.rate), change)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 2 and not math.isnan(x.change) and x.change < 0:
                    item.setForeground(pg.mkColor(WORSE))
                table.setItem(i, column, item)
        rows_px = [table.rowHeight(i) for i in range(len(rows))]
        header = table.horizontalHeader().height() + 4
        table.setMaximumHeight(header + sum(rows_px))  # no empty space under the last one
        table.setMinimumHeight(header + sum(rows_px[:3]))  # and on a short screen, three rows and a scroll bar

    def pick(self, name: str) -> None:
        """Draw ``name``'s trend (a tile clicked)."""
        self.trend_figure = name
        self._draw_trend()

    def set_trend_days(self, days: int) -> None:
        """1 (today, hour by hour: asks for it with ``hourly_wanted`` if the view has none), 7 or 30."""
        self.trend_days = days
        self.span_buttons[days].setChecked(True)
        if days == 1 and self.view is not None and not self.view.today:
            self.hourly_wanted.emit()
        self._draw_trend()

    def _draw_trend(self) -> None:
        view = self.view
        if view is None:
            return
        f = view.figure(self.trend_figure)
        scale = 100.0 if f.is_rate else 1.0
        if self.trend_days == 1:  # today, hour by hour (x: hours since midnight)
            start = datetime.combine(view.day, datetime.min.time(), BEIJING).timestamp()
            hourly = [((at - start) / 3600, v) for at, v in view.today_trend(self.trend_figure)]
            self.curve.setData(
                [x for x, v in hourly if not math.isnan(v)], [v * scale for _, v in hourly if not math.isnan(v)]
            )
            self.plot.getAxis("bottom").setTicks([[(float(h), f"{h:02d}:00") for h in range(0, 25, 3)]])
            self.plot.setXRange(0, max(1.0, hourly[-1][0] if hourly else 1.0), padding=0.02)
        else:
            points = view.trends[self.trend_figure][-self.trend_days :]
            xs = [float(i) for i, (_, v) in enumerate(points) if not math.isnan(v)]
            self.curve.setData(xs, [v * scale for _, v in points if not math.isnan(v)])
            every = max(1, len(points) // 6)
            ticks = [(float(i), d.strftime("%m-%d")) for i, (d, _) in enumerate(points) if i % every == 0]
            self.plot.getAxis("bottom").setTicks([ticks])
            self.plot.setXRange(-0.5, len(points) - 0.5, padding=0)
        if f.target is not None:
            self.target_line.setPos(f.target * scale)
            self.target_line.show()
        else:
            self.target_line.hide()
        unit = "%" if f.is_rate else self.tr("件")
        caption = self.tr(CAPTIONS[f.name])
        if self.trend_days == 1:
            self.trend_title.setText(self.tr("{0} · 今日逐时（{1}）").format(caption, unit))
        else:
            self.trend_title.setText(self.tr("{0} · 近 {1} 天（{2}）").format(caption, self.trend_days, unit))

    def trend_points(self) -> list[tuple[float, float]]:
        """The trend as drawn (x, y): for tests and the briefing."""
        xs, ys = self.curve.getData()
        return [] if xs is None else list(zip(map(float, xs), map(float, ys), strict=True))
