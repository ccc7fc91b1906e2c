"""The store's callbacks into Qt: its alarms arrive from whichever thread found the problem."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from console.store import StoreStats
from console.store.process import StoreProcess


class StoreBridge(QObject):
    """Owns the console's store (in its own process) and re-emits its callbacks as queued signals.

    Signals:
        alarm_raised(StoreStats): the store fell behind (its queue was full) or could not write.
        resync_needed(): the store refused updates; the link must re-sync to fill the hole.
    """

    alarm_raised = Signal(object)
    resync_needed = Signal()

    def __init__(self, db: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = StoreProcess(db, on_alarm=self._alarm, on_resync_needed=self.resync_needed.emit)

    def _alarm(self, stats: StoreStats) -> None:
        self.alarm_raised.emit(stats)
