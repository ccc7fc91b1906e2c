"""The alarm engine: the rules evaluated on the situation's change sets, never by a full scan.

``evaluate`` takes what one batch or tick changed and looks only at those cases, grids, streets,
departments and cameras; a reset (a snapshot, a re-sync, the first picture) re-evaluates all of them
and keeps every alarm that is still the same: nothing is raised again. The link's and the store's
health come in through ``observe_link`` and ``observe_store``.

Consequential alarms are suppressed: while the link is not live the situation's rules are not
evaluated (what changed meanwhile is kept and evaluated when it is live again), so a stale link
raises one alarm, not one per case turning red on the clock; and a whole picture (the console's
first, or a re-sync) raises nothing new: the conditions it finds are listed, unacknowledged, as
standing alarms — no blink, no flood, not counted by the alarm KPIs.

Alarm state lives here, outside the situation, and operators' actions come in as ``OperatorState``
(from this console or, through the backend, from another); ``saved``/``restore`` carry the whole of
it across a restart. No Qt, no sockets, no database.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from console.core.alarms.handling import PREFIX as HANDLING
from console.core.alarms.handling import TTL_SECONDS, operator_state_of
from console.core.alarms.settings import URGENCY_RANK, AlarmSettings, Priority, Rule
from console.core.alarms.states import Alarm, AlarmState, OperatorState, Shelving, SubjectKind
from console.core.cameras import metres_between
from console.core.case_state import CaseState
from console.core.rules import AWAITING_DISPATCH, Light
from console.core.situation import ChangeSet, Situation
from console.core.timers import Timers
from server_link import records as r

LOG_SECONDS: Final = 8 * 86400  # raises kept for the alarm KPIs: a week and a day
# ... and at most this many: a week at ten a minute (far beyond what ISA-18.2 calls manageable) is
# ~100,000; a flood beyond that keeps its newest raises (a soak raised 1,700 a minute, held for days)
LOG_MAX: Final = 120_000
CAMERAS: Final = "/camera/"
PRUNE_EVERY_S: Final = 600.0  # how often operators' states older than the backend keeps them are let go


@dataclass(frozen=True, slots=True)
class Raise:
    """One annunciation: an alarm's condition became true (what the alarm KPIs count)."""

    at: float
    alarm: str
    rule: Rule
    priority: Priority


@dataclass
class AlarmChanges:
    """What one evaluation changed: ids of alarms raised anew, and of every alarm whose state moved."""

    raised: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.changed)

    def merge(self, other: AlarmChanges) -> None:
        self.raised += other.raised
        self.changed |= other.changed


class AlarmEngine:
    """Holds every alarm not back to normal, the operators' states, and the raises of the last week."""

    def __init__(self, settings: AlarmSettings) -> None:
        self.settings = settings
        self.alarms: dict[str, Alarm] = {}
        self.operator: dict[str, OperatorState] = {}  # by alarm id; outlives a cleared alarm
        self.log: deque[Raise] = deque(maxlen=LOG_MAX)
        self._log_columns = _log_columns(())  # the log as the book saves it, kept beside it
        self.link_live = False
        self._not_live_since: float | None = None  # since when the link has not been live (None: it is, or unseen)
        self._link_behind = False
        self._deferred = ChangeSet()  # what changed while the link was not live
        self._recent: dict[str, tuple[str, str, str]] = {}  # case no → (grid, category, street): new in the last hour
        self._grid_bursts: Counter[tuple[str, str]] = Counter()
        self._category_bursts: Counter[str] = Counter()
        self._urgent: dict[str, tuple[float, float]] = {}  # open urgent case no → (lon, lat)
        self._offline: dict[str, r.Camera] = {}  # camera key → record, offline ones only
        self._touched_grid_bursts: set[tuple[str, str]] = set()
        self._burst_streets: dict[tuple[str, str], str] = {}
        self.flood_since: float | None = None  # when the flood under way began
        self._timers: Timers[tuple[str, Rule]] = Timers()  # (case no, rule) → when its on-delay ends
        self._alarmed_cases: Counter[str] = Counter()  # case no → how many of its alarms are held
        self._standing = False  # evaluating a whole picture: what it finds is standing, not raised
        self._pruned_at = 0.0  # when old operators' states were last let go
        rules = settings.rules
        self._prefix = {rule: f"{rule.value}/" for rule in Rule}
        self._enabled = {rule: rules[rule].enabled for rule in Rule}
        self._rank = {
            rule: URGENCY_RANK[r.Urgency(rules[rule].thresholds.get("min_urgency", "normal"))] for rule in Rule
        }
        self._near_m = float(rules[Rule.CAMERA_OFFLINE].threshold("metres"))
        self._threshold = {  # each count rule's one threshold
            Rule.GRID_RED: rules[Rule.GRID_RED].threshold("cases"),
            Rule.STREET_ESCALATION: rules[Rule.STREET_ESCALATION].threshold("min_cases"),
            Rule.DEPARTMENT_OVERDUE: rules[Rule.DEPARTMENT_OVERDUE].threshold("cases"),
            Rule.BURST_GRID: rules[Rule.BURST_GRID].threshold("reports"),
            Rule.BURST_CATEGORY: rules[Rule.BURST_CATEGORY].threshold("reports"),
        }
        self._delay = {rule: float(rules[rule].thresholds.get("after_minutes", 0)) * 60 for rule in Rule}

    # ------------------------------------------------------------------ the situation
    def evaluate(self, situation: Situation, changes: ChangeSet, now: float) -> AlarmChanges:
        """Evaluate the rules on what ``changes`` touched (everything on a reset)."""
        if not self.link_live:
            self._deferred.merge(changes)
            return AlarmChanges()
        if self._deferred:
            changes = _merged(self._deferred, changes)
            self._deferred = ChangeSet()
        out = AlarmChanges()
        reset = changes.reset
        # A whole picture (the first, or a re-sync) raises nothing new: what it finds is listed,
        # unacknowledged, as standing — no blink, no flood, not counted in the alarm KPIs.
        self._standing = reset
        handled = [k for k in situation.records if k.startswith(HANDLING)] if reset else changes.alarms
        for key in handled:  # what operators did, here or on another console: first, for what is raised now
            record = situation.records.get(key)
            if isinstance(record, r.AlarmHandling) and (taken := operator_state_of(record)) is not None:
                out.merge(self.take_operator(*taken, now))
        cases: Iterable[str] = situation.cases.keys() if reset else changes.cases
        cases_seen = set(cases)
        cases_seen.update(no for no, _rule in self._timers.due(now))
        if reset:  # cases gone with the reset: their alarms clear, their traces go
            gone = {a.subject for a in self.alarms.values() if a.kind is SubjectKind.CASE} | set(self._recent)
            cases_seen |= gone - situation.cases.keys()
            cases_seen |= set(self._urgent) - situation.cases.keys()
        grids, streets, departments = set(changes.grids), set(changes.streets), set(changes.departments)
        categories: set[str] = set()
        places: list[tuple[float, float]] = []  # of urgent cases that came or went
        get = situation.cases.get
        for no in cases_seen:  # their grids, streets and departments are in ``changes`` already
            s = get(no)
            self._case_rules(no, s, now, out)
            if no in self._recent or (s is not None and s.recent):
                self._track_recent(no, s, categories)
            if (place := self._track_urgent(no, s)) is not None:
                places.append(place)
        if reset:
            grids |= situation.aggregates.grids.keys() | self._subjects(Rule.GRID_RED)
            streets |= situation.aggregates.streets.keys() | self._subjects(Rule.STREET_ESCALATION)
            departments |= situation.aggregates.departments.keys() | self._subjects(Rule.DEPARTMENT_OVERDUE)
            categories |= self._subjects(Rule.BURST_CATEGORY)
            self._touched_grid_bursts |= {_split_pair(x) for x in self._subjects(Rule.BURST_GRID)}
        for grid in grids:
            self._grid_red(situation, grid, now, out)
        for street in streets:
            self._street_escalation(situation, street, now, out)
        for dept in departments:
            self._department_overdue(situation, dept, now, out)
        self._bursts(categories, now, out)
        cameras = self._track_cameras(situation, changes.cameras, reset)
        if places or cameras:
            self._cameras(cameras, places, now, out)
        self._standing = False
        return out

    def _case_rules(self, no: str, s: CaseState | None, now: float, out: AlarmChanges) -> None:
        """The four rules on one case. The hot path of the engine: a case that alarms for nothing
        and had no alarm costs a few comparisons and two timer look-ups."""
        fresh = red = bounced = hard = False
        fresh_due = red_due = math.inf  # when an on-delay under way ends (inf: none is)
        if s is not None and s.open:
            rank = URGENCY_RANK[s.urgency]
            if s.step in AWAITING_DISPATCH and s.returns == 0 and rank >= self._rank[Rule.URGENT_NEW]:
                due = s.received_at + self._delay[Rule.URGENT_NEW]
                fresh = now >= due
                fresh_due = math.inf if fresh else due
            if s.light is Light.RED and rank >= self._rank[Rule.CASE_RED]:
                due = s.deadline + self._delay[Rule.CASE_RED]
                red = now >= due
                red_due = math.inf if red else due
            bounced = s.buck_passing
            # hard is consequential to buck-passing, which already calls for this case
            hard = s.hard and rank >= self._rank[Rule.HARD] and not bounced
        # An on-delay looks again when it is due, and goes with its condition (a case dispatched,
        # closed or gone within it): held on, it would wait for an instant that may be months away
        # (a backend whose clock runs ahead of this console's) for every such case.
        self._on_delay((no, Rule.URGENT_NEW), fresh_due)
        self._on_delay((no, Rule.CASE_RED), red_due)
        if not (fresh or red or bounced or hard) and no not in self._alarmed_cases:
            return  # nothing now, and nothing held to clear: most cases, most of the time
        street = s.street if s is not None else ""
        for rule, active in ((Rule.URGENT_NEW, fresh), (Rule.CASE_RED, red), (Rule.BUCK_PASSING, bounced),
                             (Rule.HARD, hard)):  # fmt: skip
            ident = self._prefix[rule] + no
            if (active and self._enabled[rule]) or ident in self.alarms:
                self._set(rule, no, SubjectKind.CASE, active and self._enabled[rule], now, out, street=street)

    def _on_delay(self, key: tuple[str, Rule], due: float) -> None:
        if due == math.inf:
            self._timers.cancel(key)
        else:
            self._timers.set(key, due)

    def _grid_red(self, situation: Situation, grid: str, now: float, out: AlarmChanges) -> None:
        figures = situation.aggregates.grids.get(grid)
        red = figures.overdue if figures is not None else 0  # overdue is the red light
        active = self._enabled[Rule.GRID_RED] and red >= self._threshold[Rule.GRID_RED]
        if active or self._prefix[Rule.GRID_RED] + grid in self.alarms:
            street = self._street_of_grid(situation, grid)
            self._set(Rule.GRID_RED, grid, SubjectKind.GRID, active, now, out, street=street, figure=red)

    def _street_escalation(self, situation: Situation, street: str, now: float, out: AlarmChanges) -> None:
        f = situation.aggregates.streets.get(street)
        active = (
            self._enabled[Rule.STREET_ESCALATION]
            and f is not None
            and f.small_origin >= self._threshold[Rule.STREET_ESCALATION]
            and f.over_limit
        )
        if active or self._prefix[Rule.STREET_ESCALATION] + street in self.alarms:
            figure = f.escalation_ratio if f is not None else 0.0
            self._set(
                Rule.STREET_ESCALATION, street, SubjectKind.STREET, active, now, out, street=street, figure=figure
            )

    def _department_overdue(self, situation: Situation, dept: str, now: float, out: AlarmChanges) -> None:
        f = situation.aggregates.departments.get(dept)
        overdue = f.overdue if f is not None else 0
        active = self._enabled[Rule.DEPARTMENT_OVERDUE] and overdue >= self._threshold[Rule.DEPARTMENT_OVERDUE]
        if active or self._prefix[Rule.DEPARTMENT_OVERDUE] + dept in self.alarms:
            self._set(Rule.DEPARTMENT_OVERDUE, dept, SubjectKind.DEPARTMENT, active, now, out, figure=overdue)

    # ------------------------------------------------------------------ bursts
    def _track_recent(self, no: str, s: CaseState | None, categories: set[str]) -> None:
        """Keep the counts of new reports by (grid, category) and by category; note what they touch."""
        old = self._recent.pop(no, None)
        if old is not None:
            self._grid_bursts[old[:2]] -= 1
            self._category_bursts[old[1]] -= 1
            self._touched_grid_bursts.add(old[:2])
            categories.add(old[1])
        if s is not None and s.recent:
            new = (s.unit_grid, s.category, s.street)
            self._recent[no] = new
            self._grid_bursts[new[:2]] += 1
            self._category_bursts[new[1]] += 1
            self._touched_grid_bursts.add(new[:2])
            self._burst_streets[new[:2]] = new[2]
            categories.add(new[1])

    def _bursts(self, categories: set[str], now: float, out: AlarmChanges) -> None:
        """Look again at the (grid, category) pairs and categories whose counts moved."""
        for pair in self._touched_grid_bursts:
            n = self._grid_bursts.get(pair, 0)
            active = self._enabled[Rule.BURST_GRID] and n >= self._threshold[Rule.BURST_GRID]
            subject = f"{pair[0]}:{pair[1]}"
            if active or self._prefix[Rule.BURST_GRID] + subject in self.alarms:
                street = self._burst_streets.get(pair, "")
                self._set(Rule.BURST_GRID, subject, SubjectKind.GRID, active, now, out, street=street, figure=n)
            if n <= 0:
                self._grid_bursts.pop(pair, None)
                self._burst_streets.pop(pair, None)
        self._touched_grid_bursts = set()
        for category in categories:
            n = self._category_bursts.get(category, 0)
            active = self._enabled[Rule.BURST_CATEGORY] and n >= self._threshold[Rule.BURST_CATEGORY]
            if active or self._prefix[Rule.BURST_CATEGORY] + category in self.alarms:
                self._set(Rule.BURST_CATEGORY, category, SubjectKind.CATEGORY, active, now, out, figure=n)
            if n <= 0:
                self._category_bursts.pop(category, None)

    # ------------------------------------------------------------------ cameras
    def _track_urgent(self, no: str, s: CaseState | None) -> tuple[float, float] | None:
        """Keep the open urgent cases' places; the place of one that came or went (None if neither)."""
        urgent = s is not None and s.open and URGENCY_RANK[s.urgency] >= self._rank[Rule.CAMERA_OFFLINE]
        if not urgent and no not in self._urgent:
            return None  # most cases: neither before nor now
        was = self._urgent.pop(no, None)
        if urgent:
            assert s is not None
            self._urgent[no] = (s.lon, s.lat)
        now_at = self._urgent.get(no)
        return None if now_at == was else (was or now_at)

    def _track_cameras(self, situation: Situation, keys: set[str], reset: bool) -> set[str]:
        """Keep the offline cameras; the keys of those that changed (all, on a reset)."""
        if reset:
            before = set(self._offline)
            self._offline = {k: c for k, c in situation.records.items() if isinstance(c, r.Camera) and not c.online}
            return before | set(self._offline)
        for key in keys:
            record = situation.records.get(key)
            self._offline.pop(key, None)
            if isinstance(record, r.Camera) and not record.online:
                self._offline[key] = record
        return keys

    def _cameras(self, keys: set[str], places: list[tuple[float, float]], now: float, out: AlarmChanges) -> None:
        """Look again at the cameras in ``keys`` and at the offline ones near the urgent cases that came
        or went at ``places``."""
        within = self._near_m
        for camera_key, offline in self._offline.items():
            if any(metres_between(offline.lon, offline.lat, *p) <= within for p in places):
                keys = keys | {camera_key}
        for key in keys:
            camera = self._offline.get(key)
            near = 0
            if camera is not None and self._enabled[Rule.CAMERA_OFFLINE]:
                near = sum(1 for p in self._urgent.values() if metres_between(camera.lon, camera.lat, *p) <= within)
            device = key.removeprefix(CAMERAS)
            self._set(Rule.CAMERA_OFFLINE, device, SubjectKind.CAMERA, near > 0, now, out, figure=near)

    # ------------------------------------------------------------------ the link and the store
    def observe_link(self, live: bool, behind: bool, now: float) -> AlarmChanges:
        """The link's state: while it is not live the situation's rules wait; the link's own alarm
        rises once it has not been live for the rule's ``seconds``, or when the console is behind."""
        if live and not self.link_live:
            self._not_live_since = None
        elif not live and self.link_live:
            self._not_live_since = now
        self.link_live, self._link_behind = live, behind
        return self.tick(now)

    def observe_store(self, share: float, now: float) -> AlarmChanges:
        """How full the store's queue is (0 … 1)."""
        rs = self.settings[Rule.STORE]
        out = AlarmChanges()
        self._set(Rule.STORE, "store", SubjectKind.STORE, rs.enabled and share >= rs.threshold("share"), now, out,
                  figure=share)  # fmt: skip
        return out

    def tick(self, now: float) -> AlarmChanges:
        """Time moves: the link's stale time grows, shelvings expire."""
        out = AlarmChanges()
        rs = self.settings[Rule.LINK]
        if not self.link_live and self._not_live_since is None:
            self._not_live_since = now  # the console's start: not live yet, from now on
        stale_for = 0.0 if self._not_live_since is None else max(0.0, now - self._not_live_since)
        link_down = not self.link_live and stale_for >= rs.threshold("seconds")
        self._set(Rule.LINK, "link", SubjectKind.LINK, rs.enabled and (link_down or self._link_behind), now, out,
                  figure=stale_for)  # fmt: skip
        if self.flood_since is not None and not self.in_flood(now):
            self.flood_since = None
        for a in list(self.alarms.values()):
            shelving = a.operator.shelving
            if shelving is not None and now >= shelving.until:
                self._take(a, dataclasses.replace(a.operator, shelving=None), now, out, before=AlarmState.SHELVED)
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now
            self._forget_operators(now)
        return out

    def _forget_operators(self, now: float) -> None:
        """Let go of what operators did to alarms no longer held, once it is older than the
        backend keeps it (``TTL_SECONDS``) and no shelving of it runs on: kept for ever, a console
        running for months would hold every acknowledgement ever given (and save them all)."""
        horizon = now - TTL_SECONDS
        self.operator = {
            ident: op
            for ident, op in self.operator.items()
            if op.at >= horizon or ident in self.alarms or (op.shelving is not None and op.shelving.until > now)
        }

    # ------------------------------------------------------------------ operators
    def acknowledge(self, ident: str, by: str, now: float) -> OperatorState:
        """The operator state after acknowledging ``ident`` at ``now`` (send it, then ``take_operator``)."""
        return dataclasses.replace(self._operator(ident), acknowledged_at=now, acknowledged_by=by, at=now)

    def shelve(self, ident: str, by: str, reason: str, until: float, now: float) -> OperatorState:
        if until <= now:
            raise ValueError("a shelving must end in the future")
        if not reason.strip():
            raise ValueError("say why the alarm is shelved")
        return dataclasses.replace(self._operator(ident), shelving=Shelving(by, reason.strip(), until), at=now)

    def unshelve(self, ident: str, now: float) -> OperatorState:
        return dataclasses.replace(self._operator(ident), shelving=None, at=now)

    def comment(self, ident: str, by: str, text: str, now: float) -> OperatorState:
        return dataclasses.replace(self._operator(ident), comment=text.strip(), comment_by=by, at=now)

    def take_operator(self, ident: str, op: OperatorState, now: float) -> AlarmChanges:
        """Operators' state for ``ident``, from this console or from another through the backend.
        An older state than the one held (by its ``at``) is ignored: the newest writer wins."""
        out = AlarmChanges()
        held = self.operator.get(ident)
        if held is not None and held.at > op.at:
            return out
        self.operator[ident] = op
        alarm = self.alarms.get(ident)
        if alarm is not None:
            self._take(alarm, op, now, out)
        return out

    def _operator(self, ident: str) -> OperatorState:
        return self.operator.get(ident, OperatorState())

    def _take(
        self, a: Alarm, op: OperatorState, now: float, out: AlarmChanges, *, before: AlarmState | None = None
    ) -> None:
        """Give ``a`` the operators' state ``op``; ``before``: its state until now, where the clock has
        already moved it (a shelving that has just expired)."""
        before = before or a.state(now)
        a.take_operator(op)
        self.operator[a.id] = op
        after = a.state(now)
        if after is before:
            return
        out.changed.add(a.id)
        if before is AlarmState.SHELVED and after is AlarmState.UNACKNOWLEDGED:
            a.raised_at = now  # back from the shelf while active: it calls for attention anew
            out.raised.append(a.id)
        if after is AlarmState.NORMAL:
            self._drop(a)

    # ------------------------------------------------------------------ the core of it
    def _set(
        self,
        rule: Rule,
        subject: str,
        kind: SubjectKind,
        active: bool,
        now: float,
        out: AlarmChanges,
        *,
        street: str = "",
        figure: float = 0.0,
    ) -> None:
        ident = self._prefix[rule] + subject
        a = self.alarms.get(ident)
        if active:
            if a is None:
                rs = self.settings[rule]
                a = Alarm(rule, subject, kind, rs.priority, rs.latch, street=street)
                a.operator = self.operator.get(ident, OperatorState())
                self._keep(a)
            a.figure = figure
            if a.active:
                return
            a.active, a.raised_at, a.cleared_at, a.acknowledged = True, now, None, False
            a.raises += 1
            a.street = street or a.street
            out.changed.add(ident)
            if a.state(now) is AlarmState.UNACKNOWLEDGED and not self._standing:  # not shelved, not out of service
                out.raised.append(ident)
                self._log(Raise(now, ident, rule, a.priority))
            return
        if a is None or not a.active:
            return
        a.active, a.cleared_at, a.figure = False, now, figure
        out.changed.add(ident)
        if a.state(now) is AlarmState.NORMAL:
            self._drop(a)

    def _keep(self, a: Alarm) -> None:
        self.alarms[a.id] = a
        if a.kind is SubjectKind.CASE:
            self._alarmed_cases[a.subject] += 1

    def _drop(self, a: Alarm) -> None:
        del self.alarms[a.id]
        if a.kind is SubjectKind.CASE:
            self._alarmed_cases[a.subject] -= 1
            if self._alarmed_cases[a.subject] <= 0:
                del self._alarmed_cases[a.subject]

    def _log(self, raised: Raise) -> None:
        self.log.append(raised)
        for column, value in zip(self._log_columns, _log_row(raised), strict=True):
            column.append(value)
        horizon = raised.at - LOG_SECONDS
        while self.log and self.log[0].at < horizon:
            self.log.popleft()
            for column in self._log_columns:
                column.popleft()
        if self.flood_since is None and self.in_flood(raised.at):
            self.flood_since = raised.at

    def in_flood(self, now: float) -> bool:
        """More alarms raised within the flood window up to ``now`` than the settings allow."""
        window = self.settings.flood_minutes * 60
        since = bisect.bisect_right(self.log, now - window, key=lambda x: x.at)  # counted, not listed: in a flood
        return len(self.log) - since >= self.settings.flood_alarms  # the log holds thousands, asked each turn

    def _subjects(self, rule: Rule) -> set[str]:
        return {a.subject for a in self._of(rule)}

    def _of(self, rule: Rule) -> list[Alarm]:
        return [a for a in self.alarms.values() if a.rule is rule]

    @staticmethod
    def _street_of_grid(situation: Situation, grid: str) -> str:
        unit = situation.district.unit_grids.get(grid)
        return unit.street if unit is not None else ""

    # ------------------------------------------------------------------ reading
    def on_list(self, now: float) -> list[Alarm]:
        """Every alarm not back to normal, most urgent first, then newest first."""
        return sorted(self.alarms.values(), key=lambda a: (a.priority, -a.raised_at, a.id))

    def raises_since(self, since: float) -> list[Raise]:
        """The raises after ``since`` (the log is in time order)."""
        i = bisect.bisect_right(self.log, since, key=lambda x: x.at)
        return [self.log[k] for k in range(i, len(self.log))]

    # ------------------------------------------------------------------ across a restart
    def saved(self) -> dict[str, Any]:
        """Everything to carry across a restart, as plain JSON-able data."""
        return {
            "alarms": [_alarm_data(a) for a in self.alarms.values()],
            "operator": {k: _operator_data(v) for k, v in self.operator.items()},
            # by columns: four lists, not a small list per raise (up to 120,000); kept as the log
            # grows, so a save copies four lists instead of making them anew (~25 ms a time in a flood)
            "log_columns": {name: list(column) for name, column in zip(LOG_COLUMNS, self._log_columns, strict=True)},
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Take back what ``saved`` gave (the store kept it); the next reset re-evaluates it, and
        what is still the same alarm stays as it was."""
        self.operator = {k: _operator_of(v) for k, v in data.get("operator", {}).items()}
        self.alarms = {}
        self._alarmed_cases = Counter()
        for item in data.get("alarms", []):
            self._keep(_alarm_of(item))
        columns = data.get("log_columns")
        rows = (  # a book saved by an older build holds a list per raise
            zip(columns["at"], columns["alarm"], columns["rule"], columns["priority"], strict=True)
            if columns is not None
            else data.get("log", [])
        )
        self.log = deque((Raise(at, alarm, Rule(rule), Priority(p)) for at, alarm, rule, p in rows), maxlen=LOG_MAX)
        self._log_columns = _log_columns(self.log)


LOG_COLUMNS: Final = ("at", "alarm", "rule", "priority")


def _log_row(x: Raise) -> tuple[float, str, str, int]:
    return x.at, x.alarm, x.rule.value, int(x.priority)


def _log_columns(log: Iterable[Raise]) -> tuple[deque[Any], ...]:
    rows = [_log_row(x) for x in log]
    return tuple(deque((row[i] for row in rows), maxlen=LOG_MAX) for i in range(len(LOG_COLUMNS)))


def _merged(a: ChangeSet, b: ChangeSet) -> ChangeSet:
    out = ChangeSet()
    out.merge(a)
    out.merge(b)
    return out


def _split_pair(subject: str) -> tuple[str, str]:
    grid, _, category = subject.partition(":")
    return grid, category


# Saved field by field, not by ``dataclasses.asdict``, which copies deeply: the book is saved every
# few seconds on the GUI thread, and in a flood it holds thousands of alarms (33 ms for 3,000).
_ALARM_FIELDS: Final = tuple(f.name for f in dataclasses.fields(Alarm) if f.name != "operator")
_OPERATOR_FIELDS: Final = tuple(f.name for f in dataclasses.fields(OperatorState) if f.name != "shelving")


def _operator_data(op: OperatorState) -> dict[str, Any]:
    data = {name: getattr(op, name) for name in _OPERATOR_FIELDS}
    s = op.shelving
    data["shelving"] = None if s is None else {"by": s.by, "reason": s.reason, "until": s.until}
    return data


def _operator_of(data: dict[str, Any]) -> OperatorState:
    shelving = data.get("shelving")
    return OperatorState(**{**data, "shelving": Shelving(**shelving) if shelving else None})


def _alarm_data(a: Alarm) -> dict[str, Any]:
    data = {name: getattr(a, name) for name in _ALARM_FIELDS}
    data["rule"], data["kind"], data["priority"] = a.rule.value, a.kind.value, int(a.priority)
    data["operator"] = _operator_data(a.operator)
    return data


def _alarm_of(data: dict[str, Any]) -> Alarm:
    return Alarm(
        **{
            **data,
            "rule": Rule(data["rule"]),
            "kind": SubjectKind(data["kind"]),
            "priority": Priority(data["priority"]),
            "operator": _operator_of(data["operator"]),
        }
    )
