"""The case detail: who reported what, where it stands, and its whole story through the seven steps."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.camera_index import nearby_cameras
from console.core.cameras import CONTEXT as CAMERAS_CONTEXT
from console.core.case_state import CaseState, Light
from console.core.evidence import Still, feedback_at
from console.core.situation import Provenance, Situation
from console.core.untrusted import block, one_line, tooltip
from server_link import records as r
from widgets.evidence_strip import EvidenceStrip
from widgets.i18n import QT_TRANSLATE_NOOP
from widgets.labels import (
    action_name,
    category_name,
    channel_name,
    clock,
    countdown,
    department_names,
    grid_name,
    light_text,
    loop_name,
    step_name,
    street_name,
)

_ABNORMAL = {Light.RED: QColor("#e05252"), Light.YELLOW: QColor("#e0a030")}
_TIMELINE_COLUMNS = (
    QT_TRANSLATE_NOOP("CaseDetail", "时间"), QT_TRANSLATE_NOOP("CaseDetail", "环节"),
    QT_TRANSLATE_NOOP("CaseDetail", "动作"), QT_TRANSLATE_NOOP("CaseDetail", "部门"),
    QT_TRANSLATE_NOOP("CaseDetail", "经办"), QT_TRANSLATE_NOOP("CaseDetail", "说明"),
)  # fmt: skip
_CAMERA_COLUMNS = (
    QT_TRANSLATE_NOOP("CaseDetail", "附近摄像头"), QT_TRANSLATE_NOOP("CaseDetail", "距离"),
    QT_TRANSLATE_NOOP("CaseDetail", "方位"), QT_TRANSLATE_NOOP("CaseDetail", "状态"),
)  # fmt: skip
_URL_ROLE = Qt.ItemDataRole.UserRole + 1
_ID_ROLE = Qt.ItemDataRole.UserRole + 2
REPORT_LINES = 6  # the citizen's text: at most this many lines tall, the rest scrolls
STORY_REPORT_LINES = 40  # in the story's large view
HEADING_CHARS = 100  # of a title in the heading (the tooltip has the rest)
NAME_CHARS = 20  # a name in a timeline cell (its column fits its contents); the tooltip has the rest
CELL_CHARS = 80  # a note or a camera's name in a stretched cell; the tooltip has the rest


class CaseDetail(QWidget):
    """Shows one case. Every text that came from the public or a department is plain text, passed
    through ``console.core.untrusted`` (isolated, one line where one line is meant, long words
    broken), and no text can make the panel wider than it is given or the citizen's text taller than
    ``REPORT_LINES`` (in the docked panel; the story, ``story=True``, shows all of it).

    The timeline is as tall as its events (its notes wrapped), so the panel scrolls as one page,
    and another case opens at its top.

    Signals:
        camera_wanted(str): an online camera near the case that the operator activated
            (double-click or Enter): its device id, to show on the camera wall.
        cameras_wanted(str): the case whose nearest cameras the operator wants on the camera wall
            (the 附近摄像头上墙 button).
        camera_requested(str): the link of an online camera that the operator asked to open in the
            external player (the camera table's context menu); the shell checks it and opens it.
        note_entered(str, str): a note on the case shown (case number, text), written in the
            note line and sent with Enter; the shell sends it through its command service. The line
            is there only for a role that may send notes (``allow_notes``).
        story_requested(str): the operator asked for the case's whole story in a large view
            (the 展开 button beside the heading).
        council_wanted(str, str): send the case shown to the coordination council's agenda, with
            the note line's text as the reason (the 提交会商 button, for a role that may).
    """

    camera_wanted = Signal(str)
    cameras_wanted = Signal(str)
    camera_requested = Signal(str)
    note_entered = Signal(str, str)
    story_requested = Signal(str)
    council_wanted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, *, story: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("caseStory" if story else "caseDetail")
        self.case_no: str | None = None
        self.story = story
        self._notes_allowed = False
        self._wall_allowed = False
        self._record: r.Case | None = None
        self.heading = _plain(QLabel(self.tr("未选择案件")))
        self.heading.setObjectName("detailHeading")
        _never_wider(self.heading)
        self.expand = QPushButton(self.tr("展开"))
        self.expand.setObjectName("expandStory")
        self.expand.setToolTip(self.tr("在大窗口中查看这件案件的全过程（在队列中按回车或双击也可）"))
        self.expand.clicked.connect(self._on_expand)
        self.expand.setVisible(False)
        self.report = _never_wider(_plain(QLabel()))
        self.report.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.report_area = QScrollArea()
        self.report_area.setObjectName("detailReport")
        self.report_area.setWidget(self.report)
        self.report_area.setWidgetResizable(True)
        self.report_area.setFrameShape(QFrame.Shape.NoFrame)
        self.report_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.report_area.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, caption in (
            ("where", self.tr("位置")), ("channel", self.tr("来源")), ("category", self.tr("类别")),
            ("step", self.tr("环节")), ("dept", self.tr("承办")), ("deadline", self.tr("时限")),
            ("light", self.tr("灯")), ("returns", self.tr("退回/返工")), ("flags", self.tr("标记")),
        ):  # fmt: skip
            self.fields[name] = _plain(QLabel("—"))
            _never_wider(self.fields[name])  # a long address wraps (its long words are broken)
            form.addRow(_plain(QLabel(caption)), self.fields[name])
        self.timeline = QTableWidget(0, len(_TIMELINE_COLUMNS))
        self.timeline.setHorizontalHeaderLabels(
            [QCoreApplication.translate("CaseDetail", c) for c in _TIMELINE_COLUMNS]
        )
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.timeline.verticalHeader().hide()
        self.timeline.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # as tall as its rows
        self.timeline.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.timeline.setWordWrap(True)  # a return's reason wraps in the last column instead of being cut
        self.timeline.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.horizontalHeader().setStretchLastSection(True)
        self.timeline.setFixedHeight(self._timeline_height())
        self.cameras = QTableWidget(0, len(_CAMERA_COLUMNS))
        self.cameras.setObjectName("nearbyCameras")
        self.cameras.setHorizontalHeaderLabels([QCoreApplication.translate("CaseDetail", c) for c in _CAMERA_COLUMNS])
        self.cameras.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cameras.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cameras.verticalHeader().hide()
        header = self.cameras.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.cameras.setToolTip(self.tr("双击或按回车：这台摄像头上墙；右键：用外部播放器打开"))
        self.cameras.cellActivated.connect(self._on_camera_activated)
        self.cameras.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.cameras.customContextMenuRequested.connect(self._on_camera_menu)
        self.cameras.setFixedHeight(self._cameras_height(0))
        self.to_wall = QPushButton(self.tr("附近摄像头上墙"))
        self.to_wall.setObjectName("camerasToWall")
        self.to_wall.setToolTip(self.tr("把这件案件附近的在线摄像头放上摄像头墙（快捷键 V）"))
        self.to_wall.clicked.connect(self._on_to_wall)
        self.to_wall.setVisible(False)
        self.evidence = EvidenceStrip()
        self.note = QLineEdit()
        self.note.setObjectName("noteLine")
        self.note.setPlaceholderText(self.tr("写批注，回车发送（先存本机，后端确认前显示“待确认”）"))
        self.note.setMaxLength(4000)
        self.note.returnPressed.connect(self._on_note)
        self.note.hide()
        self.to_council = QPushButton(self.tr("提交会商"))
        self.to_council.setObjectName("toCouncil")
        self.to_council.setToolTip(self.tr("把这件案件列入协调会商议程；批注栏里的文字作为提交理由"))
        self.to_council.clicked.connect(self._on_to_council)
        self.to_council.hide()
        self._council_allowed = False
        self.pending = _plain(QLabel())
        self.pending.setObjectName("notePending")
        self.pending.hide()
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.expand, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.report_area)
        layout.addLayout(form)
        layout.addWidget(self.timeline)
        layout.addWidget(self.cameras)
        buttons = QHBoxLayout()
        buttons.addWidget(self.to_wall)
        buttons.addWidget(self.to_council)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.evidence)
        layout.addWidget(self.note)
        layout.addWidget(self.pending)
        layout.addStretch(1)

    def show_case(self, sit: Situation, no: str | None) -> None:
        """Show ``no`` as the situation holds it (or clear the panel)."""
        if no != self.case_no:
            self.note.clear()
            self._scroll_to_top()
        self.case_no = no
        self.expand.setVisible(not self.story and no is not None)
        self.note.setVisible(self._notes_allowed and no is not None and sit.provenance is not Provenance.PAST)
        self.to_council.setVisible(self._council_allowed and no in sit.cases and sit.provenance is not Provenance.PAST)
        state = sit.cases.get(no) if no else None
        record = sit.case_record(no) if no else None
        if state is None or record is None:
            gone = self.tr("{0}：已不在当前态势中")
            self.heading.setText(self.tr("未选择案件") if no is None else gone.format(one_line(no)))
            self.heading.setToolTip("")
            self.report.clear()
            self._fit_report()
            for label in self.fields.values():
                label.setText("—")
            self.timeline.setRowCount(0)
            self.timeline.setFixedHeight(self._timeline_height())
            self.cameras.setRowCount(0)
            self.cameras.setFixedHeight(self._cameras_height(0))
            self.to_wall.setVisible(False)
            self.evidence.show_stills([], None)
            self._record = None
            return
        self._record = record
        self._fill(sit, state, record)
        self._fill_cameras(sit, state)

    def allow_notes(self, allowed: bool) -> None:
        """Show the note line (only for a role that may send notes)."""
        self._notes_allowed = allowed
        self.note.setVisible(allowed and self.case_no is not None)

    def allow_council(self, allowed: bool) -> None:
        """Show the 提交会商 button (only for a role that may put a case on the council's agenda)."""
        self._council_allowed = allowed
        self.to_council.setVisible(allowed and self.case_no is not None)

    def _on_to_council(self) -> None:
        if self.case_no is not None:
            self.council_wanted.emit(self.case_no, self.note.text().strip())

    def show_pending(self, pending: int) -> None:
        """Notes on the case shown that wait for the backend's echo."""
        self.pending.setText(self.tr("批注待后端确认：{0} 条").format(pending))
        self.pending.setVisible(pending > 0)

    def _on_expand(self) -> None:
        if self.case_no is not None:
            self.story_requested.emit(self.case_no)

    def _on_note(self) -> None:
        text = self.note.text().strip()
        if self.case_no is not None and text:
            self.note_entered.emit(self.case_no, text)

    def refresh(self, sit: Situation) -> None:
        """Re-read the shown case (after a change set that names it, or a tick)."""
        self.show_case(sit, self.case_no)

    def _fill(self, sit: Situation, s: CaseState, c: r.Case) -> None:
        d = sit.district
        departments = department_names(sit)  # the backend's names where it publishes them, in the wall's language
        self.heading.setText(f"{one_line(c.no)}　{one_line(c.title, HEADING_CHARS)}")
        self.heading.setToolTip(tooltip(c.title) if len(c.title) > HEADING_CHARS else "")
        self.report.setText(block(c.text) or self.tr("（无描述）"))
        self._fit_report()
        where = self.tr("{street} · 网格 {grid} · {address}")
        self.fields["where"].setText(
            where.format(
                street=one_line(street_name(d, s.street, full=True)), grid=one_line(grid_name(d, s.unit_grid)),
                address=one_line(c.address),
            )
        )  # fmt: skip
        self.fields["where"].setToolTip(self.tr("单元网格 {0}").format(one_line(s.unit_grid)))
        received = self.tr("{channel} · 受理 {at}")
        self.fields["channel"].setText(
            received.format(channel=one_line(channel_name(d, s.channel)), at=clock(s.received_at))
        )
        self.fields["category"].setText(one_line(category_name(d, s.category, with_major=True)))
        since = self.tr("{step} · {loop} · 自 {at}")
        self.fields["step"].setText(since.format(step=step_name(s.step), loop=loop_name(s.loop), at=clock(s.step_at)))
        self.fields["dept"].setText(one_line(departments.get(s.dept, s.dept) if s.dept else "—"))
        self.fields["deadline"].setText(countdown(s.deadline, sit.now) if s.open else self.tr("已结案"))
        self.fields["light"].setText(light_text(s.light))
        colour = _ABNORMAL.get(s.light)
        self.fields["light"].setStyleSheet(f"color: {colour.name()}; font-weight: bold;" if colour else "")
        returns = self.tr("退回 {0} 次 · 返工 {1} 次 · 重复反映 {2} 次")
        self.fields["returns"].setText(returns.format(s.returns, s.rework, s.reports - 1))
        marks = ((s.hard, self.tr("疑难案件")), (s.buck_passing, self.tr("推诿")), (s.escalated, self.tr("已上报区级")))
        flags = [text for on, text in marks if on]
        self.fields["flags"].setText(self.tr("、", "list separator").join(flags) or "—")
        self.timeline.setRowCount(len(c.timeline))
        for row, e in enumerate(c.timeline):
            who = departments.get(e.dept, e.dept) if e.dept else ""
            cells = (
                (clock(e.at), 0), (step_name(e.step), 0), (action_name(e.action), 0),
                (who, NAME_CHARS), (e.actor, NAME_CHARS), (e.note, CELL_CHARS),
            )  # fmt: skip
            for col, (text, limit) in enumerate(cells):
                item = QTableWidgetItem(one_line(text, limit) if limit else text)  # items are never rich text
                if limit and len(text) > limit:
                    item.setToolTip(tooltip(text))  # the whole text, escaped (a tooltip may be rich text)
                if e.action in (r.Action.RETURN, r.Action.VERIFY_FAIL, r.Action.FLAG_HARD):
                    item.setForeground(QColor("#e0a030"))
                self.timeline.setItem(row, col, item)
        self.timeline.resizeRowsToContents()
        self.timeline.setFixedHeight(self._timeline_height())

    def _fill_cameras(self, sit: Situation, s: CaseState) -> None:
        """The public cameras nearest the case; an offline one is shown greyed and cannot be opened."""
        found = nearby_cameras(sit.camera_index, sit.records, s.lon, s.lat)
        self.cameras.setRowCount(len(found))
        for row, n in enumerate(found):
            state = self.tr("在线") if n.camera.online else self.tr("离线")
            direction = QCoreApplication.translate(CAMERAS_CONTEXT, n.direction)
            cells = (one_line(n.camera.name, CELL_CHARS), self.tr("{0:.0f} 米").format(n.distance_m), direction, state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)  # plain text, as every item
                item.setData(_URL_ROLE, n.camera.url if n.camera.online else "")
                item.setData(_ID_ROLE, n.camera.id if n.camera.online else "")
                if not n.camera.online:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                self.cameras.setItem(row, col, item)
        self.cameras.setFixedHeight(self._cameras_height(len(found)))
        self.to_wall.setVisible(self._wall_allowed and any(n.camera.online for n in found))

    def _timeline_height(self) -> int:
        """Every event shown: the header, each row as tall as its wrapped note, and a scroll bar's
        height when the columns are wider than the panel."""
        t = self.timeline
        rows_px = sum(t.rowHeight(row) for row in range(t.rowCount())) or t.verticalHeader().defaultSectionSize()
        bar = t.horizontalScrollBar().sizeHint().height() if t.horizontalScrollBar().maximum() > 0 else 0
        return t.horizontalHeader().sizeHint().height() + rows_px + bar + 2 * t.frameWidth()

    def _scroll_to_top(self) -> None:
        """Another case opens at its top, in whatever scroll area holds this panel."""
        parent = self.parentWidget()
        while parent is not None:
            if isinstance(parent, QScrollArea):
                parent.verticalScrollBar().setValue(0)
                return
            parent = parent.parentWidget()

    def _cameras_height(self, rows: int) -> int:
        """Just tall enough for its rows (at least one, for "none near"), so the timeline keeps the rest."""
        t = self.cameras
        rows_px = t.verticalHeader().defaultSectionSize() * max(1, rows)
        return t.horizontalHeader().sizeHint().height() + rows_px + 2 * t.frameWidth()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_report()
        if event.size().width() != event.oldSize().width():  # the notes wrap anew
            self.timeline.resizeRowsToContents()
            self.timeline.setFixedHeight(self._timeline_height())

    def _fit_report(self) -> None:
        """The citizen's text as tall as it needs, up to ``REPORT_LINES`` lines (then it scrolls)."""
        area = self.report_area
        lines = self.report.fontMetrics().lineSpacing() * (STORY_REPORT_LINES if self.story else REPORT_LINES)
        width = max(1, area.width() - area.verticalScrollBar().sizeHint().width())
        needed = self.report.heightForWidth(width) if self.report.text() else self.report.sizeHint().height()
        area.setFixedHeight(max(self.report.fontMetrics().lineSpacing(), min(needed, lines)) + 2 * area.frameWidth())

    def show_stills(self, stills: Sequence[Still]) -> None:
        """The stills kept of the case shown, before and after its feedback side by side."""
        record = self._record
        if record is None or any(s.case_no != record.no for s in stills):
            return  # another case came meanwhile
        self.evidence.show_stills(stills, feedback_at(record))

    def allow_wall(self, allowed: bool) -> None:
        """Offer the camera wall (only where the console has one, or a wall to send to)."""
        self._wall_allowed = allowed

    def _on_camera_activated(self, row: int, _col: int) -> None:
        item = self.cameras.item(row, 0)
        camera_id = str(item.data(_ID_ROLE) or "") if item is not None else ""
        if camera_id and self._wall_allowed:
            self.camera_wanted.emit(camera_id)

    def _on_camera_menu(self, at: QPoint) -> None:
        item = self.cameras.itemAt(at)
        url = str(item.data(_URL_ROLE) or "") if item is not None else ""
        if not url:
            return
        menu = QMenu(self)
        external = menu.addAction(self.tr("用外部播放器打开"))
        if menu.exec(self.cameras.viewport().mapToGlobal(at)) is external:
            self.camera_requested.emit(url)

    def _on_to_wall(self) -> None:
        if self.case_no is not None:
            self.cameras_wanted.emit(self.case_no)


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _never_wider(label: QLabel) -> QLabel:
    """Wrapped, and never asking for more width than the panel has: ``one_line``/``block`` break every
    long run, and a run still wider than the panel (30 bold W) is clipped in its own label rather than
    pushing the fields beside and below it off-screen."""
    label.setWordWrap(True)
    policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)  # (setSizePolicy replaces the flag setWordWrap set)
    label.setSizePolicy(policy)
    return label
