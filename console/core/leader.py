"""What the district's leaders read in a minute: the headline figures with their denominators, their
change against yesterday and the same day last week, the targets, the trends, and who leads and lags.

Built from the daily figures (``console.core.daily``): today's row (today so far, from the live
cases) and the stored rows of the past days. Pure: no Qt, no SQL.

* The figures: Beijing 12345's three rates (response, resolution, satisfaction), the closure and the
  on-time closure rate, each with its denominator; the backlog (open) and the overdue cases. A rate
  of today is today's so far; "yesterday" and "last week" are those whole days (the stocks, open and
  overdue, at their end).
* The targets are the center's own lines (``Rules.kpi`` for the 12345 rates, ``Rules.heat.on_time``
  for on-time closure): below them a figure is marked. The day's closure rate has none: it is the
  day's closures over the cases the day had (``DayFigures.closure_rate``), not the wall's closure of
  a week's cases held, and the wall's 90 % line would mark every day.
* The rankings: streets and departments by their on-time closure rate over the last seven days (today
  included), with its change against the seven days before; only those with ``MIN_CLOSED`` closures
  or more in the seven days are ranked (a rate of two cases says nothing).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from console.core.daily import (
    CaseFacts,
    DayFigures,
    Scope,
    day_figures,
    day_of,
    day_start,
    district_so_far,
    facts_of_situation,
    span,
)
from console.core.rules import Rules

if TYPE_CHECKING:
    from console.core.situation import Situation
    from server_link.district import District

TREND_DAYS: Final = 30
RANK_DAYS: Final = 7
MIN_CLOSED: Final = 5
TOP: Final = 5

# name → (the figure of a row, its denominator (None for a count), good when high)
_FIGURES: Final[dict[str, tuple[Callable[[DayFigures], float], Callable[[DayFigures], int] | None, bool]]] = {
    "response": (lambda d: d.response_rate, lambda d: d.hotline_settled, True),
    "resolution": (lambda d: d.resolution_rate, lambda d: d.hotline_callbacks, True),
    "satisfaction": (lambda d: d.satisfaction_rate, lambda d: d.hotline_rated, True),
    "closure": (lambda d: d.closure_rate, lambda d: d.held, True),
    "on_time": (lambda d: d.on_time_rate, lambda d: d.closed, True),
    "open": (lambda d: float(d.open), None, False),
    "overdue": (lambda d: float(d.overdue), None, False),
}
FIGURES: Final = tuple(_FIGURES)
"""The figures, in the order they are shown."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline figure: today's value (a rate 0–1, or a count), what it is out of, the same on
    the day before and on the same weekday a week before (NaN where no row is kept), its target."""

    name: str
    value: float
    denominator: int | None  # a rate's: the cases it is out of; None for a count
    yesterday: float
    last_week: float
    target: float | None
    good_when_high: bool

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def misses_target(self) -> bool:
        """Below (or, for a count, above) its target; never for a figure with nothing behind it."""
        if self.target is None or math.isnan(self.value):
            return False
        return self.value < self.target if self.good_when_high else self.value > self.target

    def worse_than(self, other: float) -> bool:
        """Whether today's figure is worse than ``other`` (not for NaN on either side)."""
        if math.isnan(self.value) or math.isnan(other):
            return False
        return self.value < other if self.good_when_high else self.value > other


@dataclass(frozen=True, slots=True)
class Ranked:
    """A street or a department in a ranking: its on-time closure rate over the last seven days, the
    closures behind it, and the change against the seven days before (NaN where there were none)."""

    scope_id: str
    rate: float
    closed: int
    change: float


@dataclass(frozen=True, slots=True)
class LeaderView:
    day: date  # today (Beijing)
    figures: tuple[Figure, ...]
    trends: Mapping[str, tuple[tuple[date, float], ...]]  # figure name → the district's last 30 days, today last
    best_streets: tuple[Ranked, ...]
    worst_streets: tuple[Ranked, ...]
    best_departments: tuple[Ranked, ...]
    worst_departments: tuple[Ranked, ...]
    days_kept: int  # how many of the trend's past days have a stored row
    today: tuple[tuple[float, DayFigures], ...] = ()  # the district's day so far at each full hour and now

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def today_trend(self, name: str) -> tuple[tuple[float, float], ...]:
        """``name``'s value through today: (instant, value) at each full hour, and now."""
        value_of = _FIGURES[name][0]
        return tuple((at, value_of(row)) for at, row in self.today)


def targets(rules: Rules) -> dict[str, float | None]:
    k = rules.kpi
    return {
        "response": k.response_warn, "resolution": k.resolution_warn, "satisfaction": k.satisfaction_warn,
        "closure": None, "on_time": rules.heat.on_time.start, "open": None, "overdue": None,
    }  # fmt: skip


def leader_view(today: Iterable[DayFigures], past: Iterable[DayFigures], rules: Rules) -> LeaderView:
    """The leaders' view of ``today`` (today's rows so far, every scope) over the ``past`` rows kept."""
    today_rows = list(today)
    by_scope: dict[tuple[Scope, str], dict[date, DayFigures]] = defaultdict(dict)
    for row in today_rows:
        by_scope[(row.scope, row.scope_id)][row.day] = row
    day = max((row.day for row in today_rows), default=None)
    if day is None:
        raise ValueError("the leaders' view needs today's rows")
    for row in past:
        if row.day < day:  # a stored row of today (none should be) never replaces the live one
            by_scope[(row.scope, row.scope_id)][row.day] = row
    district = by_scope[(Scope.DISTRICT, "")]
    goals = targets(rules)
    figures = []
    for name, (value_of, denominator_of, high) in _FIGURES.items():
        now = district[day]

        def on(d: date, value_of: Callable[[DayFigures], float] = value_of) -> float:
            row = district.get(d)
            return value_of(row) if row is not None else math.nan

        figures.append(
            Figure(
                name, value_of(now), denominator_of(now) if denominator_of else None,
                on(day - timedelta(days=1)), on(day - timedelta(days=7)), goals[name], high,
            )
        )  # fmt: skip
    trend_days = [day - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    trends = {
        name: tuple((d, value_of(district[d]) if d in district else math.nan) for d in trend_days)
        for name, (value_of, _, _) in _FIGURES.items()
    }
    best_streets, worst_streets = _ends(_ranked(by_scope, Scope.STREET, day))
    best_departments, worst_departments = _ends(_ranked(by_scope, Scope.DEPARTMENT, day))
    return LeaderView(
        day, tuple(figures), trends, best_streets, worst_streets, best_departments, worst_departments,
        sum(1 for d in trend_days[:-1] if d in district),
    )  # fmt: skip


def _ends(ranked: Sequence[Ranked]) -> tuple[tuple[Ranked, ...], tuple[Ranked, ...]]:
    """The best ``TOP`` (best first) and the worst ``TOP`` (worst first), never the same one in both."""
    n = min(TOP, len(ranked) // 2 + len(ranked) % 2), min(TOP, len(ranked) // 2)
    return tuple(ranked[: n[0]]), tuple(reversed(ranked[len(ranked) - n[1] :]))


def _ranked(by_scope: Mapping[tuple[Scope, str], Mapping[date, DayFigures]], scope: Scope, day: date) -> list[Ranked]:
    """Every street or department with enough closures in the last seven days, best first."""
    week = [day - timedelta(days=n) for n in range(RANK_DAYS)]
    before = [day - timedelta(days=RANK_DAYS + n) for n in range(RANK_DAYS)]
    out = []
    for (kind, ident), rows in by_scope.items():
        if kind is not scope:
            continue
        recent = [rows[d] for d in week if d in rows]
        if not recent:
            continue
        now = span(recent)
        if now.closed < MIN_CLOSED:
            continue
        earlier = [rows[d] for d in before if d in rows]
        then = span(earlier) if earlier else None
        change = now.on_time_rate - then.on_time_rate if then is not None and then.closed else math.nan
        out.append(Ranked(ident, now.on_time_rate, now.closed, change))
    out.sort(key=lambda x: (-x.rate, -x.closed, x.scope_id))
    return out


def past_days(situation: Situation) -> tuple[date, date]:
    """The days whose kept rows the view of ``situation`` reads: the thirty before its day."""
    day = day_of(situation.now)
    return day - timedelta(days=TREND_DAYS), day - timedelta(days=1)


def view_of(situation: Situation, past: Iterable[DayFigures], *, hourly: bool = False) -> LeaderView:
    """The leaders' view of a situation (live or past) over the kept rows of ``past_days``: today's
    rows computed from its cases, its stocks taken at its instant; ``hourly``: also the district's
    day so far at each full hour (about 20 ms an hour of the day on the simulated district)."""
    return view_of_facts(
        facts_of_situation(situation), situation.district, situation.now, situation.rules, past, hourly
    )


def view_of_facts(
    facts: list[CaseFacts], d: District, now: float, rules: Rules, past: Iterable[DayFigures], hourly: bool = False
) -> LeaderView:
    """``view_of`` from the facts of the cases held at ``now`` (a past situation holds no bodies:
    the store reads its cases' timelines where it keeps them, ``Store.leader_view_at``)."""
    today = day_figures(facts, [day_of(now)], streets=d.streets, departments=d.departments, as_of=now)
    view = leader_view(today, past, rules)
    if not hourly:
        return view
    start = day_start(day_of(now))
    cuts = [start + 3600 * h for h in range(1, 25) if start + 3600 * h < now] + [now]
    return dataclasses.replace(view, today=tuple((cut, district_so_far(facts, cut)) for cut in cuts))
