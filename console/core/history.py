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


def open_held_by_department(
    cases: Iterable[r.Case], end: float, *, hours: float = 24.0, step_s: float = 600.0
) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.int64]]]:
    """Sample instants (POSIX seconds, ascending, the last one ``end``) and, per department, the
    number of open cases it held at each instant."""
    n = int(hours * 3600 // step_s) + 1
    times = end - step_s * np.arange(n - 1, -1, -1, dtype=np.float64)
    steps: dict[str, npt.NDArray[np.int64]] = {}  # per department: +1 where a span starts, -1 after it

    def held(dept: str, start: float, stop: float) -> None:
        first, after = np.searchsorted(times, [start, stop], side="left")
        if first < after:
            delta = steps.get(dept)
            if delta is None:
                delta = steps[dept] = np.zeros(n + 1, dtype=np.int64)
            delta[first] += 1
            delta[after] -= 1

    for case in cases:
        holder: str | None = None
        since = 0.0
        for event in case.timeline:
            at = event.at.timestamp()
            now_held = None if event.action is r.Action.CLOSE else (event.dept or holder)
            if now_held != holder:
                if holder is not None:
                    held(holder, since, at)
                holder, since = now_held, at
            if event.action is r.Action.CLOSE:
                break
        if holder is not None:
            held(holder, since, np.inf)
    return times, {dept: np.cumsum(delta)[:n] for dept, delta in steps.items()}
