"""Panels behind one protocol, and the registry the roles choose from.

A panel is a widget and the one call that shows it a situation and what changed in it
(``show(situation, changes)``; ``changes.reset`` means a whole new picture, possibly another
situation: the live one after the past, or a past one). Each entry of the registry says the panel's
id, its caption, where it docks by default, how often it repaints (five times a second, or once
for the slow rankings), and how it is built. A panel whose parts cannot load (a library missing on
this machine) becomes a panel that says so; the rest of the console starts.

The views themselves live in ``widgets``; the functions here only adapt them to the protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final, Literal

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from console.core.aggregates import GridFigures
from console.core.case_state import CaseState
from console.core.daily import DayFigures
from console.core.leader import LeaderView
from console.core.situation import ChangeSet, Situation
from server_link import records as r
from server_link.district import District
from widgets.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from widgets.grid_map import CameraMarker

log = logging.getLogger(__name__)

Area = Literal["central", "right", "bottom", "left"]
Show = Callable[[Situation, ChangeSet], None]


class _Relay(QObject):
    """Hands a result done in another thread (a store's future) to the GUI thread."""

    arrived = Signal(object, object)


@dataclass
class Panel:
    """A built panel: its widget and how it shows a situation."""

    id: str
    widget: QWidget
    show: Show
    slow: bool = False  # repainted once a second (ranked tables read at a glance), not five times
    failed: str = ""  # why the real panel could not be built (then ``widget`` says so)


@dataclass(frozen=True)
class PanelContext:
    """What the panels are built from."""

    situation: Situation  # the live one (the first on show)
    district: District
    theme: Literal["dark", "light"]
    tile_url: str | None = None
    history: Callable[[], Mapping[str, Iterable[int]]] = field(default=lambda: {})
    daily: Callable[[date, date], Sequence[DayFigures]] = field(default=lambda _since, _until: ())
    daily_written: Callable[[], int] = field(default=lambda: 0)  # counts the store's writes of daily rows
    camera_check: Callable[[str], str] = field(default=lambda url: url)  # a camera link as checked, or LinkRefused
    wall_id: str = ""  # --wall-id: this console's camera wall follows the requests addressed to it
    # The leaders' view of a past instant (POSIX seconds), over kept rows, hourly or not: made by
    # the store, which keeps the cases' timelines a past situation does not hold.
    leader_view_at: Callable[[float, Sequence[DayFigures], bool], Future[LeaderView]] | None = None


@dataclass(frozen=True)
class PanelSpec:
    id: str
    caption: str  # translated where shown (context "Panels")
    area: Area
    build: Callable[[PanelContext], Panel]
    scrolled: bool = False  # its natural height must not force the window's (it scrolls instead)


# ---------------------------------------------------------------------- the map
# The map's metrics, cycled with the M key: (name, legend title, per-grid figure).
MAP_METRICS: Final[tuple[tuple[str, str, Callable[[GridFigures], float]], ...]] = (
    ("open", QT_TRANSLATE_NOOP("Console", "在办案件数"), lambda f: f.open),
    ("overdue", QT_TRANSLATE_NOOP("Console", "超期案件数"), lambda f: f.overdue),
    ("recent", QT_TRANSLATE_NOOP("Console", "近一小时新增"), lambda f: f.recent),
    ("escalated", QT_TRANSLATE_NOOP("Console", "上报区级（在办）"), lambda f: f.escalated),
)


class MapShows:
    """The map's side of the protocol: the choropleth of the metric chosen, and open cases' symbols.

    A whole new picture is put on the map in a turn of the event loop of its own, after the other
    panels have shown it: a busy district's ten thousand open cases made most of the GUI thread's
    turn when the replay jumped (changes that come before it are in the picture it then shows)."""

    def __init__(self, grid_map: object) -> None:
        from PySide6.QtCore import QTimer

        from widgets.grid_map import GridMap

        assert isinstance(grid_map, GridMap)
        self.map = grid_map
        self.metric = 0
        self._situation: Situation | None = None
        self._whole = QTimer(grid_map)
        self._whole.setSingleShot(True)
        self._whole.setInterval(0)
        self._whole.timeout.connect(self._show_whole)

    def __call__(self, sit: Situation, changes: ChangeSet) -> None:
        from widgets.grid_map import CaseMarker

        def marker(s: CaseState) -> CaseMarker:
            return CaseMarker(s.no, s.lon, s.lat, s.light, s.title)

        self._situation = sit
        if changes.reset or self._whole.isActive():
            self._whole.start()
            return
        if changes.cameras:
            self.map.update_cameras(_camera_markers(sit, changes.cameras))
        grids = sit.aggregates.grids
        _, _, figure = MAP_METRICS[self.metric]
        self.map.update_values({g: float(figure(grids[g])) for g in changes.grids if g in grids})
        upserts = [marker(sit.cases[no]) for no in changes.cases if no in sit.cases and sit.cases[no].open]
        gone = [no for no in changes.cases if no not in sit.cases or not sit.cases[no].open]
        self.map.update_cases(upserts, gone)
        self.map.flush()  # the repainter already holds paints to ≤ 5/s: the map's diff goes out now

    @property
    def pending(self) -> bool:
        """A whole new picture waits for its turn, or its markers are still on their way to the page."""
        return self._whole.isActive() or self.map.filling

    def _show_whole(self) -> None:
        from widgets.grid_map import CaseMarker

        sit = self._situation
        if sit is None:
            return
        self.show_metric()
        self.map.set_cases(map(CaseMarker._make, sit.open_places()))
        self.map.set_cameras(_camera_markers(sit, None))
        self.map.flush()

    def show_metric(self) -> None:
        if self._situation is None:
            return
        name, title, figure = MAP_METRICS[self.metric]
        values = {g: float(figure(f)) for g, f in self._situation.aggregates.grids.items()}
        self.map.set_metric(name, values, QCoreApplication.translate("Console", title))

    def next_metric(self) -> None:
        self.metric = (self.metric + 1) % len(MAP_METRICS)
        self.show_metric()


def _camera_markers(sit: Situation, keys: set[str] | None) -> list[CameraMarker]:
    """The cameras of ``keys`` (all, if None) as the map shows them."""
    from widgets.grid_map import CameraMarker

    records = sit.records if keys is None else {k: sit.records.get(k) for k in keys}
    return [
        CameraMarker(c.id, c.lon, c.lat, c.online, c.name, c.unit_grid)
        for c in records.values()
        if isinstance(c, r.Camera)
    ]


def _map(ctx: PanelContext) -> Panel:
    from widgets.grid_map import GridMap

    grid_map = GridMap(theme=ctx.theme, district=ctx.district, tile_url=ctx.tile_url)
    return Panel("map", grid_map, MapShows(grid_map))


# ---------------------------------------------------------------------- the others
def _kpis(ctx: PanelContext) -> Panel:
    from widgets.kpi_strip import KpiStrip

    kpis = KpiStrip()
    return Panel("kpis", kpis, lambda sit, _changes: kpis.show_situation(sit))


def _queue(ctx: PanelContext) -> Panel:
    from widgets.case_queue import CaseQueue

    queue = CaseQueue(ctx.situation, coalesce_ms=0, theme=ctx.theme)

    def show(sit: Situation, changes: ChangeSet) -> None:
        if sit is not queue.model.situation:
            queue.model.set_situation(sit)  # the past, or back to live: its own table, rows and instant
        else:
            queue.on_changes(changes, sit.now)

    return Panel("queue", queue, show)


def _detail(ctx: PanelContext) -> Panel:
    from widgets.case_detail import CaseDetail

    detail = CaseDetail()

    def show(sit: Situation, changes: ChangeSet) -> None:
        if detail.case_no is not None and (changes.reset or detail.case_no in changes.cases):
            detail.refresh(sit)

    return Panel("detail", detail, show)


def _heat(ctx: PanelContext) -> Panel:
    from console.core.catalogue import department_names
    from console.core.situation import Provenance
    from widgets.department_heat import DepartmentHeat

    heat = DepartmentHeat(theme=ctx.theme)

    def show(sit: Situation, changes: ChangeSet) -> None:
        if changes.reset or changes.departments:
            heat.show_situation(sit, sample=sit.provenance is Provenance.LIVE)
        if changes.reset and sit.provenance is not Provenance.PAST:
            # a new live picture: the sparklines' 24 hours, gathered from its cases as it was built
            history = ctx.history()
            heat.show_history({dept: history.get(dept, ()) for dept in department_names(sit)})

    return Panel("heat", heat, show, slow=True)


def _streets(ctx: PanelContext) -> Panel:
    from widgets.streets_panel import StreetsPanel

    streets = StreetsPanel()

    def show(sit: Situation, changes: ChangeSet) -> None:
        if changes.reset or changes.streets:
            streets.show_situation(sit)

    return Panel("streets", streets, show, slow=True)


def _alarms(ctx: PanelContext) -> Panel:
    from widgets.alarm_list import AlarmList

    # The duty alarms are the present's, whatever is on show: the composition root paints them
    # from the alarm service, not from the situation on show.
    return Panel("alarms", AlarmList(), lambda _sit, _changes: None)


def _cameras(ctx: PanelContext) -> Panel:
    from widgets.camera_feed import DecoderBudget  # QtMultimedia: missing libraries make this panel say so
    from widgets.camera_wall import CameraWall

    wall = CameraWall(DecoderBudget(), ctx.camera_check, wall_id=ctx.wall_id)
    live = ctx.situation
    wall.set_records(lambda: live.records)
    # Live video is the present's, whatever is on show: the composition root refreshes the tiles
    # from the live situation's camera records.
    return Panel("cameras", wall, lambda _sit, _changes: None)


def _council(ctx: PanelContext) -> Panel:
    from console.core.council import agenda, dossier
    from widgets import labels
    from widgets.council_board import CouncilBoard

    board = CouncilBoard()
    on_show: list[Situation] = [ctx.situation]

    def show_case(no: str) -> None:
        sit = on_show[0]
        names = labels.department_names(sit)
        s = sit.cases.get(no)
        board.show_dossier(dossier(sit, no), s.title if s is not None else "", names, sorted(names))

    def show(sit: Situation, changes: ChangeSet) -> None:
        on_show[0] = sit
        if changes.reset or changes.cases or changes.decisions or changes.agenda:
            items = agenda(sit)
            board.show_agenda(items, {i.case_no: sit.cases[i.case_no].title for i in items})
            no = board.case_no
            if no is not None and (changes.reset or no in changes.cases or changes.decisions):
                show_case(no)

    board.case_chosen.connect(show_case)
    return Panel("council", board, show, slow=True)


LEADER_EVERY_S: Final = 60.0  # the leaders' figures are recomputed once a minute (about 0.2 s each time)
PAST_ROWS_EVERY_S: Final = 600.0  # and the kept daily rows read again every ten minutes


def _leader(ctx: PanelContext) -> Panel:
    from PySide6.QtCore import QTimer

    from console.core.daily import day_of
    from console.core.leader import past_days, view_of
    from console.core.situation import Provenance
    from widgets import labels
    from widgets.leader_board import LeaderBoard

    board = LeaderBoard()
    on_show: Situation | None = None  # the situation on show, as last handed over
    shown_at = -float("inf")  # its instant when the board was last computed
    past: tuple[date, float, int, Sequence[DayFigures]] | None = None  # (day, read at, writes seen, rows)
    asked: Situation | None = None  # the past one whose view the store is making (one at a time)
    again = False  # another past came on show meanwhile: asked for when that view comes

    def compute(force: bool = False) -> None:
        """Today's figures from the cases, over the kept rows: once a minute (about 0.2 s), at once on
        a new picture or when the store has written days."""
        nonlocal shown_at, past, asked, again
        sit = on_show
        if sit is None or not sit.pictured:
            return
        if asked is not None and not sit.keep_bodies:
            again = again or sit is not asked  # a replay's jumps never queue the store's slow work
            return
        written = ctx.daily_written()
        fresh_rows = past is not None and past[2] != written
        if not force and not fresh_rows and abs(sit.now - shown_at) < LEADER_EVERY_S:
            return
        shown_at = sit.now
        day = day_of(sit.now)
        if force or past is None or (past[0], past[2]) != (day, written) or sit.now - past[1] >= PAST_ROWS_EVERY_S:
            past = (day, sit.now, written, ctx.daily(*past_days(sit)))
        hourly = board.trend_days == 1
        if sit.keep_bodies:
            shown(sit, view_of(sit, past[3], hourly=hourly))
        elif ctx.leader_view_at is not None:  # a past situation: its cases' timelines are in the store
            try:
                made = ctx.leader_view_at(sit.now, past[3], hourly)
            except Exception:  # the store is gone or closing: the board keeps what it showed
                log.exception("the leaders' view of a past instant could not be asked for")
                return
            asked = sit
            made.add_done_callback(lambda f: relay.arrived.emit(sit, f))

    def shown(sit: Situation, view: LeaderView) -> None:
        live = sit.provenance is Provenance.LIVE
        board.show_view(view, labels.street_names(sit), labels.department_names(sit), sit.now, live)

    def arrived(sit: Situation, made: Future[LeaderView]) -> None:
        nonlocal asked, again
        asked, ask_again = None, again
        again = False
        if sit is not on_show:  # another situation is on show by now: its view, if it is a past one
            if ask_again:
                compute(force=True)
            return
        try:
            shown(sit, made.result())
        except Exception:
            log.exception("the leaders' view of a past instant could not be made")

    relay = _Relay(board)
    relay.arrived.connect(arrived)

    def show(sit: Situation, changes: ChangeSet) -> None:
        nonlocal on_show
        on_show = sit
        compute(force=changes.reset)

    board.hourly_wanted.connect(lambda: compute(force=True))
    timer = QTimer(board)  # a quiet district changes nothing, and the minute still moves on
    timer.setInterval(5000)
    timer.timeout.connect(compute)
    timer.start()
    return Panel("leader", board, show, slow=True)


REGISTRY: Final[dict[str, PanelSpec]] = {
    spec.id: spec
    for spec in (
        PanelSpec("map", QT_TRANSLATE_NOOP("Panels", "网格地图"), "central", _map),
        PanelSpec("kpis", QT_TRANSLATE_NOOP("Panels", "全区指标"), "right", _kpis, scrolled=True),
        PanelSpec("queue", QT_TRANSLATE_NOOP("Panels", "案件队列"), "right", _queue),
        PanelSpec("detail", QT_TRANSLATE_NOOP("Panels", "案件详情"), "right", _detail, scrolled=True),
        PanelSpec("heat", QT_TRANSLATE_NOOP("Panels", "部门热力"), "bottom", _heat),
        PanelSpec("streets", QT_TRANSLATE_NOOP("Panels", "街道"), "bottom", _streets),
        PanelSpec("alarms", QT_TRANSLATE_NOOP("Panels", "值班告警"), "bottom", _alarms),
        PanelSpec("leader", QT_TRANSLATE_NOOP("Panels", "全区态势"), "central", _leader, scrolled=True),
        PanelSpec("cameras", QT_TRANSLATE_NOOP("Panels", "摄像头墙"), "bottom", _cameras),
        PanelSpec("council", QT_TRANSLATE_NOOP("Panels", "协调会商"), "central", _council, scrolled=True),
    )
}


def caption(panel_id: str) -> str:
    """The panel's caption in the installed language."""
    return QCoreApplication.translate("Panels", REGISTRY[panel_id].caption)


def build_panel(spec: PanelSpec, ctx: PanelContext) -> Panel:
    """The panel, or, when its parts cannot load on this machine, a panel saying why."""
    try:
        return spec.build(ctx)
    except (ImportError, OSError) as exc:  # e.g. QtMultimedia without libpulse0
        log.warning("panel %s could not be built: %s", spec.id, exc)
        note = QLabel(QCoreApplication.translate("Panels", "此面板无法载入：{0}").format(exc))
        note.setObjectName("panelFailed")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return Panel(spec.id, note, lambda _sit, _changes: None, failed=str(exc))
