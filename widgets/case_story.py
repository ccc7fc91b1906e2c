"""The case's whole story in a large window: the citizen's report in full, where it stands, every
event of its way through the seven steps, and the cameras near it; for the council's questions
("who had it, when, and why did it come back?") without scrolling inside a small panel.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QScrollArea, QVBoxLayout, QWidget

from console.core.situation import Provenance, Situation
from server_link.workcal import BEIJING
from widgets.case_detail import CaseDetail

SCREEN_SHARE = 0.7  # of the screen's width and height


class CaseStory(QDialog):
    """A non-modal window over the wall; Esc or 关闭 closes it. It follows its case as it changes
    (the shell calls ``refresh``) and says, as the detail does, when the picture is of the past."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseStoryWindow")
        self.setWindowTitle(self.tr("案件全过程"))
        self.setModal(False)
        self.detail = CaseDetail(story=True)
        area = QScrollArea()
        area.setWidget(self.detail)
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addWidget(buttons)

    @property
    def case_no(self) -> str | None:
        return self.detail.case_no

    def show_case(self, sit: Situation, no: str) -> None:
        """Show ``no`` and bring the window up, sized to the screen it opens on."""
        self.detail.show_case(sit, no)
        self._title(sit)
        screen = (self.parentWidget() or self).screen().availableGeometry()
        self.resize(int(screen.width() * SCREEN_SHARE), int(screen.height() * SCREEN_SHARE))
        self.move(screen.center() - self.rect().center())
        self.show()
        self.raise_()
        self.activateWindow()

    def refresh(self, sit: Situation) -> None:
        if self.isVisible():
            self.detail.refresh(sit)
            self._title(sit)

    def _title(self, sit: Situation) -> None:
        title = self.tr("案件全过程 · {0}").format(self.case_no or "")
        if sit.provenance is Provenance.PAST:  # never mistaken for the present (WALL.md)
            at = datetime.fromtimestamp(sit.now, BEIJING).strftime("%Y-%m-%d %H:%M")
            title += self.tr(" · 历史回放 {0}（非实时）").format(at)
        self.setWindowTitle(title)
