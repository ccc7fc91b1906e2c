"""The composition root: one function builds the link, the store, the situations, the role's panels
and windows, and wires them. ``Console`` holds what it built and only passes things along."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import secrets
import socket
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QWidget

from console.core import allocator, catalogue
from console.core.alarms.engine import AlarmEngine
from console.core.alarms.handling import PREFIX as ALARM_KEYS
from console.core.alarms.handling import TTL_SECONDS as ALARM_TTL
from console.core.alarms.kpis import alarm_kpis
from console.core.alarms.settings import AlarmSettings, SettingsError, default_settings, load_settings
from console.core.alarms.states import AlarmState, SubjectKind
from console.core.cameras import CameraNetworks, checked_stream_url
from console.core.case_table import CaseFilter
from console.core.commands import agenda_change, decision_on_case, note_on_case, presentation
from console.core.council import agenda, dossier, rank_for
from console.core.daily import day_of
from console.core.situation import ChangeSet, Situation
from console.core.untrusted import one_line
from console.shell import heap, wall_file
from console.shell.alarm_service import EVALUATE_MS as ALARM_TURN_MS
from console.shell.alarm_service import AlarmService
from console.shell.camera_desk import CameraDesk
from console.shell.commands import CommandRefused, CommandService
from console.shell.ingest import Ingest
from console.shell.link_bridge import LinkBridge
from console.shell.panels import REGISTRY, MapShows, Panel, PanelContext, build_panel, caption
from console.shell.repaint import Repainter, Throttle
from console.shell.replay import Replay, Showing
from console.shell.roles import ROLES, Role, WindowPlan
from console.shell.store_bridge import StoreBridge
from console.shell.wall_window import Docked, WallWindow
from console.store import ActionKind, LinkEvent, LinkEventKind
from console.store.paths import config_folder, data_folder
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.curve import client_keys, embedded_keys
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState, LinkStats
from server_link.server import ChpServer
from server_link.sim.backend import make_backend, start_backend
from widgets.alarm_list import AlarmList, AlarmSummary, AlarmView
from widgets.alarm_sound import AlarmSound
from widgets.briefing import write_briefing
from widgets.case_detail import CaseDetail
from widgets.case_queue import CaseQueue
from widgets.case_story import CaseStory
from widgets.council_board import CouncilBoard, DecisionForm
from widgets.department_heat import SAMPLE_EVERY_S, DepartmentHeat
from widgets.grid_map import GridMap
from widgets.kpi_strip import KpiStrip
from widgets.leader_board import LeaderBoard
from widgets.minutes import MinutesItem, write_minutes
from widgets.streets_panel import StreetsPanel
from widgets.time_slider import Mark, MarkKind, ReplayBar

if TYPE_CHECKING:
    from server_link.sim.video import CameraFeeds  # PyAV: loaded only by a --demo console

W = TypeVar("W", bound=QWidget)
log = logging.getLogger(__name__)
DAILY_AFTER_MIDNIGHT_S = 300.0  # the day just ended is written this long after midnight (Beijing)


@dataclass
class Console:
    """Everything the console runs, built and wired by ``build``; ``close()`` stops it all."""

    role: Role
    windows: list[WallWindow]
    panels: dict[str, Panel]
    link: LinkBridge
    store: StoreBridge
    situation: Situation  # the live one: it keeps ingesting whatever is on show
    showing: Showing
    replay: Replay
    replay_bar: ReplayBar
    ingest: Ingest
    commands: CommandService
    alarms: AlarmService
    repainter: Repainter
    rankings: Repainter
    cameras: CameraDesk
    alarm_lines: Throttle  # the alarm list and the summary lines (``show_alarms``), at a bounded cost
    server: ChpServer | None = None  # the embedded simulated backend (--demo)
    feeds: CameraFeeds | None = None  # the embedded backend's camera video (--demo)
    wall_path: Path | None = None  # where Ctrl+S saves the wall (set by grid-console)
    story: CaseStory | None = None  # the large window of one case's story, once opened
    summaries: list[AlarmSummary] | None = None  # the alarm line on each window's top bar
    settings_problem: str = ""  # the alarm rules file refused at start (the console runs on the defaults)
    closed: bool = False
    _from_map: bool = False  # a case picked on the map is being selected (the map need not move)

    def close(self) -> None:
        self.closed = True  # batches still queued in the event loop are dropped from now on
        self.cameras.close()
        self.alarms.close()
        self.link.stop()
        self.link_event(LinkEventKind.STOPPED)
        self.store.close()
        if self.server is not None:
            self.server.stop()
        if self.feeds is not None:
            self.feeds.stop()

    # ------------------------------------------------------------------ the panels by id
    @property
    def window(self) -> WallWindow:
        """The first window: the operator's (it holds the replay bar)."""
        return self.windows[0]

    def _widget(self, panel_id: str, kind: type[W]) -> W:
        widget = self.panels[panel_id].widget
        if not isinstance(widget, kind):
            raise LookupError(f"panel {panel_id!r} did not load: {self.panels[panel_id].failed}")
        return widget

    @property
    def map(self) -> GridMap:
        return self._widget("map", GridMap)

    @property
    def queue(self) -> CaseQueue:
        return self._widget("queue", CaseQueue)

    @property
    def detail(self) -> CaseDetail:
        return self._widget("detail", CaseDetail)

    @property
    def kpis(self) -> KpiStrip:
        return self._widget("kpis", KpiStrip)

    @property
    def heat(self) -> DepartmentHeat:
        return self._widget("heat", DepartmentHeat)

    @property
    def streets(self) -> StreetsPanel:
        return self._widget("streets", StreetsPanel)

    @property
    def alarm_list(self) -> AlarmList:
        return self._widget("alarms", AlarmList)

    def has(self, *panel_ids: str) -> bool:
        return all(p in self.panels and not self.panels[p].failed for p in panel_ids)

    # ------------------------------------------------------------------ painting
    def paint(self, changes: ChangeSet) -> None:
        """Repaint what changed in the live situation (at most five times a second, by the repainter).

        While the past is on show, live changes are not painted: the return to live repaints whole."""
        if self.closed or self.showing.replaying:
            return
        self._paint(self.situation, changes)

    def _paint(self, sit: Situation, changes: ChangeSet) -> None:
        for window in self.windows:
            window.show_provenance(sit)
        for panel in self.panels.values():
            if not panel.slow:
                panel.show(sit, changes)
        if self.story is not None and (changes.reset or self.story.case_no in changes.cases):
            self.story.refresh(sit)
        self.rankings.add(changes)

    def paint_rankings(self, changes: ChangeSet) -> None:
        """The slow panels (ranked tables read at a glance), repainted once a second."""
        if self.closed:
            return
        sit = self.showing.situation
        for panel in self.panels.values():
            if panel.slow:
                panel.show(sit, changes)

    def show_moved(self, changes: ChangeSet) -> None:
        """The past on show moved forward in place: the panels repaint what changed."""
        if self.closed or not self.showing.replaying:
            return
        self._paint(self.showing.situation, changes)

    def show_switched(self) -> None:
        """Another situation is on show (the past, or live again): every panel repaints it whole."""
        if self.closed:
            return
        sit = self.showing.situation
        self._paint(sit, ChangeSet(reset=True, kpis=True))
        self.rankings.soon()  # the ranked tables on the next turn: the event loop runs in between
        if self.has("detail"):
            self.detail.refresh(sit)

    def next_metric(self) -> None:
        shows = self.panels["map"].show if "map" in self.panels else None
        if isinstance(shows, MapShows):
            shows.next_metric()

    def select_case(self, no: str, *, reveal: bool = True) -> None:
        """The queue's selection ("" when nothing is selected) shown in the detail and on the map,
        which brings it into view (``reveal``; not when the click came from the map itself)."""
        target = no or None
        if self.has("detail"):
            self.detail.show_case(self.showing.situation, target)
            self.show_pending_notes()
            self.show_stills(target)
        if self.has("map"):
            self.map.select_case(target, reveal=reveal and target is not None and not self._from_map)

    def show_stills(self, no: str | None) -> None:
        """The stills kept of the case in the detail (read from the store: a small, indexed read)."""
        if no is None or not self.has("detail") or self.detail.case_no != no:
            return
        try:
            self.detail.show_stills(self.store.stills(no))
        except (RuntimeError, OSError, TimeoutError) as exc:
            log.warning("stills of %s not read: %s", no, exc)

    def cameras_of_selected(self) -> None:
        """V: the selected case's nearest cameras on the camera wall (this console's, or --show-on's)."""
        no = self.detail.case_no if self.has("detail") else None
        if no is None:
            self.notice(QCoreApplication.translate("Console", "先在队列或地图上选中一件案件"))
        elif self.cameras.available:
            self.cameras.show_case(no)

    def open_story(self, no: str) -> None:
        """The case's whole story in a large window over the wall (Enter or a double-click on a
        queue row, or the detail's 展开)."""
        if self.story is None:
            self.story = CaseStory(self.window)
            _wire_camera_requests(self, self.story.detail)
        self.story.show_case(self.showing.situation, no)

    def show_pending_notes(self) -> None:
        """The detail says how many notes on its case wait for the backend's echo."""
        if self.has("detail"):
            no = self.detail.case_no
            self.detail.show_pending(sum(1 for p in self.commands.pending.values() if p.action.case_no == no))

    def show_filter_highlights(self, f: CaseFilter) -> None:
        """Every highlight follows the queue's filter: a grid outlined on the map, a street's row
        selected, only while the filter holds them (Esc, the clear button, or another filter)."""
        if self.has("map") and len(f.unit_grids) != 1 and not (not f.unit_grids and len(f.base_grids) == 1):
            self.map.select_grid(None)  # neither one unit grid nor one base grid (as the map picks them)
        if self.has("streets") and not f.streets:
            self.streets.table.clearSelection()
        if self.has("heat"):
            self.heat.pick(next(iter(f.depts)) if len(f.depts) == 1 else None)

    def case_clicked_on_map(self, no: str) -> None:
        self._from_map = True  # the queue's selection signal comes back here: the map is where it was
        try:
            if self.has("queue"):
                self.queue.select_case(no)
            self.select_case(no)
        finally:
            self._from_map = False

    def escape(self) -> None:
        """Esc: out of the past first (back to live), else the queue's filters cleared."""
        if self.showing.replaying or self.replay.busy:
            self.replay.live()
        elif self.has("queue"):
            self.queue.clear_filters()

    def quit(self) -> None:
        """Ctrl+Q (and Ctrl+C or SIGTERM in the terminal): close every window; the application ends."""
        for window in self.windows:
            window.close()

    # ------------------------------------------------------------------ the duty alarms
    def show_alarms(self) -> None:
        """The alarm list and every window's summary line, from the engine (the present, always)."""
        if self.closed:
            return
        engine, now = self.alarms.engine, time.time()
        alarms = engine.on_list(now)
        flood = engine.flood_since if engine.in_flood(now) else None
        for summary in self.summaries or ():
            summary.show_alarms(alarms, now, flood)
        if self.has("alarms"):
            self.alarm_list.show_alarms(AlarmView(alarms, now, flood, self.alarms.is_pending), self.situation)

    def handle_alarms(self, act: Any, ids: Sequence[str], *args: Any) -> None:
        """An operator's action on alarms (all stored together, sent and shown at once); what fails is said."""
        try:
            act(ids, *args)
        except (CommandRefused, ValueError, RuntimeError, OSError, TimeoutError) as exc:
            self.notice(QCoreApplication.translate("Console", "告警处置未能保存：{0}").format(exc))
            return
        self.alarm_lines.now()

    def lead_to(self, kind: str, subject: str) -> None:
        """From an alarm to where it is: the case, or the grid, street or department's cases."""
        queue = self.queue if self.has("queue") else None
        if kind == SubjectKind.CASE and subject in self.situation.cases:
            self.select_case(subject)
        elif kind == SubjectKind.GRID and queue is not None:
            queue.filter_to_grid(subject.partition(":")[0])
        elif kind == SubjectKind.STREET and queue is not None:
            queue.filter_to_street(subject)
            if self.has("map"):
                self.map.fit_street(subject)
        elif kind == SubjectKind.DEPARTMENT and queue is not None:
            queue.filter_to_department(subject)

    def show_alarm_figures(self) -> None:
        """The alarm system's own figures over the last day and week (a diagnostics view)."""
        from widgets.alarm_figures import AlarmFigures

        engine, now = self.alarms.engine, time.time()
        flood = engine.settings.flood_alarms
        held = list(engine.alarms.values())
        day = alarm_kpis(list(engine.log), now - 86400, now, held, flood)
        week = alarm_kpis(list(engine.log), now - 7 * 86400, now, held, flood)
        view = AlarmFigures(self.window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.show_figures(day, week)
        view.show()

    def focus_alarms(self) -> None:
        for window in self.windows:
            dock = window.docks.get("alarms")
            if dock is not None:
                dock.show()
                dock.raise_()
                self.alarm_list.tree.setFocus()

    def notice(self, text: str) -> None:
        self.window.show_notice(text)

    def export_briefing(self, path: Path | None = None) -> Path | None:
        """The leaders' briefing of the view on their board, as a PDF at ``path`` (asked for when
        None); where it went, or None (cancelled, or it could not be written: said on the wall)."""
        board = self.panels["leader"].widget
        if not isinstance(board, LeaderBoard) or board.view is None:
            return None
        if path is None:
            day = board.view.day.strftime("%Y%m%d")
            default = str(Path.home() / f"东城区简报-{day}.pdf")
            chosen, _ = QFileDialog.getSaveFileName(
                self.window, QCoreApplication.translate("Console", "导出简报"), default, "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        sit = self.showing.situation
        try:
            write_briefing(
                path, board.view, catalogue.street_names(sit), catalogue.department_names(sit), board.as_of, board.live
            )
        except OSError as exc:
            self.notice(QCoreApplication.translate("Console", "简报未能写出：{0}").format(exc))
            return None
        self.notice(QCoreApplication.translate("Console", "简报已写出：{0}").format(path))
        return path

    def export_minutes(self, path: Path | None = None) -> Path | None:
        """The council's minutes of this meeting (the agenda, and every case decided since the board
        started) as a PDF at ``path`` (asked for when None); where it went, or None."""
        board = self.panels["council"].widget
        if not isinstance(board, CouncilBoard):
            return None
        if path is None:
            default = str(Path.home() / f"协调会商纪要-{board.started:%Y%m%d-%H%M}.pdf")
            chosen, _ = QFileDialog.getSaveFileName(
                self.window, QCoreApplication.translate("Console", "导出会议纪要"), default, "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        sit = self.showing.situation
        reasons = {i.case_no: i.reasons for i in agenda(sit)}
        decided: dict[str, list[r.Decision]] = {}
        for x in sit.records.values():
            if isinstance(x, r.Decision) and x.decided_at >= board.started:
                decided.setdefault(x.case_no, []).append(x)
        items = []
        for no in dict.fromkeys([*board.agenda_cases, *decided]):
            d = dossier(sit, no)
            if d is not None:
                title = sit.cases[no].title if no in sit.cases else ""
                mine = tuple(sorted(decided.get(no, []), key=lambda x: x.n))
                items.append(MinutesItem(d, title, reasons.get(no, ()), mine))
        try:
            write_minutes(path, board.started, board.attendee_names(), items, catalogue.department_names(sit))
        except OSError as exc:
            self.notice(QCoreApplication.translate("Console", "会议纪要未能写出：{0}").format(exc))
            return None
        self.notice(QCoreApplication.translate("Console", "会议纪要已写出：{0}").format(path))
        return path

    def link_event(self, kind: LinkEventKind, detail: str = "") -> None:
        """Keep what the link did for the replay bar's marks; a store that cannot take it costs a mark."""
        try:
            self.store.record_link_event(kind, detail)
        except (RuntimeError, OSError, TimeoutError, ValueError) as exc:
            log.warning("link event %s not recorded: %s", kind, exc)

    # ------------------------------------------------------------------ commands
    def note_case(self, no: str, text: str) -> bool:
        """A note on a case, through the command service (stored, sent, pending until echoed)."""
        try:
            key, body = note_on_case(
                self.situation, no, text, by=self.commands.who, role=self.role.name, at=datetime.now(UTC),
                pending=self.commands.pending_keys(),
            )  # fmt: skip
            self.commands.send(ActionKind.NOTE, key, body, text=text, case_no=no)
        except (ValueError, PermissionError, RuntimeError, OSError) as exc:
            self.notice(QCoreApplication.translate("Console", "批注未发出：{0}").format(one_line(str(exc), 200)))
            return False
        return True

    def propose(self, no: str, reason: str = "") -> bool:
        """A case sent "to the council": listed on the shared agenda through the command service."""
        try:
            key, body = agenda_change(
                self.situation, no, listed=True, reason=reason, by=self.commands.who, role=self.role.name,
                at=datetime.now(UTC),
            )  # fmt: skip
            self.commands.send(ActionKind.PROPOSE, key, body, text=reason, case_no=no)
        except (ValueError, PermissionError, RuntimeError, OSError) as exc:
            self.notice(QCoreApplication.translate("Console", "未能提交会商：{0}").format(one_line(str(exc), 200)))
            return False
        self.notice(QCoreApplication.translate("Console", "{0} 已提交会商，待后端确认").format(no))
        return True

    # ------------------------------------------------------------------ the wall file
    def wall(self) -> wall_file.Wall:
        plans = tuple(WindowPlan(w.panel_ids, w.screen_number) for w in self.windows)
        return wall_file.Wall(self.role.name, plans, tuple(w.layout_state() for w in self.windows))

    def save_wall(self) -> None:
        """Ctrl+S on any window: every window's layout into the wall file; said on the wall."""
        if self.wall_path is None:
            return
        try:
            wall_file.save(self.wall_path, self.wall())
        except OSError as exc:
            self.notice(QCoreApplication.translate("Console", "布局未能保存：{0}").format(exc))
            return
        self.notice(QCoreApplication.translate("Console", "布局已保存：{0}").format(self.wall_path))

    def restore_wall(self, layouts: Sequence[Mapping[str, Any] | None]) -> list[str]:
        problems = []
        for window, layout in zip(self.windows, layouts, strict=False):
            if layout is None:
                window.apply_default_sizes()
            else:
                problems += window.restore_layout(layout)
        return problems


def build(args: argparse.Namespace, role: Role | None = None, plans: Sequence[WindowPlan] | None = None) -> Console:
    """The composition root: backend (demo), link, store, situations, the role's panels (``role``,
    else ``args.role``) in their windows (``plans``, else the role's default wall), and the wires."""
    role = role or ROLES[args.role]
    server = feeds = None
    server_key = keys = None
    if args.demo:  # the backend enforces the console's role by its CurveZMQ key, as a real one does
        endpoints = Endpoints.free_loopback()
        with tempfile.TemporaryDirectory(prefix="grid-demo-keys-") as authorized:
            server_keys, keys = embedded_keys(authorized, role.name)
            server, backend = make_backend(
                endpoints, seed=args.demo_seed, speed=args.demo_speed, history_days=args.demo_history, video=True,
                keys=server_keys, authorized=Path(authorized),
            )  # fmt: skip
            start_backend(server, backend)
        server_key, feeds = server_keys.public, backend.feeds
    else:
        endpoints = Endpoints.parse(args.endpoint)
    if args.server_key:
        keys, server_key = client_keys(args.server_key, args.client_key)
    link = LinkBridge(
        LinkConfig(endpoints, server_key=server_key, client_keys=keys, role=role.name, collector=args.collector)
    )
    store = StoreBridge(args.db)
    store.open()
    district = load_district()
    situation = Situation(district)
    showing = Showing(situation)
    holder = QObject()  # parent of the console's timers and services until the windows exist
    repainter = Repainter(lambda c: console.paint(c), parent=holder)
    rankings = Repainter(lambda c: console.paint_rankings(c), interval_ms=1000, parent=holder)
    settings, problem = _alarm_settings(args.alarm_rules)

    def changed(changes: ChangeSet) -> None:
        repainter.add(changes)
        alarms.add(changes)
        cameras.on_changes(changes)

    ingest = Ingest(situation, changed, history_step_s=SAMPLE_EVERY_S, parent=holder)
    networks: CameraNetworks | None = args.camera_networks
    ctx = PanelContext(
        situation, district, args.theme, args.tile_url, lambda: ingest.held_history, store.daily,
        lambda: store.daily_writes, lambda url: checked_stream_url(url, networks), args.wall_id or "",
        lambda t, rows, hourly: store.leader_view_at_later(datetime.fromtimestamp(t, UTC), rows, hourly),
    )  # fmt: skip
    wanted = dict.fromkeys([*role.panels, *(p for plan in plans or role.wall for p in plan.panels)])
    panels = {p: build_panel(REGISTRY[p], ctx) for p in wanted}
    bar = ReplayBar()
    windows = [_window(role, plan, panels, bar if i == 0 else None) for i, plan in enumerate(plans or role.wall)]
    holder.setParent(windows[0])
    replay = Replay(store, showing, district, parent=holder)
    commands = CommandService(
        store, _sender(link), who=args.operator or getpass.getuser(), role=role.name, allowed=role.commands,
        parent=holder,
    )  # fmt: skip
    alarms = AlarmService(AlarmEngine(settings), situation, store, commands, parent=holder)
    alarms.restore()  # before the first picture: what is still the same alarm is not raised again
    cameras = _camera_desk(args, situation, commands, store, panels, windows, holder)
    # The alarm list on a turn of its own (the engine's turn and the list's are two tasks), at most
    # once an engine turn, and less often once its cost would take more than 5 % of the GUI thread
    # (a flood of thousands held: the list is made from all of them each time).
    alarm_lines = Throttle(lambda: console.show_alarms(), ALARM_TURN_MS, busy_share=0.05, parent=holder)
    console = Console(
        role, windows, panels, link, store, situation, showing, replay, bar, ingest, commands, alarms, repainter,
        rankings, cameras, alarm_lines, server, feeds=feeds, settings_problem=problem,
    )  # fmt: skip
    _wire(console)
    console.show_switched()
    known = store.last_known()  # painted (marked as such) until the link's snapshot replaces it
    if not known.empty and known.saved_at is not None:
        ingest.load(known.bodies, known.saved_at.timestamp())
    commands.resume()
    if problem:
        console.notice(QCoreApplication.translate("Console", "告警规则文件未采用，按默认规则运行：{0}").format(problem))
    console.link_event(LinkEventKind.STARTED)
    link.start()
    return console


def _camera_desk(
    args: argparse.Namespace,
    situation: Situation,
    commands: CommandService,
    store: StoreBridge,
    panels: Mapping[str, Panel],
    windows: Sequence[WallWindow],
    parent: QObject,
) -> CameraDesk:
    """The cameras' side of the console: its camera wall (if the panel loaded), the wall it sends to
    (``--show-on``), the requests it follows (``--wall-id``), the external player; the wall's tiles
    come back as they were, and are kept each time they change."""
    panel = panels.get("cameras")
    wall = panel.widget if panel is not None and not panel.failed else None
    if wall is not None:
        from widgets.camera_wall import CameraWall, WallState

        assert isinstance(wall, CameraWall)

    def raise_wall() -> None:
        for w in windows:
            dock = w.docks.get("cameras")
            if dock is not None:
                dock.show()
                dock.raise_()

    desk = CameraDesk(
        situation, commands, lambda text: windows[0].show_notice(text), store, wall=wall, raise_wall=raise_wall,
        wall_id=args.wall_id or "", show_on=args.show_on or "", console_name=args.wall_id or _console_name(),
        networks=args.camera_networks, player=args.camera_player or (), parent=parent,
    )  # fmt: skip
    if wall is not None:
        kept = data_folder() / (f"camera-wall-{args.wall_id}.json" if args.wall_id else "camera-wall.json")
        wall.restore(WallState.from_json(_read_json(kept)))
        wall.changed.connect(lambda: _write_json(kept, wall.state().as_json()))
        wall.external_wanted.connect(desk.open_external)
        wall.still_wanted.connect(desk.keep_still)
    return desk


def _console_name() -> str:
    """This console's name in the requests it sends: the machine's name, as an ident."""
    name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_.-") else "-" for ch in socket.gethostname())
    return name.strip("-_.")[:64] or "desk"


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # none kept yet, or unreadable: the empty wall


def _write_json(path: Path, data: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("the camera wall's tiles could not be kept in %s: %s", path, exc)


def _wire_camera_requests(console: Console, detail: CaseDetail) -> None:
    """A case detail's camera actions: a camera or the case's nearest on the wall, or a link to the
    external player."""
    desk = console.cameras
    detail.allow_wall(desk.available)
    detail.camera_wanted.connect(lambda camera_id: desk.show_camera(camera_id, detail.case_no))
    detail.cameras_wanted.connect(desk.show_case)
    detail.camera_requested.connect(desk.open_external)


COUNCIL_ROOM: Final = "council"  # the room whose wall the driving council console leads (§16.4)
FOLLOW_AFTER_MS: Final = 600  # the driving console says its case once the choice has rested this long


def _wire_council(console: Console) -> None:
    """The council's decisions and agenda changes go through the command service, and the board says
    where each stands; the console that drives the room says which case is on, the others follow."""
    board = console.panels["council"].widget
    assert isinstance(board, CouncilBoard)
    commands = console.commands
    board.decide.setVisible(commands.may(ActionKind.DECISION))  # the backend decides; the console hides
    board.allow_agenda(commands.may(ActionKind.AGENDA))
    sent: dict[int, str] = {}  # action id → the decision's key
    changes: dict[int, str] = {}  # action id → the agenda change, as the board says it

    def change_agenda(kind: ActionKind, case_no: str, listed: bool, rank: float | None, said: str) -> None:
        note = next((i.note for i in board.items if i.case_no == case_no), "")
        try:
            key, body = agenda_change(
                console.situation, case_no, listed=listed, rank=rank, reason=note, by=commands.who,
                role=commands.role, at=datetime.now(UTC),
            )  # fmt: skip
            action = commands.send(kind, key, body, text=said, case_no=case_no)
        except (ValueError, PermissionError, RuntimeError, OSError) as exc:
            board.show_status(QCoreApplication.translate("Console", "议程未改：{0}").format(one_line(str(exc), 200)))
            return
        changes[action.id] = said
        board.show_status(QCoreApplication.translate("Console", "{0}：已记录并发出，待后端确认").format(said))

    def move(case_no: str, to: int) -> None:
        said = QCoreApplication.translate("Console", "{0} 移到第 {1} 位").format(case_no, to + 1)
        change_agenda(ActionKind.AGENDA, case_no, True, rank_for(board.items, case_no, to), said)

    def remove(case_no: str) -> None:
        said = QCoreApplication.translate("Console", "{0} 移出议程").format(case_no)
        change_agenda(ActionKind.AGENDA, case_no, False, None, said)

    board.move_wanted.connect(move)
    board.remove_wanted.connect(remove)
    driving: list[bool] = [False]
    me = f"{console.cameras.console_name[:56]}-{secrets.token_hex(3)}"  # this console among the room's
    say_case = QTimer(board)
    say_case.setSingleShot(True)
    say_case.setInterval(FOLLOW_AFTER_MS)

    def present() -> None:
        if not driving[0] or console.showing.replaying:
            return
        try:
            key, body = presentation(
                COUNCIL_ROOM, board.case_no, console=me, by=commands.who, role=commands.role,
                at=datetime.now(UTC),
            )  # fmt: skip
            commands.send(ActionKind.PRESENT, key, body, case_no=board.case_no)
        except (ValueError, PermissionError, RuntimeError, OSError) as exc:
            board.show_status(QCoreApplication.translate("Console", "主持未生效：{0}").format(one_line(str(exc), 200)))

    def drive(on: bool) -> None:
        driving[0] = on
        if on:
            present()

    say_case.timeout.connect(present)
    board.drive_toggled.connect(drive)
    board.case_chosen.connect(lambda _no: say_case.start())
    followed: list[datetime] = []  # the newest presentation this console followed

    def follow() -> None:  # a dictionary look-up twice a second: the room's case, if another console drives
        record = console.situation.records.get(f"/present/{COUNCIL_ROOM}")
        if driving[0] or console.showing.replaying or not isinstance(record, r.Presentation):
            return
        if record.console == me or (followed and record.presented_at <= followed[0]):
            return
        if record.case_no is None or board.choose(record.case_no):  # not yet on this agenda: next turn
            followed[:] = [record.presented_at]

    following = QTimer(board)
    following.setInterval(FOLLOW_AFTER_MS)
    following.timeout.connect(follow)
    following.start()

    def decide(form: DecisionForm) -> None:
        try:
            key, body = decision_on_case(
                console.situation, form.case_no, form.action, dept=form.dept, supporting=form.supporting,
                deadline=form.deadline, note=form.note, by=commands.who, role=commands.role, at=datetime.now(UTC),
                pending=commands.pending_keys(),
            )  # fmt: skip
            action = commands.send(ActionKind.DECISION, key, body, text=form.note, case_no=form.case_no)
        except (ValueError, PermissionError, RuntimeError, OSError) as exc:
            board.show_status(QCoreApplication.translate("Console", "决定未发出：{0}").format(one_line(str(exc), 200)))
            return
        sent[action.id] = key
        board.show_status(QCoreApplication.translate("Console", "决定已记录并发出，待后端确认（{0}）").format(key))

    def confirmed(action_id: int) -> None:
        if action_id in sent:
            key = sent.pop(action_id)
            board.show_status(QCoreApplication.translate("Console", "后端已确认决定（{0}）").format(key))
        elif action_id in changes:
            said = changes.pop(action_id)
            board.show_status(QCoreApplication.translate("Console", "{0}：后端已确认").format(said))

    def refused(action_id: int) -> None:
        if action_id in changes:
            said, why = changes.pop(action_id), commands.reason_of(action_id) or "?"
            board.show_status(
                QCoreApplication.translate("Console", "{0}：后端拒绝（{1}）").format(said, one_line(why, 200))
            )
        if action_id in sent:
            key, why = sent.pop(action_id), commands.reason_of(action_id)
            if why:
                text = QCoreApplication.translate("Console", "后端拒绝了决定（{0}）：{1}")
                board.show_status(text.format(key, one_line(why, 200)))
            else:
                text = QCoreApplication.translate("Console", "后端未确认决定（{0}，已发送 {1} 次）：后端拒绝或未收到")
                board.show_status(text.format(key, commands.attempts))

    board.case_chosen.connect(console.select_case)  # the detail and the map follow the meeting

    def freeze(on: bool) -> None:  # the whole wall held at the meeting's start, built like any replay
        if on:
            # a console started for the meeting has kept nothing before its first picture
            span = console.store.time_window()
            oldest = span.oldest.timestamp() if span is not None else time.time()
            console.replay.request(max(board.started.timestamp(), oldest))
        else:
            console.replay.live()

    board.freeze_wanted.connect(freeze)
    console.showing.switched.connect(lambda: board.show_frozen(console.showing.replaying))
    board.decision_wanted.connect(decide)
    board.minutes_wanted.connect(lambda: console.export_minutes())
    commands.confirmed.connect(confirmed)
    commands.refused.connect(refused)


def _wire_sound(service: AlarmService) -> AlarmSound:
    """The chime a center turned on: new alarms ring it, acknowledging them quiets it."""
    engine = service.engine
    sound = AlarmSound(engine.settings.sound, parent=service)

    def quiet() -> None:
        now = time.time()
        sound.still_unacknowledged(i for i, a in engine.alarms.items() if a.state(now) is AlarmState.UNACKNOWLEDGED)

    service.raised.connect(lambda ids: sound.call((i, engine.alarms[i].priority) for i in ids if i in engine.alarms))
    service.changed.connect(quiet)
    return sound


def _alarm_settings(path: Path | None) -> tuple[AlarmSettings, str]:
    """The alarm rules: the file given, or the user's own if there is one, over the defaults. A file
    that cannot be taken whole is refused with its line and reason: (the defaults, why)."""
    try:
        return load_settings(path or config_folder() / "alarm_rules.toml"), ""
    except SettingsError as exc:
        log.error("alarm rules refused, running on the defaults: %s", exc)
        return default_settings(), str(exc)


def _sender(link: LinkBridge) -> Callable[..., None]:
    """How the command service sends: alarm handlings with their ttl (docs/protocol.md §16.1)."""

    def send(key: str, body: bytes, *, uuid: bytes) -> None:
        link.send(key, body, ttl=ALARM_TTL if key.startswith(ALARM_KEYS) else None, uuid=uuid)

    return send


def marks(events: Sequence[LinkEvent]) -> list[Mark]:
    """The replay bar's marks: each re-sync, and each stretch from STALE to the next sign of life
    (LIVE, a restart of the console, its stop) — or to now, if none came yet."""
    out: list[Mark] = []
    stale_from: float | None = None
    for e in events:
        at = e.at.timestamp()
        if e.kind == LinkEventKind.RESYNC:
            out.append(Mark(at, MarkKind.RESYNC))
        elif e.kind == LinkEventKind.STALE:
            stale_from = at if stale_from is None else stale_from
        elif stale_from is not None:
            out.append(Mark(stale_from, MarkKind.STALE, at))
            stale_from = None
    if stale_from is not None:
        out.append(Mark(stale_from, MarkKind.STALE, time.time()))
    return out


def _window(role: Role, plan: WindowPlan, panels: Mapping[str, Panel], bar: ReplayBar | None) -> WallWindow:
    """A window of the wall: the plan's first panel in the centre, the others docked in their places."""
    centre_id, *docked_ids = plan.panels
    docked = [Docked(p, caption(p), REGISTRY[p].area, panels[p].widget, REGISTRY[p].scrolled) for p in docked_ids]
    title = QCoreApplication.translate("Roles", role.title)
    return WallWindow(
        title, panels[centre_id].widget, docked, top=bar, dim_centre=centre_id != "map",
        panel_ids=plan.panels, screen_number=plan.screen, scroll_centre=REGISTRY[centre_id].scrolled,
    )  # fmt: skip


def _wire(console: Console) -> None:
    """The signals between link, store, ingest, replay, commands and the panels there are."""
    link, store, ingest, window = console.link, console.store, console.ingest, console.window
    situation, replay, bar = console.situation, console.replay, console.replay_bar

    def on_batch(batch: Batch) -> None:
        if console.closed:
            return
        # A refused batch (the store is behind) asks for a re-sync through store.resync_needed.
        if store.submit(batch) and batch.reset:
            for w in console.windows:
                w.clear_store_alarm()
        ingest.add(batch)  # the picture and the commands first: nothing the store says may hold them up
        console.commands.observe(batch)
        if batch.reset:
            console.link_event(LinkEventKind.RESYNC, link.stats().last_resync or "snapshot")

    def on_progress(_what: str, done: int, total: int) -> None:
        if done == total:  # a new picture has taken over: what it holds is long-lived
            heap.settle()

    def on_tick() -> None:  # lights and overdue move with time, not only with updates
        if not console.closed:
            changes = situation.tick(time.time())
            console.repainter.add(changes)
            console.alarms.add(changes)

    last_state: list[LinkState] = []
    stale = [False]  # a STALE recorded and no LIVE since

    def on_state(stats: LinkStats) -> None:
        for w in console.windows:
            w.show_link(stats)
        console.alarms.on_link(stats)
        if console.closed or last_state[-1:] == [stats.state]:
            return
        last_state[:] = [stats.state]
        if stats.state is LinkState.STALE and not stale[0]:
            stale[0] = True
            console.link_event(LinkEventKind.STALE)
        elif stats.state is LinkState.LIVE and stale[0]:
            stale[0] = False
            console.link_event(LinkEventKind.LIVE)

    def on_stats(stats: LinkStats) -> None:  # with the link's figures: how far the picture is behind them
        on_state(stats)
        if console.closed:
            return
        flying, flying_since = link.in_flight()
        since = [t for t in (flying_since, ingest.behind_since()) if t is not None]
        behind = time.monotonic() - min(since) if since else 0.0
        for w in console.windows:
            w.health.show_refused(situation.rejects, situation.last_reject)
            w.show_lag(flying + ingest.backlog, behind)

    def on_span() -> None:  # the slider reaches what the store keeps, with what the link did in it
        try:
            span = store.time_window()
            events = store.link_events(span.oldest) if span is not None else []
        except (RuntimeError, OSError, TimeoutError):
            return
        if span is not None:
            bar.show_span(span.oldest.timestamp(), time.time(), marks(events))

    link.batch_received.connect(on_batch)
    link.state_changed.connect(on_state)
    link.stats_updated.connect(on_stats)
    store.resync_needed.connect(link.resync)
    store.alarm_raised.connect(console.alarms.on_store)
    console.alarms.changed.connect(console.alarm_lines.poke)
    console.summaries = []
    for w in console.windows:
        summary = AlarmSummary()
        summary.clicked.connect(console.focus_alarms)
        w.health.add_status(summary)
        console.summaries.append(summary)
    for w in console.windows:
        ingest.progressed.connect(w.show_progress)
        store.alarm_raised.connect(w.show_store_alarm)
        w.save_requested.connect(console.save_wall)
        for keys, slot in (
            ("Esc", console.escape), ("M", console.next_metric), ("Ctrl+Q", console.quit), ("F1", w.show_keys),
            ("V", console.cameras_of_selected),
        ):  # fmt: skip
            QShortcut(QKeySequence(keys), w).activated.connect(slot)
    ingest.progressed.connect(on_progress)
    console.showing.switched.connect(console.show_switched)
    console.showing.moved.connect(console.show_moved)
    bar.instant_requested.connect(replay.request)
    bar.play_requested.connect(replay.play)
    bar.live_requested.connect(replay.live)
    replay.instant_shown.connect(bar.show_instant)
    replay.failed.connect(
        lambda why: console.notice(QCoreApplication.translate("Console", "无法回放：{0}").format(why))
    )
    if console.has("map"):
        grid_map = console.map
        window.stale_changed.connect(grid_map.set_stale)
        grid_map.case_clicked.connect(console.case_clicked_on_map)
        grid_map.camera_clicked.connect(console.cameras.show_camera)
        grid_map.point_picked.connect(console.cameras.show_point)
        wall = console.cameras.wall
        if wall is not None:  # the wall's cameras numbered on the map, as their tiles
            wall.changed.connect(lambda: grid_map.mark_wall_cameras(wall.state().cameras))
            grid_map.mark_wall_cameras(wall.state().cameras)
        grid_map.grid_clicked.connect(grid_map.select_grid)
        grid_map.page_loaded.connect(
            lambda: console.panels["map"].show(console.showing.situation, ChangeSet(reset=True))
        )
    if console.has("queue"):
        queue = console.queue
        queue.case_selected.connect(console.select_case)
        queue.model.filter_changed.connect(console.show_filter_highlights)
        QShortcut(QKeySequence("Ctrl+F"), queue.window()).activated.connect(queue.focus_search)
        if console.has("map"):
            console.map.grid_clicked.connect(queue.filter_to_grid)
            console.map.cluster_clicked.connect(queue.filter_to_cases)
        if console.has("streets"):
            console.streets.street_clicked.connect(queue.filter_to_street)
        if console.has("heat"):
            console.heat.department_clicked.connect(queue.filter_to_department)
        if console.has("kpis"):
            console.kpis.figure_clicked.connect(queue.filter_to_figure)
    if console.has("alarms"):
        alarm_list, service = console.alarm_list, console.alarms
        alarm_list.acknowledge_requested.connect(lambda ids: console.handle_alarms(service.acknowledge, ids))
        alarm_list.shelve_requested.connect(
            lambda ids, reason, minutes: console.handle_alarms(service.shelve, ids, reason, minutes)
        )
        alarm_list.unshelve_requested.connect(lambda ids: console.handle_alarms(service.unshelve, ids))
        alarm_list.alarm_activated.connect(console.lead_to)
        alarm_list.figures_requested.connect(console.show_alarm_figures)
        service.raised.connect(alarm_list.call_attention)
        console.commands.pending_changed.connect(console.alarm_lines.poke)  # a pending mark confirmed
    if console.alarms.engine.settings.sound.enabled:
        _wire_sound(console.alarms)
        allowed = console.commands.may(ActionKind.ACKNOWLEDGE)
        for button in (alarm_list.ack, alarm_list.shelf, alarm_list.unshelf):
            button.setVisible(allowed)  # the console hides what its role may not do; the backend decides
    if console.has("streets", "map"):
        console.streets.street_clicked.connect(console.map.fit_street)
    if console.has("council"):
        _wire_council(console)
    if console.has("leader"):
        board = console.panels["leader"].widget
        assert isinstance(board, LeaderBoard)
        board.briefing_requested.connect(console.export_briefing)
    if console.has("queue"):
        console.queue.case_opened.connect(console.open_story)
    if console.has("detail"):
        detail = console.detail
        detail.story_requested.connect(console.open_story)
        _wire_camera_requests(console, detail)
        console.cameras.still_kept.connect(console.show_stills)
        detail.allow_notes(console.commands.may(ActionKind.NOTE))
        detail.allow_council(console.commands.may(ActionKind.PROPOSE))
        detail.council_wanted.connect(console.propose)

        def on_note(no: str, text: str) -> None:
            if console.note_case(no, text):
                detail.note.clear()

        unconfirmed = QCoreApplication.translate("Console", "后端未确认这条批注（已重发 {0} 次）：请与后端核实")
        refused = QCoreApplication.translate("Console", "后端拒绝了这条批注：{0}")

        def on_refused(action_id: int) -> None:
            why = console.commands.reason_of(action_id)
            console.notice(refused.format(one_line(why, 200)) if why else unconfirmed.format(console.commands.attempts))

        detail.note_entered.connect(on_note)
        console.commands.pending_changed.connect(console.show_pending_notes)
        console.commands.refused.connect(on_refused)
    refreshed: list[date] = []  # the day whose daily figures were last brought up to date

    def on_daily() -> None:
        """The store's daily figures: at the first live picture, every complete day its cases cover
        (the rebuild), then, five minutes past each midnight (the day's last updates in), the day just
        ended. Computed in the store's process; only while the link is live: the picture is current."""
        if console.closed or not situation.pictured or link.stats().state is not LinkState.LIVE:
            return
        day = day_of(time.time() - DAILY_AFTER_MIDNIGHT_S)
        if refreshed[-1:] == [day]:
            return
        refreshed[:] = [day]
        done = store.refresh_daily_later(datetime.now(UTC), situation.rules, situation.calendar)

        def report(future: Future[list[date]]) -> None:
            if future.exception() is not None:
                log.warning("the daily figures could not be brought up to date: %s", future.exception())
                refreshed.clear()  # try again at the next turn
            elif future.result():
                log.info("daily figures written for %s", ", ".join(map(str, future.result())))

        done.add_done_callback(report)

    def on_give_back() -> None:  # what short-lived work freed goes back to the system, not kept for ever
        allocator.give_back()

    every = round(allocator.EVERY_S * 1000)
    for interval, slot in ((1000, on_tick), (60_000, on_span), (5_000, on_daily), (every, on_give_back)):
        timer = QTimer(window)
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        timer.start()
    on_span()
