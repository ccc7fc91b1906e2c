"""``Store``: the console's persistent store — journal, materialised state, checkpoints, operator actions,
link events.

The rest of the console uses this one object. Batches from the link are queued by ``submit``
(never blocking the caller) and written by one writer thread, many batches per transaction: each
update becomes a journal row, the ``state`` table is upserted/deleted to match, and ``link_meta``
says which sequence and epoch the state holds. A restarted console paints ``last_known()`` at once,
marked as last known, and then reconciles with the fresh snapshot the link fetches (a reset batch).

**A full queue is an alarm, never silent loss.** When the queue is full, ``submit`` returns False,
the store raises its alarm and marks itself *behind*: it refuses every further update batch (they
would be applied on top of a hole) and asks its owner to re-sync (``needs_resync`` and the
``on_resync_needed`` callback); the owner calls the link's ``resync()``. The snapshot that follows
is a reset batch, which is always accepted and ends the episode (if the queue is still full, it
supersedes the batches waiting there, so memory stays bounded). The writer compares a snapshot with
its own copy of the state and journals exactly the differences (changed keys, and deletes for keys
that are gone), so the state and the journal's replay are right again from that point on. Only
the journal's detail between the alarm and the snapshot is missing; ``stats()`` counts what was
refused or superseded.

**Operator actions are durable when** ``record_action`` **returns.** They are committed on a
connection of their own with ``synchronous=FULL`` (see ``engines``). SQLite has one writer at a
time, so the journal writer yields to them: it checks for waiting actions before each transaction,
and an action waits at most for the one journal transaction under way (bounded by
``max_transaction_updates``), however long the backlog. Link events (``record_link_event``: re-syncs,
stale and live again, started and stopped) are committed the same way, one small row each, so a
time slider can mark them; retention removes them with the journal's history.

**Daily figures** (``daily_figures``: one row a Beijing day per district, street and department,
``console.core.daily``) outlast the journal: retention keeps them ``daily_retention`` (400 days).
``refresh_daily`` computes the days the held cases cover and the table lacks, from the materialised
state, here (in the store's process, off the console's threads); ``save_daily`` and ``daily`` write
and read rows.
"""

from __future__ import annotations

import enum
import functools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.engine import URL

from console.core.daily import (
    BACKEND_KEEPS,
    DEFINITIONS,
    DayFigures,
    Scope,
    covered_days,
    covered_span,
    day_figures,
    day_of,
    facts_of_bodies,
)
from console.core.derived_cases import DerivedCases
from console.core.evidence import Still
from console.core.leader import LeaderView, view_of_facts
from console.core.rules import Rules
from console.core.situation import Situation
from console.store import daily_rows, migrations, stills
from console.store.bulk import BulkStatement, delete_rows, insert_rows, time_converter, upsert_rows
from console.store.checkpoint_codec import encode_state
from console.store.engines import Role, make_engine
from console.store.journal_bodies import JournalBodies
from console.store.past_columns import basis_of, columns_of, encode_columns, making_columns
from console.store.paths import database_url
from console.store.schema import (
    LINK_EVENT_DETAIL_LENGTH,
    ActionKind,
    ActionStatus,
    AlarmBook,
    Base,
    Checkpoint,
    CheckpointCases,
    Journal,
    LinkEventKind,
    LinkEventRow,
    LinkMeta,
    OperatorAction,
    State,
)
from console.store.time_travel import (
    JournalSpan,
    PastState,
    Window,
    body_at,
    checkpoint_state,
    checkpoints_lacking_columns,
    journal_between,
    kept_window,
    situation_at,
    state_at,
)
from server_link.district import District, load_district
from server_link.link_state import Batch
from server_link.records import SCHEMA_VERSION, Record
from server_link.workcal import WorkCalendar

log = logging.getLogger(__name__)

WRITER_THREAD: Final = "store-writer"
# Rows a replay step forward applies on the GUI thread (~30 ms for 1,000); past that, rebuilt whole.
JOURNAL_SPAN_LIMIT: Final = 1_000
DECODED_LIMIT: Final = 50_000  # records other than cases kept decoded for time travel
WARM_CHUNK: Final = 200  # cases derived at a time by ``warm_past`` (~10 ms)
_J, _S, _M, _C, _A, _L, _B, _K = (
    Base.metadata.tables[t.__tablename__]
    for t in (Journal, State, LinkMeta, Checkpoint, OperatorAction, LinkEventRow, AlarmBook, CheckpointCases)
)
_ERROR_BACKOFF_S: Final = 1.0


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Limits and periods. Times of ``checkpoint_interval`` and retention are *received* time."""

    max_queue_batches: int = 20_000
    max_queue_updates: int = 1_000_000  # a reset batch larger than this is still taken into an empty queue
    max_transaction_updates: int = 10_000  # bounds how long an operator action can wait
    checkpoint_interval: timedelta = timedelta(hours=1)
    # ... and at once after a snapshot that changed at least this many keys: a replay of the hour
    # after it derived them all from the journal (3.5 s at ten times the demo's rate)
    checkpoint_rows: int = 20_000
    retention: timedelta = timedelta(days=7)
    retention_margin: timedelta = timedelta(days=1)
    daily_retention: timedelta = timedelta(days=400)  # daily figures: whole Beijing days before today


@dataclass(frozen=True, slots=True)
class LastKnown:
    """The materialised state as last committed: paint it at once on restart, marked as last known.

    ``saved_at`` is when the newest update in it was received (None: the store is empty).
    """

    sequence: int
    epoch: str
    saved_at: datetime | None
    schema_version: int
    bodies: dict[str, bytes]

    @property
    def empty(self) -> bool:
        return self.saved_at is None


class AlarmKind(enum.StrEnum):
    """What a store alarm is about; ``StoreStats.last_alarm`` says it in words, for the log."""

    BEHIND = "behind"  # the queue (or the pipe to the store's process) is full: updates refused until a re-sync
    SUPERSEDED = "superseded"  # a snapshot replaced batches still waiting: their detail is not journalled
    WRITE_FAILED = "write_failed"  # the database refused a write (``StoreStats.error``): refusing until a re-sync
    ENDED = "ended"  # the store's process ended: nothing more is journalled


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counters for the status bar and tests; ``alarm`` is true while the store is behind."""

    queued_batches: int = 0
    queued_updates: int = 0
    written_batches: int = 0
    written_updates: int = 0
    journal_rows: int = 0
    transactions: int = 0
    checkpoints: int = 0
    last_commit_at: datetime | None = None  # wall clock
    last_commit_s: float = 0.0
    write_s: float = 0.0  # writer time spent in journal transactions, in total
    checkpoint_s: float = 0.0  # writer time spent taking checkpoints (encoding included), in total
    sequence: int = 0  # the link sequence the committed state holds
    epoch: str = ""
    alarm: bool = False
    alarms: int = 0
    last_alarm: str = ""
    alarm_kind: AlarmKind | None = None  # of the last alarm
    needs_resync: bool = False
    refused_batches: int = 0  # update batches refused (queue full, or behind): recovered by a re-sync
    refused_updates: int = 0
    superseded_batches: int = 0  # waiting batches dropped because a snapshot made them redundant
    superseded_updates: int = 0
    actions: int = 0
    actions_waiting: int = 0
    error: str = ""
    running: bool = False


@dataclass(frozen=True, slots=True)
class StoredAction:
    """An operator action as committed (``id`` and ``at`` assigned by the store)."""

    id: int
    at: datetime
    who: str
    role: str
    kind: ActionKind | str  # str: a kind this build does not know (written by a newer one)
    text: str
    case_no: str | None = None
    key: str | None = None
    payload: Any = None
    status: ActionStatus = ActionStatus.RECORDED
    status_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewAction:
    """An operator action to record (``Store.record_actions``; the store adds who, role and when)."""

    kind: ActionKind | str
    text: str = ""
    case_no: str | None = None
    key: str | None = None
    payload: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A link event as committed: a mark on the time slider."""

    at: datetime
    kind: LinkEventKind | str  # str: a kind this build does not know (written by a newer one)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RetentionResult:
    cutoff: datetime
    journal_rows: int
    checkpoints: int
    link_events: int = 0
    daily_rows: int = 0


@dataclass(slots=True)
class _Counters:
    written_batches: int = 0
    written_updates: int = 0
    journal_rows: int = 0
    transactions: int = 0
    checkpoints: int = 0
    last_commit_at: datetime | None = None
    last_commit_s: float = 0.0
    write_s: float = 0.0
    checkpoint_s: float = 0.0
    sequence: int = 0
    epoch: str = ""
    alarms: int = 0
    last_alarm: str = ""
    alarm_kind: AlarmKind | None = None
    refused_batches: int = 0
    refused_updates: int = 0
    superseded_batches: int = 0
    superseded_updates: int = 0
    actions: int = 0
    error: str = ""


@dataclass(slots=True)
class _Queue:
    items: deque[tuple[Batch, datetime]] = field(default_factory=deque)
    updates: int = 0


class Store:
    """The console's store. ``open()``, ``submit()`` batches, ``record_action()``, ``close()``.

    ``on_alarm`` and ``on_resync_needed`` are called from the thread that found the problem (the
    submitting thread for a full queue, the writer thread for a database error); they must not
    block — the shell emits a queued signal from them. ``before_write`` is a test hook called in
    the writer thread, holding the write lock, before each journal transaction.
    """

    def __init__(
        self,
        db: str | os.PathLike[str] | URL | None = None,
        config: StoreConfig | None = None,
        *,
        on_alarm: Callable[[StoreStats], None] | None = None,
        on_resync_needed: Callable[[], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        before_write: Callable[[int], None] | None = None,
    ) -> None:
        self.url = db if isinstance(db, URL) else database_url(db)
        self.config = config or StoreConfig()
        self.on_alarm = on_alarm
        self.on_resync_needed = on_resync_needed
        self._clock = clock or (lambda: datetime.now(UTC))
        self._before_write = before_write
        self._derived = DerivedCases()  # for time travel: each version of a case derived once
        self._derived_lock = threading.Lock()
        self._warming: Iterator[None] | None = None  # ``warm_past``'s work, a step at a time
        self._bases: dict[int, str] = {}  # a district's id → the basis of columns derived with it
        self._decoded: dict[tuple[str, bytes], Record] = {}  # records other than cases, decoded by time travel
        self.resumed = False
        self._journal: Engine | None = None
        self._durable: Engine | None = None
        self._reader: Engine | None = None
        self._cond = threading.Condition()  # guards the queue, the flags and the counters
        self._queue = _Queue()
        self._accepted = 0  # batches accepted by submit
        self._done = 0  # batches the writer has finished with (committed, or lost to an error)
        self._behind = False
        self._stopping = False
        self._closed = False
        self._last_received: datetime | None = None
        self._n = _Counters()
        self._write_lock = threading.Lock()
        self._action_cond = threading.Condition()
        self._actions_waiting = 0
        self._thread: threading.Thread | None = None
        # Writer-thread state: its own copy of the map (for reset diffs and checkpoints).
        self._state: dict[str, bytes] = {}
        self._state_unknown = False  # True: _state may differ from the database (reload before writing)
        self._checkpoint_at: datetime | None = None
        self._snapshot_rows = 0  # journal rows of snapshots written since the last checkpoint
        self._written_at: datetime | None = None  # received time of the newest batch committed
        self._sql: _WriterStatements | None = None
        self._district: District | None = None  # the shipped district, loaded for refresh_daily
        self._bodies = JournalBodies()  # the journal's compression dictionaries

    # ------------------------------------------------------------------ life cycle
    def open(self) -> Store:
        """Migrate the database to head, load the materialised state and start the writer."""
        if self._thread is not None or self._closed:
            raise RuntimeError("a Store is opened once")
        self._journal = make_engine(self.url, Role.JOURNAL)
        self._durable = make_engine(self.url, Role.DURABLE)
        self._reader = make_engine(self.url, Role.READ)
        try:
            migrations.upgrade(self._journal)
            self._sql = _WriterStatements.of(self._journal)
            known = self.last_known()
            with self._reader.connect() as conn, conn.begin():
                self._checkpoint_at = conn.execute(select(func.max(_C.c.taken_at))).scalar_one_or_none()
                self._n.actions = conn.execute(select(func.count()).select_from(_A)).scalar_one()
                self._bodies.load_current(conn)
        except BaseException:
            self._dispose()
            raise
        self._state = dict(known.bodies)
        self.resumed = not known.empty
        self._last_received = self._written_at = known.saved_at
        self._n.sequence, self._n.epoch = known.sequence, known.epoch
        self._thread = threading.Thread(target=self._run, name=WRITER_THREAD, daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued, stop the writer thread and release the database."""
        with self._cond:
            if self._closed:
                return
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the store writer did not finish within {timeout} s")
        self._closed = True
        self._dispose()

    def __enter__(self) -> Store:
        return self.open() if self._thread is None else self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _dispose(self) -> None:
        for engine in (self._journal, self._durable, self._reader):
            if engine is not None:
                engine.dispose()

    # ------------------------------------------------------------------ ingest
    def submit(self, batch: Batch, received_at: datetime | None = None) -> bool:
        """Queue a batch for writing; never blocks. False: refused (queue full, or behind) — see
        the module docstring; the owner must re-sync (``needs_resync``). A snapshot (reset batch)
        is always taken: if the queue is full, it supersedes the batches still waiting in it."""
        at = _utc(received_at) if received_at is not None else self._clock()
        n = len(batch.updates)
        alarm, kind, resync, accepted = "", AlarmKind.BEHIND, False, False
        with self._cond:
            if self._stopping:
                raise RuntimeError("the store is closed")
            q = self._queue
            room = len(q.items) < self.config.max_queue_batches and (
                q.updates + n <= self.config.max_queue_updates or not q.items
            )
            if not batch.reset and (self._behind or not room):
                self._n.refused_batches += 1
                self._n.refused_updates += n
                if not self._behind:
                    self._behind = resync = True
                    alarm = (
                        f"store queue full ({len(q.items)} batches, {q.updates} updates): "
                        "refusing updates until the link re-syncs"
                    )
            else:
                if not room:
                    # The snapshot holds everything the waiting batches would have written; only
                    # their detail in the journal is lost. This keeps memory bounded however
                    # often the link re-syncs while the writer is stuck.
                    alarm = f"store queue full: a snapshot superseded {len(q.items)} waiting batches"
                    kind = AlarmKind.SUPERSEDED
                    self._n.superseded_batches += len(q.items)
                    self._n.superseded_updates += q.updates
                    self._done += len(q.items)
                    q.items.clear()
                    q.updates = 0
                if self._last_received is not None and at < self._last_received:
                    at = self._last_received  # received times never go backwards in the journal
                self._last_received = at
                q.items.append((batch, at))
                q.updates += n
                self._accepted += 1
                if batch.reset:
                    self._behind = False  # the snapshot replaces what was refused
                accepted = True
                self._cond.notify_all()
            if alarm:
                self._n.alarms += 1
                self._n.last_alarm, self._n.alarm_kind = alarm, kind
                log.error(alarm)
        if alarm:
            self._raise_alarm(resync)
        return accepted

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every batch accepted before this call is written; False on time-out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._accepted
            while self._done < target:
                if self._thread is None or not self._thread.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    @property
    def needs_resync(self) -> bool:
        with self._cond:
            return self._behind

    def stats(self) -> StoreStats:
        with self._cond:
            n = self._n
            return StoreStats(
                queued_batches=len(self._queue.items),
                queued_updates=self._queue.updates,
                written_batches=n.written_batches,
                written_updates=n.written_updates,
                journal_rows=n.journal_rows,
                transactions=n.transactions,
                checkpoints=n.checkpoints,
                last_commit_at=n.last_commit_at,
                last_commit_s=n.last_commit_s,
                write_s=n.write_s,
                checkpoint_s=n.checkpoint_s,
                sequence=n.sequence,
                epoch=n.epoch,
                alarm=self._behind,
                alarms=n.alarms,
                last_alarm=n.last_alarm,
                alarm_kind=n.alarm_kind,
                needs_resync=self._behind,
                refused_batches=n.refused_batches,
                refused_updates=n.refused_updates,
                superseded_batches=n.superseded_batches,
                superseded_updates=n.superseded_updates,
                actions=n.actions,
                actions_waiting=self._actions_waiting,
                error=n.error,
                running=self._thread is not None and self._thread.is_alive(),
            )

    def _raise_alarm(self, resync: bool) -> None:
        """Tell the owner (outside the lock): the alarm always, the re-sync request if one is due."""
        try:
            if self.on_alarm is not None:
                self.on_alarm(self.stats())
            if resync and self.on_resync_needed is not None:
                self.on_resync_needed()
        except Exception:  # a broken callback must not break ingest
            log.exception("store alarm callback failed")

    # ------------------------------------------------------------------ reading
    def last_known(self) -> LastKnown:
        """The committed materialised state (read from the database, not from the queue)."""
        engine = self._engine(self._reader)
        with engine.connect() as conn, conn.begin():
            meta = conn.execute(
                select(_M.c.epoch, _M.c.last_sequence, _M.c.saved_at, _M.c.schema_version).where(_M.c.id == 1)
            ).first()
            bodies = {key: body for key, body in conn.execute(select(_S.c.key, _S.c.body))}
        if meta is None:
            return LastKnown(0, "", None, SCHEMA_VERSION, bodies)
        return LastKnown(meta.last_sequence, meta.epoch, meta.saved_at, meta.schema_version, bodies)

    def state_at(self, instant: datetime, now: datetime | None = None) -> PastState:
        """The map at a past instant (see ``time_travel.state_at``); safe from any thread."""
        return state_at(self._engine(self._reader), instant, now or self._clock(), self._bodies)

    def situation_at(self, instant: datetime, district: District, now: datetime | None = None) -> Situation:
        """Time travel: the read-only situation at ``instant``, its cases held as columns, a case's
        body read from the store when asked for (0.1–0.3 s: call it off the GUI thread)."""
        with self._derived_lock:
            sit, fresh = situation_at(
                self._engine(self._reader), instant, now or self._clock(), district,
                basis=self._basis(district), derived=self._derived, bodies=self._bodies, decoded=self._decoded,
            )  # fmt: skip
            if len(self._decoded) > DECODED_LIMIT:  # cameras, departments, decisions…: a few thousand recur
                self._decoded.clear()
        if fresh is not None:
            self._keep_columns(*fresh, basis=self._basis(district))
        sit.fetch_body = functools.partial(self.case_body_at, instant)
        return sit

    def leader_view_at(self, instant: datetime, past: Sequence[DayFigures], hourly: bool = False) -> LeaderView:
        """The leaders' view of the past situation at ``instant`` (``leader.view_of``, for the
        shipped district and the default rules, as ``situation_at``): its cases' timelines read here,
        where the bodies are; ``past`` the kept rows of ``leader.past_days``."""
        district = load_district()
        facts, _ = facts_of_bodies(self.state_at(instant).bodies, district)
        return view_of_facts(facts, district, instant.timestamp(), Rules(), past, hourly)

    def case_body_at(self, instant: datetime, no: str) -> bytes | None:
        """Case ``no``'s body at ``instant`` (``time_travel.body_at``)."""
        return body_at(self._engine(self._reader), f"/case/{no}", instant, self._bodies)

    def journal_between(self, after: datetime, until: datetime, limit: int = JOURNAL_SPAN_LIMIT) -> JournalSpan | None:
        """What was received after ``after`` up to ``until`` (``time_travel.journal_between``)."""
        return journal_between(self._engine(self._reader), after, until, limit, self._bodies)

    def warm_past(self, district: District, until: float) -> bool:
        """Derive the columns of kept checkpoints that have none (written before checkpoints kept
        them, or with another district, calendar or rules), the newest first, until ``until``
        (``time.monotonic()``): the store's process calls this while nothing is asked of it. False
        once every checkpoint has its columns. One step decodes a checkpoint, derives
        ``WARM_CHUNK`` cases or packs a table (a checkpoint of 100,000 cases: ~0.5 s)."""
        if self._warming is None:
            self._warming = self._columns_to_keep(district)
        while time.monotonic() < until:
            if next(self._warming, False) is False:
                self._warming = iter(())
                return False
        return True

    def _columns_to_keep(self, district: District) -> Iterator[None]:
        engine, basis = self._engine(self._reader), self._basis(district)
        for checkpoint in checkpoints_lacking_columns(engine, basis):
            state = checkpoint_state(engine, checkpoint)
            yield
            if state is not None:
                columns = yield from making_columns(state, district, basis, step=WARM_CHUNK)
                self._keep_columns(checkpoint, encode_columns(columns), basis=basis)
                yield

    def _basis(self, district: District) -> str:
        """The basis of columns derived with ``district`` and the default calendar and rules."""
        basis = self._bases.get(id(district))
        if basis is None:
            basis = self._bases[id(district)] = basis_of(district, WorkCalendar(), Rules())
        return basis

    def _keep_columns(self, checkpoint_id: int, blob: bytes, *, basis: str) -> None:
        """Keep a checkpoint's derived columns (unless retention removed the checkpoint meanwhile)."""
        with self._priority(), self._engine(self._durable).begin() as conn:
            conn.execute(delete(_K).where(_K.c.checkpoint_id == checkpoint_id))
            if conn.execute(select(_C.c.id).where(_C.c.id == checkpoint_id)).first() is not None:
                conn.execute(insert(_K), {"checkpoint_id": checkpoint_id, "basis": basis, "blob": blob})

    def time_window(self) -> Window | None:
        """What ``state_at`` can reach (for a time slider's range); None before the first write."""
        return kept_window(self._engine(self._reader))

    def _engine(self, engine: Engine | None) -> Engine:
        if engine is None:
            raise RuntimeError("the store is not open")
        return engine

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
        payload: Mapping[str, Any] | None = None,
        status: ActionStatus = ActionStatus.RECORDED,
        at: datetime | None = None,
    ) -> StoredAction:
        """Commit one action durably and only then return it (``record_actions``)."""
        return self.record_actions(who, role, [NewAction(kind, text, case_no, key, payload)], status=status, at=at)[0]

    def record_actions(
        self,
        who: str,
        role: str,
        actions: Sequence[NewAction],
        *,
        status: ActionStatus = ActionStatus.RECORDED,
        at: datetime | None = None,
    ) -> list[StoredAction]:
        """Commit actions durably, in one transaction, and only then return them, in order; raises
        if they could not be stored, and then none is (one that is not valid refuses them all).

        Safe to call from the GUI thread: it waits at most for the journal transaction under way
        (one wait and one commit for a commander acknowledging a flood group's hundred alarms at once).
        """
        _check_len("who", who, 64, required=True)
        _check_len("role", role, 32, required=True)
        kinds = [ActionKind(a.kind) for a in actions]
        for a in actions:
            _check_len("case_no", a.case_no, 32)
            _check_len("key", a.key, 255)
        at = _utc(at) if at is not None else self._clock()
        status_at = at if status is not ActionStatus.RECORDED else None
        rows = [
            {
                "at": at,
                "who": who,
                "role": role,
                "kind": kind.value,
                "case_no": a.case_no,
                "key": a.key,
                "text": a.text,
                "payload": dict(a.payload) if a.payload is not None else None,
                "status": status.value,
                "status_at": status_at,
            }
            for kind, a in zip(kinds, actions, strict=True)
        ]
        ids: list[int] = []
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            for row in rows:
                inserted = conn.execute(insert(_A), row).inserted_primary_key
                if inserted is None or inserted[0] is None:
                    raise RuntimeError("the database did not return the new action's id")
                ids.append(int(inserted[0]))
        with self._cond:
            self._n.actions += len(rows)
        return [
            StoredAction(i, at, who, role, kind, a.text, a.case_no, a.key, row["payload"], status, status_at)
            for i, kind, a, row in zip(ids, kinds, actions, rows, strict=True)
        ]

    def set_action_status(self, action_id: int, status: ActionStatus, at: datetime | None = None) -> None:
        """Record, durably, that an action was sent, confirmed or refused by the backend."""
        self.set_actions_status([action_id], status, at)

    def set_actions_status(self, action_ids: Sequence[int], status: ActionStatus, at: datetime | None = None) -> None:
        """``set_action_status`` for several actions, in one transaction; ``KeyError`` (and none
        changed) if one is not held."""
        at = _utc(at) if at is not None else self._clock()
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            for action_id in action_ids:
                done = conn.execute(update(_A).where(_A.c.id == action_id).values(status=status.value, status_at=at))
                if done.rowcount != 1:
                    raise KeyError(f"no operator action {action_id}")

    def actions(
        self, *, since: datetime | None = None, case_no: str | None = None, limit: int = 1000
    ) -> list[StoredAction]:
        """Committed actions, newest first."""
        stmt = select(_A).order_by(_A.c.id.desc()).limit(limit)
        if since is not None:
            stmt = stmt.where(_A.c.at >= _utc(since))
        if case_no is not None:
            stmt = stmt.where(_A.c.case_no == case_no)
        with self._engine(self._reader).connect() as conn, conn.begin():
            rows = conn.execute(stmt).all()
        return [
            StoredAction(
                id=r.id,
                at=r.at,
                who=r.who,
                role=r.role,
                kind=_kind(r.kind),
                text=r.text,
                case_no=r.case_no,
                key=r.key,
                payload=r.payload,
                status=ActionStatus(r.status),
                status_at=r.status_at,
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ link events
    def record_link_event(self, kind: LinkEventKind | str, detail: str = "", at: datetime | None = None) -> None:
        """Commit, durably, that the link re-synced, went stale, came back, or was started or stopped.

        One small INSERT, committed as operator actions are (it waits at most for the journal
        transaction under way): cheap enough for the GUI thread a few times a minute. ``detail``
        longer than ``LINK_EVENT_DETAIL_LENGTH`` characters is refused (``ValueError``), as is a
        kind this build does not know.
        """
        kind = LinkEventKind(kind)
        _check_len("detail", detail, LINK_EVENT_DETAIL_LENGTH)
        values = {"at": _utc(at) if at is not None else self._clock(), "kind": kind.value, "detail": detail}
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            conn.execute(insert(_L), values)

    def link_events(self, since: datetime, until: datetime | None = None) -> list[LinkEvent]:
        """Committed link events with ``since <= at <= until`` (no upper bound without ``until``), oldest
        first; events recorded at the same instant come in the order they were recorded."""
        stmt = select(_L.c.at, _L.c.kind, _L.c.detail).where(_L.c.at >= _utc(since)).order_by(_L.c.at, _L.c.id)
        if until is not None:
            stmt = stmt.where(_L.c.at <= _utc(until))
        with self._engine(self._reader).connect() as conn, conn.begin():
            rows = conn.execute(stmt).all()
        return [LinkEvent(r.at, _link_kind(r.kind), r.detail) for r in rows]

    def save_alarms(self, data: Mapping[str, Any], at: datetime | None = None) -> None:
        """Keep the alarm engine's state (``AlarmEngine.saved``: plain JSON data), replacing what was
        kept; committed durably before this returns, as operator actions are."""
        values = {"id": 1, "saved_at": _utc(at) if at is not None else self._clock(), "data": dict(data)}
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            conn.execute(delete(_B).where(_B.c.id == 1))
            conn.execute(insert(_B), values)

    def saved_alarms(self) -> dict[str, Any] | None:
        """The alarm engine's state as last kept, or None if none was."""
        with self._engine(self._reader).connect() as conn, conn.begin():
            row = conn.execute(select(_B.c.data)).first()
        return None if row is None else dict(row.data)

    # ------------------------------------------------------------------ stills (evidence)
    def save_still(self, still: Still) -> int:
        """Keep a still as evidence of its case, committed durably before this returns (as operator
        actions are); its id. ``ValueError`` for one the table cannot take whole."""
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            return stills.write(conn, still)

    def stills(self, case_no: str, limit: int = stills.SHOWN_PER_CASE) -> list[Still]:
        """The newest ``limit`` stills of a case, in the order of their frames."""
        with self._engine(self._reader).connect() as conn, conn.begin():
            return stills.of_case(conn, case_no, limit)

    # ------------------------------------------------------------------ daily figures
    def save_daily(self, rows: Iterable[DayFigures], at: datetime | None = None) -> list[date]:
        """Keep daily figures: ``rows`` replace every row kept for their days (rewriting a day replaces
        it whole). Committed durably before this returns, as operator actions are; the days written."""
        rows = list(rows)
        written_at = _utc(at) if at is not None else self._clock()
        engine = self._engine(self._durable)
        with self._priority(), engine.begin() as conn:
            return daily_rows.write_days(conn, rows, written_at)

    def daily(
        self, since: date, until: date, scope: Scope | None = None, scope_id: str | None = None
    ) -> list[DayFigures]:
        """The kept rows of the days ``since`` to ``until`` (both included), of one scope or one scope's
        id if given; in ``day_figures``' order (by day: the district, the streets, the departments, each
        by id). A day without rows is simply absent."""
        with self._engine(self._reader).connect() as conn, conn.begin():
            return daily_rows.read(conn, since, until, scope, scope_id)

    def daily_days(self) -> set[date]:
        """The days that have daily figures."""
        with self._engine(self._reader).connect() as conn, conn.begin():
            return daily_rows.days(conn)

    def refresh_daily(
        self,
        as_of: datetime | None = None,
        *,
        rules: Rules | None = None,
        calendar: WorkCalendar | None = None,
        district: District | None = None,
        keeps: timedelta = BACKEND_KEEPS,
    ) -> list[date]:
        """Compute and keep the daily figures of every complete day that the held cases cover and
        that has no rows yet, or rows of older definitions (``daily.covered_days``); the days written,
        oldest first.

        The cases are the materialised state, once every batch submitted before this call is
        written: the live picture. ``as_of`` is the instant that picture is known to be current at:
        give the present while the link is live; without it, the received time of the newest stored
        update (all that can be said right after a restart, before the link's snapshot). Nothing is
        written while the store has refused updates (it waits for a re-sync), nor from an empty
        state. ``rules``, ``calendar`` and ``district`` as the live situation's (defaults: the
        console's, the shipped district). About a second for a week of the district's cases; when
        every covered day is kept already, it returns without reading the cases.
        """
        if not self.flush():
            log.warning("daily figures not refreshed: the store has not written what it was given")
            return []
        if self.needs_resync:
            log.info("daily figures not refreshed: the store waits for a re-sync")
            return []
        with self._engine(self._reader).connect() as conn, conn.begin():
            saved_at = conn.execute(select(_M.c.saved_at).where(_M.c.id == 1)).scalar_one_or_none()
            kept = daily_rows.days(conn, DEFINITIONS)  # days of older definitions are computed again
        if saved_at is None:
            return []
        first, last = covered_span(max(saved_at, _utc(as_of or saved_at)).timestamp(), keeps)
        if all(first + timedelta(days=n) in kept for n in range((last - first).days + 1)):
            return []  # every day the cases could cover is kept: no need to read them
        known = self.last_known()
        if known.saved_at is None:
            return []
        now = max(known.saved_at, _utc(as_of or known.saved_at)).timestamp()
        if district is None:
            district = self._district = self._district or load_district()
        facts, bad = facts_of_bodies(known.bodies, district, calendar=calendar, rules=rules)
        if bad:
            log.warning("daily figures: %d stored case bodies could not be read and are not counted", bad)
        days = [d for d in covered_days(facts, now, keeps) if d not in kept]
        streets = set(district.streets) | {k[8:] for k in known.bodies if k.startswith("/street/")}
        departments = set(district.departments) | {k[12:] for k in known.bodies if k.startswith("/department/")}
        rows = day_figures(facts, days, streets=streets, departments=departments)
        self.save_daily(rows)
        if days:
            log.info("daily figures: wrote %d rows for %s to %s", len(rows), days[0], days[-1])
        return days

    @contextmanager
    def _priority(self) -> Iterator[None]:
        """Hold the write lock ahead of the journal writer (it waits while actions are waiting)."""
        with self._action_cond:
            self._actions_waiting += 1
        try:
            with self._write_lock:
                yield
        finally:
            with self._action_cond:
                self._actions_waiting -= 1
                self._action_cond.notify_all()

    # ------------------------------------------------------------------ retention
    def retention(self, now: datetime | None = None) -> RetentionResult:
        """Delete journal rows, checkpoints and link events older than the window (retention + margin),
        and daily figures of the days before ``daily_retention`` before today (Beijing).

        The newest checkpoint at or before the cutoff is kept as the base the window's first
        instants are rebuilt from; journal rows it already contains go. Link events before the
        cutoff go whether or not there is such a checkpoint.
        """
        at = _utc(now or self._last_received or self._clock())
        cutoff = at - self.config.retention - self.config.retention_margin
        first_day = day_of(at.timestamp()) - timedelta(days=self.config.daily_retention.days)
        engine = self._engine(self._journal)
        rows = checkpoints = 0
        with self._write_lock, engine.begin() as conn:
            events = conn.execute(delete(_L).where(_L.c.at < cutoff)).rowcount
            days = daily_rows.drop_before(conn, first_day)
            base = conn.execute(
                select(_C.c.id, _C.c.journal_id)
                .where(_C.c.taken_at <= cutoff)
                .order_by(_C.c.taken_at.desc(), _C.c.id.desc())
                .limit(1)
            ).first()
            if base is not None:
                checkpoints = conn.execute(delete(_C).where(_C.c.id != base.id, _C.c.taken_at <= cutoff)).rowcount
                rows = conn.execute(delete(_J).where(_J.c.id <= base.journal_id)).rowcount
                conn.execute(delete(_K).where(_K.c.checkpoint_id.not_in(select(_C.c.id))))
        if rows or checkpoints or events or days:
            log.info(
                "retention: removed %d journal rows, %d checkpoints and %d link events before %s, "
                "%d daily figures before %s",
                rows, checkpoints, events, cutoff, days, first_day,
            )  # fmt: skip
        return RetentionResult(cutoff, rows, checkpoints, events, days)

    # ------------------------------------------------------------------ writer thread
    def _run(self) -> None:
        n_tx = 0
        while True:
            with self._cond:
                while not self._queue.items and not self._stopping:
                    self._cond.wait()
                if not self._queue.items:
                    return  # stopping, and everything is written
                taken = self._take()
            n_tx += 1
            try:
                self._write(taken, n_tx)
            except Exception as exc:  # the database failed: keep the thread, raise the alarm
                log.exception("store writer transaction failed")
                self._on_write_error(exc, len(taken))
                with self._cond:  # back off, but let close() end the wait
                    self._cond.wait_for(lambda: self._stopping, _ERROR_BACKOFF_S)
                continue
            try:
                self._maybe_checkpoint()
            except Exception:  # a missed checkpoint only makes time travel slower; say so and go on
                log.exception("store checkpoint failed")
            with self._cond:  # flush() returns once the checkpoint and retention that follow are done too
                self._done += len(taken)
                self._cond.notify_all()

    def _take(self) -> list[tuple[Batch, datetime]]:
        """Pop batches (caller holds ``_cond``) up to about ``max_transaction_updates`` updates,
        ending the group at the batch that makes a checkpoint due, so that checkpoints keep their
        spacing in received time even when a backlog is written in big transactions."""
        q = self._queue
        # The first transaction writes the base checkpoint at its first batch's received time.
        base = self._checkpoint_at if self._checkpoint_at is not None else q.items[0][1]
        due = base + self.config.checkpoint_interval
        taken: list[tuple[Batch, datetime]] = []
        count = 0
        while q.items and (not taken or count + len(q.items[0][0].updates) <= self.config.max_transaction_updates):
            item = q.items.popleft()
            taken.append(item)
            count += len(item[0].updates)
            if item[1] >= due:
                break
        q.updates -= count
        return taken

    def _wait_for_actions(self) -> None:
        with self._action_cond:
            while self._actions_waiting:
                self._action_cond.wait()

    def _write(self, taken: list[tuple[Batch, datetime]], n_tx: int) -> None:
        """One transaction: journal rows, state upserts/deletes, link_meta; then the counters."""
        started = time.perf_counter()
        if self._state_unknown:  # a failed transaction left the copy unsure: read it again first
            self._state = dict(self.last_known().bodies)
            self._state_unknown = False
        base: _PendingCheckpoint | None = None
        if self._checkpoint_at is None:
            # The first checkpoint: the state before the first journal row it will be replayed from.
            base = _PendingCheckpoint.of(
                self._state, taken[0][1], self._n.sequence, self._n.epoch, self._derived_columns(self._state)
            )
        sql = self._sql
        if sql is None:
            raise RuntimeError("the store is not open")
        journal: list[tuple[int, str, str, bytes, Any]] = []
        state = self._state
        bodies = self._bodies
        bodies.maybe_train(state.values())
        pack = bodies.pack
        changed: dict[str, tuple[bytes, int, Any]] = {}
        snapshot_rows = 0  # rows of the snapshots among these batches
        for batch, at in taken:
            changes = (
                self._reset_changes(batch) if batch.reset else [(u.key, u.sequence, u.body) for u in batch.updates]
            )
            snapshot_rows += len(changes) if batch.reset else 0
            epoch = batch.epoch
            db_at = sql.time(at)  # converted once per batch, not per row
            for key, seq, body in changes:
                journal.append((seq, epoch, key, pack(body), db_at))
                changed[key] = (body, seq, db_at)
                if body:
                    state[key] = body
                else:
                    state.pop(key, None)
        last_batch, last_at = taken[-1]
        upserts = [(k, body, seq, at) for k, (body, seq, at) in changed.items() if body]
        deletes = [(k,) for k, (body, _, _) in changed.items() if not body]
        meta = (1, last_batch.epoch, last_batch.sequence, sql.time(last_at), SCHEMA_VERSION)
        engine = self._engine(self._journal)
        self._wait_for_actions()
        try:
            with self._write_lock:
                if self._before_write is not None:
                    self._before_write(n_tx)
                with engine.begin() as conn:
                    if base is not None:
                        base.write(conn)
                    bodies.store_new(conn)
                    sql.journal.run(conn, journal)
                    sql.state.run(conn, upserts)
                    sql.delete_state.run(conn, deletes)
                    sql.meta.run(conn, [meta])
        except BaseException:
            bodies.forget_new()
            self._reload_state()
            raise
        bodies.stored()
        elapsed = time.perf_counter() - started
        if base is not None:
            self._checkpoint_at = base.taken_at
            self._snapshot_rows = 0
        self._snapshot_rows += snapshot_rows
        with self._cond:
            n = self._n
            n.written_batches += len(taken)
            n.written_updates += sum(len(b.updates) for b, _ in taken)
            n.journal_rows += len(journal)
            n.transactions += 1
            n.checkpoints += base is not None
            n.last_commit_at = datetime.now(UTC)
            n.last_commit_s = elapsed
            n.write_s += elapsed
            n.sequence, n.epoch = last_batch.sequence, last_batch.epoch
            self._written_at = last_at

    def _reset_changes(self, batch: Batch) -> list[tuple[str, int, bytes]]:
        """What a snapshot changes against the writer's copy: new or changed keys, deletes for the rest."""
        state = self._state
        fresh = {u.key: u for u in batch.updates if u.body}
        changes = [(k, batch.sequence, b"") for k in state.keys() - fresh.keys()]
        changes += [(k, u.sequence, u.body) for k, u in fresh.items() if state.get(k) != u.body]
        return changes

    def _on_write_error(self, exc: Exception, batches: int) -> None:
        call = False
        with self._cond:
            self._n.error = f"{type(exc).__name__}: {exc}"[:500]
            self._done += batches  # lost: the re-sync below replaces them
            if not self._behind:
                self._behind = call = True
                self._n.alarms += 1
                self._n.last_alarm = f"store write failed ({self._n.error}); refusing updates until the link re-syncs"
                self._n.alarm_kind = AlarmKind.WRITE_FAILED
            self._cond.notify_all()
        if call:
            self._raise_alarm(resync=True)

    def _reload_state(self) -> None:
        """After a failed transaction, make the writer's copy match the database again."""
        try:
            self._state = dict(self.last_known().bodies)
        except Exception:  # the database is unreadable too: try again before the next transaction
            log.exception("store could not reload its state")
            self._state_unknown = True

    # ------------------------------------------------------------------ checkpoints
    def _maybe_checkpoint(self) -> None:
        """Every ``checkpoint_interval`` of received time, and after a snapshot of ``checkpoint_rows``
        changes: checkpoint the writer's copy, then retention."""
        last = self._written_at
        if last is None or self._checkpoint_at is None:
            return
        recent = last - self._checkpoint_at < self.config.checkpoint_interval
        if recent and self._snapshot_rows < self.config.checkpoint_rows:
            return
        # Encode and compress before taking the write lock: operator actions never wait for it.
        started = time.perf_counter()
        pending = _PendingCheckpoint.of(
            self._state, last, self._n.sequence, self._n.epoch, self._derived_columns(self._state)
        )
        engine = self._engine(self._journal)
        self._wait_for_actions()
        with self._write_lock, engine.begin() as conn:
            pending.write(conn)
        self._checkpoint_at, self._snapshot_rows = last, 0
        with self._cond:
            self._n.checkpoints += 1
            self._n.checkpoint_s += time.perf_counter() - started
        self.retention(last)

    def _derived_columns(self, state: Mapping[str, bytes]) -> tuple[str, bytes] | None:
        """A checkpoint's cases derived, with their basis (``past_columns``; with the shipped
        district, as the store's process builds the past); None if they cannot be made: the
        checkpoint is kept without them, and they are derived when first needed."""
        try:
            district = load_district()
            basis = self._basis(district)
            with self._derived_lock:
                return basis, encode_columns(columns_of(state, district, basis, self._derived))
        except Exception:
            log.exception("a checkpoint's cases could not be derived; it is kept without them")
            return None


@dataclass(frozen=True, slots=True)
class _PendingCheckpoint:
    """A checkpoint encoded outside the transaction that stores it."""

    taken_at: datetime
    sequence: int
    epoch: str
    keys: int
    blob: bytes
    columns: tuple[str, bytes] | None  # (basis, blob) of its cases derived

    @classmethod
    def of(
        cls,
        state: Mapping[str, bytes],
        taken_at: datetime,
        sequence: int,
        epoch: str,
        columns: tuple[str, bytes] | None,
    ) -> _PendingCheckpoint:
        return cls(taken_at, sequence, epoch, len(state), encode_state(state), columns)

    def write(self, conn: Connection) -> None:
        """Insert it as covering every journal row written so far (the writer is the only writer)."""
        journal_id = conn.execute(select(func.coalesce(func.max(_J.c.id), 0))).scalar_one()
        inserted = conn.execute(
            insert(_C),
            {
                "taken_at": self.taken_at,
                "journal_id": journal_id,
                "sequence": self.sequence,
                "epoch": self.epoch,
                "keys": self.keys,
                "blob": self.blob,
            },
        )
        key = inserted.inserted_primary_key
        if self.columns is not None and key is not None:
            basis, blob = self.columns
            conn.execute(insert(_K), {"checkpoint_id": key[0], "basis": basis, "blob": blob})


@dataclass(frozen=True, slots=True)
class _WriterStatements:
    """The writer's per-update statements for one engine (see ``bulk``)."""

    journal: BulkStatement
    state: BulkStatement
    delete_state: BulkStatement
    meta: BulkStatement
    time: Callable[[datetime], Any]

    @classmethod
    def of(cls, engine: Engine) -> _WriterStatements:
        return cls(
            journal=insert_rows(engine, _J, ("sequence", "epoch", "key", "body", "received_at")),
            state=upsert_rows(engine, _S, ("key", "body", "sequence", "updated_at"), ("key",)),
            delete_state=delete_rows(engine, _S, "key"),
            meta=upsert_rows(engine, _M, ("id", "epoch", "last_sequence", "saved_at", "schema_version"), ("id",)),
            time=time_converter(engine),
        )


def _kind(stored: str) -> ActionKind | str:
    """A stored kind; one written by a newer build is passed through rather than refused."""
    try:
        return ActionKind(stored)
    except ValueError:
        return stored


def _link_kind(stored: str) -> LinkEventKind | str:
    """A stored link event kind; one written by a newer build is passed through rather than refused."""
    try:
        return LinkEventKind(stored)
    except ValueError:
        return stored


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: give an aware datetime")
    return at.astimezone(UTC)


def _check_len(name: str, value: str | None, limit: int, required: bool = False) -> None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return
    if required and not value.strip():
        raise ValueError(f"{name} is required")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
