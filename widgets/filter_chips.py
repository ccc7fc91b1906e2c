"""The queue's active filters as chips: each names its filter in words (a grid by its street and
community, a department by its name) and has its own ✕; with none, the line says what is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from console.core.untrusted import tooltip

SEPARATOR = " › "  # between the chips' texts in ``text()``


class FilterChips(QWidget):
    """Signals:
    removed(int): the operator clicked (or pressed Space on) the ✕ chip at this position.
    """

    removed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breadcrumb")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.none_label = QLabel(self)
        self.none_label.setObjectName("noFilter")
        self.none_label.setTextFormat(Qt.TextFormat.PlainText)
        self._layout.addWidget(self.none_label)
        self._layout.addStretch(1)
        self.chips: list[QPushButton] = []
        self._texts: list[str] = []

    def set_parts(self, texts: list[str], none_text: str) -> None:
        """One chip per text (already plain, one line); ``none_text`` when there is none."""
        if texts == self._texts and (texts or self.none_label.text() == none_text):
            return
        for chip in self.chips:
            self._layout.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        self._texts = list(texts)
        self.none_label.setText(none_text)
        self.none_label.setVisible(not texts)
        for i, text in enumerate(texts):
            chip = QPushButton(f"{text}  ✕", self)  # a button's text is never rich text
            chip.setObjectName("filterChip")
            chip.setToolTip(tooltip(self.tr("去掉这个筛选：{0}").format(text)))  # names may be the backend's
            chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            chip.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            chip.clicked.connect(lambda _checked=False, i=i: self.removed.emit(i))
            self._layout.insertWidget(self._layout.count() - 1, chip)
            self.chips.append(chip)

    def text(self) -> str:
        """What the chips say, in order ("街道：东华门 › 超期"), or the line shown when there is none."""
        return SEPARATOR.join(self._texts) if self._texts else self.none_label.text()
