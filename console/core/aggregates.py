"""Indicators kept incrementally: each case adds its contribution, and takes it back when it changes.

Per unit grid, street and department, and for the whole district. Counts and sums only; rates are
divided when read, so an update costs the same whatever the district's size.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from console.core.case_state import CaseState
from console.core.rules import Rules, ScoreWeights
from server_link.records import Loop
from server_link.workcal import BEIJING


@dataclass
class GridFigures:
    open: int = 0
    overdue: int = 0
    recent: int = 0  # received within the last hour
    escalated: int = 0  # open cases pushed up to the district


@dataclass
class StreetFigures:
    small_loop: int = 0  # open cases in the street's small loop
    big_loop: int = 0  # open cases in the district's big loop
    small_origin: int = 0  # held cases that began in the small loop (escalated ones included)
    escalated: int = 0  # held cases the street pushed up
    overdue: int = 0
    limit: float = math.nan  # the district's escalation limit for the street

    @property
    def escalation_ratio(self) -> float:
        return self.escalated / self.small_origin if self.small_origin else 0.0

    @property
    def over_limit(self) -> bool:
        return not math.isnan(self.limit) and self.escalation_ratio > self.limit


@dataclass
class DepartmentFigures:
    open: int = 0
    overdue: int = 0
    held: int = 0  # cases held (open or closed) whose last handler is the department
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0  # cases with at least one failed verification
    returns: int = 0  # dispatches the department sent back
    callbacks: int = 0
    satisfied: int = 0
    handling_hours: float = 0.0  # summed over closed cases

    def closure_rate(self) -> float:
        return self.closed / self.held if self.held else math.nan

    def on_time_rate(self) -> float:
        return self.closed_on_time / self.closed if self.closed else math.nan

    def rework_rate(self) -> float:
        return self.reworked / self.held if self.held else math.nan

    def return_rate(self) -> float:
        dispatched = self.held + self.returns
        return self.returns / dispatched if dispatched else math.nan

    def satisfaction_rate(self) -> float:
        return self.satisfied / self.callbacks if self.callbacks else math.nan

    def average_handling_hours(self) -> float:
        return self.handling_hours / self.closed if self.closed else math.nan

    def composite(self, weights: ScoreWeights) -> float:
        """0–100, see ``ScoreWeights``; a rate with nothing behind it counts as perfect."""
        w = weights.normalised()

        def ok(rate: float, good_when_high: bool = True) -> float:
            if math.isnan(rate):
                return 1.0
            return rate if good_when_high else 1.0 - rate

        return 100.0 * (
            w.on_time * ok(self.on_time_rate())
            + w.closure * ok(self.closure_rate())
            + w.rework * ok(self.rework_rate(), good_when_high=False)
            + w.satisfaction * ok(self.satisfaction_rate())
            + w.returns * ok(self.return_rate(), good_when_high=False)
        )


@dataclass
class DistrictFigures:
    intake: Counter[tuple[str, str]] = field(default_factory=Counter)  # (Beijing date, channel) → cases
    backlog: Counter[str] = field(default_factory=Counter)  # step → open cases
    held: int = 0
    closed: int = 0
    overdue: int = 0
    hard_open: int = 0
    # The 12345 "three rates" (docs/protocol.md §11.6): cases held of the hotline channel, those
    # with a ``file`` event (responded), those whose ``resolved`` is known (called back) and of
    # them resolved, those whose ``satisfied`` is known (rated) and of them satisfied.
    hotline: int = 0
    hotline_responded: int = 0
    hotline_callbacks: int = 0
    hotline_resolved: int = 0
    hotline_rated: int = 0
    hotline_satisfied: int = 0

    def intake_on(self, day: str) -> dict[str, int]:
        return {channel: n for (d, channel), n in self.intake.items() if d == day and n}

    @property
    def closure_rate(self) -> float:
        return self.closed / self.held if self.held else math.nan

    @property
    def response_rate(self) -> float:
        return self.hotline_responded / self.hotline if self.hotline else math.nan

    @property
    def resolution_rate(self) -> float:
        return self.hotline_resolved / self.hotline_callbacks if self.hotline_callbacks else math.nan

    @property
    def satisfaction_rate(self) -> float:
        return self.hotline_satisfied / self.hotline_rated if self.hotline_rated else math.nan


def beijing_day(ts: float) -> str:
    """The Beijing calendar date of a POSIX time, as YYYY-MM-DD (cached per day: it is hot)."""
    return _day_name(int((ts + _BEIJING_OFFSET) // 86400))


@functools.lru_cache(maxsize=4096)
def _day_name(day: int) -> str:
    return datetime.fromtimestamp(day * 86400 - _BEIJING_OFFSET, BEIJING).strftime("%Y-%m-%d")


_BEIJING_OFFSET = 8 * 3600


class Aggregates:
    """All indicators; ``account(state, +1)`` adds a case's contribution, ``-1`` takes it back."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.grids: dict[str, GridFigures] = {}
        self.streets: dict[str, StreetFigures] = {}
        self.departments: dict[str, DepartmentFigures] = {}
        self.district = DistrictFigures()

    def account(self, s: CaseState, sign: int) -> None:
        day = beijing_day(s.received_at)  # the one step that can fail: before anything changes
        g = self.grids.get(s.unit_grid) or self.grids.setdefault(s.unit_grid, GridFigures())
        st = self.streets.get(s.street) or self.streets.setdefault(s.street, self._new_street())
        d = self.district
        d.intake[(day, s.channel)] += sign
        d.held += sign
        g.recent += sign * s.recent
        small = s.loop is Loop.SMALL
        st.small_origin += sign * (small or s.escalated)
        st.escalated += sign * s.escalated
        if s.open:
            g.open += sign
            g.overdue += sign * s.overdue
            g.escalated += sign * s.escalated
            st.overdue += sign * s.overdue
            if small:
                st.small_loop += sign
            else:
                st.big_loop += sign
            d.backlog[s.step.value] += sign
            d.overdue += sign * s.overdue
            d.hard_open += sign * s.hard
        else:
            d.closed += sign * (not math.isnan(s.closed_at))
        if s.channel == self.rules.hotline_channel:
            d.hotline += sign
            d.hotline_responded += sign * s.responded
            if s.resolved is not None:
                d.hotline_callbacks += sign
                d.hotline_resolved += sign * s.resolved
            if s.satisfied is not None:
                d.hotline_rated += sign
                d.hotline_satisfied += sign * s.satisfied
        for dept in s.returned_by:
            self._dept(dept).returns += sign
        if s.dept is None:
            return
        f = self._dept(s.dept)
        f.held += sign
        f.reworked += sign * (s.rework > 0)
        if s.open:
            f.open += sign
            f.overdue += sign * s.overdue
        elif not math.isnan(s.closed_at):
            f.closed += sign
            f.closed_on_time += sign * s.closed_on_time
            f.handling_hours += sign * s.handling_hours
        if s.satisfied is not None:
            f.callbacks += sign
            f.satisfied += sign * s.satisfied

    def _new_street(self) -> StreetFigures:
        """A street first met in a case: the default limit until the backend publishes its own."""
        return StreetFigures(limit=self.rules.escalation_limit)

    def _dept(self, dept: str) -> DepartmentFigures:
        return self.departments.get(dept) or self.departments.setdefault(dept, DepartmentFigures())

    def department_ranking(self) -> list[tuple[str, float]]:
        """Departments by composite score, worst first (the ones to look at)."""
        w = self.rules.weights
        return sorted(((d, f.composite(w)) for d, f in self.departments.items()), key=lambda x: (x[1], x[0]))
