"""The council room's screen: the case the meeting is on, alone and in large type, for a projector
or a wall screen the whole table reads (the board's 大字演示, F5).

It is a window of its own, full screen on the console's second screen when there is one (else on
its own), so the board stays as it is for the one who drives. It only shows what the board hands
it: the heading, the bounce graph and the facts line, all plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.core.council import Dossier
from widgets.bounce_graph import BounceGraph

ZOOM: Final = 1.8  # the bounce graph in the room, against the board's
STYLE: Final = """
QWidget#councilRoom { background: #11161c; }
QLabel#roomHeading { font-size: 44px; font-weight: 600; color: #e6edf3; background: transparent; }
QLabel#roomFacts { font-size: 28px; color: #c9d1d9; background: transparent; }
"""


class RoomView(QWidget):
    """The room's screen; ``closed`` when its window is closed (Esc, F5 or the window manager)."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("councilRoom")
        self.setWindowTitle(self.tr("协调会商 · 会商室大屏"))
        self.setStyleSheet(STYLE)
        self.heading = _plain(QLabel(), "roomHeading")
        self.graph = BounceGraph()
        self.graph.set_zoom(ZOOM)
        self.facts = _plain(QLabel(), "roomFacts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(28)
        layout.addWidget(self.heading)
        layout.addWidget(self.graph)
        layout.addWidget(self.facts)
        layout.addStretch(1)

    def show_case(self, dossier: Dossier | None, heading: str, facts: str, names: Mapping[str, str]) -> None:
        self.heading.setText(heading)
        self.graph.show_dossier(dossier, names)
        self.facts.setText(facts)

    def open_on_a_screen(self, beside: QWidget) -> None:
        """Full screen on a screen other than ``beside``'s if there is one, else on the same."""
        others = [s for s in QGuiApplication.screens() if s is not beside.screen()]
        target = others[0] if others else beside.screen()
        self.setScreen(target)
        self.setGeometry(target.geometry())
        self.showFullScreen()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F5):
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


def _plain(label: QLabel, name: str) -> QLabel:
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label
