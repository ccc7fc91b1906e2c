"""The cases of a situation held as columns only (a past one): a case's state made when asked for.

A past instant of a busy district holds a hundred thousand cases; making, sending and accounting
an object for each cost seconds a jump, and a jump shows a few hundred of them at most (the queue's
visible rows, the map's open cases, the one in detail). So a past situation holds its cases in the
queue's table alone (``CaseTable``), its figures computed over the table at once
(``Aggregates.of_table``), and this mapping makes a ``CaseState`` from a row, evaluated for the
situation's instant, the first time a case is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Final

from console.core.case_state import CaseState
from console.core.case_table import CaseTable
from console.core.rules import Light

_LIGHTS: Final = tuple(Light)  # by value: NONE, GREEN, YELLOW, RED


class TableCases(MutableMapping[str, CaseState]):
    """Case number → state, read from ``table`` and evaluated for ``now``. Changed only through
    the table (``Situation.advance``), which then calls ``forget`` or ``moved``."""

    def __init__(self, table: CaseTable, now: float, recent_seconds: float) -> None:
        self.table = table
        self.now = now
        self.recent_seconds = recent_seconds
        self._made: dict[str, CaseState] = {}

    def __getitem__(self, no: str) -> CaseState:
        state = self._made.get(no)
        if state is None:
            row = self.table.row_of(no)
            if row is None:
                raise KeyError(no)
            state = self.table.state(row)
            state.evaluate(self.now, self.recent_seconds)
            self._made[no] = state
        return state

    def __contains__(self, no: object) -> bool:
        return isinstance(no, str) and self.table.row_of(no) is not None

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.held_nos())

    def __setitem__(self, no: str, state: CaseState) -> None:
        raise TypeError("the cases of a situation held as columns change through its table")

    def __delitem__(self, no: str) -> None:
        raise TypeError("the cases of a situation held as columns change through its table")

    def open_states(self) -> list[CaseState]:
        """The open cases' states (made for these rows only)."""
        rows = self.table.held_rows()
        nos = self.table.nos
        return [self[nos[row]] for row in rows[self.table.cols["open"][rows]].tolist()]

    def open_places(self) -> list[tuple[str, float, float, Light, str]]:
        """(number, longitude, latitude, light, title) of each open case, from the columns alone."""
        table = self.table
        rows = table.held_rows()
        rows = rows[table.cols["open"][rows]]
        c, nos, titles = table.cols, table.nos, table.titles
        lights = map(_LIGHTS.__getitem__, table.lights(self.now, rows).tolist())  # Light(x): 3 µs each
        return [
            (nos[row] or "", lon, lat, light, titles[row])
            for row, lon, lat, light in zip(
                rows.tolist(), c["lon"][rows].tolist(), c["lat"][rows].tolist(), lights, strict=True
            )
        ]

    def forget(self, no: str) -> None:
        """The case's row changed: its state is made again when next asked for."""
        self._made.pop(no, None)

    def moved(self, now: float) -> None:
        """The situation's instant moved: every state is made again for ``now``."""
        self.now = now
        self._made.clear()
