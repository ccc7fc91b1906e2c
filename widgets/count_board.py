"""A board of large labelled numbers, readable across the room."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


class CountBoard(QWidget):
    """Named counts in a grid: a caption over a big tabular figure, in a fixed order."""

    def __init__(self, captions: Sequence[tuple[str, str]], columns: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figures: dict[str, QLabel] = {}
        layout = QGridLayout(self)
        layout.setHorizontalSpacing(32)
        layout.setVerticalSpacing(8)
        for i, (name, caption) in enumerate(captions):
            row, col = divmod(i, columns)
            cap = QLabel(caption)
            cap.setObjectName("caption")
            fig = QLabel("–")
            fig.setObjectName("figure")
            for label in (cap, fig):
                label.setTextFormat(Qt.TextFormat.PlainText)
            fig.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(cap, row * 2, col)
            layout.addWidget(fig, row * 2 + 1, col)
            self._figures[name] = fig
        layout.setRowStretch(layout.rowCount(), 1)

    def show_counts(self, counts: Mapping[str, int]) -> None:
        for name, label in self._figures.items():
            label.setText(f"{counts.get(name, 0):,}")

    def figure(self, name: str) -> str:
        return self._figures[name].text()
