"""Coalesced repaints: change sets pile up between frames, panels repaint what changed, ≤ 4 Hz."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from console.core.situation import ChangeSet


class Repainter(QObject):
    """Merges change sets and hands the merged one to ``paint`` at most every ``interval_ms``."""

    def __init__(
        self, paint: Callable[[ChangeSet], None], interval_ms: int = 250, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._paint = paint
        self._pending = ChangeSet()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)

    def add(self, changes: ChangeSet) -> None:
        if not changes:
            return
        self._pending.merge(changes)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Paint now (tests, screenshots)."""
        self._timer.stop()
        self._on_timeout()

    def _on_timeout(self) -> None:
        changes, self._pending = self._pending, ChangeSet()
        if changes:
            self._paint(changes)
