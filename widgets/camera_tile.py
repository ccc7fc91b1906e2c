"""A tile of the camera wall: one camera's live picture, with its name, the clock and the feed's state
drawn over it by the console (never by the stream, which could show anything).

The tile plays only while it is visible and its camera is online with a link that passed the check;
hidden (another tab, a minimised window, a tile beyond the layout) it gives its decoder back. The
camera's name is the backend's text: it goes through ``one_line`` before it is drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Final

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QHideEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from console.core.cameras import LinkRefused
from console.core.untrusted import one_line
from server_link import records as r
from server_link.workcal import BEIJING
from widgets.camera_feed import CameraFeed, DecoderBudget, FeedState
from widgets.i18n import QT_TRANSLATE_NOOP

NAME_CHARS: Final = 40
CLOCK_MS: Final = 1000

# What a tile says of its feed: (source text, colour of its dot).
_STATES: Final = {
    FeedState.QUEUED: (QT_TRANSLATE_NOOP("CameraTile", "等待解码器"), "#9aa4b2"),
    FeedState.CONNECTING: (QT_TRANSLATE_NOOP("CameraTile", "连接中"), "#9aa4b2"),
    FeedState.PLAYING: (QT_TRANSLATE_NOOP("CameraTile", "直播"), "#3fb950"),
    FeedState.STALLED: (QT_TRANSLATE_NOOP("CameraTile", "画面中断"), "#e0a030"),
    FeedState.UNREACHABLE: (QT_TRANSLATE_NOOP("CameraTile", "无法连接"), "#e05252"),
    FeedState.FAILED: (QT_TRANSLATE_NOOP("CameraTile", "视频故障"), "#e05252"),
}
OFFLINE: Final = (QT_TRANSLATE_NOOP("CameraTile", "离线"), "#e05252")
REFUSED: Final = (QT_TRANSLATE_NOOP("CameraTile", "链接被拒绝"), "#e05252")
UNKNOWN: Final = (QT_TRANSLATE_NOOP("CameraTile", "未知摄像头"), "#e0a030")
HIDDEN: Final = (QT_TRANSLATE_NOOP("CameraTile", "未显示"), "#9aa4b2")


class CameraTile(QWidget):
    """One camera's picture and state; see the module docstring.

    Signals:
        still_wanted(): the operator asked to keep the picture on show as evidence.
        external_wanted(str): the operator asked for the camera's (checked) link in the external player.
        solo_toggled(): a double-click: this tile alone on the wall, or back.
        cleared(): the operator took the camera off this tile.
    """

    still_wanted = Signal()
    external_wanted = Signal(str)
    solo_toggled = Signal()
    cleared = Signal()

    def __init__(self, budget: DecoderBudget, check: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraTile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(32, 18)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._check = check
        self.camera: r.Camera | None = None
        self.camera_id = ""  # also when the camera is not known
        self.refused = ""  # why its link was refused (translated)
        self.case_no: str | None = None
        self.selected = False
        self.feed = CameraFeed(budget, parent=self)
        self.feed.frame.connect(self._on_frame)
        self.feed.state_changed.connect(self.update)
        self._frame: QVideoFrame | None = None
        self.frame_at: datetime | None = None  # when the frame on show was decoded (Beijing time)
        self.painted = 0
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self.update)

    # ------------------------------------------------------------------ what the wall sets
    def set_camera(self, camera: r.Camera | None, camera_id: str = "", case_no: str | None = None) -> None:
        """Show ``camera`` (its current record; None with an id: a camera this console does not know;
        None without one: an empty tile)."""
        same = camera is not None and self.camera is not None and camera.id == self.camera.id
        self.camera = camera
        self.camera_id = camera.id if camera is not None else camera_id
        self.case_no = case_no
        if not same:
            self._frame = None
            self.frame_at = None
        self._follow()
        self.update()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def checked_link(self) -> str:
        """The camera's link as checked, or "" (offline, refused, none)."""
        if self.camera is None or not self.camera.online:
            return ""
        try:
            self.refused = ""
            return self._check(self.camera.url)
        except LinkRefused as exc:
            self.refused = exc.translated(QCoreApplication.translate)
            return ""

    def still(self) -> QImage | None:
        """The picture on show, as an image (None before the first frame)."""
        if self._frame is None:
            return None
        image = self._frame.toImage()
        return None if image.isNull() else image

    # ------------------------------------------------------------------ playing while visible
    def _follow(self) -> None:
        link = self.checked_link() if self.isVisible() else ""
        if link:
            self.feed.play(link)
            self._clock.start()
        else:
            self.feed.close()
            self._clock.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._follow()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.feed.close()
        self._clock.stop()

    def _on_frame(self, frame: QVideoFrame) -> None:
        self._frame = frame
        self.frame_at = datetime.now(BEIJING)
        self.update()

    # ------------------------------------------------------------------ painting
    def shown_name(self) -> str:
        """The camera's name as drawn: the backend's text made one safe line (or the bare id)."""
        return one_line(self.camera.name, NAME_CHARS) if self.camera is not None else self.camera_id

    def state_text(self) -> tuple[str, str]:
        """What the tile says of its camera and feed, translated, and the colour of its dot."""
        if self.camera is None:
            return (QCoreApplication.translate("CameraTile", UNKNOWN[0]), UNKNOWN[1]) if self.camera_id else ("", "")
        if not self.camera.online:
            return QCoreApplication.translate("CameraTile", OFFLINE[0]), OFFLINE[1]
        if self.refused:
            return QCoreApplication.translate("CameraTile", "{0}：{1}").format(
                QCoreApplication.translate("CameraTile", REFUSED[0]), self.refused
            ), REFUSED[1]
        if self.feed.state is FeedState.IDLE:
            return QCoreApplication.translate("CameraTile", HIDDEN[0]), HIDDEN[1]
        text, colour = _STATES[self.feed.state]
        said = QCoreApplication.translate("CameraTile", text)
        if self.feed.detail:  # the player's words (FFmpeg's, in English): what went wrong
            said = QCoreApplication.translate("CameraTile", "{0}（{1}）").format(said, one_line(self.feed.detail, 60))
        if self.feed.retry_at is not None:
            wait = max(0, round(self.feed.retry_at - time.monotonic()))
            said = QCoreApplication.translate("CameraTile", "{0}，{1} 秒后重试").format(said, wait)
        return said, colour

    def paintEvent(self, event: QPaintEvent) -> None:
        self.painted += 1
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        area = self.rect()
        p.fillRect(area, QColor("#05070a"))
        image = self._frame.toImage() if self._frame is not None else QImage()
        if not image.isNull():
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(QPoint(0, 0), size)
            target.moveCenter(area.center())
            p.drawImage(target, image)
            if self.feed.state is not FeedState.PLAYING:
                p.fillRect(target, QColor(0, 0, 0, 140))  # an old picture: dimmed under its state
        self._paint_overlays(p, area)
        if self.selected:
            p.setPen(QColor("#58a6ff"))
            p.drawRect(area.adjusted(1, 1, -2, -2))
        p.end()

    def _paint_overlays(self, p: QPainter, area: QRect) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(12, min(22, area.height() // 14)))
        p.setFont(font)
        line = p.fontMetrics().height() + 8
        band = QColor(0, 0, 0, 150)
        top = QRect(area.left(), area.top(), area.width(), line)
        if self.camera_id:
            p.fillRect(top, band)
            name = self.shown_name()
            clock = datetime.now(BEIJING).strftime("%H:%M:%S")
            clock_w = p.fontMetrics().horizontalAdvance(clock) + 12
            p.setPen(QColor("#e6edf3"))
            left = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
            elided = p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, top.width() - clock_w - 16)
            p.drawText(top.adjusted(8, 0, -clock_w, 0), left, elided)
            p.drawText(top.adjusted(0, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, clock)
        said, colour = self.state_text()
        if not said:
            p.setPen(QColor("#9aa4b2"))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       QCoreApplication.translate("CameraTile", "空闲\n从案件或地图选择摄像头"))  # fmt: skip
            return
        bottom = QRect(area.left(), area.bottom() - line + 1, area.width(), line)
        if self.case_no:
            said = QCoreApplication.translate("CameraTile", "{0} · 案件 {1}").format(said, self.case_no)
        elided = p.fontMetrics().elidedText(said, Qt.TextElideMode.ElideRight, bottom.width() - line - 16)
        badge = QRect(bottom.left(), bottom.top(), p.fontMetrics().horizontalAdvance(elided) + line + 16, line)
        p.fillRect(badge, band)
        dot = line // 3
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(colour))
        p.drawEllipse(QRectF(badge.left() + 8, badge.center().y() - dot / 2, dot, dot))
        p.setPen(QColor("#e6edf3"))
        p.drawText(
            badge.adjusted(8 + dot + 8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided
        )

    # ------------------------------------------------------------------ the operator
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.solo_toggled.emit()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self.camera_id:
            return
        menu = QMenu(self)
        keep = menu.addAction(self.tr("保存画面为案件证据"))
        keep.setEnabled(self._frame is not None and self.case_no is not None)
        link = self.checked_link()
        external = menu.addAction(self.tr("用外部播放器打开"))
        external.setEnabled(bool(link))
        clear = menu.addAction(self.tr("移除此摄像头"))
        chosen = menu.exec(event.globalPos())
        if chosen is keep:
            self.still_wanted.emit()
        elif chosen is external:
            self.external_wanted.emit(link)
        elif chosen is clear:
            self.cleared.emit()
