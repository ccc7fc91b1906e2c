"""The shell's typed port to the store (in its own process), and its callbacks into Qt.

The shell reaches the store only through this object: what it sends (batches, operator actions,
link events), what it asks (the last known state, the past, the kept window). The store's alarms
arrive from whichever thread found the problem and are re-emitted as queued signals.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.core.daily import DayFigures
from console.core.evidence import Still
from console.core.rules import Rules
from console.core.situation import Situation
from console.store import (
    ActionKind,
    ActionStatus,
    LastKnown,
    LinkEvent,
    LinkEventKind,
    StoredAction,
    StoreStats,
    Window,
)
from console.store.process import StoreProcess
from console.store.schema import LINK_EVENT_DETAIL_LENGTH
from server_link.district import District
from server_link.link_state import Batch
from server_link.workcal import WorkCalendar


class StoreBridge(QObject):
    """Owns the console's store (in its own process) and is the shell's only way to it.

    Signals:
        alarm_raised(StoreStats): the store fell behind (its queue was full) or could not write.
        resync_needed(): the store refused updates; the link must re-sync to fill the hole.
    """

    alarm_raised = Signal(object)
    resync_needed = Signal()

    def __init__(self, db: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = StoreProcess(db, on_alarm=self._alarm, on_resync_needed=self.resync_needed.emit)
        self.daily_writes = 0

    def _alarm(self, stats: StoreStats) -> None:
        self.alarm_raised.emit(stats)

    # ------------------------------------------------------------------ life
    def open(self) -> None:
        self._store.open()

    def close(self) -> None:
        self._store.close()

    @property
    def pid(self) -> int | None:
        return self._store.pid

    def stats(self) -> StoreStats:
        return self._store.stats()

    def flush(self, timeout: float = 30.0) -> bool:
        return self._store.flush(timeout)

    # ------------------------------------------------------------------ the journal
    def submit(self, batch: Batch) -> bool:
        """Journal a batch; False when the store refused it (it is behind: a re-sync follows)."""
        return self._store.submit(batch)

    def last_known(self) -> LastKnown:
        return self._store.last_known()

    # ------------------------------------------------------------------ the past
    def time_window(self) -> Window | None:
        return self._store.time_window()

    def situation_at_later(self, instant: datetime, district: District) -> Future[Situation]:
        return self._store.situation_at_later(instant, district)

    def record_link_event(self, kind: LinkEventKind, detail: str = "") -> None:
        """What the link did (re-synced, went stale, came back), for the replay bar's marks."""
        self._store.record_link_event(kind, detail[:LINK_EVENT_DETAIL_LENGTH])

    def link_events(self, since: datetime) -> list[LinkEvent]:
        return self._store.link_events(since)

    # ------------------------------------------------------------------ operator actions
    def record_action(
        self,
        kind: ActionKind | str,
        who: str,
        role: str,
        text: str = "",
        *,
        case_no: str | None = None,
        key: str | None = None,
        payload: dict[str, Any] | None = None,
        status: ActionStatus = ActionStatus.RECORDED,
    ) -> StoredAction:
        return self._store.record_action(
            kind, who, role, text, case_no=case_no, key=key, payload=payload, status=status
        )

    def set_action_status(self, action_id: int, status: ActionStatus) -> None:
        self._store.set_action_status(action_id, status)

    def actions(self, *, since: datetime | None = None) -> list[StoredAction]:
        return self._store.actions(since=since)

    # ------------------------------------------------------------------ the alarm book
    def save_alarms(self, data: dict[str, Any]) -> None:
        self._store.save_alarms(data)

    def saved_alarms(self) -> dict[str, Any] | None:
        return self._store.saved_alarms()

    # ------------------------------------------------------------------ stills (evidence)
    def save_still(self, still: Still) -> int:
        return self._store.save_still(still)

    def stills(self, case_no: str) -> list[Still]:
        return self._store.stills(case_no)

    # ------------------------------------------------------------------ the daily figures
    def daily(self, since: date, until: date) -> list[DayFigures]:
        """The kept rows of every scope from ``since`` to ``until`` (both included)."""
        return self._store.daily(since, until)

    def refresh_daily_later(self, as_of: datetime, rules: Rules, calendar: WorkCalendar) -> Future[list[date]]:
        """Write the complete days the store's cases cover and its table lacks (the first start's
        rebuild, then the day just ended); ``as_of``: now, while the link is live. ``daily_writes``
        counts the refreshes that wrote days (readers of the rows look again after one)."""
        done = self._store.refresh_daily_later(as_of, rules=rules, calendar=calendar)

        def count(future: Future[list[date]]) -> None:
            if future.exception() is None and future.result():
                self.daily_writes += 1

        done.add_done_callback(count)
        return done
