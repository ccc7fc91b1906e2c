"""The 17 streets: small loop, big loop and the escalation ratio against the district's limit."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from console.core.situation import Situation
from console.core.untrusted import one_line
from widgets.i18n import QT_TRANSLATE_NOOP
from widgets.labels import street_names

# Each column's header and, in its tooltip, what the figure is.
_COLUMNS = (
    (QT_TRANSLATE_NOOP("StreetsPanel", "街道"), QT_TRANSLATE_NOOP("StreetsPanel", "点击一行：队列只列这个街道的案件")),
    (QT_TRANSLATE_NOOP("StreetsPanel", "小循环"), QT_TRANSLATE_NOOP("StreetsPanel", "在街道小循环中的在办案件")),
    (QT_TRANSLATE_NOOP("StreetsPanel", "大循环"), QT_TRANSLATE_NOOP("StreetsPanel", "在区级大循环中的在办案件")),
    (
        QT_TRANSLATE_NOOP("StreetsPanel", "上报比例"),
        QT_TRANSLATE_NOOP("StreetsPanel", "街道上报区级（请办）的案件占其小循环案件的比例；▲ 超过控制线"),
    ),
    (QT_TRANSLATE_NOOP("StreetsPanel", "控制线"), QT_TRANSLATE_NOOP("StreetsPanel", "上报比例的上限")),
    (QT_TRANSLATE_NOOP("StreetsPanel", "超期"), QT_TRANSLATE_NOOP("StreetsPanel", "超过办理时限的案件")),
)
_RED, _AMBER = QColor("#e05252"), QColor("#e0a030")


class StreetsPanel(QWidget):
    """A table of streets, worst first (over the limit, then most overdue). Every column is at least
    as wide as its header and its widest figure, so neither is ever cut; room to spare is shared out
    among the columns, and a panel too narrow for them all scrolls sideways.

    Signals:
        street_clicked(str): the street code of a clicked row.
    """

    street_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(_COLUMNS))
        for col, (header, explained) in enumerate(_COLUMNS):
            item = QTableWidgetItem(QCoreApplication.translate("StreetsPanel", header))
            item.setToolTip(QCoreApplication.translate("StreetsPanel", explained))
            self.table.setHorizontalHeaderItem(col, item)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.viewport().installEventFilter(self)
        self.table.cellClicked.connect(self._on_cell_clicked)
        self._codes: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._fit_columns()

    def show_situation(self, sit: Situation) -> None:
        figures = sit.aggregates.streets
        names = street_names(sit)  # in the wall's language
        rows = sorted(
            (code for code in names if code in figures),
            key=lambda c: (not figures[c].over_limit, -figures[c].overdue, c),
        )
        self._codes = rows
        self.table.setRowCount(len(rows))
        for i, code in enumerate(rows):
            f = figures[code]
            cells = (
                one_line(names[code]), f"{f.small_loop:,}", f"{f.big_loop:,}",
                f"{100 * f.escalation_ratio:.1f}%", f"{100 * f.limit:.1f}%", f"{f.overdue:,}",
            )  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 3 and f.over_limit:
                    item.setForeground(_RED)
                    item.setText(f"▲ {text}")
                if col == 5 and f.overdue:
                    item.setForeground(_AMBER)
                self.table.setItem(i, col, item)
        self._fit_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(event, QResizeEvent) and watched is self.table.viewport()
            and event.size().width() != event.oldSize().width()
        ):  # fmt: skip
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Each column as wide as its header or its widest cell, whichever is wider, plus an equal
        share of any room to spare."""
        header = self.table.horizontalHeader()
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        needed = [header.sectionSize(col) for col in range(header.count())]
        spare = max(0, self.table.viewport().width() - sum(needed))
        for col, width in enumerate(needed):
            header.resizeSection(col, width + spare // len(needed) + (col < spare % len(needed)))

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._codes):
            self.street_clicked.emit(self._codes[row])
