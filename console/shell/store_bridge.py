"""The shell's typed port to the store (in its own process), and its callbacks into Qt.

The shell reaches the store only through this object: what it sends (batches, operator actions,
link events), what it asks (the last known state, the past, the kept window). The store's alarms
arrive from whichever thread found the problem and are re-emitted as queued signals.

A store process that ends (killed, crashed) is started again, on the same database: its alarm is
raised at once, a new process is opened off the GUI thread after ``RESTART_AFTER_S`` (doubling,
up to ``RESTART_AT_MOST_S``, while restarted processes keep ending within a minute), and takes over
on the GUI thread, which then asks the link to re-sync so that a snapshot fills the journal's hole.
Until then what is sent to the store is refused (an operator action raises: nothing is claimed
stored that is not).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import date, datetime
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.daily import DayFigures
from console.core.evidence import Still
from console.core.leader import LeaderView
from console.core.rules import Rules
from console.core.situation import Situation
from console.store import (
    ActionStatus,
    AlarmKind,
    JournalSpan,
    LastKnown,
    LinkEvent,
    LinkEventKind,
    NewAction,
    StoredAction,
    StoreStats,
    Window,
)
from console.store.process import StoreProcess, StoreProcessError
from console.store.schema import LINK_EVENT_DETAIL_LENGTH
from server_link.district import District
from server_link.link_state import Batch
from server_link.workcal import WorkCalendar

log = logging.getLogger(__name__)

RESTART_AFTER_S: Final = 1.0
RESTART_AT_MOST_S: Final = 60.0
RESTART_THREAD: Final = "store-restart"


class StoreBridge(QObject):
    """Owns the console's store (in its own process) and is the shell's only way to it.

    Signals:
        alarm_raised(StoreStats): the store fell behind (its queue was full), could not write, or its
            process ended.
        resync_needed(): the store refused updates (or a restarted store holds a hole); the link must
            re-sync to fill it.
        restarted(): a new store process took over from one that had ended.
    """

    alarm_raised = Signal(object)
    resync_needed = Signal()
    restarted = Signal()
    _ended = Signal()  # the store's reader thread → this object's thread (queued)
    _opened = Signal()  # the restart thread → this object's thread: ``_fresh`` is ready, or failed

    def __init__(self, db: str | None, parent: QObject | None = None, restart_after: float = RESTART_AFTER_S) -> None:
        super().__init__(parent)
        self._db = db
        self._store = self._process()
        self.daily_writes = 0
        self.restarts = 0
        self._restart_after = self._first_delay = restart_after
        self._started_at = time.monotonic()
        self._closed = False
        self._restarting: threading.Thread | None = None
        self._fresh: tuple[StoreProcess, str] | None = None  # a restarted store and why it failed ("": it opened)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._restart)
        self._ended.connect(self._schedule_restart)
        self._opened.connect(self._take_over)

    def _process(self) -> StoreProcess:
        return StoreProcess(self._db, on_alarm=self._alarm, on_resync_needed=self.resync_needed.emit)

    def _alarm(self, stats: StoreStats) -> None:
        self.alarm_raised.emit(stats)
        if stats.alarm_kind is AlarmKind.ENDED:
            self._ended.emit()

    # ------------------------------------------------------------------ life
    def open(self) -> None:
        self._store.open()
        self._started_at = time.monotonic()

    def close(self) -> None:
        self._closed = True
        self._timer.stop()
        if self._restarting is not None:
            self._restarting.join()  # bounded by the store's open time-out
        fresh, self._fresh = self._fresh, None
        if fresh is not None and not fresh[1]:
            fresh[0].close()  # opened as the console closed: never taken over
        self._store.close()

    # ------------------------------------------------------------------ restarting an ended store
    def _schedule_restart(self) -> None:
        if self._closed or self._timer.isActive() or self._restarting is not None:
            return
        lived = time.monotonic() - self._started_at
        self._restart_after = self._first_delay if lived > RESTART_AT_MOST_S else self._restart_after
        log.error("the store process ended: starting another in %.0f s", self._restart_after)
        self._timer.start(int(self._restart_after * 1000))

    def _restart(self) -> None:
        """Open a new store process off the GUI thread (spawning and opening take a second or more)."""
        if self._closed:
            return
        fresh = self._process()

        def run() -> None:
            try:
                fresh.open()
                self._fresh = (fresh, "")
            except StoreProcessError as exc:
                self._fresh = (fresh, str(exc) or type(exc).__name__)
            self._opened.emit()

        self._restarting = threading.Thread(target=run, name=RESTART_THREAD, daemon=True)
        self._restarting.start()

    def _take_over(self) -> None:
        if self._restarting is not None:
            self._restarting.join()
            self._restarting = None
        if self._fresh is None:  # taken care of by close()
            return
        (fresh, failed), self._fresh = self._fresh, None
        self._restart_after = min(self._restart_after * 2, RESTART_AT_MOST_S)
        if failed:
            log.error("the store process could not be started again: %s", failed)
            if not self._closed:
                self._timer.start(int(self._restart_after * 1000))
            return
        if self._closed:
            fresh.close()
            return
        ended, self._store = self._store, fresh
        ended.close()  # its process is gone: this only ends its threads
        self._started_at = time.monotonic()
        self.restarts += 1
        log.warning("the store process was started again (pid %s): re-syncing to fill the journal", fresh.pid)
        self.restarted.emit()
        self.resync_needed.emit()

    @property
    def pid(self) -> int | None:
        return self._store.pid

    def stats(self) -> StoreStats:
        return self._store.stats()

    def stats_later(self) -> Future[StoreStats]:
        """The store's counters without waiting for the batches queued ahead (the GUI thread polls it)."""
        return self._store.stats_later()

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

    def leader_view_at_later(self, instant: datetime, past: Sequence[DayFigures], hourly: bool) -> Future[LeaderView]:
        return self._store.leader_view_at_later(instant, past, hourly)

    def journal_between_later(self, after: datetime, until: datetime) -> Future[JournalSpan | None]:
        return self._store.journal_between_later(after, until)

    def record_link_event(self, kind: LinkEventKind, detail: str = "") -> None:
        """What the link did (re-synced, went stale, came back), for the replay bar's marks. Queued
        behind the batches already submitted, never waited for (the GUI thread calls it, and under
        load the store may be seconds behind); a mark the store could not keep is logged."""
        done = self._store.record_link_event_later(kind, detail[:LINK_EVENT_DETAIL_LENGTH])

        def kept(f: Future[None]) -> None:
            if f.exception() is not None:
                log.warning("link event %s not recorded: %s", kind, f.exception())

        done.add_done_callback(kept)

    def link_events(self, since: datetime) -> list[LinkEvent]:
        return self._store.link_events(since)

    # ------------------------------------------------------------------ operator actions
    def record_actions(self, who: str, role: str, actions: Sequence[NewAction]) -> list[StoredAction]:
        return self._store.record_actions(who, role, actions)

    def set_actions_status(self, action_ids: Sequence[int], status: ActionStatus) -> None:
        self._store.set_actions_status(action_ids, status)

    def actions(self, *, since: datetime | None = None) -> list[StoredAction]:
        return self._store.actions(since=since)

    # ------------------------------------------------------------------ the alarm book
    def save_alarms_later(self, data: dict[str, Any]) -> Future[None]:
        """Keep the alarm book; not waited for (the future says whether it was committed)."""
        return self._store.save_alarms_later(data)

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
