"""The replay bar: a time slider over the days the store keeps, and the controls around it.

The slider marks days and hours (Beijing time) and where the link re-synced or went stale, so an
operator can see at a glance which stretches of the past are whole. Dragging reports the instant
under the handle as it moves and where it was let go; the bar's buttons ask to play the past at 60×
or 600× and to return to live. The bar only shows and asks: the shell decides what is on show.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from server_link.workcal import BEIJING

HOUR: Final = 3600.0
DAY: Final = 24 * HOUR
PLAY_SPEEDS: Final = (60.0, 600.0)  # simulated seconds per real second
_MARGIN = 14


class MarkKind(enum.StrEnum):
    RESYNC = "resync"  # the link re-synced (a snapshot replaced the picture)
    STALE = "stale"  # the link was silent: nothing arrived between ``at`` and ``until``


@dataclass(frozen=True, slots=True)
class Mark:
    """Something the link did at ``at`` (POSIX seconds), lasting until ``until`` for spans."""

    at: float
    kind: MarkKind
    until: float | None = None


class TimeSlider(QWidget):
    """A track from ``start`` to ``end`` (POSIX seconds) with a handle at the instant on show.

    ``instant`` is None while live: the handle then rests at the right end.

    Signals:
        scrubbed(float): the instant under the handle while it is dragged.
        released(float): the instant chosen: the handle let go, a click on the track, or a key.
    """

    scrubbed = Signal(float)
    released = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeSlider")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(False)
        self.start = 0.0
        self.end = 1.0
        self.instant: float | None = None
        self.marks: tuple[Mark, ...] = ()
        self._dragging = False

    # ------------------------------------------------------------------ what it shows
    def set_span(self, start: float, end: float) -> None:
        self.start, self.end = start, max(end, start + 1.0)
        self.update()

    def set_marks(self, marks: Sequence[Mark]) -> None:
        self.marks = tuple(marks)
        self.update()

    def set_instant(self, instant: float | None) -> None:
        self.instant = None if instant is None else self._clamp(instant)
        self.update()

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        return QSize(600, 3 * fm.height() + 16)

    # ------------------------------------------------------------------ geometry
    def _track(self) -> QRectF:
        fm = QFontMetrics(self.font())
        top = fm.height() + 4  # the day labels above
        return QRectF(_MARGIN, top, max(1, self.width() - 2 * _MARGIN), max(6, fm.height() * 0.6))

    def x_of(self, t: float) -> float:
        track = self._track()
        return track.left() + (self._clamp(t) - self.start) / (self.end - self.start) * track.width()

    def instant_at(self, x: float) -> float:
        track = self._track()
        share = min(1.0, max(0.0, (x - track.left()) / track.width()))
        return self.start + share * (self.end - self.start)

    def _clamp(self, t: float) -> float:
        return min(self.end, max(self.start, t))

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            self._dragging = True
            self._move_to(event.position().x(), released=False)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._move_to(event.position().x(), released=False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging and event.button() is Qt.MouseButton.LeftButton:
            self._dragging = False
            self._move_to(event.position().x(), released=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: -600.0, Qt.Key.Key_Right: 600.0,  # ten minutes
            Qt.Key.Key_PageDown: -HOUR, Qt.Key.Key_PageUp: HOUR,
        }  # fmt: skip
        key = Qt.Key(event.key())
        here = self.end if self.instant is None else self.instant
        if key in steps:
            self._choose(here + steps[key])
        elif key is Qt.Key.Key_Home:
            self._choose(self.start)
        else:
            super().keyPressEvent(event)

    def _move_to(self, x: float, *, released: bool) -> None:
        t = self.instant_at(x)
        self.instant = t
        self.update()
        (self.released if released else self.scrubbed).emit(t)

    def _choose(self, t: float) -> None:
        self.instant = self._clamp(t)
        self.update()
        self.released.emit(self.instant)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.windowText().color()
        dim = QColor(text)
        dim.setAlphaF(0.45)
        track = self._track()
        fm = QFontMetrics(self.font())
        p.fillRect(track, QColor(128, 128, 128, 60))
        self._paint_ticks(p, track, fm, text, dim)
        for mark in self.marks:  # stale spans red under the track, re-syncs amber above it
            x = self.x_of(mark.at)
            if mark.kind is MarkKind.STALE:
                x2 = self.x_of(mark.until if mark.until is not None else mark.at)
                p.fillRect(QRectF(x, track.bottom() - 3, max(2.0, x2 - x), 6), QColor(220, 60, 60))
            else:
                p.setPen(QPen(QColor(224, 160, 48), 2))
                p.drawLine(QPointF(x, track.top() - 4), QPointF(x, track.bottom()))
        x = self.x_of(self.end if self.instant is None else self.instant)
        handle = QColor(47, 129, 247)  # selected / informational blue (WALL.md)
        p.setPen(QPen(handle, 3))
        p.drawLine(QPointF(x, track.top() - 6), QPointF(x, track.bottom() + 6))
        p.setBrush(handle)
        p.drawEllipse(QPointF(x, track.center().y()), 7, 7)
        if self.hasFocus():
            p.setPen(QPen(handle, 1, Qt.PenStyle.DotLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.rect().adjusted(1, 1, -2, -2))
        p.end()

    def _paint_ticks(self, p: QPainter, track: QRectF, fm: QFontMetrics, text: QColor, dim: QColor) -> None:
        """Midnights (Beijing) as tall ticks labelled with the date; hours as short ticks, labelled
        every few hours where there is room."""
        span = self.end - self.start
        px_per_hour = track.width() / (span / HOUR)
        label_every = next((h for h in (1, 2, 3, 6, 12) if px_per_hour * h >= fm.horizontalAdvance("00:00") + 10), 24)
        first = datetime.fromtimestamp(self.start, BEIJING).replace(minute=0, second=0, microsecond=0)
        hour = first + timedelta(hours=1)
        below = track.bottom() + 6 + fm.ascent()
        while (t := hour.timestamp()) <= self.end:
            x = self.x_of(t)
            if hour.hour == 0:
                p.setPen(QPen(text, 2))
                p.drawLine(QPointF(x, track.top() - fm.height() * 0.2), QPointF(x, track.bottom() + 4))
                p.drawText(QPointF(x + 3, fm.ascent()), hour.strftime("%m-%d"))
            elif px_per_hour >= 3:
                p.setPen(QPen(dim, 1))
                p.drawLine(QPointF(x, track.bottom() - 2), QPointF(x, track.bottom() + 4))
                if hour.hour % label_every == 0:
                    label = hour.strftime("%H:00")
                    p.drawText(QPointF(x - fm.horizontalAdvance(label) / 2, below), label)
            hour += timedelta(hours=1)


class ReplayBar(QWidget):
    """The slider with its controls: play at 60× or 600×, pause, the instant on show, back to live.

    Signals:
        instant_requested(float): show the wall at this instant (dragged, let go, or a key).
        play_requested(float): play the past at this speed (0: pause).
        live_requested(): back to live.
    """

    instant_requested = Signal(float)
    play_requested = Signal(float)
    live_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.slider = TimeSlider()
        self.when = QLabel()
        self.when.setObjectName("replayInstant")
        self.when.setTextFormat(Qt.TextFormat.PlainText)
        self.play_buttons: dict[float, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        for speed in PLAY_SPEEDS:
            button = QPushButton(self.tr("▶ {0:.0f}×").format(speed))
            button.setCheckable(True)
            button.clicked.connect(lambda checked, s=speed: self._play(s if checked else 0.0))
            self.play_buttons[speed] = button
            layout.addWidget(button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.when)
        self.live_button = QPushButton(self.tr("回到实时"))
        self.live_button.setObjectName("liveButton")
        self.live_button.clicked.connect(self.live_requested.emit)
        layout.addWidget(self.live_button)
        self.slider.scrubbed.connect(self.instant_requested.emit)
        self.slider.released.connect(self.instant_requested.emit)
        self.show_instant(None)

    def _play(self, speed: float) -> None:
        for s, button in self.play_buttons.items():
            button.setChecked(s == speed)
        self.play_requested.emit(speed)

    def show_instant(self, instant: float | None) -> None:
        """The instant on show (None: live)."""
        self.slider.set_instant(instant)
        self.live_button.setEnabled(instant is not None)
        if instant is None:
            self.when.setText(self.tr("实时"))
            for button in self.play_buttons.values():
                button.setChecked(False)
        else:
            self.when.setText(datetime.fromtimestamp(instant, BEIJING).strftime("%m-%d %H:%M:%S"))

    def show_span(self, start: float, end: float, marks: Sequence[Mark] = ()) -> None:
        self.slider.set_span(start, end)
        self.slider.set_marks(marks)
