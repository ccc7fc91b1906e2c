"""The recent past rebuilt from the cases' timelines: how many open cases each department held.

A case's timeline says who held it when. As for the live figure (the case record's ``dept``: the
last department its timeline names), a department holds an open case from the event that names it
(dispatch, acceptance, handling, a return it sent, a council decision…) until another department is
named or the case is closed. Sampling those spans gives the department heat's 24-hour sparklines at
once, instead of waiting a day for them to fill; their last point is the heat's "open" column.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from server_link import records as r


class HeldByDepartment:
    """Open cases held per department at sample instants, accumulated case by case.

    The instants (POSIX seconds, ascending, the last one ``end``) are fixed when it is made; cases
    are added in any number of slices (``add``) — so a new picture's sparklines are built a slice
    at a time as the picture is, never in one long pass — and ``result`` reads the counts.
    """

    def __init__(self, end: float, *, hours: float = 24.0, step_s: float = 600.0) -> None:
        n = int(hours * 3600 // step_s) + 1
        self.times = end - step_s * np.arange(n - 1, -1, -1, dtype=np.float64)
        self._n = n
        self._steps: dict[str, npt.NDArray[np.int64]] = {}  # per department: +1 where a span starts, -1 after it
        self.skipped = 0  # cases whose timeline could not be read

    def add(self, cases: Iterable[r.Case]) -> None:
        for case in cases:
            try:
                spans = self._spans(case)
            except Exception:  # noqa: BLE001 - one case's past is skipped (and counted), never the picture's
                self.skipped += 1
                continue
            for dept, start, stop in spans:
                self._held(dept, start, stop)

    @staticmethod
    def _spans(case: r.Case) -> list[tuple[str, float, float]]:
        """(department, from, until) for each span the case's timeline gives it, read before any is counted."""
        spans: list[tuple[str, float, float]] = []
        holder: str | None = None
        since = 0.0
        for event in case.timeline:
            at = event.at.timestamp()
            now_held = None if event.action is r.Action.CLOSE else (event.dept or holder)
            if now_held != holder:
                if holder is not None:
                    spans.append((holder, since, at))
                holder, since = now_held, at
            if event.action is r.Action.CLOSE:
                break
        if holder is not None:
            spans.append((holder, since, np.inf))
        return spans

    def result(self) -> dict[str, npt.NDArray[np.int64]]:
        """Per department that held anything, its count at each instant of ``times``."""
        return {dept: np.cumsum(delta)[: self._n] for dept, delta in self._steps.items()}

    def _held(self, dept: str, start: float, stop: float) -> None:
        first, after = np.searchsorted(self.times, [start, stop], side="left")
        if first < after:
            delta = self._steps.get(dept)
            if delta is None:
                delta = self._steps[dept] = np.zeros(self._n + 1, dtype=np.int64)
            delta[first] += 1
            delta[after] -= 1


def open_held_by_department(
    cases: Iterable[r.Case], end: float, *, hours: float = 24.0, step_s: float = 600.0
) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.int64]]]:
    """Sample instants (POSIX seconds, ascending, the last one ``end``) and, per department, the
    number of open cases it held at each instant (all cases in one pass)."""
    held = HeldByDepartment(end, hours=hours, step_s=step_s)
    held.add(cases)
    return held.times, held.result()
