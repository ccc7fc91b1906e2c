"""The case queue's table model: the situation's columnar case table, filtered and sorted in numpy.

The model holds one ordered array of row ids (``CaseTable`` rows are stable while a case is held)
and reads every cell from the table's columns by row id, so ``data()`` costs a few array reads.
Filtering and sorting are the table's own ``select``/``order``: no ``QSortFilterProxyModel``
(ARCHITECTURE.md measured 43 s for it on 100,000 rows, against 12 ms in numpy).

Live updates are coalesced: ``on_changes`` only records what changed and arms a timer; the order is
recomputed at most every ``coalesce_ms``. With ``coalesce_ms=0`` the rows follow at once, for a caller
that paces its calls itself (the wall's repainter: then the queue and the other panels of one paint
show the same instant, and two throttles in series do not add up to twice the wait). If the same
rows stay in the same order, the view hears ``dataChanged`` for the changed rows inside its visible
range; otherwise it hears ``layoutAboutToBeChanged``/``layoutChanged`` and every persistent index (the
view's selection and current index) is moved to the row now holding the same case number, or dropped if that case left.
The time-dependent columns (time in step, countdown, light) are refreshed once a second for the
visible rows only.

Everything shown is plain text: ``DisplayRole`` strings are never interpreted as markup by the
default delegate. The tooltip is rich text and escapes every value. Every text from the wire (case
numbers, titles, names and codes) passes ``console.core.untrusted.one_line`` first: isolated, on one
line, without controls (it caches, so the cost per cell stays a dictionary look-up).
"""

from __future__ import annotations

import enum
import html
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from console.core.case_table import CaseFilter, CaseTable
from console.core.rules import STEP_ORDER, STEPS, Light, is_overdue
from console.core.situation import ChangeSet, Provenance, Situation
from console.core.untrusted import one_line, rich
from server_link import records as r
from server_link.workcal import BEIJING
from widgets import labels

Rows = npt.NDArray[np.int64]
Theme = Literal["dark", "light"]
VisibleRows = Callable[[], tuple[int, int] | None]

CASE_NO_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
"""Custom role: the case number of the row (a ``str``), whatever the column."""

DEFAULT_COALESCE_MS: Final = 200
CLOCK_INTERVAL_MS: Final = 1000
_MAX_SPANS: Final = 8  # separate dataChanged runs of visible rows before one span covers them all


class Column(enum.IntEnum):
    """The queue's columns, in display order. The time-dependent ones are contiguous."""

    NO = 0
    TITLE = 1
    CHANNEL = 2
    CATEGORY = 3
    STREET = 4
    GRID = 5
    STEP = 6
    LOOP = 7
    DEPT = 8
    TIME_IN_STEP = 9
    DEADLINE = 10
    LIGHT = 11
    RETURNS = 12


SORT_KEYS: Final[dict[Column, str]] = {
    Column.NO: "no",
    Column.TITLE: "title",  # not a CaseTable key: ordered here (see ``_order``)
    Column.CHANNEL: "channel",
    Column.CATEGORY: "category",
    Column.STREET: "street",
    Column.GRID: "unit_grid",
    Column.STEP: "step",
    Column.LOOP: "loop",
    Column.DEPT: "dept",
    Column.TIME_IN_STEP: "time_in_step",
    Column.DEADLINE: "deadline",
    Column.LIGHT: "light",
    Column.RETURNS: "returns",
}
TIME_COLUMNS: Final = (Column.TIME_IN_STEP, Column.DEADLINE, Column.LIGHT)
_RIGHT: Final = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT: Final = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_NUMERIC: Final = frozenset({Column.TIME_IN_STEP, Column.DEADLINE, Column.RETURNS})
_ALIGN: Final = tuple(_RIGHT if c in _NUMERIC else _LEFT for c in Column)
_FLAGS: Final = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_DISPLAY: Final = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND: Final = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT: Final = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP: Final = int(Qt.ItemDataRole.ToolTipRole)
_ROLES: Final = frozenset({_DISPLAY, _FOREGROUND, _ALIGNMENT, _TOOLTIP, CASE_NO_ROLE})
_TIP_LINE: Final = "margin:0; white-space:pre-wrap;"  # a tooltip paragraph: one of its lines
_TIP_INDENT_PX: Final = 14  # the title's paragraph in the tooltip

# Saturated colour only for what is abnormal (WALL.md); green stays in the plain text colour.
_COLOURS: Final[dict[Theme, dict[str, str]]] = {
    "dark": {"red": "#ff5a4e", "amber": "#f0b429"},
    "light": {"red": "#c62828", "amber": "#9a5b00"},
}


class CaseQueueModel(QAbstractTableModel):
    """The situation's cases as a filtered, sorted table (read-only).

    ``clock`` gives the instant the time-dependent cells are shown for; by default the wall clock
    for a live situation and the situation's own instant for one that is replayed or last known.

    Signals:
        filter_changed(object): the ``CaseFilter`` now applied (after ``set_filter``).
        sort_changed(int, object): the column and ``Qt.SortOrder`` now sorted by.
        counts_changed(int, int): rows shown, and cases the unfiltered queue would show.
        rows_recomputed(): the rows were re-selected and re-ordered (after a flush).
    """

    filter_changed = Signal(object)
    sort_changed = Signal(int, object)
    counts_changed = Signal(int, int)
    rows_recomputed = Signal()

    def __init__(
        self,
        situation: Situation,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] | None = None,
        coalesce_ms: int = DEFAULT_COALESCE_MS,
        theme: Theme = "dark",
    ) -> None:
        super().__init__(parent)
        self._sit = situation
        self._clock = clock
        self._filter = CaseFilter()
        self._sort_column = Column.DEADLINE
        self._descending = False
        self._table: CaseTable = situation.table
        self._rows: Rows = np.zeros(0, dtype=np.int64)
        self._row_list: list[int] = []
        self._nos: list[str | None] = []
        self._pos: Rows = np.zeros(0, dtype=np.int64)  # row id → position, -1 when not shown
        self._counts = (-1, -1)  # (shown, total) as last announced
        self._now = situation.now  # the instant rows are selected and ordered for
        self._view_now = self._clock_now()  # the instant cells are shown for
        self._pending: set[str] = set()
        self._pending_any = False
        self._last_flush = -math.inf
        self._visible_rows: VisibleRows | None = None
        self._brushes: dict[str, QBrush] = {}
        # departments as the heat names them, and short for the column; built when first needed
        self._dept_names: tuple[dict[str, str], dict[str, str]] | None = None
        self.set_theme(theme)
        self._init_text()

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        self._coalesce_ms = coalesce_ms
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_INTERVAL_MS)
        self._clock_timer.timeout.connect(self._on_clock)
        self._clock_timer.start()
        self._recompute()

    def _init_text(self) -> None:
        """UI text, translated once (``data()`` runs thousands of times per repaint)."""
        self._headers = (
            self.tr("案件编号"), self.tr("标题"), self.tr("渠道"), self.tr("类别"), self.tr("街道"),
            self.tr("单元网格"), self.tr("环节"), self.tr("循环"), self.tr("部门"), self.tr("环节用时"),
            self.tr("时限"), self.tr("灯"), self.tr("退回"),
        )  # fmt: skip
        self._step_names = tuple(labels.step_name(step) for step in STEPS)  # by the table's step order
        self._loop_names = {loop.value: labels.loop_name(loop) for loop in r.Loop}
        self._light_names = {light: labels.light_text(light) for light in Light}
        self._hard_mark = self.tr("◆疑难")
        self._left = self.tr("剩 {}")
        self._over = self.tr("超 {}")
        self._hm = self.tr("{h}时{m:02d}分")
        self._dh = self.tr("{d}天{h}时")
        self._none = "—"
        self._ago = (self.tr("刚刚"), self.tr("{}分钟前"), self.tr("{}小时前"), self.tr("{}天前"))
        self._tip_step = self.tr("进入本环节：{ago}（{at}）")
        self._tip_deadline = self.tr("处置时限：{at}")
        self._tip_hard = self.tr("疑难案件")
        self._no_dept = self.tr("未派遣")

    # ------------------------------------------------------------------ configuration
    @property
    def filter(self) -> CaseFilter:
        return self._filter

    @property
    def sort_column(self) -> Column:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    @property
    def total(self) -> int:
        """Cases the queue would show with no filter but ``open_only`` (the count's denominator)."""
        return max(0, self._counts[1])

    @property
    def situation(self) -> Situation:
        return self._sit

    def set_situation(self, situation: Situation) -> None:
        """Show another situation (a past one, or the live one again): its table, rows and instant."""
        self._sit = situation
        self._now = situation.now
        self._dept_names = None
        self.flush()

    def set_filter(self, f: CaseFilter) -> None:
        """Show the cases matching ``f``, now (not coalesced: it answers a user's action)."""
        if f == self._filter:
            return
        self._filter = f
        self.flush()
        self.filter_changed.emit(f)

    def update_filter(self, **changes: Any) -> None:
        """``set_filter`` with some fields of the current filter replaced."""
        self.set_filter(replace(self._filter, **changes))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (ties in case-number order, whatever the direction); -1 keeps the order."""
        if not 0 <= column < len(Column):
            return
        col = Column(column)
        descending = order == Qt.SortOrder.DescendingOrder
        if (col, descending) == (self._sort_column, self._descending):
            return
        self._sort_column, self._descending = col, descending
        self.flush()
        self.sort_changed.emit(int(col), order)

    def set_theme(self, theme: Theme) -> None:
        self._brushes = {name: QBrush(QColor(value)) for name, value in _COLOURS[theme].items()}
        if self._row_list:
            self._emit_rows_changed(0, len(self._row_list) - 1)

    def set_visible_rows(self, source: VisibleRows | None) -> None:
        """Where the view asks which rows it shows (first, last), or None when it shows none.

        Without a source every row counts as visible.
        """
        self._visible_rows = source

    def set_coalesce_interval(self, ms: int) -> None:
        self._coalesce_ms = ms

    # ------------------------------------------------------------------ live updates
    def on_changes(self, changes: ChangeSet, now: float) -> None:
        """What the last ``situation.apply``/``tick`` changed; the rows follow within ``coalesce_ms``."""
        self._now = max(self._now, now)
        if not changes and self._sit.table is self._table:
            return
        if changes.reset or changes.departments:
            self._dept_names = None
        self._pending |= changes.cases
        self._pending_any = True
        if self._coalesce_ms <= 0:
            self.flush()
        elif not self._flush_timer.isActive():
            wait = self._coalesce_ms - (time.monotonic() - self._last_flush) * 1000.0
            self._flush_timer.start(max(0, min(self._coalesce_ms, math.ceil(wait))))

    @property
    def pending(self) -> bool:
        """Changes are waiting for the next flush."""
        return self._pending_any

    def flush(self) -> None:
        """Recompute the rows now (the coalescing timer calls this; tests and user actions may too)."""
        self._flush_timer.stop()
        self._recompute()

    def _recompute(self) -> None:
        changed, self._pending, self._pending_any = self._pending, set(), False
        self._last_flush = time.monotonic()
        self._view_now = self._clock_now()
        table = self._sit.table
        now = max(self._now, self._sit.now)
        rows = self._order(table, table.select(self._filter, now), now)
        if table is self._table and self._same_rows(rows, changed):
            self._emit_changed_cases(changed)
        else:
            self._relayout(table, rows)
        counts = (len(self._row_list), self._count_total(table))
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(*counts)
        self.rows_recomputed.emit()

    def _order(self, table: CaseTable, rows: Rows, now: float) -> Rows:
        key = SORT_KEYS[self._sort_column]
        if key != "title":
            return table.order(rows, key, self._descending, now)
        # The table has no title key: rank the titles (code-point order, as Python's str compares),
        # then one lexsort over (rank, case-number order) keeps ties by number in either direction.
        by_no = table.order(rows, "no", False, now)
        if len(by_no) == 0:
            return by_no
        titles = np.array([table.titles[x] for x in by_no.tolist()], dtype=str)
        _, ranks = np.unique(titles, return_inverse=True)
        primary = -ranks if self._descending else ranks
        ordered: Rows = by_no[np.lexsort((np.arange(len(by_no)), primary))]
        return ordered

    def _same_rows(self, rows: Rows, changed: set[str]) -> bool:
        """The same cases in the same order (a freed row id may have been reused by another case)."""
        if not np.array_equal(rows, self._rows):
            return False
        table, pos, nos = self._table, self._pos, self._nos
        for no in changed:
            row = table.row_of(no)
            if row is not None and row < len(pos) and (p := int(pos[row])) >= 0 and nos[p] != no:
                return False
        return True

    def _count_total(self, table: CaseTable) -> int:
        if not self._filter.open_only:
            return len(table)
        c = table.cols
        return int(np.count_nonzero(c["valid"] & c["open"]))

    def _relayout(self, table: CaseTable, rows: Rows) -> None:
        """New rows or a new order: move each persistent index to its case's new row."""
        self.layoutAboutToBeChanged.emit()
        old_nos = self._nos
        pos = np.full(table.capacity, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows), dtype=np.int64)
        persistent = self.persistentIndexList()
        moved: list[QModelIndex] = []
        for index in persistent:
            p = index.row()
            no = old_nos[p] if 0 <= p < len(old_nos) else None
            row = table.row_of(no) if no is not None else None
            new = int(pos[row]) if row is not None else -1
            moved.append(self.createIndex(new, index.column()) if new >= 0 else QModelIndex())
        self._table, self._rows, self._pos = table, rows, pos
        self._row_list = rows.tolist()
        nos = table.nos
        self._nos = [nos[x] for x in self._row_list]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _emit_changed_cases(self, changed: Iterable[str]) -> None:
        """``dataChanged`` for the changed rows inside the visible range, one signal per run of rows."""
        if not self._row_list:
            return
        table, pos = self._table, self._pos
        rows = [x for no in changed if (x := table.row_of(no)) is not None and x < len(pos)]
        if not rows:
            return
        visible = self._visible_span()
        if visible is None:
            return
        where = pos[np.array(rows, dtype=np.int64)]
        where = np.unique(where[(where >= visible[0]) & (where <= visible[1])])
        if len(where) == 0:
            return
        breaks = np.flatnonzero(np.diff(where) > 1)
        if len(breaks) >= _MAX_SPANS:
            self._emit_rows_changed(int(where[0]), int(where[-1]))
            return
        starts = [int(where[0]), *(int(where[b + 1]) for b in breaks)]
        ends = [*(int(where[b]) for b in breaks), int(where[-1])]
        for first, last in zip(starts, ends, strict=True):
            self._emit_rows_changed(first, last)

    def _visible_span(self) -> tuple[int, int] | None:
        n = len(self._row_list)
        if n == 0:
            return None
        if self._visible_rows is None:
            return 0, n - 1
        span = self._visible_rows()
        if span is None:
            return None
        first, last = max(0, span[0]), min(n - 1, span[1])
        return (first, last) if first <= last else None

    def _emit_rows_changed(self, first: int, last: int, columns: Sequence[Column] = tuple(Column)) -> None:
        self.dataChanged.emit(self.index(first, min(columns)), self.index(last, max(columns)))

    def _on_clock(self) -> None:
        """Once a second: move the countdowns, times in step and lights of the visible rows."""
        self._view_now = self._clock_now()
        span = self._visible_span()
        if span is not None:
            self._emit_rows_changed(span[0], span[1], TIME_COLUMNS)

    def refresh_time_columns(self) -> None:
        """What the clock does once a second, on demand."""
        self._on_clock()

    def _clock_now(self) -> float:
        if self._clock is not None:
            return self._clock()
        if self._sit.provenance is not Provenance.LIVE:
            return self._sit.now
        return max(time.time(), self._sit.now)

    @property
    def display_now(self) -> float:
        """The instant the time-dependent cells currently show."""
        return self._view_now

    # ------------------------------------------------------------------ reading
    def position_of(self, no: str) -> int | None:
        """The row where case ``no`` is shown, or None if the current rows do not hold it."""
        row = self._table.row_of(no)
        if row is None or row >= len(self._pos):
            return None
        p = int(self._pos[row])
        return p if p >= 0 and self._nos[p] == no else None

    def case_no(self, position: int) -> str | None:
        return self._nos[position] if 0 <= position < len(self._nos) else None

    def case_nos(self) -> list[str]:
        """The shown case numbers, in order (a copy)."""
        return [no for no in self._nos if no is not None]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._row_list)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in _NUMERIC else _LEFT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for ~7 roles per visible cell per paint: unknown roles return first, and roles are
        # compared as plain ints (comparing Qt enum members costs more than the rest of the call).
        if role not in _ROLES:
            return None
        p = index.row()
        if not 0 <= p < len(self._row_list):
            return None
        if role == _ALIGNMENT:
            return _ALIGN[index.column()]
        if role == CASE_NO_ROLE:
            return self._nos[p]
        row = self._row_list[p]
        if self._table.nos[row] != self._nos[p]:
            return None  # the case went (or its row was reused) since the last flush
        if role == _DISPLAY:
            return self._display(row, index.column())
        if role == _FOREGROUND:
            return self._foreground(row, index.column())
        return self._tooltip(row)

    def _display(self, row: int, col: int) -> str:
        t = self._table
        c = t.cols
        if col == Column.NO:
            no = one_line(t.nos[row] or "")
            return f"{no} {self._hard_mark}" if c["hard"][row] else no
        if col == Column.TITLE:
            return one_line(t.titles[row])
        if col == Column.CHANNEL:
            return self._name("channel", c["channel"][row])
        if col == Column.CATEGORY:
            return self._name("category", c["category"][row])
        if col == Column.STREET:
            return self._name("street", c["street"][row])
        if col == Column.GRID:
            return one_line(self._code("unit_grid", c["unit_grid"][row]))
        if col == Column.STEP:
            return self._step_names[int(c["step"][row])]
        if col == Column.LOOP:
            loop = self._code("loop", c["loop"][row])
            return self._loop_names.get(loop, loop)
        if col == Column.DEPT:
            return self._name("dept", c["dept"][row])
        if col == Column.TIME_IN_STEP:
            return self._duration(self._view_now - float(c["step_at"][row]))
        if col == Column.DEADLINE:
            deadline = float(c["deadline"][row])
            if not c["open"][row] or math.isnan(deadline):
                return self._none
            over = is_overdue(deadline, self._view_now)
            return (self._over if over else self._left).format(self._duration(abs(deadline - self._view_now)))
        if col == Column.LIGHT:
            return self._light_names[self._light(row)]
        if col == Column.RETURNS:
            return str(int(c["returns"][row]))
        return ""

    def _foreground(self, row: int, col: int) -> QBrush | None:
        if col in (Column.DEADLINE, Column.LIGHT):
            light = self._light(row)
            if light is Light.RED:
                return self._brushes["red"]
            if light is Light.YELLOW:
                return self._brushes["amber"]
            return None
        if col == Column.NO and self._table.cols["hard"][row]:
            return self._brushes["amber"]
        return None

    def _light(self, row: int) -> Light:
        """The light at the shown instant, by the core's rule (``CaseTable.light``)."""
        return self._table.light(row, self._view_now)

    def _code(self, vocab: str, code: Any) -> str:
        names = self._table.vocab[vocab].names
        i = int(code)
        return names[i] if 0 <= i < len(names) else ""

    def _name(self, vocab: str, code: Any) -> str:
        """The name of a coded value in the language on show, from the district's data or a record (the
        code if it is unknown), safe to draw."""
        return one_line(self._raw_name(vocab, code))

    def _raw_name(self, vocab: str, code: Any) -> str:
        value = self._code(vocab, code)
        d = self._sit.district
        if vocab == "channel":
            return labels.channel_name(d, value)
        if vocab == "category":
            return labels.category_name(d, value)
        if vocab == "street":
            return labels.street_name(d, value)
        if vocab == "dept":
            return self._departments()[1].get(value, value) if value else self._no_dept
        return value

    def department_name(self, dept: str) -> str:
        """A department's name as the heat shows it (``labels.department_names``: the backend's first,
        in the language on show), unsanitised; an unknown id as is."""
        return self._departments()[0].get(dept, dept)

    def _departments(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._dept_names is None:
            names = labels.department_names(self._sit)
            self._dept_names = names, {i: labels.short_department_name(n) for i, n in names.items()}
        return self._dept_names

    def _duration(self, seconds: float) -> str:
        """2时05分, or 3天4时 from a day on (minutes floored, so a countdown never shows late)."""
        if math.isnan(seconds):
            return self._none
        minutes = int(max(0.0, seconds) // 60)
        hours, m = divmod(minutes, 60)
        if hours >= 24:
            return self._dh.format(d=hours // 24, h=hours % 24)
        return self._hm.format(h=hours, m=m)

    def _ago_text(self, seconds: float) -> str:
        just, mins, hours, days = self._ago
        if seconds < 60:
            return just
        if seconds < 3600:
            return mins.format(int(seconds // 60))
        if seconds < 86400:
            return hours.format(int(seconds // 3600))
        return days.format(int(seconds // 86400))

    def _tooltip(self, row: int) -> str:
        """Rich text (so every value is escaped): number, full title, absolute Beijing times, each its
        own paragraph. The title is one line (its line breaks shown as ⏎), isolated (it cannot reorder
        the lines after it) and indented: where it wraps, no line of it can pass for one of ours."""
        t = self._table
        c = t.cols
        number = f"<p style='{_TIP_LINE}'><b>{rich(one_line(t.nos[row] or ''))}</b></p>"
        title = f"<p style='{_TIP_LINE} margin-left:{_TIP_INDENT_PX}px'>{rich(one_line(t.titles[row]))}</p>"
        lines = []
        step_at = float(c["step_at"][row])
        if not math.isnan(step_at):
            ago = self._ago_text(self._view_now - step_at)
            lines.append(html.escape(self._tip_step.format(ago=ago, at=_beijing(step_at))))
        deadline = float(c["deadline"][row])
        if not math.isnan(deadline):
            lines.append(html.escape(self._tip_deadline.format(at=_beijing(deadline))))
        if c["hard"][row]:
            lines.append(html.escape(self._tip_hard))
        return number + title + "".join(f"<p style='{_TIP_LINE}'>{line}</p>" for line in lines)

    def step_name(self, step: r.Step) -> str:
        return self._step_names[STEP_ORDER[step]]

    def loop_name(self, loop: r.Loop) -> str:
        return self._loop_names[loop.value]

    def light_name(self, light: Light) -> str:
        return self._light_names[light]

    @property
    def hard_mark(self) -> str:
        """The mark after a hard case's number (◆疑难)."""
        return self._hard_mark

    def duration_text(self, seconds: float) -> str:
        """A time in step as the queue shows it (2时05分, 3天4时)."""
        return self._duration(seconds)

    def overdue_text(self, duration: str) -> str:
        """A countdown past its deadline as the queue shows it (超 2时05分)."""
        return self._over.format(duration)


def _beijing(t: float) -> str:
    return datetime.fromtimestamp(t, BEIJING).strftime("%m-%d %H:%M")
