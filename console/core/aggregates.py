"""Indicators kept incrementally: each case adds its contribution, and takes it back when it changes.

Per unit grid, street and department, and for the whole district. Counts and sums only; rates are
divided when read, so an update costs the same whatever the district's size.

A situation held as columns only (a past one, ``Situation.held_as_columns``) has the same figures
computed over its whole table at once: ``Aggregates.of_table``, the same sums as ``account`` (tests
hold the two equal).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Final

import numpy as np
import numpy.typing as npt

from console.core.case_state import CaseState
from console.core.case_table import CaseTable
from console.core.rules import STEPS, Light, Rules, ScoreWeights, lights_at
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


_FIGURE_COLUMNS: Final = (
    "open", "deadline", "yellow_at", "received_at", "closed_at", "escalated", "hard", "responded", "loop", "step",
    "unit_grid", "street", "dept", "channel", "rework", "returns", "satisfied", "resolved",
)  # fmt: skip
"""The table's columns ``Aggregates.of_table`` reads."""


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

    @classmethod
    def of_table(cls, rules: Rules, table: CaseTable, now: float) -> Aggregates:
        """The figures of every case ``table`` holds, evaluated at ``now``: what ``account`` of each
        case's state would sum to (sums of hours may differ in the last bits: added in another order)."""
        out = cls(rules)
        c, v = table.cols, table.vocab
        rows = table.held_rows()
        held = slice(0, len(rows)) if len(rows) == 0 or rows[-1] == len(rows) - 1 else rows  # no gaps: views
        col = {name: c[name][held] for name in _FIGURE_COLUMNS}
        is_open = col["open"]
        overdue = is_open & (lights_at(is_open, col["deadline"], col["yellow_at"], now) == Light.RED)
        recent = now - col["received_at"] < rules.recent_seconds
        escalated = col["escalated"]
        small = col["loop"] == v["loop"].index_of(Loop.SMALL.value)
        closed = ~is_open & ~np.isnan(col["closed_at"])

        def by(field: str, **flags: npt.NDArray[np.bool_]) -> dict[str, dict[str, int]]:
            codes = col[field]
            known = codes >= 0
            codes, size = codes[known], len(v[field].names)
            found = np.flatnonzero(np.bincount(codes, minlength=size)).tolist()
            sums = {k: np.bincount(codes, weights=x[known], minlength=size).astype(np.int64) for k, x in flags.items()}
            columns = {k: x[found].tolist() for k, x in sums.items()}
            names = v[field].names
            return {names[i]: {k: x[j] for k, x in columns.items()} for j, i in enumerate(found)}

        grids = by("unit_grid", open=is_open, overdue=overdue, recent=recent, escalated=is_open & escalated)
        for grid, f in grids.items():
            out.grids[grid] = GridFigures(**f)
        for street, f in by(
            "street", small_loop=is_open & small, big_loop=is_open & ~small, small_origin=small | escalated,
            escalated=escalated, overdue=overdue,
        ).items():  # fmt: skip
            out.streets[street] = StreetFigures(**f, limit=rules.escalation_limit)
        on_time = closed & (np.isnan(col["deadline"]) | (col["closed_at"] <= col["deadline"]))
        hours = np.where(closed, (col["closed_at"] - col["received_at"]) / 3600, 0.0)
        for dept, f in by(
            "dept", held=np.ones(len(rows), bool), reworked=col["rework"] > 0, open=is_open, overdue=overdue,
            closed=closed, closed_on_time=on_time, callbacks=col["satisfied"] >= 0, satisfied=col["satisfied"] == 1,
        ).items():  # fmt: skip
            out.departments[dept] = DepartmentFigures(**f)
        has_dept = col["dept"] >= 0
        summed = np.bincount(col["dept"][has_dept], weights=hours[has_dept], minlength=len(v["dept"].names))
        for code in np.unique(col["dept"][has_dept & closed]).tolist():
            out.departments[v["dept"].names[code]].handling_hours = float(summed[code])
        returned_by = table.returned_by
        returns = Counter(chain.from_iterable(returned_by[row] for row in rows[col["returns"] > 0].tolist()))
        for dept, n in returns.items():
            out._dept(dept).returns = n
        d = out.district
        channels = v["channel"].names
        days = ((col["received_at"] + _BEIJING_OFFSET) // 86400).astype(np.int64)
        pairs, counts = np.unique(days * len(channels) + col["channel"], return_counts=True)  # (day, channel)
        for pair, n in zip(pairs.tolist(), counts.tolist(), strict=True):
            day, channel = divmod(pair, len(channels))
            d.intake[(_day_name(day), channels[channel])] = n
        steps = np.bincount(col["step"][is_open], minlength=len(STEPS))
        d.backlog.update({STEPS[i].value: int(n) for i, n in enumerate(steps.tolist()) if n})
        d.held, d.closed = len(rows), int(closed.sum())
        d.overdue, d.hard_open = int(overdue.sum()), int((is_open & col["hard"]).sum())
        hotline = col["channel"] == v["channel"].index_of(rules.hotline_channel)
        d.hotline, d.hotline_responded = int(hotline.sum()), int((hotline & col["responded"]).sum())
        d.hotline_callbacks = int((hotline & (col["resolved"] >= 0)).sum())
        d.hotline_resolved = int((hotline & (col["resolved"] == 1)).sum())
        d.hotline_rated = int((hotline & (col["satisfied"] >= 0)).sum())
        d.hotline_satisfied = int((hotline & (col["satisfied"] == 1)).sum())
        return out

    def _new_street(self) -> StreetFigures:
        """A street first met in a case: the default limit until the backend publishes its own."""
        return StreetFigures(limit=self.rules.escalation_limit)

    def _dept(self, dept: str) -> DepartmentFigures:
        return self.departments.get(dept) or self.departments.setdefault(dept, DepartmentFigures())

    def department_ranking(self) -> list[tuple[str, float]]:
        """Departments by composite score, worst first (the ones to look at)."""
        w = self.rules.weights
        return sorted(((d, f.composite(w)) for d, f in self.departments.items()), key=lambda x: (x[1], x[0]))
