"""Coalesced repaints: change sets pile up between frames, panels repaint what changed, ≤ 5 Hz."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

from console.core.situation import ChangeSet

DEFAULT_INTERVAL_MS = 200


class Repainter(QObject):
    """Merges change sets and hands the merged one to ``paint`` at most every ``interval_ms``.

    A throttle, not a debounce: a change after a quiet spell is painted on the next turn of the
    event loop; under a steady stream paints come every ``interval_ms``, so nothing waits longer.
    """

    def __init__(
        self, paint: Callable[[ChangeSet], None], interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._paint = paint
        self._interval_ms = interval_ms
        self._pending = ChangeSet()
        self._since = QElapsedTimer()  # since the last paint (invalid before the first)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

    def add(self, changes: ChangeSet) -> None:
        if not changes:
            return
        self._pending.merge(changes)
        if not self._timer.isActive():
            waited = self._since.elapsed() if self._since.isValid() else self._interval_ms
            self._timer.start(max(0, self._interval_ms - waited))

    def soon(self) -> None:
        """Paint on the next turn of the event loop (what is painted before it is seen first)."""
        self._timer.start(0)

    def flush(self) -> None:
        """Paint now (tests, screenshots)."""
        self._timer.stop()
        self._on_timeout()

    def _on_timeout(self) -> None:
        changes, self._pending = self._pending, ChangeSet()
        if changes:
            self._since.restart()
            self._paint(changes)
