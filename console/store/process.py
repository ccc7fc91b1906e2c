"""``StoreProcess``: the console's ``Store`` run in a child process of its own.

Why: at 10,000 updates/s the store's writer thread, sharing the console's interpreter lock, was the
largest part of the wall's event-loop latency tail (docs/performance.md, "The wall"). In a child
process the journal costs the console only a copy of each batch's keys, sequences and bodies.

The child (``python -m console.store.process``) owns a ``Store`` with every rule of it unchanged
(bounded queue, alarm, re-sync request, checkpoints, durable operator actions). The parent talks
to it over two pipes, in pickled messages framed by ``multiprocessing.connection``:

* parent → child, all from one sender thread, in order: ``open``, then batches and calls;
* child → parent, read by one reader thread: ``ready``/``failed``, replies to calls, alarms and
  re-sync requests (passed on to ``on_alarm`` / ``on_resync_needed`` from the reader thread).

``submit`` never blocks: a batch waits in a bounded queue in the parent until the sender thread
has written it to the pipe. That queue only fills when the child stops reading (hung or dead); it
then behaves as the store's own queue does (alarm, refuse until a snapshot, ask for a re-sync).
If the child ends, the alarm says so with its exit code and nothing more is accepted. Calls
(``flush``, ``last_known``, ``record_action``…) travel behind the batches already submitted and
wait for the child's answer; an exception raised in the child is raised again in the caller (the
database's own errors as ``StoreDatabaseError``).
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any, Final

from sqlalchemy.exc import SQLAlchemyError

from console.core import allocator
from console.core.daily import BACKEND_KEEPS, DayFigures, Scope
from console.core.evidence import Still
from console.core.leader import LeaderView
from console.core.rules import Rules
from console.core.situation import Situation
from console.store import past_picture, pipes
from console.store.schema import LinkEventKind
from console.store.time_travel import JournalSpan, PastState, Window
from console.store.writer import (
    AlarmKind,
    LastKnown,
    LinkEvent,
    RetentionResult,
    Store,
    StoreConfig,
    StoredAction,
    StoreStats,
)
from server_link.district import District, load_district
from server_link.link_state import Batch, Update
from server_link.workcal import WorkCalendar

log = logging.getLogger(__name__)

NICE: Final = 10  # the journal may lag a little; the wall's GUI thread comes first on a busy machine
OPEN_TIMEOUT_S: Final = 120.0  # migrating a large database can take a while
CALL_TIMEOUT_S: Final = 60.0
# The parent's queue only holds batches on their way into the pipe; a hundred seconds' worth at
# the link's 20 batches a second means the child has stopped reading. (Updates: StoreConfig's bound.)
MAX_WAITING_BATCHES: Final = 2_000
SENDER_THREAD: Final = "store-sender"
READER_THREAD: Final = "store-reader"
# Between calls and batches, the child derives the cases of kept checkpoints that have none derived
# (``Store.warm_past``): after this long without a message, in slices this long, one after the
# other (a message is looked for between two) until a message comes.
WARM_AFTER_IDLE_S: Final = 0.2
WARM_SLICE_S: Final = 0.02
# What the parent may call in the child: Store's methods that return plain, picklable data.
CALLS: Final = frozenset(
    {"flush", "stats", "last_known", "record_action", "record_actions", "set_action_status", "set_actions_status",
     "actions", "state_at", "situation_at", "case_body_at", "leader_view_at", "journal_between", "time_window",
     "retention", "record_link_event", "link_events", "save_alarms", "saved_alarms", "save_daily", "daily",
     "daily_days", "refresh_daily", "save_still", "stills"}
)  # fmt: skip
_call_ids = itertools.count(1)


class StoreProcessError(RuntimeError):
    """The store's child process could not start, or ended."""


class StoreDatabaseError(RuntimeError):
    """The database refused a call in the store's process (a full disk, an I/O error, a lock held too
    long): raised in the caller with the database's own words, as one kind of error the console handles
    (its callers take a store that cannot do something as a ``RuntimeError``; SQLAlchemy's own errors
    are none)."""


@dataclass(slots=True)
class _Outbox:
    """The parent's side of the pipe: messages waiting for the sender thread, and the rules of its bound."""

    items: deque[tuple[str, Any]]
    updates: int = 0  # in the batches waiting
    behind: bool = False
    closing: bool = False


class StoreProcess:
    """The ``Store`` in a child process, with the same interface the console uses.

    ``open()``, ``submit()`` batches, ``flush()``, ``last_known()``, ``record_action()``, …,
    ``close()``. ``max_waiting_batches`` bounds the parent's queue (see the module docstring).
    ``on_alarm`` and ``on_resync_needed`` are called from the submitting thread (the
    parent's queue is full) or the reader thread (the child's store raised them, or the child
    ended); they must not block.
    """

    def __init__(
        self,
        db: str | os.PathLike[str] | None = None,
        config: StoreConfig | None = None,
        *,
        on_alarm: Callable[[StoreStats], None] | None = None,
        on_resync_needed: Callable[[], None] | None = None,
        nice: int = NICE,
        max_waiting_batches: int = MAX_WAITING_BATCHES,
    ) -> None:
        self.db = None if db is None else os.fspath(db)
        self.config = config or StoreConfig()
        self.on_alarm = on_alarm
        self.on_resync_needed = on_resync_needed
        self.nice = nice
        self.max_waiting_batches = max_waiting_batches
        self.resumed = False
        self._cond = threading.Condition()
        self._out = _Outbox(deque())
        self._replies: dict[int, Future[Any]] = {}
        # calls whose result comes in parts: who takes them, or why one could not be taken
        self._part_takers: dict[int, Callable[[bytes], None] | BaseException] = {}
        self._alarm: StoreStats | None = None  # the parent's own alarm (queue full, child ended)
        self._ended = ""  # why the child is gone, once it is
        self._child: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._threads: list[threading.Thread] = []
        self._opened = False

    # ------------------------------------------------------------------ life cycle
    def open(self, timeout: float = OPEN_TIMEOUT_S) -> StoreProcess:
        """Start the child, open (and migrate) the store in it; raise ``StoreProcessError`` if it fails."""
        if self._child is not None:
            raise RuntimeError("a StoreProcess is opened once")
        self._child, self._send, self._recv = pipes.spawn(__name__, str(self.nice))
        ready: Future[Any] = Future()
        self._replies[0] = ready
        self._out.items.append(("open", (self.db, self.config)))
        for target, name in ((self._sender, SENDER_THREAD), (self._reader, READER_THREAD)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        try:
            self.resumed = bool(ready.result(timeout))
            self._opened = True
        except BaseException as exc:
            self._stop_child()
            for thread in self._threads:  # the pipes end with the child: both threads finish
                thread.join(10.0)
            if isinstance(exc, StoreProcessError):
                raise
            raise StoreProcessError(f"the store did not open: {exc}") from exc
        return self

    def close(self, timeout: float | None = None) -> None:
        """Let the child write what is queued and end; wait for it (``TimeoutError`` past ``timeout``)."""
        with self._cond:
            if self._out.closing or self._child is None:
                return
            self._out.closing = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        try:
            code = self._child.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self._stop_child()
            raise TimeoutError(f"the store process did not finish within {timeout} s") from exc
        if code != 0:
            log.error("the store process ended with exit code %s", code)

    def __enter__(self) -> StoreProcess:
        return self.open() if self._child is None else self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _stop_child(self) -> None:
        with self._cond:
            self._out.closing = True
            self._cond.notify_all()
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()

    @property
    def pid(self) -> int | None:
        """The child's process id (None before ``open``)."""
        return None if self._child is None else self._child.pid

    # ------------------------------------------------------------------ ingest
    def submit(self, batch: Batch, received_at: datetime | None = None) -> bool:
        """Queue a batch for the child; never blocks. False: refused — the queue to the child is
        full (the owner is asked to re-sync, as the store itself does), or the child has ended."""
        at = received_at if received_at is not None else datetime.now(UTC)
        n = len(batch.updates)
        alarm, kind, resync, accepted = "", AlarmKind.BEHIND, False, False
        with self._cond:
            out = self._out
            if out.closing:
                raise RuntimeError("the store is closed")
            if self._ended:
                return False
            room = len(out.items) < self.max_waiting_batches and (
                out.updates + n <= self.config.max_queue_updates or not out.items
            )
            if not batch.reset and (out.behind or not room):
                if not out.behind:
                    out.behind = resync = True
                    alarm = (
                        f"store process not taking batches ({len(out.items)} waiting, {out.updates} updates): "
                        "refusing updates until the link re-syncs"
                    )
            else:
                if not room:  # the snapshot holds everything the waiting batches would have written
                    kept = deque(item for item in out.items if item[0] != "batch")
                    alarm = f"store process not taking batches: a snapshot superseded {len(out.items) - len(kept)}"
                    kind = AlarmKind.SUPERSEDED
                    out.items, out.updates = kept, 0
                out.items.append(("batch", (batch, at)))
                out.updates += n
                out.behind = out.behind and not batch.reset
                accepted = True
                self._cond.notify_all()
        if alarm:
            self._raise(alarm, kind, resync)
        return accepted

    @property
    def needs_resync(self) -> bool:
        with self._cond:
            return self._out.behind

    # ------------------------------------------------------------------ calls into the child
    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every batch submitted before this call is written; False on time-out."""
        try:
            return bool(self._call("flush", (timeout,), {}, timeout + 5.0))
        except (StoreProcessError, TimeoutError):
            return False

    def stats(self) -> StoreStats:
        """The child's counters; when it has ended, the last alarm with ``running`` False. Waits for
        the child to reach the call, behind every batch already submitted (``stats_later`` does not)."""
        return self.stats_later().result(CALL_TIMEOUT_S)

    def stats_later(self) -> Future[StoreStats]:
        """``stats`` without waiting: the future completes (in the reader thread) once the child has
        answered, with what the parent's queue held when it was asked."""
        done: Future[StoreStats] = Future()
        if self._ended:
            done.set_result(self._alarm or StoreStats(error=self._ended))
            return done
        with self._cond:
            batches = sum(1 for kind, _ in self._out.items if kind == "batch")
            queued, behind = self._out.updates, self._out.behind

        def adjust(answer: Future[Any]) -> None:
            if answer.exception() is not None:
                done.set_exception(answer.exception())
                return
            stats: StoreStats = answer.result()
            done.set_result(replace(
                stats, queued_batches=stats.queued_batches + batches, queued_updates=stats.queued_updates + queued,
                alarm=stats.alarm or behind, needs_resync=stats.needs_resync or behind,
            ))  # fmt: skip

        self._call_later("stats", (), {}).add_done_callback(adjust)
        return done

    def last_known(self) -> LastKnown:
        result: LastKnown = self._call("last_known", (), {})
        return result

    def record_action(self, *args: Any, **kwargs: Any) -> StoredAction:
        """``Store.record_action``: committed durably in the child before this returns."""
        result: StoredAction = self._call("record_action", args, kwargs)
        return result

    def record_actions(self, *args: Any, **kwargs: Any) -> list[StoredAction]:
        """``Store.record_actions``: committed durably in the child, in one transaction, before this returns."""
        result: list[StoredAction] = self._call("record_actions", args, kwargs)
        return result

    def set_action_status(self, *args: Any, **kwargs: Any) -> None:
        self._call("set_action_status", args, kwargs)

    def set_actions_status(self, *args: Any, **kwargs: Any) -> None:
        self._call("set_actions_status", args, kwargs)

    def actions(self, **kwargs: Any) -> list[StoredAction]:
        result: list[StoredAction] = self._call("actions", (), kwargs)
        return result

    def record_link_event(self, kind: LinkEventKind | str, detail: str = "", at: datetime | None = None) -> None:
        """``Store.record_link_event``: committed durably in the child before this returns (one small INSERT)."""
        self.record_link_event_later(kind, detail, at).result(CALL_TIMEOUT_S)

    def record_link_event_later(
        self, kind: LinkEventKind | str, detail: str = "", at: datetime | None = None
    ) -> Future[None]:
        """``record_link_event`` without waiting: in order behind the batches submitted before it."""
        return self._call_later("record_link_event", (kind, detail, at), {})

    def link_events(self, since: datetime, until: datetime | None = None) -> list[LinkEvent]:
        """``Store.link_events``: the link's events from ``since`` to ``until``, oldest first."""
        result: list[LinkEvent] = self._call("link_events", (since, until), {})
        return result

    def save_alarms(self, data: Mapping[str, Any]) -> None:
        """``Store.save_alarms``: committed durably in the child before this returns."""
        self.save_alarms_later(data).result(CALL_TIMEOUT_S)

    def save_alarms_later(self, data: Mapping[str, Any]) -> Future[None]:
        """``save_alarms`` without waiting: the future says when it is committed, or why not."""
        return self._call_later("save_alarms", (dict(data),), {})

    def saved_alarms(self) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self._call("saved_alarms", (), {})
        return result

    def save_still(self, still: Still) -> int:
        """``Store.save_still``: committed durably in the child before this returns; its id."""
        result: int = self._call("save_still", (still,), {})
        return result

    def stills(self, case_no: str) -> list[Still]:
        """``Store.stills``: the newest stills of a case, in the order of their frames."""
        result: list[Still] = self._call("stills", (case_no,), {})
        return result

    def save_daily(self, rows: Iterable[DayFigures]) -> list[date]:
        """``Store.save_daily``: the rows replace their days' rows; committed durably before this returns."""
        result: list[date] = self._call("save_daily", (list(rows),), {})
        return result

    def daily(
        self, since: date, until: date, scope: Scope | None = None, scope_id: str | None = None
    ) -> list[DayFigures]:
        """``Store.daily``: the kept rows of ``since`` to ``until`` (both included), in ``day_figures``' order."""
        result: list[DayFigures] = self._call("daily", (since, until, scope, scope_id), {})
        return result

    def daily_days(self) -> set[date]:
        result: set[date] = self._call("daily_days", (), {})
        return result

    def refresh_daily(
        self,
        as_of: datetime | None = None,
        *,
        rules: Rules | None = None,
        calendar: WorkCalendar | None = None,
        keeps: timedelta = BACKEND_KEEPS,
    ) -> list[date]:
        """``Store.refresh_daily``, waiting for it (about a second when it has days to compute): from
        the GUI thread use ``refresh_daily_later``."""
        return self.refresh_daily_later(as_of, rules=rules, calendar=calendar, keeps=keeps).result(CALL_TIMEOUT_S)

    def refresh_daily_later(
        self,
        as_of: datetime | None = None,
        *,
        rules: Rules | None = None,
        calendar: WorkCalendar | None = None,
        keeps: timedelta = BACKEND_KEEPS,
    ) -> Future[list[date]]:
        """``Store.refresh_daily`` without waiting: computed in the child behind every batch submitted
        before this call, with the shipped district; the future (done in the store's reader thread)
        holds the days written. The child answers other calls after it."""
        return self._call_later("refresh_daily", (as_of,), {"rules": rules, "calendar": calendar, "keeps": keeps})

    def state_at(self, instant: datetime, now: datetime | None = None) -> PastState:
        result: PastState = self._call("state_at", (instant, now), {})
        return result

    def situation_at(self, instant: datetime, district: District, now: datetime | None = None) -> Situation:
        """Time travel: the read-only situation at ``instant``, built in the child (off this process's
        threads) and handed over without its district, which is ``district`` here; its cases held as
        columns, a case's body read from the child when asked for (``case_body_at``)."""
        return self.situation_at_later(instant, district, now).result(CALL_TIMEOUT_S)

    def situation_at_later(
        self, instant: datetime, district: District, now: datetime | None = None
    ) -> Future[Situation]:
        """``situation_at`` without waiting: the future is done (in the store's reader thread) when
        the child has built the situation; a caller that no longer wants it simply drops it."""
        built: Future[Situation] = Future()
        unpacker = past_picture.Unpacker(district)  # takes each part in as it arrives (reader thread)

        def attach(done: Future[Any]) -> None:
            try:
                done.result()
                situation = unpacker.situation()
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on ``built``
                built.set_exception(exc)
                return
            situation.fetch_body = functools.partial(self.case_body_at, instant)
            built.set_result(situation)

        self._call_later("situation_at", (instant, now), {}, unpacker.take).add_done_callback(attach)
        return built

    def case_body_at(self, instant: datetime, no: str) -> bytes | None:
        """``Store.case_body_at``, waiting for it (a few milliseconds when the child is free)."""
        result: bytes | None = self._call("case_body_at", (instant, no), {})
        return result

    def leader_view_at_later(self, instant: datetime, past: Sequence[DayFigures], hourly: bool) -> Future[LeaderView]:
        """``Store.leader_view_at`` without waiting (the future is done in the store's reader thread)."""
        return self._call_later("leader_view_at", (instant, past, hourly), {})

    def journal_between_later(self, after: datetime, until: datetime) -> Future[JournalSpan | None]:
        """``Store.journal_between`` without waiting (the future is done in the store's reader thread)."""
        return self._call_later("journal_between", (after, until), {})

    def time_window(self) -> Window | None:
        result: Window | None = self._call("time_window", (), {})
        return result

    def retention(self, now: datetime | None = None) -> RetentionResult:
        result: RetentionResult = self._call("retention", (now,), {})
        return result

    def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float = CALL_TIMEOUT_S) -> Any:
        return self._call_later(name, args, kwargs).result(timeout)

    def _call_later(
        self,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        take_part: Callable[[bytes], None] | None = None,
    ) -> Future[Any]:
        """Send a call to the child; its reply completes the future (in the reader thread). A call
        whose result comes in parts hands each to ``take_part`` (in the reader thread) before that."""
        reply: Future[Any] = Future()
        call_id = next(_call_ids)
        with self._cond:
            if self._ended:
                raise StoreProcessError(self._ended)
            if self._out.closing or self._child is None:
                raise RuntimeError("the store is not open")
            self._replies[call_id] = reply
            if take_part is not None:
                self._part_takers[call_id] = take_part
            self._out.items.append(("call", (call_id, name, args, kwargs)))
            self._cond.notify_all()
        return reply

    # ------------------------------------------------------------------ threads
    def _sender(self) -> None:
        """Write waiting messages to the child, in order; at close, end the pipe (the child then finishes)."""
        assert self._send is not None
        send = self._send
        try:
            while True:
                with self._cond:
                    while not self._out.items and not self._out.closing:
                        self._cond.wait()
                    if not self._out.items:
                        return
                    kind, payload = self._out.items.popleft()
                    if kind == "batch":
                        self._out.updates -= len(payload[0].updates)
                if kind == "batch":  # its rows as one msgpack blob: a fifth of pickling 500 tuples
                    batch, at = payload
                    rows = pipes.ROWS.encode([(u.key, u.sequence, u.body) for u in batch.updates])
                    payload = (batch.reset, batch.sequence, batch.epoch, at, rows)
                pipes.send(send, (kind, payload))
        except OSError as exc:  # the child is gone: the reader tells why
            log.debug("store sender stopped: %s", exc)
        finally:
            send.close()

    def _reader(self) -> None:
        assert self._recv is not None and self._child is not None
        recv = self._recv
        try:
            while True:
                try:
                    kind, payload = pipes.receive(recv)
                except (EOFError, OSError):
                    break  # the child closed its end: it ended
                except Exception:  # a message this side cannot read: say so, keep reading
                    log.exception("unreadable message from the store process")
                    continue
                if kind == "part":
                    self._take_part(*payload)
                elif kind == "reply":
                    call_id, ok, value = payload
                    with self._cond:
                        reply = self._replies.pop(call_id, None)
                        taken = self._part_takers.pop(call_id, None)
                    if isinstance(taken, BaseException) and ok:
                        ok, value = False, taken  # a part could not be taken in: the call failed here
                    if reply is not None:
                        reply.set_result(value) if ok else reply.set_exception(value)
                elif kind == "alarm":
                    self._notify(payload, False)
                elif kind == "resync":
                    self._notify(None, True)
        finally:
            recv.close()
        code = self._child.wait()
        with self._cond:
            closing = self._out.closing
            if not closing or code != 0:
                self._ended = f"the store process ended (exit code {code}): nothing more is journalled"
            ended = self._ended
            waiting = list(self._replies.values())
        for reply in waiting:
            if not reply.done():
                reply.set_exception(StoreProcessError(ended or "the store process ended"))
        if ended and not closing and self._opened:
            log.error(ended)
            self._raise(ended, AlarmKind.ENDED, False)

    def _take_part(self, call_id: int, part: bytes) -> None:
        with self._cond:
            taker = self._part_takers.get(call_id)
        if taker is None or isinstance(taker, BaseException):
            return  # an unknown call, or one whose earlier part failed
        try:
            taker(part)
        except Exception as exc:  # noqa: BLE001 - fails the call (at its reply), not the reader
            with self._cond:
                if call_id in self._part_takers:
                    self._part_takers[call_id] = exc

    def _raise(self, text: str, kind: AlarmKind, resync: bool) -> None:
        with self._cond:
            previous = self._alarm or StoreStats()
            self._alarm = replace(
                previous, alarm=True, alarms=previous.alarms + 1, last_alarm=text, alarm_kind=kind, needs_resync=resync,
                error=self._ended, running=not self._ended,
            )  # fmt: skip
            stats = self._alarm
        self._notify(stats, resync)

    def _notify(self, stats: StoreStats | None, resync: bool) -> None:
        try:
            if stats is not None and self.on_alarm is not None:
                self.on_alarm(stats)
            if resync and self.on_resync_needed is not None:
                self.on_resync_needed()
        except Exception:  # a broken callback must not stop the store's threads
            log.exception("store alarm callback failed")


# ---------------------------------------------------------------------- the child
def _serve(recv: Connection, send: Connection) -> int:
    """The child's main loop: open the store, then take batches and calls until the pipe ends."""
    lock = threading.Lock()  # the store's callbacks come from its writer thread too

    def tell(kind: str, payload: Any) -> None:
        with lock:
            pipes.send(send, (kind, payload))

    kind, (db, config) = pipes.receive(recv)
    store = Store(
        db, config, on_alarm=lambda stats: tell("alarm", stats), on_resync_needed=lambda: tell("resync", None)
    )
    try:
        store.open()
    except Exception as exc:  # noqa: BLE001 - told to the parent, which raises it from open()
        tell("reply", (0, False, StoreProcessError(f"{type(exc).__name__}: {exc}")))
        return 1
    tell("reply", (0, True, store.resumed))
    warming = True  # checkpoints' cases derived where missing, while nothing else is asked
    idle_wait = WARM_AFTER_IDLE_S  # once idle, a slice after the other until a message comes
    give_back = allocator.Every()  # the writer's and the checkpoints' freed memory, returned now and then
    try:
        while True:
            give_back()
            if warming and not recv.poll(idle_wait):
                warming = store.warm_past(load_district(), time.monotonic() + WARM_SLICE_S)
                idle_wait = 0.0
                continue
            idle_wait = WARM_AFTER_IDLE_S
            try:
                kind, payload = pipes.receive(recv)
            except EOFError:
                return 0  # the parent closed the pipe (or died): write what is queued, and end
            if kind == "batch":
                try:
                    reset, sequence, epoch, at, rows = payload
                    updates = tuple(Update(key, seq, None, body) for key, seq, body in pipes.ROWS_DECODER.decode(rows))
                    store.submit(Batch(reset, updates, sequence, epoch), at)
                except Exception:  # a batch this child cannot take is not journalled: say so, and have it re-synced
                    log.exception("a batch could not be taken; asking for a re-sync")
                    tell("resync", None)
            elif kind == "call":
                call_id, name, args, kwargs = payload
                send_part = functools.partial(_tell_part, tell, call_id)
                tell("reply", (call_id, *_run_call(store, name, args, kwargs, send_part)))
    finally:
        store.close()


def _tell_part(tell: Callable[[str, Any], None], call_id: int, part: bytes) -> None:
    tell("part", (call_id, part))


def _run_call(
    store: Store, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], send_part: Callable[[bytes], None]
) -> tuple[bool, Any]:
    if name not in CALLS:
        return False, ValueError(f"{name!r} is not a store call")
    try:
        if name == "situation_at":  # built here, sent in parts without the district (the parent attaches its own)
            instant, now = args
            sent = 0
            for part in past_picture.parts(store.situation_at(instant, load_district(), now)):
                send_part(part)
                sent += 1
            return True, sent
        return True, getattr(store, name)(*args, **kwargs)
    except SQLAlchemyError as exc:  # e.g. OperationalError "disk I/O error" / "database or disk is full"
        return False, StoreDatabaseError(f"{type(exc).__name__}: {exc}"[:1000])
    except Exception as exc:  # noqa: BLE001 - raised again in the parent's caller
        try:
            pickle.dumps(exc, pipes.PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that does not pickle travels as its text
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return False, exc


def main(argv: list[str]) -> int:
    recv, send, (nice,) = pipes.child_ends(argv)
    logging.basicConfig(level=logging.WARNING, format="grid-console store: %(levelname)s %(name)s: %(message)s")
    if hasattr(signal, "SIGXFSZ"):  # a file-size limit is a failed write (EFBIG: the store's alarm), not a dead store
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if int(nice):
        os.nice(int(nice))
    return _serve(recv, send)


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy's: what the child pickles (its
    # exceptions) must name console.store.process, where the parent can find it.
    from console.store import process

    sys.exit(process.main(sys.argv[1:]))
