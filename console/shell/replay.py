"""The situation on show, and replay: the wall at any instant the store keeps, while live goes on.

The live situation keeps ingesting (and the store journalling) whatever is on show. ``Showing``
holds which situation the panels read: the live one, or a read-only past one. ``Replay`` turns the
replay bar's requests into past situations: each is built in the store's process (off the GUI
thread), at most one at a time; a newer request replaces any that waits (so a drag never queues
work), and a result that comes after a return to live is dropped. A move forward from the past on
show by at most ``STEP_LIMIT_S`` (playing at 60× or 600×, a short drag) is made by what the journal
received in between, applied to the situation on show as live updates are (``Situation.advance``):
it costs the rows, not the district; further, or backward, the instant is rebuilt whole.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from console.core.situation import ChangeSet, Situation
from console.store import JournalSpan
from server_link.district import District

log = logging.getLogger(__name__)

PLAY_TICK_MS = 250
STEP_LIMIT_S = 3600.0  # a move forward by at most this goes by the journal's rows (if there are few)


class PastSource(Protocol):
    """Where past situations come from (the store, in its own process)."""

    def situation_at_later(self, instant: datetime, district: District) -> Future[Situation]: ...

    def journal_between_later(self, after: datetime, until: datetime) -> Future[JournalSpan | None]: ...


class Showing(QObject):
    """Which situation the panels read: the live one, or one of the past.

    Signals:
        switched(): the situation on show is another one (the panels repaint it whole).
        moved(ChangeSet): the past on show moved forward; what changed (the panels repaint that).
    """

    switched = Signal()
    moved = Signal(object)

    def __init__(self, live: Situation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.past: Situation | None = None

    @property
    def situation(self) -> Situation:
        return self.past if self.past is not None else self.live

    @property
    def replaying(self) -> bool:
        return self.past is not None

    def show_past(self, situation: Situation) -> None:
        retired, self.past = self.past, situation
        self.switched.emit()
        _let_go(retired)

    def show_moved(self, changes: ChangeSet) -> None:
        """The past on show was moved forward in place (``Situation.advance``)."""
        self.moved.emit(changes)

    def show_live(self) -> None:
        if self.past is None:
            return
        retired, self.past = self.past, None
        self.switched.emit()
        _let_go(retired)


def _let_go(situation: Situation | None) -> None:
    """Free a past situation no panel shows any more in a thread of its own: its ten thousand cases
    took ~18 ms to free, which the GUI thread spent when its last panel let go of it."""
    if situation is not None:
        threading.Thread(target=_drop, args=(situation,), name="past-situation-free", daemon=True).start()


def _drop(situation: Situation) -> None:
    """Nothing: the thread's last reference goes when it ends, and the situation with it."""


class Replay(QObject):
    """Builds the past the replay bar asks for and puts it on show; see the module docstring.

    Signals:
        instant_shown(object): the instant now on show (a float, POSIX seconds), or None for live.
        failed(str): a past instant could not be built (outside the kept window, the store gone).
    """

    instant_shown = Signal(object)
    failed = Signal(str)
    _built = Signal(object, float, object)  # store's reader thread → GUI thread: (future, instant, token)
    _spanned = Signal(object, float, object)  # the same, for the journal's rows up to an instant

    def __init__(
        self,
        source: PastSource,
        showing: Showing,
        district: District,
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._showing = showing
        self._district = district
        self._clock = clock
        self._asked: float | None = None  # the instant being built
        self._next: float | None = None  # the newest instant asked for meanwhile
        self._token = 0  # bumped on every return to live: results asked for before are dropped
        self.instant: float | None = None  # on show; None while live
        self.speed = 0.0
        self.built = 0  # past situations put on show (for tests and benchmarks)
        self.moves = 0  # moves forward made by the journal's rows
        self._built.connect(self._on_built, Qt.ConnectionType.QueuedConnection)
        self._spanned.connect(self._on_spanned, Qt.ConnectionType.QueuedConnection)
        self._player = QTimer(self)
        self._player.setInterval(PLAY_TICK_MS)
        self._player.timeout.connect(self._advance)

    @property
    def busy(self) -> bool:
        return self._asked is not None or self._next is not None

    # ------------------------------------------------------------------ requests
    def request(self, instant: float) -> None:
        """Show the wall at ``instant`` (POSIX seconds) as soon as it is built."""
        instant = min(instant, self._clock())
        if self._asked is not None:
            self._next = instant  # replaces whatever was waiting
            return
        self._ask(instant)

    def play(self, speed: float) -> None:
        """Move the instant on show forward at ``speed``× real time (0 pauses)."""
        self.speed = speed
        if speed > 0:
            if self.instant is None and self._asked is None:
                return  # live is already "playing" at 1×
            self._player.start()
        else:
            self._player.stop()

    def live(self) -> None:
        """Back to live: what is being built is dropped, the live situation shown whole."""
        self._player.stop()
        self.speed = 0.0
        self._token += 1
        self._asked = self._next = None
        self.instant = None
        self._showing.show_live()
        self.instant_shown.emit(None)

    # ------------------------------------------------------------------ internals
    def _ask(self, instant: float) -> None:
        self._asked = instant
        token = self._token
        if self.instant is not None and self._showing.past is not None and 0 < instant - self.instant <= STEP_LIMIT_S:
            self._ask_rows(self.instant, instant, token)
            return
        self._ask_whole(instant, token)

    def _ask_rows(self, after: float, instant: float, token: int) -> None:
        try:
            future = self._source.journal_between_later(
                datetime.fromtimestamp(after, UTC), datetime.fromtimestamp(instant, UTC)
            )
        except Exception as exc:  # noqa: BLE001 - the store is gone or closing: say so, stay where we are
            self._asked = None
            self.failed.emit(str(exc))
            return
        future.add_done_callback(lambda f: self._spanned.emit(f, instant, token))

    def _ask_whole(self, instant: float, token: int) -> None:
        try:
            future = self._source.situation_at_later(datetime.fromtimestamp(instant, UTC), self._district)
        except Exception as exc:  # noqa: BLE001 - the store is gone or closing: say so, stay where we are
            self._asked = None
            self.failed.emit(str(exc))
            return
        future.add_done_callback(lambda f: self._built.emit(f, instant, token))

    @Slot(object, float, object)
    def _on_built(self, future: Future[Situation], instant: float, token: int) -> None:
        if token != self._token:
            return  # asked for before a return to live
        self._asked = None
        waiting, self._next = self._next, None
        try:
            situation = future.result()
        except Exception as exc:  # noqa: BLE001 - outside the window, or the store failed: said on the wall
            self.failed.emit(str(exc))
        else:  # shown even when a newer instant waits: a drag shows where it passes, not only where it ends
            self.instant = instant
            self.built += 1
            self._showing.show_past(situation)
            self.instant_shown.emit(instant)
        if waiting is not None:
            self._ask(waiting)

    @Slot(object, float, object)
    def _on_spanned(self, future: Future[JournalSpan | None], instant: float, token: int) -> None:
        if token != self._token:
            return  # asked for before a return to live
        past = self._showing.past
        try:
            span = future.result()
        except Exception as exc:  # noqa: BLE001 - the store failed: said on the wall, the past stays
            self.failed.emit(str(exc))
        else:
            if span is None or past is None:  # more rows than a step applies: the instant rebuilt whole
                self._ask_whole(instant, token)
                return
            as_of = span.as_of.timestamp() if span.as_of is not None else None
            try:
                changes = past.advance(span.rows, instant, sequence=span.sequence, epoch=span.epoch, as_of=as_of)
            except Exception:  # each row is guarded; should the step still fail, it is rebuilt whole
                log.exception("a replay step by the journal failed; the instant is rebuilt whole")
                self._ask_whole(instant, token)
                return
            self.instant = instant
            self.moves += 1
            self._showing.show_moved(changes)
            self.instant_shown.emit(instant)
        self._asked = None
        waiting, self._next = self._next, None
        if waiting is not None:
            self._ask(waiting)

    def _advance(self) -> None:
        if self._asked is not None:
            return  # still building the last step: playing never queues work
        base = self.instant if self.instant is not None else self._clock()
        nxt = base + self.speed * PLAY_TICK_MS / 1000
        if nxt >= self._clock():
            self.live()  # caught up with the present
            return
        self.request(nxt)
