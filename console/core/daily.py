"""The figures of one Beijing calendar day, for the district, each street and each department,
computed from the cases alone (their derived state and their timelines): what the store keeps a
row of per day, so that trends outlast the journal's week.

**The day.** A Beijing calendar day D runs from 00:00:00 (UTC+8) to the next midnight, excluded.
**The day's end** is the last instant of D: what a row says "at the day's end" is what the case
records said once every event timed before the next midnight had happened, and nothing after. So
the row of a past day can be recomputed from the same cases at any later time, with the same
result, while the backend still holds them (see ``covered_days``).

**What a row counts** (every figure is a count; rates are divided when read, so figures over any
span are sums of rows, see ``span``):

* flows, events of day D:
  - ``received``: cases whose ``received_at`` falls on D.
  - ``closed``: cases whose closing time (their last ``close`` event, the live figures' closing
    time: ``CaseState.closed_at``) falls on D; ``closed_on_time``: those of them on time
    (``CaseState.closed_on_time``: closed no later than the deadline, or without a deadline).
  - ``hotline_settled``: 12345 cases (``Rules.hotline_channel``) whose response was settled on D;
    ``hotline_responded``: those of them responded to (with a ``file`` event, the live rule). A
    case's response is settled at its first ``file`` event (responded), or at its closing if it
    closed without one (not responded, as live), but at the latest at the end of the day after the
    day it was received: a case not filed by then counts as not responded, for good. (Counting
    the cases received on D, responded by D's end, would hold every late-evening call against the
    day: on the simulated district that showed 97.8 % on a day whose every call was filed within
    40 minutes.)
  - ``hotline_callbacks`` / ``hotline_resolved``: 12345 cases called back on D whose ``resolved`` is
    known / is true; ``hotline_rated`` / ``hotline_satisfied``: the same with ``satisfied``. A case is
    called back on the day of its last ``callback`` event, with the answers its record holds (a
    backend that sets the answers without a ``callback`` event, which §11.6 allows: on the day of its
    last timeline event).
* stocks, at the day's end:
  - ``open``: cases received before the day's end and not closed by then (open now, or closed
    after it). A case at CLOSED or EVALUATED without a ``close`` event is never counted open: the
    live figures do not count it either, and when it closed is unknown.
  - ``overdue``: those open cases whose deadline was reached before the day's end (the live rule,
    ``rules.is_overdue``, at the day's last instant). The deadline is the case's current one: a
    derived deadline runs from the first dispatch and never moves; a deadline the backend moved
    later is taken as moved.

**The rates** mean what the live ones mean, over the cases of the day:

* the 12345 three rates of ``DistrictFigures``: response = ``hotline_responded / hotline_settled``
  (of the 12345 cases whose response the day settled, those responded to); resolution =
  ``hotline_resolved / hotline_callbacks`` and satisfaction = ``hotline_satisfied / hotline_rated``
  (of the day's call-backs);
* on-time closure of ``DepartmentFigures``: ``closed_on_time / closed``, of the day's closures;
* closure of ``DepartmentFigures`` (closed ÷ held) with the day's cases held: those the scope had
  on D, closed during it or still open at its end: ``closed / (closed + open)``.

**Scopes.** A case counts in the district's row (scope id ``DISTRICT_ID``, the empty string), in its
street's (the record's ``street``) and in its department's: the department handling it at the day's
end, by its timeline: the ``dept`` of its last routing event before then (a ``dispatch``, or a
``decision`` at DISPATCHED), none before its first, and the record's ``dept`` once its last routing
event has happened (so the present agrees with the live figures, also for a backend that clears
``dept`` after a return). A case with no department at the day's end counts in no department's row.
Every street and department given counts with zeros on a day nothing happened to it.

Pure: no Qt, no SQL. ``facts_of_situation``/``facts_of_bodies`` read the cases once; ``day_figures``
computes any set of days from them in one pass.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final

import msgspec

from console.core.case_state import CaseState, derive
from console.core.rules import Rules, is_overdue
from server_link import records as r
from server_link.district import District
from server_link.workcal import WorkCalendar

if TYPE_CHECKING:
    from console.core.situation import Situation

DEFINITIONS: Final = 1
"""The version of the definitions above, stored with each row: a later change of what a figure means
can tell the rows it did not write."""
DISTRICT_ID: Final = ""
"""The scope id of the district's own row."""
BACKEND_KEEPS: Final = timedelta(days=7)
"""How long the backend holds a case after closing it, at least (our simulator: 7 days after its
evaluation, which follows the closing): the days the held cases cover completely (``covered_days``)."""
COUNTS: Final = (
    "received", "closed", "closed_on_time", "open", "overdue", "hotline_settled", "hotline_responded",
    "hotline_callbacks", "hotline_resolved", "hotline_rated", "hotline_satisfied",
)  # fmt: skip
"""The counts of a row, in the order ``DayFigures.counts()`` gives them."""
STOCKS: Final = frozenset({"open", "overdue"})
"""The counts taken at the day's end (the rest are the day's flows)."""

_OFFSET: Final = 8 * 3600  # Beijing is UTC+8 all year
_DAY: Final = 86400
_EPOCH: Final = date(1970, 1, 1)
(_RECEIVED, _CLOSED, _ON_TIME, _OPEN, _OVERDUE, _SETTLED, _RESPONDED,
 _CALLBACKS, _RESOLVED, _RATED, _SATISFIED) = range(len(COUNTS))  # fmt: skip


class Scope(enum.StrEnum):
    """Whose figures a row holds."""

    DISTRICT = "district"
    STREET = "street"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One row: the counts of ``day`` for one scope (see the module docstring for each count)."""

    day: date
    scope: Scope
    scope_id: str
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open: int = 0
    overdue: int = 0
    hotline_settled: int = 0
    hotline_responded: int = 0
    hotline_callbacks: int = 0
    hotline_resolved: int = 0
    hotline_rated: int = 0
    hotline_satisfied: int = 0

    def counts(self) -> tuple[int, ...]:
        """The counts in ``COUNTS`` order."""
        return tuple(getattr(self, name) for name in COUNTS)

    @property
    def response_rate(self) -> float:
        return _rate(self.hotline_responded, self.hotline_settled)

    @property
    def resolution_rate(self) -> float:
        return _rate(self.hotline_resolved, self.hotline_callbacks)

    @property
    def satisfaction_rate(self) -> float:
        return _rate(self.hotline_satisfied, self.hotline_rated)

    @property
    def held(self) -> int:
        """The closure rate's denominator: the cases closed during the day or still open at its end."""
        return self.closed + self.open

    @property
    def closure_rate(self) -> float:
        return _rate(self.closed, self.held)

    @property
    def on_time_rate(self) -> float:
        return _rate(self.closed_on_time, self.closed)


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def span(rows: Iterable[DayFigures]) -> DayFigures:
    """The figures of several days of one scope, dated by the last: the flows summed, the stocks
    (open, overdue) as at the last day's end. So the rates over a span come out right: e.g. the
    on-time rate of a month is its on-time closures over its closures, not a mean of daily rates."""
    ordered = sorted(rows, key=lambda row: row.day)
    if not ordered:
        raise ValueError("a span needs at least one day")
    last = ordered[-1]
    if any((row.scope, row.scope_id) != (last.scope, last.scope_id) for row in ordered):
        raise ValueError("a span sums the rows of one scope")
    totals = {name: sum(getattr(row, name) for row in ordered) for name in COUNTS if name not in STOCKS}
    return DayFigures(last.day, last.scope, last.scope_id, **totals, open=last.open, overdue=last.overdue)


# ---------------------------------------------------------------------- days
def day_number(ts: float) -> int:
    """The Beijing calendar day of a POSIX time, as days since 1970-01-01 (``aggregates.beijing_day``'s)."""
    return int((ts + _OFFSET) // _DAY)


def day_of(ts: float) -> date:
    """The Beijing calendar date of a POSIX time."""
    return _EPOCH + timedelta(days=day_number(ts))


def day_start(day: date) -> float:
    """The POSIX time of the day's first instant (00:00:00 Beijing); the day's end is the next day's start."""
    return (day - _EPOCH).days * _DAY - _OFFSET


def day_just_ended(as_of: float) -> date:
    """The last day complete at ``as_of``: yesterday in Beijing (the end-of-day write's day)."""
    return _EPOCH + timedelta(days=day_number(as_of) - 1)


def covered_span(as_of: float, keeps: timedelta = BACKEND_KEEPS) -> tuple[date, date]:
    """The first and the last day the held cases can cover for a picture current at ``as_of``: from
    the first day that began no earlier than ``keeps`` before it to the day just ended (the first
    after the last when there is none)."""
    first = math.ceil((as_of - keeps.total_seconds() + _OFFSET) / _DAY)  # the first day starting at or after
    return _EPOCH + timedelta(days=first), day_just_ended(as_of)


def covered_days(facts: Sequence[CaseFacts], as_of: float, keeps: timedelta = BACKEND_KEEPS) -> list[date]:
    """The complete days the cases cover, oldest first, for a picture current at ``as_of``.

    A day is complete when it ended at or before ``as_of``. The held cases cover it when it began no
    earlier than ``keeps`` before ``as_of``: every case closed, called back, received or open on it
    is then still held (the backend keeps a case at least ``keeps`` after closing it). And never
    before the day of the oldest case held: before it, there is nothing to count.
    """
    if not facts:
        return []
    first, last = covered_span(as_of, keeps)
    first = max(first, day_of(min(f.received_at for f in facts)))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# ---------------------------------------------------------------------- what a day needs of a case
class CaseFacts(msgspec.Struct, frozen=True, gc=False):
    """What the daily figures need of one case, with the instants its timeline gives (POSIX seconds,
    NaN when there is none)."""

    street: str
    dept: str | None  # the record's, now
    hotline: bool
    received_at: float
    filed_at: float  # the first ``file`` event
    closed_at: float  # CaseState.closed_at: the last ``close`` event of a closed case
    on_time: bool  # CaseState.closed_on_time
    open: bool
    deadline: float
    answered_at: float  # when its call-back answers count (NaN: no answer known)
    resolved: bool | None
    satisfied: bool | None
    routes: tuple[tuple[float, str], ...]  # (instant, department) of each routing event

    def dept_at(self, end: float) -> str | None:
        """The department handling the case just before ``end`` (see the module docstring)."""
        routes = self.routes
        if not routes or end > routes[-1][0]:
            return self.dept
        found = None
        for at, dept in routes:
            if at >= end:
                break
            found = dept
        return found


class _Event(msgspec.Struct, gc=False):
    at: datetime
    step: r.Step
    action: r.Action
    dept: str | None = None


class _Timeline(msgspec.Struct, gc=False):
    timeline: list[_Event] = []


_TIMELINE = msgspec.json.Decoder(_Timeline)


def case_facts(state: CaseState, timeline: Sequence[r.Event | _Event], hotline_channel: str) -> CaseFacts:
    """The facts of a case from its derived state and its timeline (oldest event first)."""
    filed = answered = math.nan
    callback_event: r.Event | _Event | None = None
    routes: list[tuple[float, str]] = []
    file, callback, dispatch, decision = r.Action.FILE, r.Action.CALLBACK, r.Action.DISPATCH, r.Action.DECISION
    for event in timeline:  # an aware datetime's timestamp() is slow: taken only for the events used
        action = event.action
        if action is file:
            if filed != filed:  # NaN: the first one
                filed = event.at.timestamp()
        elif action is callback:
            callback_event = event
        elif (action is dispatch or (action is decision and event.step is r.Step.DISPATCHED)) and event.dept:
            routes.append((event.at.timestamp(), event.dept))
    if callback_event is not None:
        answered = callback_event.at.timestamp()
    elif state.resolved is not None or state.satisfied is not None:
        answered = timeline[-1].at.timestamp() if timeline else state.step_at
    return CaseFacts(
        street=state.street,
        dept=state.dept,
        hotline=state.channel == hotline_channel,
        received_at=state.received_at,
        filed_at=filed,
        closed_at=state.closed_at,
        on_time=state.closed_on_time,
        open=state.open,
        deadline=state.deadline,
        answered_at=answered,
        resolved=state.resolved,
        satisfied=state.satisfied,
        routes=tuple(routes),
    )


def facts_of_situation(situation: Situation) -> list[CaseFacts]:
    """The facts of every case a situation holds; it must keep the bodies (``keep_bodies``, the
    default), whose timelines it reads."""
    if not situation.keep_bodies and situation.cases:
        raise ValueError("the daily figures need the cases' timelines: a situation that keeps their bodies")
    hotline = situation.rules.hotline_channel
    out = []
    for no, state in situation.cases.items():
        body = situation.bodies.get(no)
        timeline = _TIMELINE.decode(body).timeline if body else ()
        out.append(case_facts(state, timeline, hotline))
    return out


def facts_of_bodies(
    bodies: Mapping[str, bytes],
    district: District,
    *,
    calendar: WorkCalendar | None = None,
    rules: Rules | None = None,
) -> tuple[list[CaseFacts], int]:
    """The facts of every case among stored ``(key, body)`` pairs (other keys are passed over),
    derived as the situation derives them; and how many case bodies could not be read."""
    calendar, rules = calendar or WorkCalendar(), rules or Rules()
    out, bad = [], 0
    for key, body in bodies.items():
        if not key.startswith("/case/") or not body:
            continue
        try:
            record = r.decode(key, body)
            if not isinstance(record, r.Case):  # a /case/ key holds a case, or does not decode
                raise TypeError(f"{key} holds a {type(record).__name__}")
            out.append(case_facts(derive(record, district, calendar, rules), record.timeline, rules.hotline_channel))
        except Exception:  # noqa: BLE001 - a body the situation would reject too: counted, not fatal
            bad += 1
    return out, bad


# ---------------------------------------------------------------------- the figures
def day_figures(
    facts: Iterable[CaseFacts],
    days: Iterable[date],
    *,
    streets: Iterable[str] = (),
    departments: Iterable[str] = (),
    as_of: float | None = None,
) -> list[DayFigures]:
    """The rows of ``days``: per day, the district's, then each street's and each department's,
    sorted by id. ``streets`` and ``departments`` get a row each day even with nothing in it; a
    street or department met in the cases gets one too. One pass over the cases for all days.

    ``as_of``: the instant of a picture whose day is not over (today so far): that day's stocks are
    taken at ``as_of``, not at its end (a case due this evening is not overdue yet), and a 12345 case
    that would be settled unanswered at its end (received yesterday, not yet filed) is not settled yet."""
    today = day_number(as_of) if as_of is not None else None
    wanted = {(d - _EPOCH).days for d in days}
    if not wanted:
        return []
    lo, hi = min(wanted), max(wanted)
    # Counts per (day, street, department at the day's end); the scopes' rows are summed from them.
    cells: dict[tuple[int, str, str | None], list[int]] = {}
    n_counts = len(COUNTS)

    def cell(day: int, f: CaseFacts) -> list[int]:
        end = (day + 1) * _DAY - _OFFSET
        key = (day, f.street, f.dept_at(end))
        found = cells.get(key)
        if found is None:
            found = cells[key] = [0] * n_counts
        return found

    for f in facts:
        received = day_number(f.received_at)
        if received in wanted:
            cell(received, f)[_RECEIVED] += 1
        closed = f.closed_at == f.closed_at  # not NaN
        if f.hotline:  # settled when filed, or closed without it, but by the end of the next day
            filed = f.filed_at == f.filed_at
            settled = min(
                day_number(f.filed_at) if filed else day_number(f.closed_at) if closed else received + 1,
                received + 1,
            )
            if settled == today and not filed and not closed:
                pass  # the day after its receipt is not over: it may still be filed today, not settled yet
            elif settled in wanted:
                c = cell(settled, f)
                c[_SETTLED] += 1
                c[_RESPONDED] += filed and day_number(f.filed_at) <= settled
        if closed:
            closing = day_number(f.closed_at)
            if closing in wanted:
                c = cell(closing, f)
                c[_CLOSED] += 1
                c[_ON_TIME] += f.on_time
        if f.hotline and f.answered_at == f.answered_at:
            answered = day_number(f.answered_at)
            if answered in wanted:
                c = cell(answered, f)
                if f.resolved is not None:
                    c[_CALLBACKS] += 1
                    c[_RESOLVED] += f.resolved
                if f.satisfied is not None:
                    c[_RATED] += 1
                    c[_SATISFIED] += f.satisfied
        if f.open or closed:  # open at the end of each day from its receipt to the day before its closing
            stop = min(day_number(f.closed_at), hi + 1) if closed else hi + 1
            overdue_from = day_number(f.deadline) if f.deadline == f.deadline else hi + 1
            for day in range(max(received, lo), stop):
                if day in wanted:
                    c = cell(day, f)
                    c[_OPEN] += 1
                    if day == today:
                        c[_OVERDUE] += is_overdue(f.deadline, as_of)  # type: ignore[arg-type]  # (set with today)
                    else:
                        c[_OVERDUE] += day >= overdue_from  # deadline before the day's end
    return _rows(cells, sorted(wanted), set(streets), set(departments))


def _rows(
    cells: Mapping[tuple[int, str, str | None], list[int]],
    days: Sequence[int],
    streets: set[str],
    departments: set[str],
) -> list[DayFigures]:
    n_counts = len(COUNTS)
    for _, street, dept in cells:
        streets.add(street)
        if dept is not None:
            departments.add(dept)
    by_day: dict[int, dict[tuple[Scope, str], list[int]]] = {
        day: {
            (Scope.DISTRICT, DISTRICT_ID): [0] * n_counts,
            **{(Scope.STREET, s): [0] * n_counts for s in sorted(streets)},
            **{(Scope.DEPARTMENT, d): [0] * n_counts for d in sorted(departments)},
        }
        for day in days
    }
    for (day, street, dept), counts in cells.items():
        scopes = by_day[day]
        targets = [scopes[Scope.DISTRICT, DISTRICT_ID], scopes[Scope.STREET, street]]
        if dept is not None:
            targets.append(scopes[Scope.DEPARTMENT, dept])
        for target in targets:
            for i, n in enumerate(counts):
                target[i] += n
    return [
        DayFigures(_EPOCH + timedelta(days=day), scope, scope_id, *counts)
        for day in days
        for (scope, scope_id), counts in by_day[day].items()
    ]


# ---------------------------------------------------------------------- a day so far
def district_so_far(facts: Iterable[CaseFacts], cut: float) -> DayFigures:
    """The district's row of the day holding ``cut``, from its start up to ``cut`` only: what the
    day's row said at that instant (the leaders' "today" curve, one point an hour). Every event
    after ``cut`` is as if it had not happened yet: a case closed later is open, one received later
    not there, a response settled later not settled. At the present it equals ``day_figures``'
    district row of today with ``as_of`` the present."""
    day = day_number(cut)
    start = day * _DAY - _OFFSET
    n = [0] * len(COUNTS)
    for f in facts:
        if f.received_at > cut:
            continue
        received_today = f.received_at >= start
        n[_RECEIVED] += received_today
        closed = f.closed_at == f.closed_at and f.closed_at <= cut  # closed by then
        if closed and f.closed_at >= start:
            n[_CLOSED] += 1
            n[_ON_TIME] += f.on_time
        if f.hotline:  # as ``day_figures``, with only what had happened by ``cut``
            filed = f.filed_at == f.filed_at and f.filed_at <= cut
            latest = day_number(f.received_at) + 1  # settled at the end of this day at the latest
            if filed:
                settled: int | None = min(day_number(f.filed_at), latest)
            elif closed:
                settled = min(day_number(f.closed_at), latest)
            else:  # not yet, unless that day is over
                settled = latest if latest < day else None
            if settled == day:
                n[_SETTLED] += 1
                n[_RESPONDED] += filed and day_number(f.filed_at) <= settled
        if f.hotline and f.answered_at == f.answered_at and start <= f.answered_at <= cut:
            if f.resolved is not None:
                n[_CALLBACKS] += 1
                n[_RESOLVED] += f.resolved
            if f.satisfied is not None:
                n[_RATED] += 1
                n[_SATISFIED] += f.satisfied
        if (f.open or f.closed_at == f.closed_at) and not closed:
            n[_OPEN] += 1
            n[_OVERDUE] += is_overdue(f.deadline, cut)
    return DayFigures(_EPOCH + timedelta(days=day), Scope.DISTRICT, DISTRICT_ID, *n)
