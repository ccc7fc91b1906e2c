"""Coalesced repaints: change sets pile up between frames, panels repaint what changed, ≤ 5 Hz;
and a throttle for what repaints from the whole (the alarm list)."""

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
        self._pending = ChangeSet()
        self._throttle = Throttle(self._on_time, interval_ms, busy_share=1.0, parent=self)

    def add(self, changes: ChangeSet) -> None:
        if changes:
            self._pending.merge(changes)
            self._throttle.poke()

    def soon(self) -> None:
        """Paint on the next turn of the event loop (what is painted before it is seen first)."""
        self._throttle.soon()

    def flush(self) -> None:
        """Paint now (tests, screenshots)."""
        self._throttle.now()

    def _on_time(self) -> None:
        changes, self._pending = self._pending, ChangeSet()
        if changes:
            self._paint(changes)


class Throttle(QObject):
    """Calls ``action`` on the next turn of the event loop after a quiet spell, then at most once a
    gap: ``interval_ms``, or longer for an action that grew costly, so that it takes at most
    ``busy_share`` of the GUI thread (the alarm list: its cost grows with the alarms held, and in a
    flood the engine changes something at every turn)."""

    def __init__(
        self, action: Callable[[], None], interval_ms: int, busy_share: float = 0.1, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._action = action
        self._interval_ms = interval_ms
        self._busy_share = busy_share
        self.gap_ms = interval_ms
        self._since = QElapsedTimer()  # since the last call (invalid before the first)
        self._cost = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.now)

    def poke(self) -> None:
        """Something changed: call the action when the gap allows."""
        if not self._timer.isActive():
            waited = self._since.elapsed() if self._since.isValid() else self.gap_ms
            self._timer.start(max(0, self.gap_ms - waited))

    def soon(self) -> None:
        """Call it on the next turn of the event loop, whatever the gap."""
        self._timer.start(0)

    def now(self) -> None:
        """Call it now (an operator's action on alarms is shown at once); the gap counts from here."""
        self._timer.stop()
        self._since.restart()
        self._cost.start()
        self._action()
        self.gap_ms = max(self._interval_ms, round(self._cost.elapsed() / self._busy_share))
