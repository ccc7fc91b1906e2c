"""A case's bounce graph: the center and the departments it went to as nodes on a line, each hand-over
an arc above (to a department) or below (back to the center), numbered in order with the time the case
sat before it; returns in amber. Department names are the backend's: drawn as plain text, elided."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.core.council import CENTRE, Dossier, HopKind
from console.core.untrusted import one_line
from widgets.labels import duration

NODE_W: Final = 150
NODE_H: Final = 40
COLOURS: Final = {HopKind.DISPATCH: "#58a6ff", HopKind.RETURN: "#e0a030", HopKind.DECISION: "#3fb950"}


class BounceGraph(QWidget):
    """Draws one ``Dossier``'s hops; ``names`` turns a department id into its shown name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bounceGraph")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.dossier: Dossier | None = None
        self._names: Callable[[str], str] = lambda d: d
        self.labels: list[str] = []  # what the arcs say, in order (for tests and the minutes)
        self.zoom = 1.0  # everything drawn this much larger (the council room's view)

    def show_dossier(self, dossier: Dossier | None, names: Mapping[str, str]) -> None:
        self.dossier = dossier
        self._names = lambda d: self.tr("中心") if d == CENTRE else one_line(names.get(d, d), 12)
        self.labels = [f"{h.n} · {duration(h.held_s)}" for h in dossier.hops] if dossier else []
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:
        width = max(400, len(self.dossier.nodes) * (NODE_W + 30)) if self.dossier else 400
        return QSize(round(width * self.zoom), round(300 * self.zoom))

    def paintEvent(self, event: QPaintEvent) -> None:
        d = self.dossier
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(self.zoom, self.zoom)
        width, height = self.width() / self.zoom, self.height() / self.zoom  # what is drawn, before the zoom
        if d is None or not d.hops:
            p.setPen(QColor("#9aa4b2"))
            p.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, self.tr("尚未派遣到任何部门"))
            p.end()
            return
        n = len(d.nodes)
        gap = max(NODE_W + 20, (width - NODE_W) / max(1, n - 1)) if n > 1 else 0
        left = (width - (gap * (n - 1) + NODE_W)) / 2 if gap * (n - 1) + NODE_W < width else 0
        mid_y = height / 2
        centre_x = {node: left + i * gap + NODE_W / 2 for i, node in enumerate(d.nodes)}
        font = QFont(self.font())
        font.setPixelSize(14)
        p.setFont(font)
        # arcs first, under the nodes: dispatches above, returns below, each higher than the last
        for i, hop in enumerate(d.hops):
            x1, x2 = centre_x[hop.source], centre_x[hop.target]
            above = hop.kind is not HopKind.RETURN
            lift = (NODE_H / 2 + 18 + 14 * (i % 5)) * (-1 if above else 1)
            y = mid_y + (-NODE_H / 2 if above else NODE_H / 2)
            reach = mid_y - 14  # the arcs stay inside the widget
            bend = mid_y + max(-reach, min(reach, lift * 2.2))
            path = QPainterPath(QPointF(x1, y))
            path.cubicTo(QPointF(x1, bend), QPointF(x2, bend), QPointF(x2, y))
            colour = QColor(COLOURS[hop.kind])
            p.setPen(QPen(colour, 2.4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            head = 7 * (1 if above else -1)
            p.setBrush(colour)
            p.drawPolygon(QPolygonF([QPointF(x2, y), QPointF(x2 - 5, y - head), QPointF(x2 + 5, y - head)]))
            label_at = path.pointAtPercent(0.5)
            box = QRectF(label_at.x() - 55, label_at.y() - 11, 110, 22)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(20, 24, 30, 220))
            p.drawRoundedRect(box, 4, 4)
            p.setPen(colour)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.labels[i])
        for node, x in centre_x.items():
            box = QRectF(x - NODE_W / 2, mid_y - NODE_H / 2, NODE_W, NODE_H)
            p.setPen(QPen(QColor("#9aa4b2"), 1.5))
            p.setBrush(QColor("#1f2630") if node != CENTRE else QColor("#2d333b"))
            p.drawRoundedRect(box, 6, 6)
            p.setPen(QColor("#e6edf3"))
            name = p.fontMetrics().elidedText(self._names(node), Qt.TextElideMode.ElideRight, NODE_W - 12)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
        p.end()
