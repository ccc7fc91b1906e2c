"""The cases as numpy columns with stable row ids: what the queue sorts and filters.

A case keeps its row for as long as it is held; a freed row is reused later. Categorical fields
are stored as indexes into vocabularies; text sorts use the vocabulary's alphabetical ranks.
Time-dependent columns (light, time in step, countdown) are computed for an instant, vectorised;
the light by ``console.core.rules`` (the same rule ``CaseState`` evaluates one case with).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from console.core.case_state import CaseState
from console.core.rules import STEP_ORDER, Light, light_at, lights_at
from server_link import records as r

_CATEGORICAL = ("street", "unit_grid", "base_grid", "community", "dept", "channel", "category", "major")
_FLOATS = ("received_at", "step_at", "deadline", "yellow_at", "closed_at", "lon", "lat")
_SMALL = ("step", "loop", "urgency")
_COUNTS = ("returns", "rework", "reports")
_FLAGS = ("valid", "open", "hard", "escalated", "buck_passing", "responded")
_ANSWERS = ("satisfied", "resolved")  # -1 not known, 0 no, 1 yes
_STEPS: Final = tuple(STEP_ORDER)
_COUNT_MAX: Final = np.iinfo(np.int32).max
Rows = npt.NDArray[np.int64]


class Vocabulary:
    """Strings ↔ small integers, growing as new values appear; -1 stands for None."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str | None, int] = {None: -1}
        self._ranks: npt.NDArray[np.int64] | None = None

    def code(self, name: str | None) -> int:
        if name is None:
            return -1
        i = self._index.get(name)
        if i is None:
            i = self._index[name] = len(self.names)
            self.names.append(name)
            self._ranks = None
        return i

    def index_of(self, name: str) -> int:
        """The code of a known name; -2 (no row's code) for one never seen."""
        i = self._index.get(name)
        return -2 if i is None else i

    def code_all(self, names: list[str | None]) -> npt.NDArray[np.int32]:
        """``code`` of each, as an array (the known ones looked up without a Python call each)."""
        index = self._index
        try:
            return np.fromiter(map(index.__getitem__, names), np.int32, len(names))
        except KeyError:  # new names: coded once each, in order of appearance
            for name in [n for n in dict.fromkeys(names) if n not in index]:
                self.code(name)
            return np.fromiter(map(index.__getitem__, names), np.int32, len(names))

    def codes(self, names: Iterable[str]) -> list[int]:
        return [self._index[n] for n in names if n in self._index]

    def ranks(self) -> npt.NDArray[np.int64]:
        """Alphabetical rank of each code, with a slot at the end for None (-1 sorts first)."""
        if self._ranks is None or len(self._ranks) != len(self.names) + 1:
            order = np.argsort(np.array(self.names, dtype=object)) if self.names else np.zeros(0, np.int64)
            ranks = np.empty(len(self.names) + 1, dtype=np.int64)
            ranks[order] = np.arange(len(self.names)) + 1
            ranks[-1] = 0
            self._ranks = ranks
        return self._ranks


class PackedTable(msgspec.Struct, frozen=True):
    """A case table as plain data (``CaseTable.packed``): each column's values as raw bytes of the
    column's own kind, the vocabularies' words in code order, and each row's texts."""

    rows: int
    columns: dict[str, bytes]
    vocab: dict[str, list[str]]
    nos: list[str]
    titles: list[str]
    returned_by: list[tuple[str, ...]]


@dataclass(frozen=True)
class CaseFilter:
    """What the queue shows. Empty sets mean "any"."""

    streets: frozenset[str] = frozenset()
    unit_grids: frozenset[str] = frozenset()
    base_grids: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    depts: frozenset[str] = frozenset()
    steps: frozenset[r.Step] = frozenset()
    loops: frozenset[r.Loop] = frozenset()
    channels: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    majors: frozenset[str] = frozenset()
    lights: frozenset[Light] = frozenset()
    open_only: bool = True
    hard_only: bool = False
    overdue_only: bool = False
    buck_passing_only: bool = False
    text: str = ""
    nos: frozenset[str] = frozenset()  # just these cases (a cluster clicked on the map)


SORT_KEYS = (
    "no", "channel", "category", "unit_grid", "street", "step", "loop", "dept",
    "time_in_step", "deadline", "light", "returns", "received_at",
)  # fmt: skip


@dataclass
class CaseTable:
    capacity: int = 1024
    _cols: dict[str, npt.NDArray[Any]] = field(init=False)
    vocab: dict[str, Vocabulary] = field(init=False)

    def __post_init__(self) -> None:
        n = self.capacity
        self._cols = {}
        for name in _CATEGORICAL:
            self._cols[name] = np.full(n, -1, dtype=np.int32)
        for name in _FLOATS:
            self._cols[name] = np.full(n, np.nan)
        for name in _SMALL:
            self._cols[name] = np.zeros(n, dtype=np.int16)
        for name in _COUNTS:
            self._cols[name] = np.zeros(n, dtype=np.int32)
        for name in _FLAGS:
            self._cols[name] = np.zeros(n, dtype=bool)
        for name in _ANSWERS:
            self._cols[name] = np.full(n, -1, dtype=np.int8)
        self._cols["no_key"] = np.zeros(n, dtype=np.int64)
        self.vocab = {name: Vocabulary() for name in (*_CATEGORICAL, "loop", "urgency")}
        self.nos: list[str | None] = [None] * n
        self.titles: list[str] = [""] * n
        self.returned_by: list[tuple[str, ...]] = [()] * n
        self._rows: dict[str, int] = {}
        self._pending: dict[int, CaseState] = {}  # rows whose numeric columns are not written yet
        self._free: list[int] = []
        self._next = 0

    def __len__(self) -> int:
        return len(self._rows)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled written (no pending rows), without the index of rows (made again from ``nos``)."""
        self.flush()
        state = dict(self.__dict__)
        del state["_pending"], state["_rows"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pending = {}
        self.reindex()

    def reindex(self) -> None:
        """Index the rows by case number again, from ``nos`` (after it was given whole)."""
        nos, n = self.nos, self._next
        if not self._free and len(nos) >= n:  # every row up to the next one holds a case (a past one, sent whole)
            self._rows = dict(zip(nos[:n], range(n), strict=True))  # type: ignore[arg-type]
        else:
            self._rows = {no: row for row, no in enumerate(nos) if no is not None}

    def packed(self) -> PackedTable:
        """The held rows as plain data (each column's bytes, the texts as lists): what a checkpoint
        keeps of its cases, derived (``unpacked`` makes the table again)."""
        self.flush()
        rows = self.held_rows()
        return PackedTable(
            rows=len(rows),
            columns={name: col[rows].tobytes() for name, col in self._cols.items() if name != "valid"},
            vocab={name: v.names for name, v in self.vocab.items()},
            nos=[self.nos[row] or "" for row in rows.tolist()],
            titles=[self.titles[row] for row in rows.tolist()],
            returned_by=[self.returned_by[row] for row in rows.tolist()],
        )

    @classmethod
    def unpacked(cls, plain: PackedTable, spare: int = 0) -> CaseTable:
        """The table ``packed`` gave, with room for ``spare`` more rows; ``ValueError`` if the data
        does not make one (a column of another length or kind, a code outside its vocabulary)."""
        n = plain.rows
        table = cls(capacity=max(16, n + spare))
        if not len(plain.nos) == len(plain.titles) == len(plain.returned_by) == n:
            raise ValueError(f"a packed table of {n} rows with texts for {len(plain.nos)}")
        for name, col in table._cols.items():
            if name == "valid":
                col[:n] = True
                continue
            values = np.frombuffer(plain.columns.get(name, b""), dtype=col.dtype)
            if len(values) != n:
                raise ValueError(f"a packed table's {name!r} holds {len(values)} values for {n} rows")
            col[:n] = values
        for name, vocabulary in table.vocab.items():
            words = plain.vocab.get(name, [])
            for word in words:
                vocabulary.code(word)
            if len(vocabulary.names) != len(words):
                raise ValueError(f"a packed table's {name!r} vocabulary repeats a word")
            codes = table._cols[name][:n]
            if n and (codes.min() < -1 or codes.max() >= len(vocabulary.names)):
                raise ValueError(f"a packed table's {name!r} codes fall outside its vocabulary")
        if n and not 0 <= table._cols["step"][:n].min() <= table._cols["step"][:n].max() < len(_STEPS):
            raise ValueError("a packed table's steps fall outside the loop")
        spare = table.capacity - n  # the lists copied whole (a table of its own: upserts write them)
        table.nos = [*plain.nos, *[None] * spare]
        table.titles = [*plain.titles, *[""] * spare]
        table.returned_by = [*plain.returned_by, *[()] * spare]
        table._next = n
        table._rows = dict(zip(plain.nos, range(n), strict=True))
        if len(table._rows) != n:
            raise ValueError("a packed table repeats a case number")
        return table

    def row_of(self, no: str) -> int | None:
        return self._rows.get(no)

    def upsert(self, s: CaseState) -> int:
        """Give the case its row; its numeric columns are written, all pending rows at once, by the
        next read of ``cols`` (one vectorised write per column instead of a scalar write each)."""
        row = self._rows.get(s.no)
        if row is None:
            row = self._allocate()
            self._rows[s.no] = row
            self.nos[row] = s.no
            self._cols["no_key"][row] = _no_key(s.no)  # a case number never changes: once per row
        self._pending[row] = s
        self.titles[row] = s.title
        self.returned_by[row] = s.returned_by
        return row

    def state(self, row: int) -> CaseState:
        """The derived state a row holds (its time-dependent flags not yet evaluated): what a
        situation held as columns only (a past one) makes for a case when it is asked for."""
        c, v = self.cols, self.vocab
        no = self.nos[row]
        if no is None:
            raise KeyError(f"row {row} holds no case")

        def name(field: str) -> str:
            return v[field].names[int(c[field][row])]

        dept = int(c["dept"][row])
        return CaseState(
            no=no, title=self.titles[row], channel=name("channel"), category=name("category"), major=name("major"),
            unit_grid=name("unit_grid"), base_grid=name("base_grid"), community=name("community"),
            street=name("street"), lon=float(c["lon"][row]), lat=float(c["lat"][row]),
            dept=v["dept"].names[dept] if dept >= 0 else None, step=_STEPS[c["step"][row]],
            loop=r.Loop(name("loop")), urgency=r.Urgency(name("urgency")),
            received_at=float(c["received_at"][row]), step_at=float(c["step_at"][row]),
            deadline=float(c["deadline"][row]), yellow_at=float(c["yellow_at"][row]),
            closed_at=float(c["closed_at"][row]), open=bool(c["open"][row]), returns=len(self.returned_by[row]),
            returned_by=self.returned_by[row], buck_passing=bool(c["buck_passing"][row]),
            rework=int(c["rework"][row]), escalated=bool(c["escalated"][row]), hard=bool(c["hard"][row]),
            responded=bool(c["responded"][row]), satisfied=_answer(c["satisfied"][row]),
            resolved=_answer(c["resolved"][row]), reports=int(c["reports"][row]),
        )  # fmt: skip

    def held_rows(self) -> Rows:
        """The rows that hold a case."""
        return np.flatnonzero(self.cols["valid"][: self._next])

    def held_nos(self) -> Iterable[str]:
        """The case numbers held (in no particular order)."""
        return self._rows.keys()

    @property
    def cols(self) -> dict[str, npt.NDArray[Any]]:
        """The numeric columns, up to date with every upsert."""
        self.flush()
        return self._cols

    def flush(self) -> None:
        """Write the pending rows' numeric columns (reading ``cols`` does it too)."""
        if not self._pending:
            return
        rows = np.fromiter(self._pending, dtype=np.int64, count=len(self._pending))
        states = list(self._pending.values())
        self._pending = {}
        c, v = self._cols, self.vocab
        for name in _CATEGORICAL:
            c[name][rows] = v[name].code_all(list(map(attrgetter(name), states)))
        n = len(states)
        for name in _FLOATS:
            c[name][rows] = np.fromiter(map(attrgetter(name), states), np.float64, n)
        c["step"][rows] = list(map(STEP_ORDER.__getitem__, map(attrgetter("step"), states)))
        c["loop"][rows] = v["loop"].code_all(list(map(attrgetter("loop.value"), states)))
        c["urgency"][rows] = v["urgency"].code_all(list(map(attrgetter("urgency.value"), states)))
        for name in _COUNTS:
            c[name][rows] = np.minimum(np.fromiter(map(attrgetter(name), states), np.int64, n), _COUNT_MAX)
        c["valid"][rows] = True
        for name in _FLAGS[1:]:
            c[name][rows] = np.fromiter(map(attrgetter(name), states), np.bool_, n)
        for name in _ANSWERS:
            c[name][rows] = [-1 if x is None else int(x) for x in map(attrgetter(name), states)]

    def remove(self, no: str) -> int | None:
        row = self._rows.pop(no, None)
        if row is not None:
            self._pending.pop(row, None)
            self._cols["valid"][row] = False
            self.nos[row] = None
            self.returned_by[row] = ()
            self._free.append(row)
        return row

    def _allocate(self) -> int:
        if self._free:
            return self._free.pop()
        if self._next == self.capacity:
            self._grow()
        row = self._next
        self._next += 1
        return row

    def _grow(self) -> None:
        new = self.capacity * 2
        for name, col in self._cols.items():
            bigger = np.empty(new, dtype=col.dtype)
            bigger[: self.capacity] = col
            bigger[self.capacity :] = _EMPTY.get(name, np.nan if col.dtype.kind == "f" else 0)
            self._cols[name] = bigger
        self.nos.extend([None] * (new - self.capacity))
        self.titles.extend([""] * (new - self.capacity))
        self.returned_by.extend([()] * (new - self.capacity))
        self.capacity = new

    # ------------------------------------------------------------------ time-dependent columns
    def lights(self, now: float, rows: Rows | slice = slice(None)) -> npt.NDArray[np.int8]:
        """The rows' lights at ``now`` (``rules.lights_at``), as int8 ``Light`` values."""
        c = self.cols
        return lights_at(c["open"][rows], c["deadline"][rows], c["yellow_at"][rows], now)

    def light(self, row: int, now: float) -> Light:
        """One row's light at ``now`` (``rules.light_at``): what a view shows for a cell."""
        c = self.cols
        return light_at(c["open"][row], c["deadline"][row], c["yellow_at"][row], now)

    # ------------------------------------------------------------------ query
    def select(self, f: CaseFilter, now: float) -> Rows:
        """Rows matching the filter (unsorted)."""
        c = self.cols
        n = self._next
        mask: npt.NDArray[np.bool_] = c["valid"][:n].copy()
        if f.nos:
            picked = np.zeros(n, dtype=bool)
            picked[[row for no in f.nos if (row := self._rows.get(no)) is not None]] = True
            mask &= picked
        if f.open_only:
            mask &= c["open"][:n]
        if f.hard_only:
            mask &= c["hard"][:n]
        if f.buck_passing_only:
            mask &= c["buck_passing"][:n]
        for name, wanted in (
            ("street", f.streets), ("unit_grid", f.unit_grids), ("base_grid", f.base_grids),
            ("community", f.communities), ("dept", f.depts), ("channel", f.channels),
            ("category", f.categories), ("major", f.majors),
        ):  # fmt: skip
            if wanted:
                mask &= np.isin(c[name][:n], self.vocab[name].codes(wanted))
        if f.steps:
            mask &= np.isin(c["step"][:n], [STEP_ORDER[s] for s in f.steps])
        if f.loops:
            mask &= np.isin(c["loop"][:n], self.vocab["loop"].codes(x.value for x in f.loops))
        if f.lights or f.overdue_only:
            lights = self.lights(now, slice(0, n))
            if f.lights:
                mask &= np.isin(lights, [int(x) for x in f.lights])
            if f.overdue_only:
                mask &= lights == Light.RED
        rows = np.flatnonzero(mask)
        if f.text:  # the case number and title, case-folded, of the rows left (~1 ms per 3,000 rows)
            needle, nos, titles = f.text.casefold(), self.nos, self.titles
            found = (row for row in rows.tolist() if needle in f"{nos[row]} {titles[row]}".casefold())
            rows = np.fromiter(found, dtype=np.int64)
        return rows.astype(np.int64)

    def order(self, rows: Rows, key: str, descending: bool, now: float) -> Rows:
        """``rows`` sorted by ``key``; ties in case-number order, whatever the direction.

        One quicksort of a composite integer (the key, then the row's case-number rank in the
        low bits) instead of stable sorts: a stable float sort of a million rows took 240 ms here.
        """
        if key not in SORT_KEYS:
            raise ValueError(f"cannot sort by {key!r}; one of {', '.join(SORT_KEYS)}")
        by_no = rows[np.argsort(self.cols["no_key"][rows], kind="stable")]
        if key == "no":
            return by_no[::-1] if descending else by_no
        primary = self._sort_values(key, by_no, now)
        if descending:
            primary = primary.max(initial=0) - primary
        if len(by_no) >= 1 << _TIE_BITS:
            return by_no[np.lexsort((np.arange(len(by_no)), primary))]
        composite = (primary << _TIE_BITS) | np.arange(len(by_no), dtype=np.int64)
        return by_no[np.argsort(composite)]

    def _sort_values(self, key: str, rows: Rows, now: float) -> npt.NDArray[np.int64]:
        """Non-negative integers in the key's order (times to the millisecond, NaN last)."""
        c = self.cols
        if key in _CATEGORICAL:
            ranks: npt.NDArray[np.int64] = self.vocab[key].ranks()[c[key][rows]]
            return ranks
        if key == "light":
            return self.lights(now, rows).astype(np.int64)
        if key in ("returns",):
            return c[key][rows].astype(np.int64)
        seconds = now - c["step_at"][rows] if key == "time_in_step" else c[key][rows]
        millis = np.nan_to_num(seconds * 1000.0, nan=_LAST, posinf=_LAST, neginf=0.0)
        return np.clip(millis - millis.min(initial=0.0), 0, _LAST).astype(np.int64)


_EMPTY: Final = {name: -1 for name in (*_CATEGORICAL, *_ANSWERS)}  # a row's value while it holds no case


def _answer(code: int) -> bool | None:
    return None if code < 0 else bool(code)


_TIE_BITS = 21  # room for the case-number rank of up to 2,097,151 rows
_LAST = float((1 << (62 - _TIE_BITS)) - 1)  # the largest primary value that still fits


def _no_key(no: str) -> int:
    """A sortable integer for a case number: its digits (DC2026112300012 → 2026112300012).

    Not cached: the usual form (two letters, then digits) takes 0.3 µs; a cache of the numbers a
    week of pictures holds took ~180 bytes each, and filled towards 48 MB as new cases came."""
    tail = no[2:]
    if len(tail) <= 18 and tail.isdigit() and tail.isascii() and no[0] not in _DIGITS and no[1] not in _DIGITS:
        return int(tail)
    digits = "".join(ch for ch in no if ch in _DIGITS)[-18:]
    return int(digits) if digits else 0


_DIGITS: Final = frozenset("0123456789")
