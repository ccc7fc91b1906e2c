"""The coordination council's board: the agenda of hard cases on the left, the dossier of the case
under discussion on the right — its bounce graph, what it cost, who could own it, earlier decisions —
and the form that records the meeting's decision.

The board only shows and asks: the shell builds the agenda and the dossier from the situation on
show, and sends the decision through its command service (``decision_wanted``); what the backend
said (pending, confirmed, refused) comes back through ``show_status``. Untrusted text (titles,
department names as the backend gives them, notes) is drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.council import AgendaItem, Dossier, Reason
from console.core.untrusted import one_line
from server_link import records as r
from server_link.workcal import BEIJING
from widgets.bounce_graph import BounceGraph
from widgets.council_room import RoomView
from widgets.i18n import QT_TRANSLATE_NOOP
from widgets.labels import clock, duration

REASONS: Final = {
    Reason.ADDED: QT_TRANSLATE_NOOP("Council", "指挥台提交"),
    Reason.BUCK_PASSING: QT_TRANSLATE_NOOP("Council", "推诿"),
    Reason.RETURNS: QT_TRANSLATE_NOOP("Council", "多次退回"),
    Reason.OVERDUE: QT_TRANSLATE_NOOP("Council", "超期"),
    Reason.ESCALATED: QT_TRANSLATE_NOOP("Council", "街道上报"),
    Reason.HARD: QT_TRANSLATE_NOOP("Council", "疑难"),
}
ACTIONS: Final = (
    (r.DecisionAction.ASSIGN, QT_TRANSLATE_NOOP("Council", "指定承办")),
    (r.DecisionAction.JOINT, QT_TRANSLATE_NOOP("Council", "牵头 + 配合")),
    (r.DecisionAction.REROUTE, QT_TRANSLATE_NOOP("Council", "改派")),
    (r.DecisionAction.CLOSE, QT_TRANSLATE_NOOP("Council", "结案")),
    (r.DecisionAction.NOTE, QT_TRANSLATE_NOOP("Council", "仅记录")),
)
TITLE_CHARS: Final = 40
CANDIDATES_SHOWN: Final = 6  # in the facts line; the form lists them all, first


@dataclass(frozen=True)
class DecisionForm:
    """What the meeting decided, as the form holds it."""

    case_no: str
    action: r.DecisionAction
    dept: str | None
    supporting: tuple[str, ...]
    deadline: datetime | None
    note: str


def reason_text(reasons: Sequence[Reason]) -> str:
    return "、".join(QCoreApplication.translate("Council", REASONS[x]) for x in reasons)


class CouncilBoard(QWidget):
    """The agenda, the dossier and the decision form; see the module docstring.

    Signals:
        case_chosen(str): the meeting moved to this case (the shell shows its dossier).
        decision_wanted(object): a ``DecisionForm`` to send.
        minutes_wanted(): the meeting's minutes as a PDF (导出会议纪要).
        freeze_wanted(bool): hold the whole wall at the meeting's start (True), or back to live.
        move_wanted(str, int): move this case to that position of the agenda (0: first).
        remove_wanted(str): take this case off the agenda.
        drive_toggled(bool): this console drives the room's wall (its case is the room's), or not.
    """

    case_chosen = Signal(str)
    decision_wanted = Signal(object)
    minutes_wanted = Signal()
    freeze_wanted = Signal(bool)
    move_wanted = Signal(str, int)
    remove_wanted = Signal(str)
    drive_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("councilBoard")
        self.case_no: str | None = None
        self.items: list[AgendaItem] = []  # the agenda as last shown, in its order
        self.agenda = QListWidget()
        self.agenda.setObjectName("agenda")
        self.agenda.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.agenda.currentItemChanged.connect(self._on_current)
        self.agenda_title = QLabel()
        self.up = QPushButton(self.tr("上移"))
        self.down = QPushButton(self.tr("下移"))
        self.top = QPushButton(self.tr("置顶"))
        self.remove = QPushButton(self.tr("移出议程"))
        self.remove.setObjectName("removeFromAgenda")
        for button, step in ((self.up, -1), (self.down, 1), (self.top, None)):
            button.clicked.connect(lambda _=False, step=step: self._move(step))
        self.remove.clicked.connect(self._on_remove)
        self.reorder = QWidget()  # the agenda's controls: for a role that may change it
        reorder = QHBoxLayout(self.reorder)
        reorder.setContentsMargins(0, 0, 0, 0)
        for button in (self.up, self.down, self.top, self.remove):
            reorder.addWidget(button)
        self.drive = QPushButton(self.tr("由本台主持"))
        self.drive.setObjectName("driveRoom")
        self.drive.setCheckable(True)
        self.drive.setToolTip(self.tr("本台选中的案件同时显示在会商室的每台会商席上；不主持时跟随主持席"))
        self.drive.toggled.connect(self.drive_toggled)
        self.present = QPushButton(self.tr("大字演示（F5）"))
        self.present.setObjectName("presentCase")
        self.present.setCheckable(True)
        self.present.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.present.toggled.connect(self.set_presenting)
        self.room = RoomView(self)
        self.room.closed.connect(lambda: self.set_presenting(False))
        self._names: Mapping[str, str] = {}
        self.started = datetime.now(BEIJING)  # the meeting: from the board's start
        self.attendees = QLineEdit()
        self.attendees.setObjectName("attendees")
        self.attendees.setMaxLength(500)
        self.attendees.setPlaceholderText(self.tr("参会人员，以顿号或逗号分隔"))
        self.minutes = QPushButton(self.tr("导出会议纪要"))
        self.minutes.setObjectName("exportMinutes")
        self.minutes.clicked.connect(self.minutes_wanted)
        self.freeze = QPushButton(self.tr("冻结于会议开始"))
        self.freeze.setObjectName("freezeMeeting")
        self.freeze.setCheckable(True)
        self.freeze.setToolTip(
            self.tr("整面墙停在会议开始的时刻（回放），讨论的数据不再变化；再按一次或按 Esc 回到实时")
        )
        self.freeze.toggled.connect(self.freeze_wanted)
        self.heading = _plain(QLabel(self.tr("议程为空")))
        self.heading.setObjectName("dossierHeading")
        self.heading.setWordWrap(True)
        self.graph = BounceGraph()
        self.facts = _plain(QLabel())
        self.facts.setWordWrap(True)
        self.earlier = QTableWidget(0, 4)
        self.earlier.setHorizontalHeaderLabels([self.tr("序号"), self.tr("时间"), self.tr("决定"), self.tr("说明")])
        self.earlier.verticalHeader().hide()
        self.earlier.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.earlier.horizontalHeader().setStretchLastSection(True)
        self.earlier.setMaximumHeight(140)

        self.action = QComboBox()
        for action, text in ACTIONS:
            self.action.addItem(QCoreApplication.translate("Council", text), action)
        self.lead = QComboBox()
        self.supporting = QListWidget()
        self.supporting.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.supporting.setMaximumHeight(90)
        self.with_deadline = QCheckBox(self.tr("新时限"))
        self.deadline = QDateTimeEdit()
        self.deadline.setCalendarPopup(True)
        self.deadline.setTimeZone(QTimeZone(b"Asia/Shanghai"))
        self.deadline.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.deadline.setEnabled(False)
        self.with_deadline.toggled.connect(self.deadline.setEnabled)
        self.note = QLineEdit()
        self.note.setMaxLength(4000)
        self.note.setPlaceholderText(self.tr("会议意见（随决定发送）"))
        self.send = QPushButton(self.tr("记录并发送决定"))
        self.send.setObjectName("sendDecision")
        self.send.clicked.connect(self._on_send)
        self.status = _plain(QLabel())
        self.status.setObjectName("decisionStatus")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("决定"), self.action)
        form.addRow(self.tr("牵头部门"), self.lead)
        form.addRow(self.tr("配合部门"), self.supporting)
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(self.with_deadline)
        deadline_row.addWidget(self.deadline, 1)
        form.addRow(self.tr("时限"), deadline_row)
        form.addRow(self.tr("意见"), self.note)
        self.action.currentIndexChanged.connect(self._follow_action)
        self.decide = QWidget()
        decide = QVBoxLayout(self.decide)
        decide.setContentsMargins(0, 0, 0, 0)
        decide.addLayout(form)
        decide.addWidget(self.send, 0, Qt.AlignmentFlag.AlignLeft)
        decide.addWidget(self.status)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.agenda_title)
        left_layout.addWidget(self.agenda, 1)
        left_layout.addWidget(self.reorder)
        left_layout.addWidget(self.attendees)
        left_layout.addWidget(self.minutes)
        left_layout.addWidget(self.freeze)
        left_layout.addWidget(self.drive)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.present, 0, Qt.AlignmentFlag.AlignRight)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.graph)
        right_layout.addWidget(self.facts)
        right_layout.addWidget(_plain(QLabel(self.tr("以往决定"))))
        right_layout.addWidget(self.earlier)
        right_layout.addWidget(self.decide)
        right_layout.addStretch(1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.agenda.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self._follow_action()

    # ------------------------------------------------------------------ the agenda
    def show_agenda(self, items: Sequence[AgendaItem], titles: Mapping[str, str]) -> None:
        """The agenda in its order; the case under discussion stays current if it is still on it."""
        current = self.case_no
        self.items = list(items)
        self.agenda.blockSignals(True)
        self.agenda.clear()
        for i, item in enumerate(items, start=1):
            overdue = self.tr("，超期 {0}").format(duration(item.overdue_s)) if item.overdue_s > 0 else ""
            text = f"{i}. {one_line(item.case_no, 32)}　{one_line(titles.get(item.case_no, ''), TITLE_CHARS)}\n"
            note = f"（{one_line(item.note, 60)}）" if item.note else ""
            row = QListWidgetItem(text + reason_text(item.reasons) + note + overdue)
            row.setData(Qt.ItemDataRole.UserRole, item.case_no)
            self.agenda.addItem(row)
            if item.case_no == current:
                self.agenda.setCurrentItem(row)
        self.agenda.blockSignals(False)
        self.agenda_title.setText(self.tr("议程 · {0} 件").format(len(items)))
        if current is None and items:
            self.agenda.setCurrentRow(0)

    @property
    def agenda_cases(self) -> list[str]:
        return [str(self.agenda.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.agenda.count())]

    def _on_current(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.case_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def choose(self, case_no: str) -> bool:
        """Make ``case_no`` the case under discussion, if it is on the agenda (following the room)."""
        cases = self.agenda_cases
        if case_no not in cases:
            return False
        self.agenda.setCurrentRow(cases.index(case_no))
        return True

    def allow_agenda(self, allowed: bool) -> None:
        """Show the agenda's controls and the room's drive only for a role that may change them."""
        self.reorder.setVisible(allowed)
        self.drive.setVisible(allowed)

    def _move(self, step: int | None) -> None:
        row = self.agenda.currentRow()
        if row < 0:
            return
        to = 0 if step is None else row + step
        if 0 <= to < self.agenda.count() and to != row:
            self.move_wanted.emit(self.agenda_cases[row], to)

    def _on_remove(self) -> None:
        if self.case_no is not None and self.case_no in self.agenda_cases:
            self.remove_wanted.emit(self.case_no)

    def set_presenting(self, on: bool) -> None:
        """The room's screen (``RoomView``): the case under discussion alone, in large type, full
        screen on another screen if there is one; F5 again, Esc on it, or the button closes it."""
        self.present.blockSignals(True)
        self.present.setChecked(on)
        self.present.blockSignals(False)
        if on:
            self._show_in_room()
            self.room.open_on_a_screen(self)
        elif self.room.isVisible():
            self.room.close()

    def _show_in_room(self) -> None:
        self.room.show_case(self.graph.dossier, self.heading.text(), self.facts.text(), self._names)

    # ------------------------------------------------------------------ the dossier
    def show_dossier(
        self, dossier: Dossier | None, title: str, names: Mapping[str, str], departments: Sequence[str]
    ) -> None:
        """The case's dossier; ``departments`` (ids) fill the form's choices, candidates first."""
        if dossier is None:
            self.case_no = None
            self.heading.setText(self.tr("议程为空"))
            self.graph.show_dossier(None, names)
            self.facts.clear()
            self.earlier.setRowCount(0)
            self.decide.setEnabled(False)
            if self.room.isVisible():
                self._show_in_room()
            return
        changed = dossier.case_no != self.case_no
        self.case_no = dossier.case_no
        self.heading.setText(f"{one_line(dossier.case_no, 32)}　{one_line(title, 100)}")
        self.graph.show_dossier(dossier, names)
        self._names = names
        returns = sum(1 for h in dossier.hops if h.kind.value == "return")
        shown = "、".join(one_line(names.get(d, d), 20) for d in dossier.candidates[:CANDIDATES_SHOWN])
        more = len(dossier.candidates) - CANDIDATES_SHOWN
        candidates = (shown + (self.tr(" 等 {0} 个").format(len(dossier.candidates)) if more > 0 else "")) or self.tr(
            "（无）"
        )
        self.facts.setText(
            self.tr("流转 {0} 次，退回 {1} 次，推诿耗时 {2}；反映 {3} 次；职责相符的部门：{4}").format(
                len(dossier.hops), returns, duration(dossier.lost_s), dossier.reports, candidates
            )
        )
        self.earlier.setRowCount(len(dossier.decisions))
        for row, d in enumerate(dossier.decisions):
            action = next((QCoreApplication.translate("Council", t) for a, t in ACTIONS if a is d.action), d.action)
            lead = f" → {one_line(names.get(d.dept, d.dept), 20)}" if d.dept else ""
            cells = (str(d.n), clock(d.decided_at), f"{action}{lead}", one_line(d.note, 200))
            for col, text in enumerate(cells):
                self.earlier.setItem(row, col, QTableWidgetItem(text))
        if changed:
            self._fill_departments(dossier.candidates, departments, names)
            self.note.clear()
            self.with_deadline.setChecked(False)
            self.deadline.setDateTime(QDateTime.currentDateTime().addDays(3))
            self.status.clear()
        self.decide.setEnabled(True)
        if self.room.isVisible():
            self._show_in_room()

    def _fill_departments(
        self, candidates: Sequence[str], departments: Sequence[str], names: Mapping[str, str]
    ) -> None:
        ordered = [*candidates, *(d for d in departments if d not in candidates)]
        self.lead.clear()
        self.supporting.clear()
        for d in ordered:
            shown = one_line(names.get(d, d), 30) + (self.tr("（职责相符）") if d in candidates else "")
            self.lead.addItem(shown, d)
            item = QListWidgetItem(shown)
            item.setData(Qt.ItemDataRole.UserRole, d)
            self.supporting.addItem(item)

    # ------------------------------------------------------------------ the decision
    def _follow_action(self) -> None:
        action = self.action.currentData()
        routes = action in (r.DecisionAction.ASSIGN, r.DecisionAction.REROUTE, r.DecisionAction.JOINT)
        self.lead.setEnabled(routes)
        self.supporting.setEnabled(action is r.DecisionAction.JOINT)
        self.with_deadline.setEnabled(routes)
        if not routes:
            self.with_deadline.setChecked(False)

    def form(self) -> DecisionForm | None:
        if self.case_no is None:
            return None
        action = r.DecisionAction(self.action.currentData())  # the combo keeps it as its text
        routes = action in (r.DecisionAction.ASSIGN, r.DecisionAction.REROUTE, r.DecisionAction.JOINT)
        dept = str(self.lead.currentData()) if routes and self.lead.currentData() else None
        supporting = tuple(
            str(i.data(Qt.ItemDataRole.UserRole)) for i in self.supporting.selectedItems()
        ) if action is r.DecisionAction.JOINT else ()  # fmt: skip
        deadline = None
        if routes and self.with_deadline.isChecked():
            deadline = datetime.fromtimestamp(self.deadline.dateTime().toSecsSinceEpoch(), BEIJING)
        return DecisionForm(self.case_no, action, dept, supporting, deadline, self.note.text())

    def _on_send(self) -> None:
        form = self.form()
        if form is not None:
            self.decision_wanted.emit(form)

    def attendee_names(self) -> list[str]:
        text = self.attendees.text()
        for sep in ("，", ",", "；", ";"):
            text = text.replace(sep, "、")
        return [name.strip() for name in text.split("、") if name.strip()]

    def show_frozen(self, frozen: bool) -> None:
        """The wall is (not) held at an instant of the past: the button follows (Esc also ends it)."""
        self.freeze.blockSignals(True)
        self.freeze.setChecked(frozen)
        self.freeze.blockSignals(False)

    def show_status(self, text: str) -> None:
        self.status.setText(text)


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
