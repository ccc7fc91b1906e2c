"""The live situation: every case the backend holds, derived, in the queue's table and aggregated.

``apply`` takes a batch of link updates and returns what changed, so views repaint only that;
``tick`` moves time-dependent flags (lights, overdue, new in the last hour) forward without any
update, through a heap of the instants when each case's flags next flip. No Qt, no sockets, no
database: the shell feeds it, views read it.

Each record of a batch is applied on its own: one the core cannot compute (which the schema's
bounds should make impossible) is rejected, counted in ``rejects`` and leaves the situation exactly
as it was, and the rest of its batch, or snapshot, is applied all the same.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from console.core.aggregates import Aggregates, StreetFigures, beijing_day
from console.core.camera_index import CameraIndex
from console.core.case_state import CaseState, derive
from console.core.case_table import CaseTable
from console.core.derived_cases import DerivedCases
from console.core.rules import Light, Rules
from console.core.table_cases import TableCases
from console.core.timers import Timers
from server_link import records as r
from server_link.district import District
from server_link.link_state import Batch, Update
from server_link.workcal import WorkCalendar


class Provenance(enum.StrEnum):
    """Where the situation shown comes from: views mark anything but LIVE plainly."""

    LIVE = "live"
    LAST_KNOWN = "last_known"  # painted from the store at start, before the link's snapshot
    PAST = "past"  # rebuilt for an instant of the past (time travel), read-only


@dataclass
class ChangeSet:
    """What one batch or tick changed (keys of cases, grids, streets, departments)."""

    cases: set[str] = field(default_factory=set)
    grids: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    alarms: set[str] = field(default_factory=set)  # keys of alarm handlings (what operators did)
    shows: set[str] = field(default_factory=set)  # keys of camera show requests (``/show/<wall>``)
    agenda: set[str] = field(default_factory=set)  # keys of the council's agenda items and presentations
    kpis: bool = False
    reset: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.cases or self.grids or self.streets or self.departments or self.cameras or self.decisions)
            or bool(self.alarms or self.shows or self.agenda)
            or self.kpis
            or self.reset
        )

    def merge(self, other: ChangeSet) -> None:
        self.cases |= other.cases
        self.grids |= other.grids
        self.streets |= other.streets
        self.departments |= other.departments
        self.cameras |= other.cameras
        self.decisions |= other.decisions
        self.alarms |= other.alarms
        self.shows |= other.shows
        self.agenda |= other.agenda
        self.kpis |= other.kpis
        self.reset |= other.reset

    def note(self, s: CaseState) -> None:
        self.cases.add(s.no)
        self.grids.add(s.unit_grid)
        self.streets.add(s.street)
        if s.dept is not None:
            self.departments.add(s.dept)
        self.departments.update(s.returned_by)
        self.kpis = True


@dataclass
class Picture:
    """A whole picture derived but not yet held: the situation with every record but its cases,
    and its cases (derived, evaluated for its instant) with their bodies."""

    situation: Situation
    cases: dict[str, CaseState]
    bodies: dict[str, bytes]

    def held(self) -> Situation:
        """The situation with its cases held (in the figures and the queue's table)."""
        self.situation.hold_cases(self.cases, self.bodies)
        return self.situation

    def held_as_columns(self) -> Situation:
        """The situation with its cases held as columns only (``TableCases``): a past one, which
        is read, not changed (but moved forward, ``advance``). Its bodies are not kept: its
        ``fetch_body``, where set, reads one from where the picture was made."""
        self.situation.hold_table(self.table())
        return self.situation

    def table(self) -> CaseTable:
        """The picture's cases in a table of their own (no spare rows: a past one is sent whole)."""
        table = CaseTable(capacity=max(16, len(self.cases)))
        for state in self.cases.values():
            table.upsert(state)
        table.flush()
        return table


class Situation:
    """Holds the situation; not thread-safe (the GUI thread owns it, or a worker builds one)."""

    def __init__(
        self,
        district: District,
        *,
        calendar: WorkCalendar | None = None,
        rules: Rules | None = None,
        keep_bodies: bool = True,
        read_only: bool = False,
    ) -> None:
        self.district = district
        self.calendar = calendar or WorkCalendar()
        self.rules = rules or Rules()
        self.keep_bodies = keep_bodies
        self.read_only = read_only
        self.cases: MutableMapping[str, CaseState] = {}  # or, held as columns only, ``TableCases``
        self.bodies: dict[str, bytes] = {}
        self.fetch_body: Callable[[str], bytes | None] | None = None  # a case's body when ``bodies`` is not kept
        self.records: dict[str, r.Record] = {}  # everything that is not a case, by key
        self.table = CaseTable()
        self.aggregates = Aggregates(self.rules)
        self.sequence = 0
        self.epoch = ""
        self.now = 0.0
        self.provenance = Provenance.LIVE
        self.pictured = False  # a whole picture (a snapshot, a stored or past state) has been taken in
        self.as_of: float | None = None  # for LAST_KNOWN and PAST: when the newest data was received
        self.rejects: Counter[str] = Counter()  # records not applied, by reason ("apply", or a decode reason)
        self.last_reject = ""  # the last one's key and cause
        self._timers: Timers[str] = Timers()  # case no → when its flags next flip
        self._camera_index: CameraIndex | None = None  # built when first asked for, again when a camera moves
        self._set_street_limits()

    # ------------------------------------------------------------------ building
    @classmethod
    def picture(
        cls,
        district: District,
        bodies: Mapping[str, bytes],
        now: float,
        *,
        provenance: Provenance,
        as_of: float | None,
        calendar: WorkCalendar | None = None,
        rules: Rules | None = None,
        derived: DerivedCases | None = None,
    ) -> Picture:
        """A situation from stored (key, body) pairs: the last known state (which the next snapshot
        replaces) or a past instant (read-only), its cases derived and evaluated for ``now`` but not
        yet held (``Picture.held``; a picture that crosses processes is held where it arrives,
        ``hold_cases``). Bodies that no longer decode are skipped and counted. With ``derived``,
        cases whose body it holds are not decoded and derived again, and the others are added to it."""
        sit = cls(district, calendar=calendar, rules=rules, read_only=provenance is Provenance.PAST)
        sit.provenance, sit.as_of = provenance, as_of
        sit.now, sit.pictured = now, True
        if derived is not None:
            derived.bind(district, sit.calendar, sit.rules)
        picture = Picture(sit, {}, {})
        for key, body in bodies.items():
            if not key.startswith("/case/"):
                sit.take_record(key, body)
                continue
            state = sit.derived_state(key, body, derived)
            if state is not None:
                picture.cases[key[6:]] = state
                picture.bodies[key[6:]] = body
        return picture

    @classmethod
    def past_at(cls, district: District, now: float, *, as_of: float | None, rules: Rules | None = None) -> Situation:
        """An empty read-only situation of the past instant ``now``, to be filled by ``take_record``,
        ``derived_state`` and ``hold_table`` (``Situation.picture`` does it from bodies alone)."""
        sit = cls(district, rules=rules, read_only=True)
        sit.provenance, sit.as_of, sit.now, sit.pictured = Provenance.PAST, as_of, now, True
        return sit

    def take_record(
        self, key: str, body: bytes, decoded: MutableMapping[tuple[str, bytes], r.Record] | None = None
    ) -> None:
        """Hold a record of a whole picture that is not a case (rejected and counted if it does not
        decode); ``decoded`` keeps records decoded from one picture to the next (they are frozen).
        The streets' limits follow when the picture's cases are held (``hold_cases``, ``hold_table``)."""
        try:
            record = decoded.get((key, body)) if decoded is not None else None
            if record is None:
                record = r.decode(key, body)
                if decoded is not None:
                    decoded[(key, body)] = record
            update = Update(key, 0, record, body)
            self._guarded(key, lambda: self._apply_other(key[1 : key.index("/", 1)], update, ChangeSet()))
        except r.RecordError as exc:
            self._reject(exc.reason, key, str(exc))

    def derived_state(self, key: str, body: bytes, derived: DerivedCases | None = None) -> CaseState | None:
        """The state of the case whose body is ``body``, derived and evaluated for this situation's
        instant (from ``derived`` if it holds it, and added to it if not); None, rejected and
        counted, if it cannot be."""
        try:
            state = derived.get(body) if derived is not None else None
            if state is None:
                record = r.decode(key, body)
                if not isinstance(record, r.Case):
                    raise TypeError(f"{type(record).__name__} at a case's key")
                state = derive(record, self.district, self.calendar, self.rules)
                self._prepare(state)
                if derived is not None:
                    derived.put(body, state)
            else:
                self._prepare(state)
        except r.RecordError as exc:
            self._reject(exc.reason, key, str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - as ``_guarded``: one record, never its picture
            self._reject("apply", key, f"{type(exc).__name__}: {exc}")
            return None
        return state

    def hold_cases(self, cases: Mapping[str, CaseState], bodies: Mapping[str, bytes]) -> None:
        """Hold cases of a whole picture, derived and evaluated for this situation's instant
        (``picture``): accounted in the figures and the queue's table; nothing noted as changed."""
        for no, state in cases.items():
            self._hold(no, state, bodies[no], None)
        self._set_street_limits()

    def hold_table(self, table: CaseTable) -> None:
        """Hold the cases of a whole picture as ``table``'s columns only (``Picture.held_as_columns``)."""
        self.table, self.bodies, self.keep_bodies = table, {}, False
        self.cases = TableCases(table, self.now, self.rules.recent_seconds)
        self.aggregates = Aggregates.of_table(self.rules, table, self.now)
        self._timers = Timers()
        self._set_street_limits()

    # ------------------------------------------------------------------ updates
    def apply(self, batch: Batch, now: float) -> ChangeSet:
        if self.read_only:
            raise RuntimeError("this situation is a read-only view (of the past or of the last known state)")
        changes = self._apply_updates(batch.updates, batch.reset, now)
        self.sequence, self.epoch = batch.sequence, batch.epoch
        if batch.reset and self.provenance is Provenance.LAST_KNOWN:
            self.provenance, self.as_of = Provenance.LIVE, None  # the link's snapshot replaced it
        changes.merge(self.tick(now))
        return changes

    def advance(
        self, rows: Iterable[tuple[str, int, bytes]], now: float, *, sequence: int, epoch: str, as_of: float | None
    ) -> ChangeSet:
        """Move a past situation forward to ``now`` by what the link received meanwhile (the
        journal's (key, sequence, body) rows in arrival order, an empty body for a key that went):
        the situation at ``now`` as a whole rebuild of that instant would be. ``as_of``: when the
        newest row was received (None: no row)."""
        if self.provenance is not Provenance.PAST:
            raise RuntimeError("only a past situation moves forward by the journal")
        updates: list[Update] = []
        for key, seq, body in rows:
            try:
                updates.append(Update(key, seq, r.decode(key, body) if body else None, body))
            except r.RecordError as exc:
                self._reject(exc.reason, key, str(exc))
                updates.append(Update(key, seq, None, b""))  # as the rebuild, which skips it: not held
        if isinstance(self.cases, TableCases):
            changes = self._advance_table(updates, now)
        else:
            changes = self._apply_updates(updates, reset=False, now=now)
            changes.merge(self.tick(now))
        if as_of is not None:
            self.sequence, self.epoch, self.as_of = sequence, epoch, as_of
        return changes

    def adopt(self, other: Situation) -> ChangeSet:
        """Take over everything ``other`` holds (built beside this one, e.g. from a snapshot, while
        this one stayed on show), with its provenance; ``other`` must not be used afterwards."""
        if self.read_only:
            raise RuntimeError("this situation is a read-only view (of the past or of the last known state)")
        self.cases, self.bodies, self.records, self.table = other.cases, other.bodies, other.records, other.table
        self.aggregates = other.aggregates
        self._timers = other._timers
        self._camera_index = None
        self.sequence, self.epoch, self.now = other.sequence, other.epoch, max(self.now, other.now)
        self.provenance, self.as_of = other.provenance, other.as_of
        self.pictured = True
        self.rejects += other.rejects
        self.last_reject = other.last_reject or self.last_reject
        changes = ChangeSet(reset=True, kpis=True)
        changes.merge(self.tick(self.now))
        return changes

    def _advance_table(self, updates: Iterable[Update], now: float) -> ChangeSet:
        """``advance`` for a situation held as columns: each row into the table, then the flags
        that flipped by ``now`` noted and the figures computed again over the table."""
        changes = ChangeSet()
        for u in updates:
            kind = u.key[1 : u.key.index("/", 1)]
            if kind == "case":
                self._guarded(u.key, self._put_row, u, changes)
            else:
                self._guarded(u.key, self._apply_other, kind, u, changes)
        changes.merge(self._table_moved(now))
        return changes

    def _put_row(self, u: Update, changes: ChangeSet) -> None:
        assert isinstance(self.cases, TableCases)
        no = u.key[6:]
        old = self.cases.get(no)
        if u.record is None or not isinstance(u.record, r.Case):
            if old is not None:
                changes.note(old)
                self.table.remove(no)
                self.cases.forget(no)
            return
        state = derive(u.record, self.district, self.calendar, self.rules, old)
        self._prepare(state)
        if old is not None:
            changes.note(old)
        self.table.upsert(state)
        self.cases.forget(no)
        changes.note(state)

    def _table_moved(self, now: float) -> ChangeSet:
        """A situation held as columns at ``now``: the cases whose flags flipped since its instant
        noted, its figures computed again."""
        assert isinstance(self.cases, TableCases)
        changes = ChangeSet(kpis=True)
        before, self.now = self.now, max(self.now, now)
        table, recent = self.table, self.rules.recent_seconds
        rows = table.held_rows()
        received = table.cols["received_at"][rows]
        flipped = (table.lights(before, rows) != table.lights(self.now, rows)) | (
            (before - received < recent) != (self.now - received < recent)
        )
        self.cases.moved(self.now)
        for row in rows[flipped].tolist():
            changes.note(self.cases[table.nos[row]])
        self.aggregates = Aggregates.of_table(self.rules, table, self.now)
        self._set_street_limits()
        return changes

    def _apply_updates(self, updates: Iterable[Update], reset: bool, now: float) -> ChangeSet:
        self.now = max(self.now, now)
        changes = ChangeSet(reset=reset)
        if reset:
            self._clear()
            changes.kpis = True
            self.pictured = True
        for u in updates:
            self._guarded(u.key, self._apply, u, changes)
        return changes

    def _guarded(self, key: str, apply: Callable[..., None], *args: Any) -> None:
        """``apply(*args)`` for the record at ``key``; if it raises, the record is rejected."""
        try:
            apply(*args)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one record, never its batch
            self._reject("apply", key, f"{type(exc).__name__}: {exc}")

    def _apply(self, u: Update, changes: ChangeSet) -> None:
        kind = u.key[1 : u.key.index("/", 1)]
        if kind == "case":
            self._apply_case(u, changes)
        else:
            self._apply_other(kind, u, changes)
            if kind == "street":
                self._set_street_limits()

    def _reject(self, reason: str, key: str, detail: str) -> None:
        self.rejects[reason] += 1
        self.last_reject = f"{reason} {key[:80]}: {detail[:200]}"

    def _apply_case(self, u: Update, changes: ChangeSet) -> None:
        """Everything that can fail (deriving, the day the case counts on, its next timer) runs
        before anything changes; the changes after it cannot fail for a derived state."""
        no = u.key[6:]
        old = self.cases.get(no)
        if u.record is None or not isinstance(u.record, r.Case):
            if old is not None:
                self.aggregates.account(old, -1)
                changes.note(old)
                del self.cases[no]
                self.bodies.pop(no, None)
                self._timers.cancel(no)
                self.table.remove(no)
            return
        self._put_case(no, derive(u.record, self.district, self.calendar, self.rules, old), u.body, changes)

    def _put_case(self, no: str, s: CaseState, body: bytes, changes: ChangeSet | None) -> None:
        """Hold a derived state as case ``no`` (replacing its old one); noted in ``changes``, if any."""
        self._prepare(s)
        self._hold(no, s, body, changes)

    def _prepare(self, s: CaseState) -> None:
        """Evaluate a derived state for now: everything that can fail before a case is held."""
        s.evaluate(self.now, self.rules.recent_seconds)
        beijing_day(s.received_at)  # the aggregates' intake key: raises here if it cannot be had
        s.next_change(self.now, self.rules.recent_seconds)

    def _hold(self, no: str, s: CaseState, body: bytes, changes: ChangeSet | None) -> None:
        """Hold a prepared state as case ``no``: cannot fail."""
        old = self.cases.get(no)
        if old is not None:
            self.aggregates.account(old, -1)
            if changes is not None:
                changes.note(old)
        self.cases[no] = s
        if self.keep_bodies:
            self.bodies[no] = body
        self.aggregates.account(s, +1)
        self.table.upsert(s)
        self._arm(s)  # a past situation too: it moves forward when replay plays it (``advance``)
        if changes is not None:
            changes.note(s)

    def _apply_other(self, kind: str, u: Update, changes: ChangeSet) -> None:
        old = self.records.pop(u.key, None) if u.record is None else self.records.get(u.key)
        if u.record is not None:
            self.records[u.key] = u.record
        if kind == "camera":
            if not (isinstance(old, r.Camera) and isinstance(u.record, r.Camera) and _placed(old) == _placed(u.record)):
                self._camera_index = None  # a camera came, went or moved (going offline moves nothing)
            changes.cameras.add(u.key)
        elif kind == "decision":
            changes.decisions.add(u.key)
        elif kind == "alarm":
            changes.alarms.add(u.key)
        elif kind == "show":
            changes.shows.add(u.key)
        elif kind in ("agenda", "present"):
            changes.agenda.add(u.key)
        elif kind == "street":  # its limit: ``_set_street_limits``, once the records it came with are in
            changes.streets.add(u.key[8:])
        elif kind == "department":
            changes.departments.add(u.key[12:])

    # ------------------------------------------------------------------ time
    def tick(self, now: float) -> ChangeSet:
        """Move lights, overdue and "new in the last hour" forward to ``now``."""
        if isinstance(self.cases, TableCases):
            return self._table_moved(now)
        changes = ChangeSet()
        self.now = max(self.now, now)
        recent = self.rules.recent_seconds
        for no in self._timers.due(self.now):
            s = self.cases.get(no)
            if s is None:
                continue
            before = (s.light, s.overdue, s.recent)
            self.aggregates.account(s, -1)
            s.evaluate(self.now, recent)
            self.aggregates.account(s, +1)
            if (s.light, s.overdue, s.recent) != before:
                changes.note(s)
            self._arm(s)
        return changes

    def _arm(self, s: CaseState) -> None:
        when = s.next_change(self.now, self.rules.recent_seconds)
        if when == math.inf:
            self._timers.cancel(s.no)
        else:
            self._timers.set(s.no, when)

    # ------------------------------------------------------------------ crossing processes
    def detached(self) -> Situation:
        """This situation without its district, to be pickled (the store's process builds past
        situations and hands them over this way); the receiver must ``attach`` its district."""
        self.district = None  # type: ignore[assignment]  # until attach(): nothing reads it in between
        return self

    def attach(self, district: District) -> None:
        """Give a situation received from another process the district it was built on."""
        self.district = district

    # ------------------------------------------------------------------ reading
    def case_record(self, no: str) -> r.Case | None:
        body = self.bodies.get(no)
        if body is None and self.fetch_body is not None and no in self.cases:
            body = self.fetch_body(no)
        if body is None:
            return None
        record = r.decode(f"/case/{no}", body)
        return record if isinstance(record, r.Case) else None

    def open_cases(self) -> list[CaseState]:
        """The open cases' states (held as columns: made for these alone)."""
        if isinstance(self.cases, TableCases):
            return self.cases.open_states()
        return [s for s in self.cases.values() if s.open]

    def open_places(self) -> list[tuple[str, float, float, Light, str]]:
        """(number, longitude, latitude, light, title) of each open case: what the map marks."""
        if isinstance(self.cases, TableCases):
            return self.cases.open_places()
        return [(s.no, s.lon, s.lat, s.light, s.title) for s in self.cases.values() if s.open]

    def of_kind(self, kind: type[r.Record]) -> list[r.Record]:
        return [x for x in self.records.values() if isinstance(x, kind)]

    @property
    def camera_index(self) -> CameraIndex:
        """Where the cameras this situation holds are (built once, and again when one comes, goes or
        moves; their records, online or not, are read from ``records``)."""
        if self._camera_index is None:
            self._camera_index = CameraIndex((k, x) for k, x in self.records.items() if isinstance(x, r.Camera))
        return self._camera_index

    # ------------------------------------------------------------------ internals
    def _clear(self) -> None:
        self.cases.clear()
        self.bodies.clear()
        self.records.clear()
        self.table = CaseTable()
        self.aggregates = Aggregates(self.rules)
        self._timers = Timers()
        self._camera_index = None
        self._set_street_limits()

    def _set_street_limits(self) -> None:
        """Each street's escalation limit: the backend's ``/street/`` record where it publishes one
        (also for a street the shipped district does not know), else ``rules.escalation_limit``."""
        published = {x.code: x.escalation_limit for x in self.records.values() if isinstance(x, r.Street)}
        for code in {*self.district.streets, *published, *self.aggregates.streets}:
            figures = self.aggregates.streets.setdefault(code, StreetFigures())
            figures.limit = published.get(code, self.rules.escalation_limit)


def _placed(c: r.Camera) -> tuple[float, float, str | None]:
    return c.lon, c.lat, c.unit_grid
