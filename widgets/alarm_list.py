"""The duty alarms: the list the commander works through, and the summary the overview keeps in sight.

``AlarmList`` shows every alarm not back to normal, most urgent first, newest first: priority, state,
what it is, where, its figure, when it was raised, and what operators did with it. Filters by
priority, state, rule and street. Space acknowledges the selected line (a grouped line: all of it),
S shelves it (with a reason and a time), Enter or a double-click leads to the area or the case. In a
flood the lines of one rule in one street are grouped into one line with a count (opened, it lists
its alarms), and a banner says for how long the room has been flooded. Only a new unacknowledged
high-priority alarm blinks, until it is acknowledged.

``AlarmSummary`` is the overview's line: unacknowledged alarms by priority and the age of the oldest;
red only when a high-priority one waits. Names that come from the backend (departments, case
titles) pass the untrusted-text helper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.alarms.floods import AlarmGroup, grouped
from console.core.alarms.settings import Priority, Rule
from console.core.alarms.states import Alarm, AlarmState, SubjectKind
from console.core.situation import Situation
from console.core.untrusted import one_line, tooltip
from widgets import labels
from widgets.i18n import QT_TRANSLATE_NOOP

RULE_NAMES: dict[Rule, str] = {
    Rule.URGENT_NEW: QT_TRANSLATE_NOOP("AlarmList", "紧急案件未派遣"),
    Rule.CASE_RED: QT_TRANSLATE_NOOP("AlarmList", "紧急案件超期"),
    Rule.GRID_RED: QT_TRANSLATE_NOOP("AlarmList", "网格超期聚集"),
    Rule.BUCK_PASSING: QT_TRANSLATE_NOOP("AlarmList", "推诿扯皮"),
    Rule.HARD: QT_TRANSLATE_NOOP("AlarmList", "转为疑难"),
    Rule.STREET_ESCALATION: QT_TRANSLATE_NOOP("AlarmList", "街道上报超控制线"),
    Rule.DEPARTMENT_OVERDUE: QT_TRANSLATE_NOOP("AlarmList", "部门超期积压"),
    Rule.BURST_GRID: QT_TRANSLATE_NOOP("AlarmList", "网格同类集中上报"),
    Rule.BURST_CATEGORY: QT_TRANSLATE_NOOP("AlarmList", "同类案件激增"),
    Rule.LINK: QT_TRANSLATE_NOOP("AlarmList", "数据链路中断"),
    Rule.STORE: QT_TRANSLATE_NOOP("AlarmList", "本地存储积压"),
    Rule.CAMERA_OFFLINE: QT_TRANSLATE_NOOP("AlarmList", "紧急案件附近摄像头离线"),
}
PRIORITY_NAMES: dict[Priority, str] = {
    Priority.HIGH: QT_TRANSLATE_NOOP("AlarmList", "高"),
    Priority.MEDIUM: QT_TRANSLATE_NOOP("AlarmList", "中"),
    Priority.LOW: QT_TRANSLATE_NOOP("AlarmList", "低"),
}
STATE_NAMES: dict[AlarmState, str] = {
    AlarmState.UNACKNOWLEDGED: QT_TRANSLATE_NOOP("AlarmList", "未确认"),
    AlarmState.ACKNOWLEDGED: QT_TRANSLATE_NOOP("AlarmList", "已确认"),
    AlarmState.RETURNED_UNACKNOWLEDGED: QT_TRANSLATE_NOOP("AlarmList", "已恢复未确认"),
    AlarmState.NORMAL: QT_TRANSLATE_NOOP("AlarmList", "正常"),
    AlarmState.SHELVED: QT_TRANSLATE_NOOP("AlarmList", "已搁置"),
    AlarmState.OUT_OF_SERVICE: QT_TRANSLATE_NOOP("AlarmList", "停用"),
}
_COLUMNS = (
    QT_TRANSLATE_NOOP("AlarmList", "级别"), QT_TRANSLATE_NOOP("AlarmList", "告警"),
    QT_TRANSLATE_NOOP("AlarmList", "对象"), QT_TRANSLATE_NOOP("AlarmList", "发生"),
    QT_TRANSLATE_NOOP("AlarmList", "状态"), QT_TRANSLATE_NOOP("AlarmList", "处置"),
)  # fmt: skip
_SUBJECT = 2
_PRIORITY_COLOURS = {
    Priority.HIGH: QColor("#e05252"),
    Priority.MEDIUM: QColor("#e0a030"),
    Priority.LOW: QColor("#8fa3b8"),
}
_BLINK_MS = 600
_BLINK_COLOUR = QColor("#7a1f1f")
_NO_COLOUR = QColor(0, 0, 0, 0)
_MEMO_S = 60.0  # an alarm's line is made afresh at least this often (names from the backend may change)
LINES_SHOWN = 500  # the most urgent and newest lines listed; the rest counted below the list (filters narrow it)
_SHELVE_MINUTES = (15, 30, 60, 120, 240, 480)


def _translated(text: str) -> str:
    """A text marked for translation where it was defined (QT_TRANSLATE_NOOP), translated now."""
    return QCoreApplication.translate("AlarmList", text)


@dataclass(frozen=True)
class AlarmView:
    """What the list is given at each repaint."""

    alarms: Sequence[Alarm]
    now: float
    flood_since: float | None
    pending: Callable[[str], bool]  # whether an operator's action on this alarm awaits the backend's echo


class AlarmList(QWidget):
    """The alarm list; see the module docstring.

    Signals:
        acknowledge_requested(list): ids to acknowledge.
        shelve_requested(list, str, float): ids, the reason, minutes.
        unshelve_requested(list): ids.
        alarm_activated(str, str): the subject kind and the subject (lead there).
        figures_requested(): the alarm system's own figures were asked for.
    """

    acknowledge_requested = Signal(list)
    shelve_requested = Signal(list, str, float)
    unshelve_requested = Signal(list)
    alarm_activated = Signal(str, str)
    figures_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmList")
        self.flood = QLabel()
        self.flood.setObjectName("floodBanner")
        self.flood.hide()
        self.priority = self._combo(
            [
                (self.tr("全部级别"), None),
                *((_translated(PRIORITY_NAMES[p]), p) for p in Priority),
            ]
        )
        self.state = self._combo(
            [
                (self.tr("全部状态"), None),
                *((_translated(STATE_NAMES[s]), s) for s in AlarmState if s is not AlarmState.NORMAL),
            ]
        )
        self.rule = self._combo(
            [
                (self.tr("全部告警"), None),
                *((_translated(RULE_NAMES[r]), r) for r in Rule),
            ]
        )
        self.street = self._combo([(self.tr("全部街道"), None)])
        filters = QGridLayout()  # two by two: the list fits a narrow dock
        for i, combo in enumerate((self.priority, self.state, self.rule, self.street)):
            combo.currentIndexChanged.connect(self._repaint)
            filters.addWidget(combo, i // 2, i % 2)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(_COLUMNS))
        self.tree.setHeaderLabels([_translated(c) for c in _COLUMNS])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setRootIsDecorated(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        # one wrapper of the root for good: an item put in through one root wrapper and taken out
        # through another can stay alive in PySide even once deleted (tried on PySide6 6.12.0)
        self._root = self.tree.invisibleRootItem()
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemExpanded.connect(lambda item: self._open_group(item, True))
        self.tree.itemCollapsed.connect(lambda item: self._open_group(item, False))
        self.ack = QPushButton(self.tr("确认"))
        self.shelf = QPushButton(self.tr("搁置…"))
        self.unshelf = QPushButton(self.tr("取消搁置"))
        self.figures = QPushButton(self.tr("统计…"))
        self.figures.setToolTip(self.tr("告警系统运行指标：每小时告警数、泛滥时段、抖动与长期告警"))
        self.figures.clicked.connect(self.figures_requested.emit)
        self.ack.setToolTip(self.tr("确认所选告警（空格键）"))
        self.shelf.setToolTip(self.tr("搁置所选告警：须写明原因和时长（S 键）"))
        self.ack.clicked.connect(self.acknowledge_selected)
        self.shelf.clicked.connect(self.shelve_selected)
        self.unshelf.clicked.connect(self.unshelve_selected)
        buttons = QHBoxLayout()
        for b in (self.ack, self.shelf, self.unshelf, self.figures):
            # a dock squeezed narrower than the buttons' text shortens them, it does not widen the wall
            b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(48)
        for b in (self.ack, self.shelf, self.unshelf):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.figures)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.flood)
        layout.addLayout(filters)
        layout.addWidget(self.tree, 1)
        self.more = QLabel()  # the lines not listed, counted
        self.more.setWordWrap(True)
        self.more.setVisible(False)
        layout.addWidget(self.more)
        layout.addLayout(buttons)
        self.tree.installEventFilter(self)  # Space and S on the list (an item view takes Space for itself)
        self._view: AlarmView | None = None
        self._rows: list[_Row] = []  # what the tree shows, one per top-level item
        self._open: set[str] = set()  # the flood groups opened: only their alarms are made into lines
        self._syncing = False  # the tree is being made to match: its expansions are not the commander's
        # each alarm's line and what it was made from; made again when that changes, and all of
        # them at most _MEMO_S apart (subject names come from the situation) or for another situation
        self._memo: dict[str, tuple[tuple[object, ...], _Row]] = {}
        self._memo_next: dict[str, tuple[tuple[object, ...], _Row]] = {}
        self._memo_of: Situation | None = None
        self._memo_since = 0.0
        self._situation: Situation | None = None
        self._blinking: set[str] = set()  # new unacknowledged high-priority alarms, until acknowledged
        self._blink_on = False
        self._painted: list[QTreeWidgetItem] = []  # the lines painted for blinking, on or off
        self._blink = QTimer(self)
        self._blink.setInterval(_BLINK_MS)
        self._blink.timeout.connect(self._toggle_blink)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and event.type() is QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            if plain and event.key() == Qt.Key.Key_Space:
                self.acknowledge_selected()
                return True
            if plain and event.key() == Qt.Key.Key_S:
                self.shelve_selected()
                return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _combo(entries: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(3)  # a narrow dock shrinks the filters, not the wall
        for text, data in entries:
            combo.addItem(text, data)
        return combo

    # ------------------------------------------------------------------ showing
    def show_alarms(self, view: AlarmView, situation: Situation) -> None:
        self._view, self._situation = view, situation
        self._blinking &= {a.id for a in view.alarms if a.state(view.now) is AlarmState.UNACKNOWLEDGED}
        self._fill_streets(situation)
        self._repaint()

    def call_attention(self, ids: Sequence[str]) -> None:
        """Alarms raised anew: the high-priority ones blink until acknowledged."""
        if self._view is None:
            return
        by_id = {a.id: a for a in self._view.alarms}
        self._blinking |= {i for i in ids if i in by_id and by_id[i].priority is Priority.HIGH}
        if self._blinking and not self._blink.isActive():
            self._blink.start()

    def _fill_streets(self, situation: Situation) -> None:
        wanted = sorted({a.street for a in self._view.alarms if a.street} if self._view else set())
        have = [self.street.itemData(i) for i in range(1, self.street.count())]
        if have == wanted:
            return
        names = labels.street_names(situation)
        chosen = self.street.currentData()
        self.street.blockSignals(True)
        while self.street.count() > 1:
            self.street.removeItem(1)
        for code in wanted:
            self.street.addItem(one_line(names.get(code, code)), code)
        self.street.setCurrentIndex(max(0, self.street.findData(chosen)) if chosen else 0)
        self.street.blockSignals(False)

    def shown(self) -> list[Alarm]:
        """The alarms the filters let through, in the list's order."""
        if self._view is None:
            return []
        now = self._view.now
        wanted = (
            self.priority.currentData(),
            self.state.currentData(),
            self.rule.currentData(),
            self.street.currentData(),
        )
        return [
            a for a in self._view.alarms
            if (wanted[0] is None or a.priority is wanted[0]) and (wanted[1] is None or a.state(now) is wanted[1])
            and (wanted[2] is None or a.rule is wanted[2]) and (wanted[3] is None or a.street == wanted[3])
        ]  # fmt: skip

    def _repaint(self) -> None:
        view, sit = self._view, self._situation
        if view is None or sit is None:
            return
        kept = self.tree.selectedItems()
        selected = set(self.selected_ids())
        flood = view.flood_since is not None
        if flood:
            minutes = max(0, int((view.now - (view.flood_since or view.now)) // 60))
            self.flood.setText(
                QCoreApplication.translate(
                    "AlarmList", "⚠ 告警泛滥：已持续 {0} 分钟 — 同一街道的同类告警已合并"
                ).format(minutes)
            )
        self.flood.setVisible(flood)
        names = _Names(sit)
        if sit is not self._memo_of or view.now - self._memo_since >= _MEMO_S:  # names may have changed
            self._memo, self._memo_of, self._memo_since = {}, sit, view.now
        groups = grouped(self.shown(), flood)
        rows = [self._group_row(group, view, names) for group in groups[:LINES_SHOWN]]
        self._say_more(groups[LINES_SHOWN:])
        self._memo, self._memo_next = self._memo_next, {}  # only the alarms still shown are kept
        old, self._rows = self._rows, rows
        self._open &= {row.line for row in rows if row.group}
        if old != rows:
            self.tree.setUpdatesEnabled(False)
            self._syncing = True
            _sync(self._root, old, rows, selected)
            for i, row in enumerate(rows):  # a group made anew, or moved, open as the commander left it
                if row.group and (item := self.tree.topLevelItem(i)) is not None:
                    item.setExpanded(row.line in self._open)
            self._syncing = False
            for item in kept:  # still shown (moved, perhaps): selected again
                if shiboken6.isValid(item) and item.treeWidget() is self.tree:
                    item.setSelected(True)
            self.tree.setUpdatesEnabled(True)
        self._paint_blink()

    def _open_group(self, item: QTreeWidgetItem, opened: bool) -> None:
        """The commander opened or closed a flood group: its alarms' lines are made, or let go."""
        i = self.tree.indexOfTopLevelItem(item)
        if self._syncing or not 0 <= i < len(self._rows) or not self._rows[i].group:
            return
        line = self._rows[i].line
        if opened != (line in self._open):
            (self._open.add if opened else self._open.discard)(line)
            self._repaint()

    def _group_row(self, group: AlarmGroup, view: AlarmView, names: _Names) -> _Row:
        first = group.alarms[0]
        if not group.grouped:
            return self._alarm_row(first, view, names)
        street = one_line(names.street(group.street)) if group.street else self.tr("全区")
        states = {a.state(view.now) for a in group.alarms}
        state = AlarmState.UNACKNOWLEDGED if AlarmState.UNACKNOWLEDGED in states else first.state(view.now)
        rule = self.tr("{0} ×{1}").format(_translated(RULE_NAMES[group.rule]), len(group.alarms))
        texts = (
            _translated(PRIORITY_NAMES[group.priority]), rule, street,
            labels.clock(group.newest, with_date=False), _translated(STATE_NAMES[state]), "",
        )  # fmt: skip
        line = f"{group.rule.value} {group.street}"
        # a group's alarms are made into lines only while it is open: in a flood there are thousands
        shown = group.alarms[:LINES_SHOWN] if line in self._open else ()
        children = tuple(self._alarm_row(a, view, names) for a in shown)
        ids = tuple(a.id for a in group.alarms)  # all of them: acknowledging the line acknowledges them all
        return _Row(line, texts, ids, group.priority, None, "", children, group=True)

    def _say_more(self, unlisted: Sequence[AlarmGroup]) -> None:
        """Count the lines not listed (with more lines than ``LINES_SHOWN`` the list would cost the
        GUI thread more at each showing, and nobody reads that far): how many, and how many of
        them wait for an acknowledgement."""
        if not unlisted:
            self.more.setVisible(False)
            return
        now = self._view.now if self._view is not None else 0.0
        alarms = [a for group in unlisted for a in group.alarms]
        waiting = sum(1 for a in alarms if a.annunciated(now))
        self.more.setText(
            self.tr("另有 {0} 条告警未列出（排在以上 {1} 行之后），其中 {2} 条待确认；请用筛选缩小范围").format(
                len(alarms), LINES_SHOWN, waiting
            )
        )
        self.more.setVisible(True)

    def _alarm_row(self, a: Alarm, view: AlarmView, names: _Names) -> _Row:
        """An alarm's line; made again only when what it shows may have changed (there can be
        thousands in a flood, shown twice a second)."""
        state = a.state(view.now)
        op = a.operator
        pending = view.pending(a.id)
        shelved = op.shelving is not None and view.now < op.shelving.until
        title = names.case_title(a)
        key = (a.priority, a.rule, a.raised_at, state, op, shelved, pending, title)
        memo = self._memo.get(a.id)
        if memo is not None and memo[0] == key:
            self._memo_next[a.id] = memo
            return memo[1]
        handling = _handling(a, view)
        if pending:
            handling = self.tr("⏳ 待后端确认") + (f" · {handling}" if handling else "")
        subject = names.subject(a)
        texts = (
            _translated(PRIORITY_NAMES[a.priority]), _translated(RULE_NAMES[a.rule]), subject,
            labels.clock(a.raised_at, with_date=False), _translated(STATE_NAMES[state]), handling,
        )  # fmt: skip
        row = _Row(a.id, texts, (a.id,), a.priority, (a.kind.value, a.subject), tooltip(subject))
        self._memo_next[a.id] = (key, row)
        return row

    # ------------------------------------------------------------------ blinking
    def _toggle_blink(self) -> None:
        self._blink_on = not self._blink_on
        if not self._blinking:
            self._blink.stop()
            self._blink_on = False
        self._paint_blink()

    def _paint_blink(self) -> None:
        """Paint the blinking lines, and clear those that stopped; the other lines are not touched
        (a list of a thousand latched alarms took ~25 ms to repaint whole, twice a second)."""
        blinking = self._blinking
        lines = [self.tree.topLevelItem(i) for i, row in enumerate(self._rows) if not blinking.isdisjoint(row.ids)]
        colour = _BLINK_COLOUR if self._blink_on else _NO_COLOUR
        for item in self._painted:
            if shiboken6.isValid(item) and not any(item is line for line in lines):  # not a line let go
                _paint(item, _NO_COLOUR)
        for line in lines:
            if line is not None:
                _paint(line, colour)
        self._painted = [line for line in lines if line is not None]

    def blinking(self) -> set[str]:
        return set(self._blinking)

    # ------------------------------------------------------------------ actions
    def selected_ids(self) -> list[str]:
        ids: list[str] = []
        for item in self.tree.selectedItems():
            for ident in item.data(0, Qt.ItemDataRole.UserRole) or []:
                if ident not in ids:
                    ids.append(ident)
        return ids

    def acknowledge_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self._blinking -= set(ids)
            self.acknowledge_requested.emit(ids)

    def shelve_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("搁置告警"),
            self.tr("搁置原因（必填）："),
        )
        if not ok or not reason.strip():
            return
        choices = [self.tr("{0} 分钟").format(m) for m in _SHELVE_MINUTES]
        chosen, ok = QInputDialog.getItem(
            self,
            self.tr("搁置告警"),
            self.tr("搁置多久："),
            choices,
            2,
            False,
        )
        if ok:
            self._blinking -= set(ids)
            self.shelve_requested.emit(ids, reason.strip(), float(_SHELVE_MINUTES[choices.index(chosen)]))

    def unshelve_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.unshelve_requested.emit(ids)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        target = item.data(_SUBJECT, Qt.ItemDataRole.UserRole)
        if target:
            kind, subject = target
            self.alarm_activated.emit(kind, subject)


class AlarmSummary(QLabel):
    """The overview's line: unacknowledged alarms by priority and the age of the oldest."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmSummary")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_alarms([], 0.0, None)

    def show_alarms(self, alarms: Sequence[Alarm], now: float, flood_since: float | None) -> None:
        waiting = [a for a in alarms if a.annunciated(now)]
        counts = {p: sum(1 for a in waiting if a.priority is p) for p in Priority}
        if not waiting:
            self.setText(self.tr("告警：无待确认"))
            level = "normal"
        else:
            oldest = labels.duration(now - min(a.raised_at for a in waiting))
            self.setText(
                self.tr("告警待确认 高 {0} · 中 {1} · 低 {2} · 最久 {3}").format(
                    counts[Priority.HIGH], counts[Priority.MEDIUM], counts[Priority.LOW], oldest
                )
                + (self.tr(" · 泛滥中") if flood_since is not None else "")
            )
            level = "alarm" if counts[Priority.HIGH] else "warn"
        if self.property("level") != level:
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)

    def mousePressEvent(self, event: object) -> None:
        self.clicked.emit()


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of the list as shown (an alarm, or a flood's group of them with its alarms below)."""

    line: str  # what the line is: an alarm's id, or a group's rule and street (matched from one showing to the next)
    texts: tuple[str, ...]
    ids: tuple[str, ...]
    priority: Priority
    target: tuple[str, str] | None  # (subject kind, subject) of a single alarm: where activating it leads
    tip: str
    children: tuple[_Row, ...] = ()  # a group's alarms, while it is open
    group: bool = False  # a flood's group: it can be opened


def _paint(item: QTreeWidgetItem, colour: QColor) -> None:
    for col in range(item.columnCount()):
        item.setBackground(col, colour)


def _sync(parent: QTreeWidgetItem, old: Sequence[_Row], new: Sequence[_Row], selected: set[str]) -> None:
    """Make the lines under ``parent`` (which show ``old``) show ``new``. Lines are matched by what
    they are (an alarm, or a flood's group); a matched line that changed is updated in place, and
    one that moved is moved, so it stays selected (the caller opens the groups left open); lines
    no longer shown are taken out, new ones made. Under load the list is shown twice a second:
    remaking hundreds of lines each time held the GUI thread for tens of milliseconds.
    ``selected``: the ids selected before, for the lines made anew (the caller selects the lines
    that were selected again: moving a line unselects it)."""
    ops = SequenceMatcher(None, [x.line for x in old], [x.line for x in new], autojunk=False).get_opcodes()
    moved: dict[str, tuple[QTreeWidgetItem, _Row]] = {}
    for tag, i1, i2, j1, j2 in reversed(ops):  # from the end: the earlier indices stay right
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                item = parent.child(i)
                if old[i] is not new[j] and old[i] != new[j] and item is not None:
                    _update(item, old[i], new[j], selected)
            continue
        for i in reversed(range(i1, i2)):
            if (taken := parent.takeChild(i)) is not None:
                moved[old[i].line] = (taken, old[i])
    for tag, _i1, _i2, j1, j2 in ops:  # what is left are the matched lines, in order: fill in the rest
        if tag == "equal":
            continue
        items, made = [], []
        for row in new[j1:j2]:
            if (found := moved.pop(row.line, None)) is None:
                items.append(item := _item(row))
                made.append((item, row))
                continue
            item, was = found
            _update(item, was, row, selected)
            items.append(item)
        parent.insertChildren(j1, items)
        for item, row in made:
            if set(row.ids) <= selected if row.group else row.ids[0] in selected:
                item.setSelected(True)  # a line made anew for what was selected (a group, as a whole)
    for item, _row in moved.values():  # lines no longer shown: a taken item is nobody's, so it is deleted
        shiboken6.delete(item)  # (kept, every line that left the list stayed in memory for good)


def _update(item: QTreeWidgetItem, old: _Row, new: _Row, selected: set[str]) -> None:
    """Make ``item`` (which shows ``old``, the same alarm or group) show ``new``."""
    for col, (was, now) in enumerate(zip(old.texts, new.texts, strict=True)):
        if was != now:
            item.setText(col, now)
    if old.ids != new.ids:
        item.setData(0, Qt.ItemDataRole.UserRole, list(new.ids))
    if old.priority is not new.priority:
        item.setForeground(0, _PRIORITY_COLOURS[new.priority])
    if (old.target, old.tip) != (new.target, new.tip):
        item.setData(_SUBJECT, Qt.ItemDataRole.UserRole, new.target)
        item.setToolTip(_SUBJECT, new.tip)
    if old.children != new.children:
        _sync(item, old.children, new.children, selected)


def _item(row: _Row) -> QTreeWidgetItem:
    item = QTreeWidgetItem(list(row.texts))
    item.setData(0, Qt.ItemDataRole.UserRole, list(row.ids))
    item.setForeground(0, _PRIORITY_COLOURS[row.priority])
    if row.target is not None:
        item.setData(_SUBJECT, Qt.ItemDataRole.UserRole, row.target)
        item.setToolTip(_SUBJECT, row.tip)  # a tooltip may be rich text: made safe by ``tooltip``
    if row.group:  # it can be opened before its alarms are made into lines
        item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
    for child in row.children:
        item.addChild(_item(child))
    return item


class _Names:
    """The names of an alarm's subject, from the situation on show (backend names are untrusted)."""

    def __init__(self, sit: Situation) -> None:
        self._sit = sit
        self._streets: dict[str, str] | None = None  # made when first asked for (it reads every record)
        self._depts: dict[str, str] | None = None

    def street(self, code: str) -> str:
        if self._streets is None:
            self._streets = labels.street_names(self._sit)
        return self._streets.get(code, code)

    def case_title(self, a: Alarm) -> str | None:
        """The title of a case alarm's case (None for other alarms, or a case no longer held)."""
        if a.kind is not SubjectKind.CASE:
            return None
        s = self._sit.cases.get(a.subject)
        return None if s is None else s.title

    def subject(self, a: Alarm) -> str:
        sit = self._sit
        match a.kind:
            case SubjectKind.CASE:
                s = sit.cases.get(a.subject)
                return f"{a.subject} {one_line(s.title, 30)}" if s is not None else a.subject
            case SubjectKind.GRID:
                grid, _, category = a.subject.partition(":")
                place = labels.grid_name(sit.district, grid)
                if category:
                    return f"{place} · {labels.category_name(sit.district, category)}"
                return place
            case SubjectKind.STREET:
                return one_line(self.street(a.subject))
            case SubjectKind.DEPARTMENT:
                if self._depts is None:
                    self._depts = labels.department_names(sit)
                return one_line(self._depts.get(a.subject, a.subject))
            case SubjectKind.CATEGORY:
                return labels.category_name(sit.district, a.subject)
            case SubjectKind.CAMERA:
                camera = sit.records.get(f"/camera/{a.subject}")
                name = getattr(camera, "name", "")
                return one_line(f"{name} ({a.subject})" if name else a.subject)
            case SubjectKind.LINK:
                return QCoreApplication.translate("AlarmList", "后端数据链路")
            case _:
                return QCoreApplication.translate("AlarmList", "本地存储")


def _handling(a: Alarm, view: AlarmView) -> str:
    op = a.operator
    parts = []
    if op.shelving is not None and view.now < op.shelving.until:
        parts.append(
            QCoreApplication.translate("AlarmList", "{0} 搁置至 {1}：{2}").format(
                one_line(op.shelving.by, 20), labels.clock(op.shelving.until, with_date=False),
                one_line(op.shelving.reason, 40),
            )
        )  # fmt: skip
    elif a.acknowledged and op.acknowledged_by:
        parts.append(QCoreApplication.translate("AlarmList", "{0} 已确认").format(one_line(op.acknowledged_by, 20)))
    if op.comment:
        parts.append(one_line(op.comment, 40))
    return " · ".join(parts)
