"""A case's stills from the cameras, as thumbnails: before and after its feedback side by side.

Each thumbnail says when its frame was decoded, from which camera (the backend's name, made one safe
line) and who kept it; a click opens the picture at its size in a window of its own. With no still
the strip is hidden; with stills only from before the feedback (or no feedback yet) one column.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QVBoxLayout, QWidget

from console.core.evidence import Still, before_after
from console.core.untrusted import one_line
from server_link.workcal import BEIJING

THUMB_W: Final = 200
SHOWN: Final = 3  # per column: the newest
NAME_CHARS: Final = 16


class _Thumb(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()


class EvidenceStrip(QWidget):
    """The stills of the case shown; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceStrip")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.stills: list[Still] = []
        self.before: list[Still] = []
        self.after: list[Still] = []
        self.hide()

    def show_stills(self, stills: Sequence[Still], feedback_at: datetime | None) -> None:
        self.stills = list(stills)
        self.before, self.after = before_after(stills, feedback_at)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.setVisible(bool(stills))
        if not stills:
            return
        columns = [(QCoreApplication.translate("Evidence", "处理反馈前"), self.before)]
        if feedback_at is not None:
            columns.append((QCoreApplication.translate("Evidence", "处理反馈后"), self.after))
        for col, (title, shown) in enumerate(columns):
            heading = QLabel(QCoreApplication.translate("Evidence", "{0}（{1} 张）").format(title, len(shown)))
            heading.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(heading, 0, col, Qt.AlignmentFlag.AlignTop)
            for row, still in enumerate(shown[-SHOWN:], start=1):
                self.grid.addWidget(self._thumb(still), row, col, Qt.AlignmentFlag.AlignTop)
        self.grid.setRowStretch(SHOWN + 1, 1)

    @staticmethod
    def caption(still: Still) -> str:
        at = still.frame_at.astimezone(BEIJING).strftime("%m-%d %H:%M:%S")
        return f"{at} · {one_line(still.camera_name, NAME_CHARS)} · {one_line(still.who, NAME_CHARS)}"

    def _thumb(self, still: Still) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        picture = _Thumb()
        pixmap = QPixmap()
        if pixmap.loadFromData(still.jpeg, "JPG"):
            picture.setPixmap(pixmap.scaledToWidth(THUMB_W, Qt.TransformationMode.SmoothTransformation))
        else:
            picture.setText(QCoreApplication.translate("Evidence", "（图片无法读取）"))
        picture.setCursor(Qt.CursorShape.PointingHandCursor)
        picture.clicked.connect(lambda s=still: self.open(s))
        caption = QLabel(self.caption(still))
        caption.setTextFormat(Qt.TextFormat.PlainText)
        caption.setWordWrap(True)
        caption.setMaximumWidth(THUMB_W)
        layout.addWidget(picture)
        layout.addWidget(caption)
        return box

    def open(self, still: Still) -> QDialog:
        """The still at its size, with its caption, in a window of its own."""
        view = QDialog(self.window())
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.setWindowTitle(
            QCoreApplication.translate("Evidence", "现场画面 · 案件 {0}").format(one_line(still.case_no))
        )
        layout = QVBoxLayout(view)
        picture = QLabel()
        pixmap = QPixmap()
        pixmap.loadFromData(still.jpeg, "JPG")
        picture.setPixmap(pixmap)
        caption = QLabel(self.caption(still))
        caption.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(picture)
        layout.addWidget(caption)
        view.show()
        return view
