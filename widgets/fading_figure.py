"""A figure that marks a significant change of its value with a short, soft glow that fades (WALL.md:
never a flash; and a glow that is on all the time marks nothing)."""

from __future__ import annotations

import math
from typing import Final

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget

FADE_MS: Final = 1500
STEPS: Final = 15  # repaints per fade: ten a second, not an animation frame rate on a busy GUI thread
GLOW: Final = QColor(47, 129, 247)  # informational blue (WALL.md), at most ``PEAK_ALPHA`` opaque
PEAK_ALPHA: Final = 0.30


class FadingFigure(QLabel):
    """A plain-text label; ``show_value`` sets the text and, if it changed significantly, glows behind
    it and fades.

    ``significant`` (absolute, relative): a value (``amount``) is a change worth marking once it is
    ``absolute`` or more, or ``relative`` times the value last marked or more, away from the value
    last marked; small steps add up until they are. Without it, or without an amount, every change of
    the text glows. The first value shown (after "—" or nothing) does not glow: that is not a change
    anyone saw.
    """

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, significant: tuple[float, float] | None = None
    ) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._significant = significant
        self._marked: float | None = None  # the value the last glow marked (or the first value shown)
        self._glow = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(FADE_MS // STEPS)
        self._timer.timeout.connect(self._fade)

    @property
    def glow(self) -> float:
        """How strong the highlight is now: 1 just after a change, 0 when it has faded."""
        return self._glow

    def show_value(self, text: str, amount: float | None = None) -> None:
        if text == self.text():
            return
        first = self.text() in ("", "—")
        self.setText(text)
        if amount is None or self._significant is None:
            marks = not first
        elif first or self._marked is None or math.isnan(self._marked) or math.isnan(amount):
            marks, self._marked = False, amount  # a first value to measure from, not a change
        else:
            absolute, relative = self._significant
            moved = abs(amount - self._marked)
            marks = moved >= absolute or (relative > 0 and moved >= relative * abs(self._marked) > 0)
            if marks:
                self._marked = amount
        if marks:
            self._glow = 1.0
            self._timer.start()
            self.update()

    def _fade(self) -> None:
        self._glow = max(0.0, self._glow - 1.0 / STEPS)
        if self._glow == 0.0:
            self._timer.stop()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._glow > 0.0:
            self._paint_glow()  # behind the text, which the label draws next
        super().paintEvent(event)

    def _paint_glow(self) -> None:
        colour = QColor(GLOW)
        colour.setAlphaF(PEAK_ALPHA * self._glow)
        r = self.contentsRect()
        width = min(r.width(), self.fontMetrics().horizontalAdvance(self.text()) + 16)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRect(r.left() - 8, r.top(), width, r.height()), 6, 6)
        painter.end()
