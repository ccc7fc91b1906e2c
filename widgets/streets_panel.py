"""The 17 streets: small loop, big loop and the escalation ratio against the district's limit."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from console.core.catalogue import street_names
from console.core.situation import Situation
from console.core.untrusted import one_line
from widgets.i18n import QT_TRANSLATE_NOOP

_COLUMNS = (
    QT_TRANSLATE_NOOP("StreetsPanel", "街道"), QT_TRANSLATE_NOOP("StreetsPanel", "小循环"),
    QT_TRANSLATE_NOOP("StreetsPanel", "大循环"), QT_TRANSLATE_NOOP("StreetsPanel", "上报比例"),
    QT_TRANSLATE_NOOP("StreetsPanel", "控制线"), QT_TRANSLATE_NOOP("StreetsPanel", "超期"),
)  # fmt: skip
_RED, _AMBER = QColor("#e05252"), QColor("#e0a030")


class StreetsPanel(QWidget):
    """A table of streets, worst first (over the limit, then most overdue).

    Signals:
        street_clicked(str): the street code of a clicked row.
    """

    street_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels([QCoreApplication.translate("StreetsPanel", c) for c in _COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellClicked.connect(self._on_cell_clicked)
        self._codes: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def show_situation(self, sit: Situation) -> None:
        figures = sit.aggregates.streets
        names = street_names(sit)
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

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._codes):
            self.street_clicked.emit(self._codes[row])
