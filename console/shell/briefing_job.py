"""``grid-console --role leader --briefing OUT.pdf``: the leaders' briefing, written without a window.

For a daily job: connect, wait for the backend's picture to be in and applied, bring the store's daily
rows up to date (the days before today come from them), write the PDF, end with 0. A backend that
cannot be reached (or sends no picture) within the time allowed ends it with 2 and one clear line;
nothing is written then.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from PySide6.QtCore import QObject, QTimer

from console.core import catalogue
from console.core.leader import past_days, view_of
from server_link.link_state import LinkState
from widgets.briefing import write_briefing

if TYPE_CHECKING:
    from console.shell.composition import Console

TURN_MS: Final = 250


class BriefingJob(QObject):
    """Waits, writes, and tells ``done(code)`` (0 written, 2 not) once."""

    def __init__(self, console: Console, path: Path, timeout_s: float, done: Callable[[int], None]) -> None:
        super().__init__(console.window)
        self.console, self.path, self.timeout_s = console, path, timeout_s
        self._done = done
        self._started = time.monotonic()
        self._refresh: Future[list[date]] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TURN_MS)
        self._timer.timeout.connect(self._turn)
        self._timer.start()

    def _turn(self) -> None:
        c = self.console
        stats = c.link.stats()
        if self._refresh is None:
            if time.monotonic() - self._started > self.timeout_s:
                what = "sent no picture" if stats.state is LinkState.SYNCING else "could not be reached"
                self._end(2, f"the backend at {stats.endpoint} {what} within {self.timeout_s:g} s: no briefing written")
                return
            if stats.state is not LinkState.LIVE or not c.situation.pictured or c.ingest.backlog:
                return  # the picture is not in, or not yet applied
            self._refresh = c.store.refresh_daily_later(datetime.now(UTC), c.situation.rules, c.situation.calendar)
            return
        if not self._refresh.done():
            return
        if self._refresh.exception() is not None:  # the kept days are then what the store had
            print(f"grid-console: the daily figures could not be updated: {self._refresh.exception()}", file=sys.stderr)
        sit = c.situation
        try:
            view = view_of(sit, c.store.daily(*past_days(sit)))
            live = c.link.stats().state is LinkState.LIVE
            write_briefing(self.path, view, catalogue.street_names(sit), catalogue.department_names(sit), sit.now, live)
        except (OSError, RuntimeError, TimeoutError, ValueError) as exc:
            self._end(2, f"the briefing could not be written: {exc}")
            return
        self._end(0, f"briefing written to {self.path}", stream=sys.stdout)

    def _end(self, code: int, line: str, stream: TextIO = sys.stderr) -> None:
        self._timer.stop()
        print(f"grid-console: {line}" if stream is sys.stderr else line, file=stream, flush=True)
        self._done(code)
