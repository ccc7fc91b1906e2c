"""``grid-console``: the composition root and the command line."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.core.situation import Provenance, Situation
from console.shell.link_bridge import LinkBridge
from console.shell.main_window import MainWindow
from console.shell.store_bridge import StoreBridge
from console.store import Store
from server_link.agent import LinkConfig
from server_link.curve import client_keys
from server_link.district import District, load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch
from server_link.server import ChpServer
from server_link.sim.backend import make_backend, start_backend

TITLE = "东城区网格化服务管理中心 · 指挥台"


@dataclass
class Console:
    """Everything the console runs, built and wired in one place; ``close()`` stops it all."""

    window: MainWindow
    link: LinkBridge
    store: StoreBridge
    situation: Situation
    server: ChpServer | None = None  # the embedded simulated backend (--demo)

    def close(self) -> None:
        self.link.stop()
        self.store.store.close()
        if self.server is not None:
            self.server.stop()


def build(args: argparse.Namespace) -> Console:
    """The composition root: backend (demo), link, window, and the wires between them."""
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
    window = MainWindow(TITLE)
    store = StoreBridge(args.db)
    store.store.open()
    situation = _last_known(store.store, load_district())
    window.show_situation(situation)

    def on_batch(batch: Batch) -> None:
        if not store.store.submit(batch):
            link.resync()  # the store is behind: only a fresh snapshot closes the hole
        elif batch.reset:
            window.clear_store_alarm()
        situation.apply(batch, time.time())
        window.show_situation(situation)

    def on_tick() -> None:  # lights and overdue move with time, not only with updates
        if situation.tick(time.time()):
            window.show_situation(situation)

    link.batch_received.connect(on_batch)
    clock = QTimer(window)
    clock.setInterval(1000)
    clock.timeout.connect(on_tick)
    clock.start()
    link.state_changed.connect(window._on_link_stats)
    link.stats_updated.connect(window._on_link_stats)
    link.start()
    store.resync_needed.connect(link.resync)
    store.alarm_raised.connect(window.show_store_alarm)
    return Console(window, link, store, situation, server)


def _last_known(store: Store, district: District) -> Situation:
    """The situation the store last saved, marked as such, so the wall is not empty at start."""
    known = store.last_known()
    if known.empty:
        return Situation(district)
    assert known.saved_at is not None
    return Situation.from_bodies(
        district, known.bodies, time.time(), provenance=Provenance.LAST_KNOWN, as_of=known.saved_at.timestamp()
    )


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
    p.add_argument("--size", default="1920x1080", help="window size WxH")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("grid-console")
    app.setStyleSheet((resources.files("resources.styles") / "dark.qss").read_text(encoding="utf-8"))
    try:
        console = build(args)
    except (ValueError, OSError) as exc:
        print(f"grid-console: {exc}", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.lower().split("x"))
    console.window.resize(width, height)
    console.window.show()
    if args.screenshot:
        QTimer.singleShot(int(args.after * 1000), lambda: _screenshot(console.window, args.screenshot, app))
    app.aboutToQuit.connect(console.close)
    return app.exec()


def _screenshot(window: MainWindow, path: Path, app: QApplication) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        print(f"grid-console: could not write {path}", file=sys.stderr)
        app.exit(1)
        return
    print(f"screenshot written to {path}")
    app.quit()
