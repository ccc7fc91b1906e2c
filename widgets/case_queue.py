"""The case queue panel: the situation's cases as a live table, with a filter bar and a breadcrumb.

The table is a plain ``QTableView`` over ``CaseQueueModel`` (filtering and sorting happen in the
model, in numpy). Live updates keep what the commander is looking at: the selected case stays
selected wherever it moves, and the case at the top of the view stays at the top unless the view
is scrolled to the very top (then new urgent cases flow in above).

Other panels drive it through ``filter_to_grid``/``filter_to_street``/``filter_to_department``,
``clear_filters`` and ``select_case``; it tells them about the selection with ``case_selected``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Final

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.core.case_state import Light
from console.core.case_table import CaseFilter
from console.core.situation import ChangeSet, Situation
from console.core.untrusted import one_line
from server_link import records as r
from widgets.case_queue_model import CASE_NO_ROLE, DEFAULT_COALESCE_MS, CaseQueueModel, Column, Theme
from widgets.filter_chips import SEPARATOR, FilterChips
from widgets.labels import base_grid_name, category_name, channel_name, grid_name, street_name

SEARCH_DEBOUNCE_MS = 150
_ANCHOR_ROWS = 60  # how many visible cases to remember, in case the top ones leave the filter
_LARGE_SCALE = 1.6
_SEPARATOR = SEPARATOR
_MAX_NAMES = 3  # values listed per breadcrumb part before "等N个"
_MARGIN_PX = 6
# Initial column widths: each fits a typical value (the title column stretches into what is left).
# Data (names from the district) as it comes; UI words as the model shows them (see ``_samples``).
_DATA_SAMPLES: dict[Column, str] = {
    Column.CHANNEL: "12345市民服务热线", Column.CATEGORY: "配电设施 电力线缆外露",
    Column.GRID: "110101001001001", Column.DEPT: "区城管执法局",
}  # fmt: skip
_SAMPLE_STREET = "110101007"  # 朝阳门, in the language on show (Chaoyangmen)
WALL_COLUMNS = (Column.NO, Column.TITLE, Column.STREET, Column.DEPT, Column.STEP, Column.DEADLINE, Column.LIGHT)
"""Columns legible from across the room (for ``set_visible_columns`` on a wall screen)."""


class _QueueView(QTableView):
    """A ``QTableView`` with uniform row heights that follow its font, and a way to lay out its
    scroll bars at once (to re-anchor after a re-order)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFont(self.font())
        font.setFeature(QFont.Tag("tnum"), 1)  # tabular figures: countdowns do not jitter
        self.setFont(font)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_to_font()

    def fit_to_font(self) -> None:
        """Row height and initial column widths from the font (the title column stretches)."""
        metrics = self.fontMetrics()
        self.verticalHeader().setDefaultSectionSize(metrics.height() + max(8, metrics.height() // 3))
        if self.model() is None:
            return
        model = self.model()
        pad = metrics.height()
        samples = _samples(model) if isinstance(model, CaseQueueModel) else {}
        for col, texts in samples.items():
            header = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            width = max(metrics.horizontalAdvance(t) for t in (*texts, header))
            self.setColumnWidth(col, max(width + pad, self._header_width(header)))

    def _header_width(self, text: str) -> int:
        """What a header of ``text`` needs in the header's own font and style: its padding included,
        where the wall's style keeps room for the sort arrow (never over the text)."""
        header = self.horizontalHeader()
        header.ensurePolished()  # its font and padding from the style sheet, before they are measured
        opt = QStyleOptionHeader()
        opt.initFrom(header)
        opt.orientation = Qt.Orientation.Horizontal
        opt.text = text
        size = header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, opt, QSize(), header)
        return size.width()

    def settle_geometry(self) -> None:
        self.updateGeometries()

    def visible_rows(self) -> tuple[int, int] | None:
        """The first and last rows at least partly in the viewport, or None when nothing shows."""
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        if not self.isVisible() or rows == 0:
            return None
        first = self.rowAt(0)
        if first < 0:
            return None
        last = self.rowAt(self.viewport().height() - 1)
        return first, rows - 1 if last < 0 else last


# The order the columns are shown in, most decisive first: how late (light, countdown) and what, then
# where it stands and with whom; the rest after. The model keeps its own order. The operator may drag
# columns; ``view_state`` carries the arrangement into the wall's saved layout.
SHOWN_ORDER: Final = (
    Column.NO, Column.LIGHT, Column.DEADLINE, Column.TITLE, Column.STEP, Column.DEPT, Column.STREET,
    Column.TIME_IN_STEP, Column.RETURNS, Column.GRID, Column.LOOP, Column.CHANNEL, Column.CATEGORY,
)  # fmt: skip


# Shown by default: enough to act on, so the title has room and the case number never scrolls away;
# the others are a right-click on the header away.
DEFAULT_COLUMNS: Final = (
    Column.NO, Column.LIGHT, Column.DEADLINE, Column.TITLE, Column.STEP, Column.DEPT,
)  # fmt: skip


class CaseQueue(QWidget):
    """The live case queue: filter bar, breadcrumb of active filters, row count, and the table.

    Signals:
        case_selected(str): the selected case number changed ("" when no case is selected any
            more, for example because the selected case left the filter). Not emitted when the
            same case merely moves to another row.
        case_opened(str): a row was activated (Enter, or a double-click): open its whole story.
    """

    case_selected = Signal(str)
    case_opened = Signal(str)

    def __init__(
        self,
        situation: Situation,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] | None = None,
        coalesce_ms: int = DEFAULT_COALESCE_MS,
        theme: Theme = "dark",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseQueue")
        self.model = CaseQueueModel(situation, self, clock=clock, coalesce_ms=coalesce_ms, theme=theme)
        self._selected_no = ""
        self._anchor: list[str] = []  # visible case numbers from the top, before a re-order
        self._large = False

        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("caseSearch")
        self.search_box.setPlaceholderText(self.tr("搜索案件编号或标题"))
        self.search_box.setClearButtonEnabled(True)
        self.hard_toggle = QPushButton(self.tr("仅疑难"), self)
        self.overdue_toggle = QPushButton(self.tr("仅超期"), self)
        for toggle in (self.hard_toggle, self.overdue_toggle):
            toggle.setCheckable(True)
        self.clear_button = QPushButton(self.tr("清除筛选"), self)
        self.clear_button.setToolTip(self.tr("清除全部筛选（Esc）"))
        self.count_label = QLabel(self)
        self.count_label.setObjectName("caseCount")
        self.breadcrumb = FilterChips(self)
        self.breadcrumb.removed.connect(self._on_chip_removed)
        self._chip_resets: list[dict[str, Any]] = []
        self.empty_note = QLabel(self)
        self.empty_note.setObjectName("emptyNote")
        self.empty_note.setWordWrap(True)
        self.empty_note.hide()
        self.widen_button = QPushButton(self)
        self.widen_button.setObjectName("searchEverywhere")
        self.widen_button.clicked.connect(self.search_everywhere)
        self.widen_button.hide()
        for label in (self.count_label, self.empty_note):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.view = _QueueView(self)
        self._setup_view()

        self._search_row = QHBoxLayout()  # the search box alone, where the bar has no room for it
        self._search_row.setContentsMargins(0, 0, 0, 0)
        self._bar = bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search_box, 2)
        bar.addWidget(self.hard_toggle)
        bar.addWidget(self.overdue_toggle)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.count_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(_MARGIN_PX, _MARGIN_PX, _MARGIN_PX, _MARGIN_PX)
        layout.setSpacing(4)
        layout.addLayout(self._search_row)
        layout.addLayout(bar)
        layout.addWidget(self.breadcrumb)
        layout.addWidget(self.empty_note)
        layout.addWidget(self.widen_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search_box.textChanged.connect(self._search_timer.start)
        self.search_box.returnPressed.connect(self._on_search_enter)
        self.search_box.installEventFilter(self)
        self.hard_toggle.toggled.connect(self._on_hard_toggled)
        self.overdue_toggle.toggled.connect(self._on_overdue_toggled)
        self.clear_button.clicked.connect(self.clear_filters)

        m = self.model
        m.filter_changed.connect(self._on_filter_changed)
        m.counts_changed.connect(self._on_counts_changed)
        m.layoutAboutToBeChanged.connect(self._on_layout_about_to_change)
        m.layoutChanged.connect(self._on_layout_changed)  # after the view's and the selection's own
        m.modelReset.connect(self._sync_selection)
        m.set_visible_rows(self.view.visible_rows)
        self._on_filter_changed(m.filter)
        self._on_counts_changed(m.rowCount(), m.total)

    def _setup_view(self) -> None:
        v = self.view
        v.setObjectName("caseTable")
        v.setItemDelegate(QStyledItemDelegate(v))  # plain text only; never a rich-text delegate
        v.setModel(self.model)
        v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        v.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        v.setWordWrap(False)
        v.setTextElideMode(Qt.TextElideMode.ElideRight)
        v.setAlternatingRowColors(False)
        v.setCornerButtonEnabled(False)
        v.verticalHeader().hide()
        # Uniform row heights: fixed sections, never measured per row (ResizeToContents is O(rows)).
        v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = v.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        for visual, column in enumerate(SHOWN_ORDER):
            header.moveSection(header.visualIndex(column), visual)
        self.set_visible_columns(DEFAULT_COLUMNS)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        v.setSortingEnabled(True)
        v.fit_to_font()
        v.selectionModel().selectionChanged.connect(self._on_selection_changed)
        v.activated.connect(self._on_activated)
        self.model.sort_changed.connect(self._on_sort_changed)

    # ------------------------------------------------------------------ layouts
    def view_state(self) -> str:
        """The columns' order, widths and sort (Qt's header state, base64) for the wall's layout file."""
        return base64.b64encode(bytes(self.view.horizontalHeader().saveState().data())).decode("ascii")

    def restore_view_state(self, data: str) -> bool:
        """Apply what ``view_state`` gave; False (and nothing changed) if it is not one."""
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return False
        return bool(raw) and self.view.horizontalHeader().restoreState(QByteArray(raw))

    # ------------------------------------------------------------------ what other panels call
    def on_changes(self, changes: ChangeSet, now: float) -> None:
        """After each ``situation.apply``/``tick`` (the shell calls this)."""
        self.model.on_changes(changes, now)

    def focus_search(self) -> None:
        """Put the cursor in the search box (the shell binds its search key to this)."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def set_filter(self, f: CaseFilter) -> None:
        self.model.set_filter(f)

    @property
    def filter(self) -> CaseFilter:
        return self.model.filter

    def filter_to_grid(self, code: str) -> None:
        """One unit grid, or one base grid by its id (the map's overview zoom shades base grids).
        Place filters that contain it (its street, community, base grid) stay, as a drill-down path;
        those that do not are dropped, so the grid's cases always show."""
        f = self.model.filter
        district = self.model.situation.district
        base = district.base_grids.get(code)
        if base is not None:
            self.model.set_filter(
                replace(
                    f,
                    base_grids=frozenset({code}),
                    unit_grids=frozenset(),  # narrower than it: gone
                    streets=frozenset(x for x in f.streets if x == base.street),
                    communities=frozenset(),  # a base grid may straddle communities
                )
            )
            return
        grid = district.unit_grids.get(code)
        self.model.set_filter(
            replace(
                f,
                unit_grids=frozenset({code}),
                streets=frozenset(x for x in f.streets if code.startswith(x)),
                communities=frozenset(x for x in f.communities if grid is not None and x == grid.community),
                base_grids=frozenset(x for x in f.base_grids if grid is not None and x == grid.base_grid),
            )
        )

    def filter_to_street(self, code: str) -> None:
        """One street (place filters outside it are dropped)."""
        f = self.model.filter
        self.model.set_filter(
            replace(
                f,
                streets=frozenset({code}),
                unit_grids=frozenset(x for x in f.unit_grids if x.startswith(code)),
                communities=frozenset(x for x in f.communities if x.startswith(code)),
                base_grids=frozenset(x for x in f.base_grids if x.startswith(code)),
            )
        )

    def filter_to_cases(self, nos: frozenset[str]) -> None:
        """Just these cases (a cluster clicked on the map): the other filters go, since the map
        shows every open case whatever the queue's filters."""
        self._search_timer.stop()
        self.model.set_filter(CaseFilter(nos=frozenset(nos)))

    def filter_to_figure(self, name: str) -> None:
        """The cases a KPI figure counts: all open ("open"), the overdue ones, the hard ones."""
        wanted = {"open": CaseFilter(), "overdue": CaseFilter(overdue_only=True), "hard": CaseFilter(hard_only=True)}
        if name in wanted:
            self._search_timer.stop()
            self.model.set_filter(wanted[name])

    def filter_to_department(self, dept: str) -> None:
        self.model.update_filter(depts=frozenset({dept}))

    def clear_filters(self) -> None:
        """Back to the whole queue (the sort order stays)."""
        self._search_timer.stop()
        self.model.set_filter(CaseFilter())

    def select_case(self, no: str, *, reveal: bool = True) -> bool:
        """Select case ``no`` and scroll to it. If the filters hide a held case and ``reveal`` is
        set, the filters are cleared first. False if the case is not shown."""
        if self.model.pending:
            self.model.flush()
        p = self.model.position_of(no)
        if p is None and reveal and no in self.model.situation.cases and self.model.filter != CaseFilter():
            self.clear_filters()
            p = self.model.position_of(no)
        if p is None:
            return False
        index = self.model.index(p, Column.NO)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    @property
    def selected_case(self) -> str:
        """The selected case number ("" when none)."""
        return self._selected_no

    def set_large_type(self, large: bool) -> None:
        """The wall's scale: bigger type and rows in the whole panel, legible from across the room.

        A local style sheet, so it wins over the application's theme; ``largeType`` is also set as a
        property for themes that want to restyle the panel on the wall.
        """
        if large == self._large:
            return
        self._large = large
        self.setProperty("largeType", large)
        if large:
            px = round(_pixel_size(self) * _LARGE_SCALE)
            self.setStyleSheet(f"* {{ font-size: {px}px; }}")
        else:
            self.setStyleSheet("")
        self.view.fit_to_font()

    @property
    def large_type(self) -> bool:
        return self._large

    def set_visible_columns(self, columns: Iterable[Column]) -> None:
        """Show only these columns (the others stay in the model; e.g. ``WALL_COLUMNS`` on the wall)."""
        keep = set(columns)
        for col in Column:
            self.view.setColumnHidden(col, col not in keep)

    def set_theme(self, theme: Theme) -> None:
        self.model.set_theme(theme)

    def column_menu(self) -> QMenu:
        """Every column with a tick when shown; choosing one shows or hides it (the case number stays)."""
        menu = QMenu(self)
        for col in SHOWN_ORDER:
            action = menu.addAction(str(self.model.headerData(col, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(col))
            action.setEnabled(col is not Column.NO)
            action.toggled.connect(lambda on, c=col: self.view.setColumnHidden(c, not on))
        return menu

    def _column_menu(self, pos: QPoint) -> None:
        self.column_menu().popup(self.view.horizontalHeader().mapToGlobal(pos))

    # ------------------------------------------------------------------ filter bar
    def _apply_search(self) -> None:
        self._search_timer.stop()
        text = self.search_box.text().strip()
        if text != self.model.filter.text:
            self.model.update_filter(text=text)

    def _on_hard_toggled(self, on: bool) -> None:
        if on != self.model.filter.hard_only:
            self.model.update_filter(hard_only=on)

    def _on_overdue_toggled(self, on: bool) -> None:
        if on != self.model.filter.overdue_only:
            self.model.update_filter(overdue_only=on)

    def _on_filter_changed(self, f: CaseFilter) -> None:
        for toggle, on in ((self.hard_toggle, f.hard_only), (self.overdue_toggle, f.overdue_only)):
            if toggle.isChecked() != on:
                toggle.blockSignals(True)
                toggle.setChecked(on)
                toggle.blockSignals(False)
        if self.search_box.text().strip() != f.text:
            self._search_timer.stop()
            self.search_box.blockSignals(True)
            self.search_box.setText(f.text)
            self.search_box.blockSignals(False)
        parts = self.filter_parts(f)
        self._chip_resets = [reset for reset, _ in parts]
        self.breadcrumb.set_parts([text for _, text in parts], self.tr("全部在办案件"))
        self.clear_button.setEnabled(f != CaseFilter())
        self._show_empty(self.model.rowCount())

    def breadcrumb_text(self, f: CaseFilter) -> str:
        """The active filters in Chinese, e.g. "街道：东华门 › 部门：区城管委 › 超期"."""
        parts = [text for _, text in self.filter_parts(f)]
        return _SEPARATOR.join(parts) if parts else self.tr("全部在办案件")

    def filter_parts(self, f: CaseFilter) -> list[tuple[dict[str, Any], str]]:
        """Each active filter: what removing it changes in the filter, and its words."""
        d = self.model.situation.district
        m = self.model
        sep = self.tr("、", "list separator")

        def names(values: Iterable[str], name: Callable[[str], str]) -> str:
            shown = sorted(values)
            text = sep.join(name(v) for v in shown[:_MAX_NAMES])
            if len(shown) > _MAX_NAMES:
                text += self.tr("等{}个").format(len(shown))
            return text

        def street(code: str) -> str:
            return street_name(d, code)

        def community(code: str) -> str:
            c = d.communities.get(code)
            return c.name if c else code

        def base_grid(code: str) -> str:
            return base_grid_name(d, code)

        def channel(code: str) -> str:
            return channel_name(d, code)

        def category(code: str) -> str:
            return category_name(d, code)

        def major(code: str) -> str:
            return d.majors.get(code, code)

        def unit_grid(code: str) -> str:  # by where it is, not by its 15 digits
            return grid_name(d, code)

        parts: list[tuple[dict[str, Any], str]] = []
        for field, values, caption, name in (
            ("streets", f.streets, self.tr("街道"), street), ("communities", f.communities, self.tr("社区"), community),
            ("base_grids", f.base_grids, self.tr("基础网格"), base_grid),
            ("unit_grids", f.unit_grids, self.tr("单元网格"), unit_grid),
            ("depts", f.depts, self.tr("部门"), m.department_name),
            ("channels", f.channels, self.tr("渠道"), channel), ("majors", f.majors, self.tr("大类"), major),
            ("categories", f.categories, self.tr("类别"), category),
        ):  # fmt: skip
            if values:  # a department the backend names and this console does not know is shown by its id
                shown_names = one_line(names(values, name), 120)
                text = self.tr("{caption}：{names}").format(caption=caption, names=shown_names)
                parts.append(({field: frozenset()}, text))
        if f.steps:
            steps = [m.step_name(s) for s in sorted(f.steps, key=list(r.Step).index)]
            parts.append(({"steps": frozenset()}, self.tr("环节：{}").format(sep.join(steps))))
        if f.loops:
            loops = sep.join(m.loop_name(x) for x in sorted(f.loops, key=list(r.Loop).index))
            parts.append(({"loops": frozenset()}, loops))
        if f.lights:
            lights = sorted(f.lights, reverse=True)
            text = self.tr("灯：{}").format(sep.join(m.light_name(Light(x)) for x in lights))
            parts.append(({"lights": frozenset()}, text))
        for on, field, text in (
            (f.hard_only, "hard_only", self.tr("疑难")), (f.overdue_only, "overdue_only", self.tr("超期")),
            (f.buck_passing_only, "buck_passing_only", self.tr("推诿")),
        ):  # fmt: skip
            if on:
                parts.append(({field: False}, text))
        if not f.open_only:
            parts.append(({"open_only": True}, self.tr("含已结案")))
        if f.nos:
            parts.append(({"nos": frozenset()}, self.tr("地图上点选的 {0} 件").format(len(f.nos))))
        if f.text:
            parts.append(({"text": ""}, self.tr("搜索：“{}”").format(one_line(f.text, 60))))
        return parts

    def _on_chip_removed(self, position: int) -> None:
        if 0 <= position < len(self._chip_resets):
            self._search_timer.stop()
            self.model.update_filter(**self._chip_resets[position])

    # ------------------------------------------------------------------ search
    def everywhere_count(self) -> int:
        """Cases the search text finds with no other filter, closed ones included."""
        text = self.model.filter.text
        if not text:
            return 0
        sit = self.model.situation
        return len(sit.table.select(CaseFilter(open_only=False, text=text), sit.now))

    def search_everywhere(self) -> None:
        """Keep the search, drop every other filter, closed cases included."""
        text = self.search_box.text().strip() or self.model.filter.text
        self._search_timer.stop()
        self.model.set_filter(CaseFilter(open_only=False, text=text))
        self.open_first_result()

    def open_first_result(self) -> None:
        """Select the first row (unless one is selected already) and put the keys in the table."""
        if self.model.pending:
            self.model.flush()
        if self.model.rowCount() == 0:
            return
        if not self.view.selectionModel().hasSelection():
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            index = self.model.index(0, Column.NO)
            self.view.selectionModel().setCurrentIndex(index, flags)
            self.view.scrollTo(index)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_search_enter(self) -> None:
        """Enter: search now; nothing here but something elsewhere widens the search; then the first
        result is selected and the keys go to the table."""
        self._apply_search()
        if self.model.pending:
            self.model.flush()
        if self.model.rowCount() == 0 and self.everywhere_count():
            self.search_everywhere()
        else:
            self.open_first_result()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↓ in the search box goes down into the results."""
        down = isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down
        if watched is self.search_box and down:
            self._apply_search()
            self.open_first_result()
            return True
        return super().eventFilter(watched, event)

    def _on_counts_changed(self, shown: int, total: int) -> None:
        self.count_label.setText(self.tr("显示 {shown} / {total} 件").format(shown=f"{shown:,}", total=f"{total:,}"))
        self._show_empty(shown)
        self._fit_search()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_search()

    def _fit_search(self) -> None:
        """The search box beside the buttons where its whole hint fits there, else on a line of its
        own above them (a laptop's narrow column): the hint is never cut."""
        box = self.search_box
        metrics = box.fontMetrics()
        wanted = metrics.horizontalAdvance(box.placeholderText()) + 3 * metrics.height()  # and its ✕, frame, padding
        beside = (self.hard_toggle, self.overdue_toggle, self.clear_button, self.count_label)
        others = sum(w.sizeHint().width() + self._bar.spacing() for w in beside)
        alone = wanted + others > self.width() - 2 * _MARGIN_PX
        if alone == (self._search_row.indexOf(box) >= 0):
            return
        if alone:
            self._bar.removeWidget(box)
            self._search_row.addWidget(box)
        else:
            self._search_row.removeWidget(box)
            self._bar.insertWidget(0, box, 2)

    def _show_empty(self, shown: int) -> None:
        """An empty queue says which filters emptied it, and the way out."""
        f = self.model.filter
        if shown == 0 and f != CaseFilter():
            text = self.tr("没有同时符合这些筛选的案件：{0}（按 Esc 或“清除筛选”）").format(self.breadcrumb_text(f))
            self.empty_note.setText(text)
            self.empty_note.show()
            elsewhere = self.everywhere_count() if f.text and f != CaseFilter(open_only=False, text=f.text) else 0
            self.widen_button.setText(self.tr("在全部案件中搜索（找到 {0} 件，含已结案）").format(elsewhere))
            self.widen_button.setVisible(elsewhere > 0)
        else:
            self.empty_note.hide()
            self.widen_button.hide()

    def _on_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        header = self.view.horizontalHeader()
        if header.sortIndicatorSection() != column or header.sortIndicatorOrder() != order:
            header.setSortIndicator(column, order)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc clears the filters; with none active it goes on up (the window may use it)."""
        if event.key() == Qt.Key.Key_Escape and (self.model.filter != CaseFilter() or self.search_box.text()):
            self.search_box.clear()
            self.clear_filters()
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ live updates: keep the place
    def _on_layout_about_to_change(self) -> None:
        """Remember the cases at the top of the view (not when it is scrolled to the very top)."""
        self._anchor = []
        bar = self.view.verticalScrollBar()
        if bar.value() <= bar.minimum():
            return
        top = self.view.rowAt(0)
        if top < 0:
            return
        self._anchor = [no for p in range(top, top + _ANCHOR_ROWS) if (no := self.model.case_no(p)) is not None]

    def _on_layout_changed(self) -> None:
        if self._anchor:
            anchor, self._anchor = self._anchor, []
            for offset, no in enumerate(anchor):
                p = self.model.position_of(no)
                if p is not None:
                    self.view.settle_geometry()  # the scroll bar's range for the new row count
                    self.view.verticalScrollBar().setValue(max(0, p - offset))
                    break
        self._sync_selection()

    def _on_activated(self, index: QModelIndex) -> None:
        no = self.model.data(index, CASE_NO_ROLE)
        if isinstance(no, str) and no:
            self.case_opened.emit(no)

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._sync_selection()

    def _sync_selection(self) -> None:
        """Announce the selected case if it is another one than last announced."""
        indexes = self.view.selectionModel().selectedIndexes()
        no = ""
        if indexes:
            value = self.model.data(indexes[0], CASE_NO_ROLE)
            no = value if isinstance(value, str) else ""
        if no != self._selected_no:
            self._selected_no = no
            self.case_selected.emit(no)


def _samples(model: CaseQueueModel) -> dict[Column, tuple[str, ...]]:
    """Texts a column's initial width must fit: data samples, and the model's own words and formats."""
    longest = model.duration_text(24 * 3600 - 60)  # 23时59分
    out: dict[Column, tuple[str, ...]] = {col: (text,) for col, text in _DATA_SAMPLES.items()}
    out[Column.STREET] = (street_name(model.situation.district, _SAMPLE_STREET),)
    out[Column.NO] = (f"DC2026112300012 {model.hard_mark}",)
    out[Column.STEP] = tuple(model.step_name(s) for s in r.Step)
    out[Column.LOOP] = tuple(model.loop_name(x) for x in r.Loop)
    out[Column.TIME_IN_STEP] = (longest,)
    out[Column.DEADLINE] = (model.overdue_text(longest),)
    out[Column.LIGHT] = (model.light_name(Light.YELLOW),)
    out[Column.RETURNS] = ()  # a small count: the header is the widest
    return out


def _pixel_size(widget: QWidget) -> float:
    font = widget.font()
    return font.pixelSize() if font.pixelSize() > 0 else font.pointSizeF() * widget.logicalDpiY() / 72.0
