"""The district's headline figures in one strip, legible from across the room."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from console.core.rules import OPEN_STEPS, Level
from console.core.situation import Situation
from console.core.untrusted import one_line, tooltip
from server_link import records as r
from server_link.workcal import BEIJING
from widgets.fading_figure import FadingFigure
from widgets.labels import channel_name, percent

# When a figure's change is worth a glow (absolute, relative to the value last marked): a steady
# trickle of cases moves the counts all day, and a glow on for every one of them marks nothing.
SIGNIFICANT: Final[dict[str, tuple[float, float]]] = {
    "intake": (20, 0.05), "open": (20, 0.05), "overdue": (3, 0.10), "hard": (2, 0.10),
    "response": (0.01, 0.0), "resolution": (0.01, 0.0), "satisfaction": (0.01, 0.0), "closure": (0.01, 0.0),
}  # fmt: skip
COMPACT_BELOW_PX = 640  # a narrower strip (a laptop's column) puts the two long detail lines in tooltips
WIDEST_FIGURE = "100.0%"  # a figure's column is as wide as this at least (counts are no wider)
MARGIN_PX, SPACING_PX = 8, 24


class KpiStrip(QWidget):
    """Intake today (by channel), backlog by step, overdue, hard cases, the 12345 rates, closure rate.

    Normal values in plain text colour; a figure turns red or amber only when it is abnormal. The
    figures that count cases (在办, 超期, 疑难) lead to them: a click, or Enter when focused. Where the
    four columns do not fit the width (a laptop's right-hand column), captions and figures are set a
    little smaller: the strip never scrolls sideways and never cuts a word.

    Signals:
        figure_clicked(str): the name of the figure ("open", "overdue", "hard") the operator clicked.
    """

    figure_clicked = Signal(str)
    CLICKABLE = ("open", "overdue", "hard")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiStrip")
        self.figures: dict[str, FadingFigure] = {}
        self.captions: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        self._style_fonts: tuple[QFont, QFont] | None = None  # the style's caption and figure fonts, unfitted
        self._fitted: tuple[int, int] | None = None  # the sizes (px) set over them
        layout = QGridLayout(self)
        layout.setContentsMargins(MARGIN_PX, 4, MARGIN_PX, 4)
        layout.setHorizontalSpacing(SPACING_PX)
        layout.setVerticalSpacing(0)
        tiles = (
            ("intake", self.tr("今日受理")), ("open", self.tr("在办")), ("overdue", self.tr("超期")),
            ("hard", self.tr("疑难")), ("response", self.tr("12345响应率")), ("resolution", self.tr("解决率")),
            ("satisfaction", self.tr("满意率")), ("closure", self.tr("结案率")),
        )  # fmt: skip
        for i, (name, caption) in enumerate(tiles):
            row, col = divmod(i, 4)  # two rows of four: fits the right-hand column of a 1920 px wall
            cap = _plain(QLabel(caption), "kpiCaption")
            fig = FadingFigure("—", significant=SIGNIFICANT[name])
            fig.setObjectName("kpiFigure")
            detail = _plain(QLabel(""), "kpiDetail")
            # A detail never widens its column: the four columns share the width.
            detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            detail.setWordWrap(True)  # the channels' whole names: a second line rather than cut
            for label in (cap, fig):  # nor does a caption or a figure: they are fitted (``_fit``)
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.setColumnStretch(col, 1)
            top = 0 if row == 0 else 5
            layout.addWidget(cap, top, col)
            layout.addWidget(fig, top + 1, col)
            if row == 1:
                layout.addWidget(detail, top + 2, col)
            self.captions[name], self.figures[name], self.details[name] = cap, fig, detail
            if name in self.CLICKABLE:
                fig.setCursor(Qt.CursorShape.PointingHandCursor)
                fig.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                fig.setToolTip(self.tr("单击或回车：在队列中查看这些案件"))
                fig.installEventFilter(self)
        # Intake by channel and backlog by step are too long for a tile: a full-width line each.
        layout.addWidget(self.details["intake"], 2, 0, 1, 4)
        layout.addWidget(self.details["open"], 3, 0, 1, 4)
        layout.setRowMinimumHeight(4, 8)
        self._step_names = {
            r.Step.COLLECTED: self.tr("收集", "short name of the step 信息收集 (collect)"),
            r.Step.FILED: self.tr("立案", "short name of the step 案件建立 (file)"),
            r.Step.DISPATCHED: self.tr("派遣", "short name of the step 任务派遣 (dispatch)"),
            r.Step.HANDLING: self.tr("处理", "short name of the step 任务处理 (handle)"),
            r.Step.FEEDBACK: self.tr("反馈", "short name of the step 处理反馈 (feedback)"),
        }

    def show_situation(self, sit: Situation) -> None:
        if not sit.pictured:  # nothing received yet: no figure, rather than a zero nobody counted
            for name in self.figures:
                self._set(name, "—", "")
            return
        d = sit.aggregates.district
        today = datetime.fromtimestamp(sit.now, BEIJING).strftime("%Y-%m-%d")
        intake = d.intake_on(today)
        top = sorted(intake.items(), key=lambda x: -x[1])[:4]
        # an unknown channel is shown by its code, as the backend sent it: untrusted, kept short
        by_channel = " · ".join(f"{one_line(channel_name(sit.district, c), 24)} {n:,}" for c, n in top)
        received = sum(intake.values())
        self._set(
            "intake", f"{received:,}", self.tr("受理渠道：{0}").format(by_channel) if top else "", amount=received
        )
        open_total = sum(d.backlog[s.value] for s in OPEN_STEPS)
        by_step = " · ".join(f"{self._step_names[s]} {d.backlog[s.value]:,}" for s in OPEN_STEPS)
        backlog = self.tr("在办环节：{0}").format(by_step)
        self._set("open", f"{open_total:,}", backlog, amount=open_total)
        levels = sit.rules.kpi.levels(d)  # the core judges the figures; the strip only shows them
        self._set("overdue", f"{d.overdue:,}", "", levels["overdue"], d.overdue)
        self._set("hard", f"{d.hard_open:,}", self.tr("待会商"), levels["hard"], d.hard_open)
        hotline = self.tr("{0:,} 件").format(d.hotline)
        self._set("response", percent(d.response_rate), hotline, levels["response"], d.response_rate)
        callbacks = self.tr("回访 {0:,}").format(d.hotline_callbacks)
        self._set("resolution", percent(d.resolution_rate), callbacks, levels["resolution"], d.resolution_rate)
        satisfaction = d.satisfaction_rate
        self._set("satisfaction", percent(satisfaction), "", levels["satisfaction"], satisfaction)
        closure = f"{d.closed:,}/{d.held:,}"
        self._set("closure", percent(d.closure_rate), closure, levels["closure"], d.closure_rate)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A click on (or Enter at) a figure that counts cases."""
        name = next((n for n in self.CLICKABLE if self.figures[n] is watched), None)
        if name is not None:
            clicked = (
                isinstance(event, QMouseEvent)
                and event.type() == QEvent.Type.MouseButtonRelease
                and event.button() == Qt.MouseButton.LeftButton
            )
            entered = (
                isinstance(event, QKeyEvent)
                and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
            )
            if clicked or entered:
                self.figure_clicked.emit(name)
                return True
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Captions and figures at the style's sizes, or smaller by the factor that fits the widest
        caption (or a figure as wide as ``WIDEST_FIGURE``) into a column's width. In a narrow strip the
        intake by channel and the backlog by step leave the strip for their captions' tooltips: at
        1366×768 they pushed the rates off the panel."""
        compact = self.width() < COMPACT_BELOW_PX
        for name in ("intake", "open"):
            self.details[name].setHidden(compact)
        if self._style_fonts is None:  # read once, before any fitting changes them
            for label in (self.captions["intake"], self.figures["intake"]):
                label.ensurePolished()
            self._style_fonts = (self.captions["intake"].font(), self.figures["intake"].font())
        caption_font, figure_font = self._style_fonts
        column = (self.width() - 2 * MARGIN_PX - 3 * SPACING_PX) / 4
        widest_caption = max(QFontMetrics(caption_font).horizontalAdvance(c.text()) for c in self.captions.values())
        needed = max(widest_caption, QFontMetrics(figure_font).horizontalAdvance(WIDEST_FIGURE))  # columns are equal
        factor = min(1.0, column / needed) if needed > 0 else 1.0
        sizes = (max(1, int(_pixels(caption_font) * factor)), max(1, int(_pixels(figure_font) * factor)))
        if sizes == self._fitted:
            return
        self._fitted = sizes
        fitted = f"#kpiCaption {{ font-size: {sizes[0]}px; }} #kpiFigure {{ font-size: {sizes[1]}px; }}"
        self.setStyleSheet("" if factor >= 1.0 else fitted)  # over the wall's style sheet, these sizes only

    def _set(
        self, name: str, figure: str, detail: str, level: Level = Level.NORMAL, amount: float | None = None
    ) -> None:
        fig = self.figures[name]
        fig.show_value(figure, amount)  # a significant change glows softly for a moment
        if fig.property("level") != level.value:  # re-polishing restyles the label: only on a new level
            fig.setProperty("level", level.value)
            fig.style().unpolish(fig)
            fig.style().polish(fig)
        self.details[name].setText(detail)
        if name in ("intake", "open"):  # the long lines: also where a narrow strip keeps them
            self.captions[name].setToolTip(tooltip(detail))  # it names the backend's channels: untrusted


def _pixels(font: QFont) -> int:
    """A font's size in pixels (the wall's style sheet gives every size in pixels)."""
    return font.pixelSize() if font.pixelSize() > 0 else round(QFontInfo(font).pixelSize())


def _plain(label: QLabel, name: str) -> QLabel:
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
