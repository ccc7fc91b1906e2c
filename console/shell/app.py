"""``grid-console``: the composition root and the command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from console.core.aggregates import GridFigures
from console.core.cameras import CameraNetworks, LinkRefused, checked_stream_url
from console.core.case_state import CaseState
from console.core.situation import ChangeSet, Situation
from console.core.untrusted import one_line
from console.shell import heap
from console.shell.i18n import LANGUAGES, install_translators
from console.shell.ingest import Ingest
from console.shell.link_bridge import LinkBridge
from console.shell.repaint import Repainter
from console.shell.store_bridge import StoreBridge
from console.shell.style import auto_scale, style_sheet
from console.shell.wall_window import WallWindow, default_layout_path, load_layout
from console.store.process import StoreProcessError
from server_link.agent import LinkConfig
from server_link.curve import client_keys
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkStats
from server_link.server import ChpServer
from server_link.sim.backend import make_backend, start_backend
from widgets.case_detail import CaseDetail
from widgets.case_queue import CaseQueue
from widgets.department_heat import SAMPLE_EVERY_S, DepartmentHeat
from widgets.grid_map import CaseMarker, GridMap
from widgets.i18n import QT_TRANSLATE_NOOP
from widgets.kpi_strip import KpiStrip
from widgets.streets_panel import StreetsPanel

TITLE = QT_TRANSLATE_NOOP("Console", "东城区网格化服务管理中心 · 指挥台")


# The map's metrics, cycled with the M key: (name, legend title, per-grid figure).
MAP_METRICS: tuple[tuple[str, str, Callable[[GridFigures], float]], ...] = (
    ("open", QT_TRANSLATE_NOOP("Console", "在办案件数"), lambda f: f.open),
    ("overdue", QT_TRANSLATE_NOOP("Console", "超期案件数"), lambda f: f.overdue),
    ("recent", QT_TRANSLATE_NOOP("Console", "近一小时新增"), lambda f: f.recent),
    ("escalated", QT_TRANSLATE_NOOP("Console", "上报区级（在办）"), lambda f: f.escalated),
)


@dataclass
class Console:
    """Everything the console runs, built and wired in one place; ``close()`` stops it all."""

    window: WallWindow
    link: LinkBridge
    store: StoreBridge
    situation: Situation
    ingest: Ingest
    map: GridMap
    queue: CaseQueue
    detail: CaseDetail
    kpis: KpiStrip
    heat: DepartmentHeat
    streets: StreetsPanel
    repainter: Repainter
    rankings: Repainter
    server: ChpServer | None = None  # the embedded simulated backend (--demo)
    camera_networks: CameraNetworks | None = None  # --camera-networks: where camera links may point
    metric: int = 0
    closed: bool = False

    def close(self) -> None:
        self.closed = True  # batches still queued in the event loop are dropped from now on
        self.link.stop()
        self.store.store.close()
        if self.server is not None:
            self.server.stop()

    # ------------------------------------------------------------------ painting
    def paint(self, changes: ChangeSet) -> None:
        """Repaint what changed (called at most five times a second by the repainter)."""
        if self.closed:
            return  # a late timer or page signal while the window is being torn down
        sit = self.situation
        self.window.show_provenance(sit)
        self.kpis.show_situation(sit)
        self.rankings.add(changes)
        self.queue.on_changes(changes, sit.now)
        if self.detail.case_no is not None and (changes.reset or self.detail.case_no in changes.cases):
            self.detail.refresh(sit)
        figure = MAP_METRICS[self.metric][2]
        grids = sit.aggregates.grids
        if changes.reset:
            self.show_metric()
            self.map.set_cases(_marker(s) for s in sit.cases.values() if s.open)
        else:
            self.map.update_values({g: float(figure(grids[g])) for g in changes.grids if g in grids})
            upserts = [_marker(sit.cases[no]) for no in changes.cases if no in sit.cases and sit.cases[no].open]
            gone = [no for no in changes.cases if no not in sit.cases or not sit.cases[no].open]
            self.map.update_cases(upserts, gone)
        self.map.flush()  # the repainter already holds paints to ≤ 5/s: the map's diff goes out now

    def paint_rankings(self, changes: ChangeSet) -> None:
        """The department heat and the streets: ranked tables read at a glance, repainted once a second."""
        if self.closed:
            return
        if changes.reset or changes.streets:
            self.streets.show_situation(self.situation)
        if changes.reset or changes.departments:
            self.heat.show_situation(self.situation)
        if changes.reset:  # a new picture: the sparklines' 24 hours, gathered from its cases' timelines as it was built
            history = self.ingest.held_history
            self.heat.show_history({dept: history.get(dept, ()) for dept in self.situation.district.departments})

    def show_metric(self) -> None:
        name, title, figure = MAP_METRICS[self.metric]
        values = {g: float(figure(f)) for g, f in self.situation.aggregates.grids.items()}
        self.map.set_metric(name, values, QCoreApplication.translate("Console", title))

    def next_metric(self) -> None:
        self.metric = (self.metric + 1) % len(MAP_METRICS)
        self.show_metric()

    def select_case(self, no: str) -> None:
        """The queue's selection ("" when nothing is selected) shown in the detail and on the map."""
        target = no or None
        self.detail.show_case(self.situation, target)
        self.map.select_case(target)

    def open_camera(self, url: str) -> None:
        """Open a camera's stream with the desktop's handler (a player; never a shell), once checked by
        ``checked_stream_url`` (against ``camera_networks`` when set) and by Qt's strict parser; a
        refused link is said on the wall with the real reason."""
        refused = QCoreApplication.translate("Console", "摄像头链接未打开：{0}")
        try:
            link = QUrl(checked_stream_url(url, self.camera_networks), QUrl.ParsingMode.StrictMode)
        except LinkRefused as exc:
            self.window.show_notice(refused.format(exc.translated(QCoreApplication.translate)))
            return
        if not link.isValid():  # ours passed it, Qt's parser did not: say what Qt says, without the link it quotes
            why = QCoreApplication.translate("Console", "Qt 无法解析此链接：{0}")
            error = link.errorString().split("; source was", 1)[0]
            self.window.show_notice(refused.format(why.format(one_line(error, 200))))
            return
        if not QDesktopServices.openUrl(link):
            missing = QCoreApplication.translate("Console", "本机没有登记能打开 {0} 链接的播放器")
            self.window.show_notice(refused.format(missing.format(link.scheme())))

    def case_clicked_on_map(self, no: str) -> None:
        self.queue.select_case(no)
        self.select_case(no)


def build(args: argparse.Namespace) -> Console:
    """The composition root: backend (demo), link, store, situation, panels, and the wires."""
    server = None
    if args.demo:
        endpoints = Endpoints.free_loopback()
        server, backend = make_backend(
            endpoints, seed=args.demo_seed, speed=args.demo_speed, history_days=args.demo_history
        )
        start_backend(server, backend)
    else:
        endpoints = Endpoints.parse(args.endpoint)
    server_key = keys = None
    if args.server_key:
        keys, server_key = client_keys(args.server_key, args.client_key)
    link = LinkBridge(LinkConfig(endpoints, server_key=server_key, client_keys=keys, role="commander"))
    store = StoreBridge(args.db)
    store.store.open()
    district = load_district()
    situation = Situation(district)
    theme = args.theme
    kpis, queue, detail = KpiStrip(), CaseQueue(situation, coalesce_ms=0, theme=theme), CaseDetail()
    heat, streets = DepartmentHeat(theme=theme), StreetsPanel()
    grid_map = GridMap(theme=theme, district=district, tile_url=args.tile_url)
    panels = {"kpis": kpis, "queue": queue, "detail": detail, "heat": heat, "streets": streets}
    window = WallWindow(QCoreApplication.translate("Console", TITLE), grid_map, panels)
    repainter = Repainter(lambda c: console.paint(c), parent=window)
    rankings = Repainter(lambda c: console.paint_rankings(c), interval_ms=1000, parent=window)
    ingest = Ingest(situation, repainter.add, history_step_s=SAMPLE_EVERY_S, parent=window)
    console = Console(
        window, link, store, situation, ingest, grid_map, queue, detail, kpis, heat, streets, repainter, rankings,
        server,
    )  # fmt: skip

    def on_batch(batch: Batch) -> None:
        if console.closed:
            return
        # A refused batch (the store is behind) asks for a re-sync through store.resync_needed.
        if store.store.submit(batch) and batch.reset:
            window.clear_store_alarm()
        ingest.add(batch)

    def on_progress(_what: str, done: int, total: int) -> None:
        if done == total:  # a new picture has taken over: what it holds is long-lived
            heap.settle()

    def on_tick() -> None:  # lights and overdue move with time, not only with updates
        if not console.closed:
            console.repainter.add(situation.tick(time.time()))

    def on_stats(stats: LinkStats) -> None:  # with the link's figures: how far the picture is behind them
        window.show_link(stats)
        if console.closed:
            return
        window.health.show_refused(situation.rejects, situation.last_reject)
        flying, flying_since = link.in_flight()
        since = [t for t in (flying_since, ingest.behind_since()) if t is not None]
        window.show_lag(flying + ingest.backlog, time.monotonic() - min(since) if since else 0.0)

    link.batch_received.connect(on_batch)
    ingest.progressed.connect(window.show_progress)
    ingest.progressed.connect(on_progress)
    link.state_changed.connect(window.show_link)
    link.stats_updated.connect(on_stats)
    window.stale_changed.connect(grid_map.set_stale)
    store.resync_needed.connect(link.resync)
    store.alarm_raised.connect(window.show_store_alarm)
    console.queue.case_selected.connect(console.select_case)
    console.camera_networks = args.camera_networks
    console.detail.camera_requested.connect(console.open_camera)
    grid_map.case_clicked.connect(console.case_clicked_on_map)
    grid_map.grid_clicked.connect(console.queue.filter_to_grid)
    grid_map.grid_clicked.connect(grid_map.select_grid)
    console.streets.street_clicked.connect(console.queue.filter_to_street)
    console.streets.street_clicked.connect(grid_map.fit_street)
    console.heat.department_clicked.connect(console.queue.filter_to_department)
    grid_map.page_loaded.connect(lambda: console.paint(ChangeSet(reset=True)))
    for keys_, slot in (("Ctrl+F", console.queue.focus_search), ("M", console.next_metric),
                        ("Esc", console.queue.clear_filters)):  # fmt: skip
        QShortcut(QKeySequence(keys_), window).activated.connect(slot)
    clock = QTimer(window)
    clock.setInterval(1000)
    clock.timeout.connect(on_tick)
    clock.start()
    console.paint(ChangeSet(reset=True))
    known = store.store.last_known()  # painted (marked as such) until the link's snapshot replaces it
    if not known.empty and known.saved_at is not None:
        ingest.load(known.bodies, known.saved_at.timestamp())
    link.start()
    return console


def _marker(s: CaseState) -> CaseMarker:
    return CaseMarker(s.no, s.lon, s.lat, s.light, s.title)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="grid-console", description="Dongcheng grid command console")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--demo", action="store_true", help="embedded simulated backend on loopback")
    src.add_argument("--endpoint", help="the case backend, tcp://HOST:PORT (CHP snapshot port)")
    p.add_argument("--server-key", type=Path, help="the backend's public key file (required off loopback)")
    p.add_argument("--client-key", type=Path, help="this console's key pair (NAME.key_secret)")
    p.add_argument("--demo-speed", type=float, default=60.0, help="demo: simulated seconds per real second")
    p.add_argument("--demo-history", type=float, default=3.0, help="demo: days of past to pre-generate")
    p.add_argument("--demo-seed", type=int, default=1, help="demo: simulation seed")
    p.add_argument("--db", help="the store: a SQLite file or a SQLAlchemy URL (default: the user's data folder)")
    p.add_argument("--screenshot", type=Path, help="save a PNG of the window to this path and exit")
    p.add_argument("--after", type=float, default=5.0, help="seconds before the screenshot")
    p.add_argument("--size", type=_size, help="window size WxH (default: maximised on its screen)")
    p.add_argument(
        "--scale", type=_scale,
        help="type and spacing scale, 0.5-3 (default: from the screen's height, 1 at 1080 px)",
    )  # fmt: skip
    p.add_argument("--theme", choices=("dark", "light"), default="dark")
    p.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0], help="the wall's language")
    p.add_argument("--screen", type=int, help="show full screen on this screen (0, 1, …)")
    p.add_argument("--layout", type=Path, help="a saved wall layout (JSON) to restore")
    p.add_argument("--tile-url", help="an intranet tile server URL template, e.g. http://tiles.local/{z}/{x}/{y}.png")
    p.add_argument(
        "--camera-networks", type=_camera_networks, metavar="LIST",
        help="open camera links only to these networks (CIDR) and domains, e.g. 10.0.0.0/8,cams.dc.gov.cn",
    )  # fmt: skip
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _chromium_flags()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("grid-console")
    screens = QGuiApplication.screens()
    if args.screen is not None and not 0 <= args.screen < len(screens):
        print(f"grid-console: there is no screen {args.screen} (screens: {len(screens)})", file=sys.stderr)
        return 2
    screen = screens[args.screen] if args.screen is not None else app.primaryScreen()
    scale = args.scale or auto_scale(screen.availableGeometry().height())
    app.setStyleSheet(style_sheet(args.theme, scale))
    try:
        install_translators(app, args.lang)  # before any widget is built; the app owns the translators
        console = build(args)
        layout_path, layout = _layout(args.layout)
    except (ValueError, OSError, StoreProcessError) as exc:
        print(f"grid-console: {exc}", file=sys.stderr)
        return 2
    if args.size:
        console.window.resize(*args.size)
    console.window.layout_path = layout_path  # Ctrl+S saves there
    if args.layout and layout is None:
        print(f"grid-console: layout: {layout_path} does not exist yet: the default (Ctrl+S saves)", file=sys.stderr)
    if args.screen is not None:
        console.window.setScreen(screens[args.screen])
        console.window.move(screens[args.screen].geometry().topLeft())
        console.window.showFullScreen()
    elif args.size:
        console.window.show()
    else:  # a laptop or a desk screen: the whole of it (sized first, for a desktop with no window manager)
        console.window.setGeometry(screen.availableGeometry())
        console.window.showMaximized()

    def arrange(first: bool) -> None:  # docks take their sizes once the window is really shown
        if layout is None:
            console.window.apply_default_sizes()
            return
        for problem in console.window.restore_layout(layout):
            if first:
                print(f"grid-console: layout: {problem}", file=sys.stderr)

    for delay in (0, 500):
        QTimer.singleShot(delay, lambda first=delay == 0: arrange(first))
    if args.screenshot:
        QTimer.singleShot(int(args.after * 1000), lambda: _screenshot(console.window, args.screenshot, app))
    app.aboutToQuit.connect(console.close)
    code = app.exec()
    # Destroy the window (and the map's page before its web profile) while the application exists;
    # left to interpreter shutdown, the order is arbitrary and QtWebEngine warns of a live page.
    shiboken6.delete(console.window)
    return code


def _size(text: str) -> tuple[int, int]:
    """``--size``: WxH, each at least 320 pixels."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from None
    if min(width, height) < 320:
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be at least 320 pixels")
    return width, height


def _scale(text: str) -> float:
    """``--scale``: a number from 0.5 to 3."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.5 <= value <= 3.0:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 0.5 … 3")
    return value


def _camera_networks(text: str) -> CameraNetworks:
    """``--camera-networks``: comma-separated CIDR networks and host-name domains."""
    try:
        return CameraNetworks.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _layout(given: Path | None) -> tuple[Path, dict[str, Any] | None]:
    """The layout file (``--layout``, else the default one) and what it holds, if it exists yet.

    A given file that cannot be read is an error (``ValueError``); a damaged default one is reported
    and the default layout used: the wall must start.
    """
    path = given or default_layout_path()
    if not path.exists():
        return path, None
    try:
        return path, load_layout(path)
    except ValueError as exc:
        if given is not None:
            raise
        print(f"grid-console: {exc}: the default layout is used", file=sys.stderr)
        return path, None


def _chromium_flags() -> None:
    """QtWebEngine refuses to run as root with its sandbox: drop it there (only there), loudly."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        print("grid-console: running as root: the map's web engine runs without its sandbox", file=sys.stderr)
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


def _screenshot(window: WallWindow, path: Path, app: QApplication) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        print(f"grid-console: could not write {path}", file=sys.stderr)
        app.exit(1)
        return
    print(f"screenshot written to {path}")
    app.quit()


if __name__ == "__main__":
    sys.exit(main())
