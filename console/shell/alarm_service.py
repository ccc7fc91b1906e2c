"""The duty alarms in the running console: the core's engine fed with the live situation, the link
and the store, its state kept in the store, and operators' actions sent as commands.

* What the live situation changes is gathered and evaluated twice a second (``add``), the past on
  show or not: alarms follow the present. Time moves the link's stale time and shelvings on (1 s).
* The engine's state is saved to the store's alarm book when it changed, at most every few seconds
  and at close, and taken back at start: a restart raises nothing again.
* An operator's acknowledgement, shelving or comment takes effect here at once, is stored and sent
  by the command service as an ``/alarm/`` record (docs/protocol.md §16.1), pending until the
  backend echoes it; another console's arrives through the situation like any record.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.alarms.engine import AlarmChanges, AlarmEngine
from console.core.alarms.handling import handling_record
from console.core.alarms.kpis import alarm_kpis
from console.core.alarms.states import OperatorState
from console.core.situation import ChangeSet, Situation
from console.shell.commands import Command, CommandService
from console.store import ActionKind, StoreConfig, StoreStats
from server_link.link_state import LinkState, LinkStats

log = logging.getLogger(__name__)

EVALUATE_MS = 500
SAVE_EVERY_S = 5.0
STORE_POLL_S = 5.0
LOG_EVERY_S = 3600.0
STORE_QUEUE_CAPACITY = StoreConfig().max_queue_updates  # what "the queue filling" is measured against


class AlarmBook(Protocol):
    """The part of the store the alarm service uses (``StoreBridge`` provides it)."""

    def save_alarms_later(self, data: dict[str, Any]) -> Future[None]: ...

    def saved_alarms(self) -> dict[str, Any] | None: ...

    def stats_later(self) -> Future[StoreStats]: ...


class AlarmService(QObject):
    """Runs the alarm engine for the console. Signals:

    changed(): the alarms or their states moved (views repaint);
    raised(list): ids of alarms raised anew (a view may call for attention).
    """

    changed = Signal()
    raised = Signal(list)

    def __init__(
        self,
        engine: AlarmEngine,
        situation: Situation,
        store: AlarmBook,
        commands: CommandService,
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self._situation = situation
        self._store = store
        self._commands = commands
        self._clock = clock
        self._pending = ChangeSet()
        self._dirty = False
        self._saved_at = 0.0
        self._store_polled = 0.0
        self._stats: Future[StoreStats] | None = None  # the store's counters, asked for and not yet read
        self._logged_at = clock()  # the first figures an hour after the start
        self._timer = QTimer(self)
        self._timer.setInterval(EVALUATE_MS)
        self._timer.timeout.connect(self._turn)
        self._timer.start()

    # ------------------------------------------------------------------ life
    def restore(self) -> None:
        """Take back the alarm book the store kept (before the first picture is evaluated)."""
        try:
            data = self._store.saved_alarms()
        except (RuntimeError, OSError, TimeoutError) as exc:
            log.warning("the alarm book could not be read: %s", exc)
            return
        if data:
            try:
                self.engine.restore(data)
            except (KeyError, TypeError, ValueError) as exc:  # a book of an older build: start afresh, say so
                log.warning("the alarm book could not be taken back (%s): starting afresh", exc)

    def close(self) -> None:
        self._timer.stop()
        self._turn()
        if self._dirty:
            self.save()

    def save(self) -> None:
        """Hand the alarm book to the store, without waiting for it (under load the store may be
        seconds behind, and this runs on the GUI thread); one it could not keep is saved again."""
        try:
            done = self._store.save_alarms_later(self.engine.saved())
        except (RuntimeError, OSError, TimeoutError, ValueError) as exc:
            log.warning("the alarm book could not be saved: %s", exc)
            return
        self._dirty = False
        self._saved_at = self._clock()

        def kept(f: Future[None]) -> None:
            if f.exception() is not None:  # in the store's reader thread: only a flag for the next turn
                log.warning("the alarm book could not be saved: %s", f.exception())
                self._dirty = True

        done.add_done_callback(kept)

    # ------------------------------------------------------------------ inputs
    def add(self, changes: ChangeSet) -> None:
        """What the live situation changed (evaluated at the next turn)."""
        self._pending.merge(changes)

    def on_link(self, stats: LinkStats) -> None:
        self._take(self.engine.observe_link(stats.state is LinkState.LIVE, stats.owner_behind, self._clock()))

    def on_store(self, stats: StoreStats) -> None:
        self._take(self.engine.observe_store(_share(stats), self._clock()))

    # ------------------------------------------------------------------ operators
    def acknowledge(self, idents: Sequence[str]) -> None:
        """Acknowledge alarms (one, or a flood group's hundreds with one key: stored at once)."""
        now, who = self._clock(), self._commands.who
        self._act(ActionKind.ACKNOWLEDGE, [(i, self.engine.acknowledge(i, who, now)) for i in idents], "确认")

    def shelve(self, idents: Sequence[str], reason: str, minutes: float) -> None:
        """Raises ``ValueError`` for an empty reason or a shelving that does not end in the future."""
        now, who = self._clock(), self._commands.who
        ops = [(i, self.engine.shelve(i, who, reason, now + minutes * 60, now)) for i in idents]
        self._act(ActionKind.SHELVE, ops, f"搁置 {minutes:g} 分钟：{reason}")

    def unshelve(self, idents: Sequence[str]) -> None:
        now = self._clock()
        self._act(ActionKind.SHELVE, [(i, self.engine.unshelve(i, now)) for i in idents], "取消搁置")

    def is_pending(self, ident: str) -> bool:
        rule, _, subject = ident.partition("/")
        return self._commands.is_pending(f"/alarm/{rule}/{subject}")

    def _act(self, kind: ActionKind, ops: Sequence[tuple[str, OperatorState]], text: str) -> None:
        """Store and send, all in one (the command service raises if it cannot store them: nothing
        changes then), then show them at once."""
        who, role = self._commands.who, self._commands.role
        self._commands.send_all(
            [Command(kind, *handling_record(ident, op, by=who, role=role), text=text) for ident, op in ops]
        )
        now, out = self._clock(), AlarmChanges()
        for ident, op in ops:
            out.merge(self.engine.take_operator(ident, op, now))
        self._take(out)

    # ------------------------------------------------------------------ turns
    def _turn(self) -> None:
        now = self._clock()
        out = AlarmChanges()
        if self._pending:
            changes, self._pending = self._pending, ChangeSet()
            out.merge(self.engine.evaluate(self._situation, changes, now))
        out.merge(self.engine.tick(now))
        if now - self._store_polled >= STORE_POLL_S:  # asked without waiting, read at a later turn
            self._store_polled = now
            asked, self._stats = self._stats, None
            if asked is not None and not asked.done():
                self._stats = asked  # the store is behind: its own alarm says so; ask no more meanwhile
            elif asked is not None and asked.exception() is None:
                out.merge(self.engine.observe_store(_share(asked.result()), now))
            if self._stats is None:
                with contextlib.suppress(RuntimeError, OSError):  # the store's own alarm says why
                    self._stats = self._store.stats_later()
        self._take(out)
        if self._dirty and now - self._saved_at >= SAVE_EVERY_S:
            self.save()
        if now - self._logged_at >= LOG_EVERY_S:
            self._logged_at = now
            self._log_figures(now)

    def _log_figures(self, now: float) -> None:
        """The alarm system's own figures over the last hour and day, in the log (ISA-18.2 / EEMUA 191)."""
        log_ = list(self.engine.log)
        held = list(self.engine.alarms.values())
        flood = self.engine.settings.flood_alarms
        hour, day = alarm_kpis(log_, now - 3600, now, held, flood), alarm_kpis(log_, now - 86400, now, held, flood)
        log.info(
            "alarm figures: last hour %d raised; last day %.1f/h, busiest hour %d, flood share %.3f, "
            "stale %d, chattering %d, largest rule share %.2f",
            hour.total, day.per_hour, day.busiest_hour, day.flood_share, day.stale, len(day.chattering),
            day.largest_rule_share,
        )  # fmt: skip

    def _take(self, out: AlarmChanges) -> None:
        if not out:
            return
        self._dirty = True
        if out.raised:
            self.raised.emit(out.raised)
        self.changed.emit()


def _share(stats: StoreStats) -> float:
    """How full the store's queue is; full while it is in alarm (behind, or failing to write)."""
    return 1.0 if stats.alarm else stats.queued_updates / STORE_QUEUE_CAPACITY
