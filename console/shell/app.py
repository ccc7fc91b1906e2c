"""``grid-console``: the command line, and the start of the windows on their screens.

What is built and how it is wired is ``console.shell.composition``; this module reads the options,
fits the wall file to this machine's screens, and shows the windows.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication

from console.core.cameras import CameraNetworks
from console.shell import wall_file
from console.shell.briefing_job import BriefingJob
from console.shell.camera_desk import player_argv
from console.shell.composition import Console, build
from console.shell.i18n import LANGUAGES, install_translators
from console.shell.platform_log import quiet_platform_noise
from console.shell.roles import ROLES, Role, with_camera_window
from console.shell.style import auto_scale, style_sheet
from console.shell.wall_window import WallWindow, default_wall_path
from console.store.process import StoreProcessError
from server_link.workcal import BEIJING


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="grid-console", description="Dongcheng grid command console")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--demo", action="store_true", help="embedded simulated backend on loopback")
    src.add_argument("--endpoint", help="the case backend, tcp://HOST:PORT (CHP snapshot port)")
    p.add_argument("--server-key", type=Path, help="the backend's public key file (required off loopback)")
    p.add_argument("--client-key", type=Path, help="this console's key pair (NAME.key_secret)")
    p.add_argument(
        "--collector", choices=("push", "pub"), default="push",
        help="how commands reach the backend: PUSH to its PULL at P+2 (default) or PUB to its SUB at P+3",
    )  # fmt: skip
    p.add_argument("--role", choices=sorted(ROLES), default="commander", help="whose console: its panels and commands")
    p.add_argument("--operator", help="who works at this console (default: the login name); stored with each action")
    p.add_argument(
        "--alarm-rules", type=Path, help="the duty alarms' rules over the defaults (default: alarm_rules.toml "
        "in the user's configuration folder, if there is one)",
    )  # fmt: skip
    p.add_argument("--demo-speed", type=float, default=60.0, help="demo: simulated seconds per real second")
    p.add_argument("--demo-history", type=float, default=3.0, help="demo: days of past to pre-generate")
    p.add_argument("--demo-seed", type=int, default=1, help="demo: simulation seed")
    p.add_argument("--db", help="the store: a SQLite file or a SQLAlchemy URL (default: the user's data folder)")
    p.add_argument("--screenshot", type=Path, help="save a PNG of the first window to this path and exit")
    p.add_argument("--after", type=float, default=5.0, help="seconds before the screenshot")
    p.add_argument("--size", type=_size, help="window size WxH (default: maximised on its screen)")
    p.add_argument(
        "--scale", type=_scale,
        help="type and spacing scale, 0.5-3 (default: from the screen's height, 1 at 1080 px)",
    )  # fmt: skip
    p.add_argument("--theme", choices=("dark", "light"), default="dark")
    p.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0], help="the wall's language")
    p.add_argument("--screen", type=int, help="show the (first) window full screen on this screen (0, 1, …)")
    p.add_argument(
        "--wall", "--layout", dest="wall", type=Path,
        help="a wall file: windows, their screens, panels and layouts (JSON; Ctrl+S saves to it)",
    )  # fmt: skip
    p.add_argument(
        "--at", type=_instant, metavar="WHEN",
        help="open the wall at a past instant (replay): -SECONDS before now, or YYYY-MM-DDTHH:MM (Beijing time)",
    )  # fmt: skip
    p.add_argument(
        "--briefing", type=Path, metavar="OUT.pdf",
        help="write the leaders' one-page briefing (A4 PDF) once the backend's picture is in, and exit",
    )  # fmt: skip
    p.add_argument(
        "--briefing-timeout", type=float, default=60.0, metavar="SECONDS",
        help="--briefing: how long to wait for the backend before giving up (exit 2)",
    )  # fmt: skip
    p.add_argument("--tile-url", help="an intranet tile server URL template, e.g. http://tiles.local/{z}/{x}/{y}.png")
    p.add_argument(
        "--camera-networks", type=_camera_networks, metavar="LIST",
        help="open camera links only to these networks (CIDR) and domains, e.g. 10.0.0.0/8,cams.dc.gov.cn",
    )  # fmt: skip
    p.add_argument(
        "--camera-player", type=_camera_player, metavar="COMMAND",
        help="an external player for camera links, e.g. 'mpv --profile=low-latency' (run without a shell;"
        " the link is added as the last argument)",
    )  # fmt: skip
    p.add_argument(
        "--wall-id", type=_wall_id, metavar="NAME",
        help="this console is the wall NAME: its camera wall follows the show requests addressed to it",
    )  # fmt: skip
    p.add_argument(
        "--show-on", type=_wall_id, metavar="NAME",
        help="send 'show on the wall' to the wall console NAME (through the backend) instead of this console's own",
    )  # fmt: skip
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _chromium_flags()
    loud_again = quiet_platform_noise()  # before Qt starts: its first greetings come with the application
    try:
        return _run(args)
    finally:
        loud_again()  # what Qt says as the interpreter ends goes to its own handler


def _run(args: argparse.Namespace) -> int:
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
    role = ROLES[args.role]
    try:
        install_translators(app, args.lang)  # before any widget is built; the app owns the translators
        wall_path, wall = _wall(args.wall, role)
        plans, layouts, notes = wall_file.plan_windows(wall, role, len(screens))
        if args.wall_id and wall is None:  # a wall console: its camera wall in a window of its own
            plans, layouts = with_camera_window(plans, len(screens)), [*layouts, None]
        console = build(args, role, plans)
    except (ValueError, OSError, StoreProcessError) as exc:
        print(f"grid-console: {exc}", file=sys.stderr)
        return 2
    if args.briefing:  # no window: wait for the picture, write, end (a daily job)
        BriefingJob(console, args.briefing, args.briefing_timeout, app.exit)
        return _exec(app, console)
    console.wall_path = wall_path  # Ctrl+S saves there
    for note in notes:
        print(f"grid-console: wall: {note}", file=sys.stderr)
    if notes:
        console.notice("；".join(notes))
    if args.wall and wall is None:
        print(f"grid-console: wall: {wall_path} does not exist yet: the role's default (Ctrl+S saves)", file=sys.stderr)
    for problem in _show(console, args, screens, screen, layouts):
        print(f"grid-console: layout: {problem}", file=sys.stderr)

    def arrange(first: bool) -> None:  # docks take their sizes once the windows are really shown
        for problem in console.restore_wall(layouts):
            if first:
                print(f"grid-console: layout: {problem}", file=sys.stderr)

    for delay in (0, 500):
        QTimer.singleShot(delay, lambda first=delay == 0: arrange(first))
    if args.at is not None:  # once the store holds it (with a screenshot: just before it is taken)
        wait_s = max(1.0, args.after - 3.0) if args.screenshot else 2.0
        QTimer.singleShot(int(wait_s * 1000), lambda: console.replay.request(args.at(time.time())))
    if args.screenshot:
        QTimer.singleShot(int(args.after * 1000), lambda: _screenshot(console.windows, args.screenshot, app))
    return _exec(app, console)


def _exec(app: QApplication, console: Console) -> int:
    """Run until the console ends (Ctrl+Q, a signal, the job done); its exit code."""
    app.aboutToQuit.connect(console.close)
    _end_on_signals(console)
    code = app.exec()
    # Destroy the windows (and the map's page before its web profile) while the application exists;
    # left to interpreter shutdown, the order is arbitrary and QtWebEngine warns of a live page.
    for window in console.windows:
        shiboken6.delete(window)
    return code


def _end_on_signals(console: Console) -> None:
    """Ctrl+C in the terminal (SIGINT) or SIGTERM closes the console as Ctrl+Q does: one line, exit 0.

    Python handles a signal only when the interpreter runs, so a timer gives it a turn every 200 ms
    while Qt's event loop waits."""

    def end(signum: int, _frame: object) -> None:
        print(f"grid-console: {signal.Signals(signum).name}: closing", file=sys.stderr)
        console.quit()

    signal.signal(signal.SIGINT, end)
    signal.signal(signal.SIGTERM, end)
    wake = QTimer(console.window)
    wake.setInterval(200)
    wake.timeout.connect(lambda: None)
    wake.start()


def _show(
    console: Console, args: argparse.Namespace, screens: Sequence[QScreen], screen: QScreen,
    layouts: Sequence[Mapping[str, Any] | None] = (),
) -> list[str]:  # fmt: skip
    """Each window on its screen, full screen; the first as asked (``--screen``, ``--size``), else
    where its saved layout had it, else maximised on the primary screen. Return what of the layouts'
    window geometry could not be applied."""
    problems: list[str] = []
    for i, window in enumerate(console.windows):
        target = window.screen_number
        if i == 0 and args.screen is not None:
            target = args.screen
        layout = layouts[i] if i < len(layouts) else None
        if target is not None:
            window.setScreen(screens[target])
            window.move(screens[target].geometry().topLeft())
            window.showFullScreen()
        elif args.size:
            window.resize(*args.size)
            window.show()
        elif layout is not None and not (missed := window.restore_window_geometry(layout)):
            window.show()  # exactly where it was saved, maximised or full screen if it was
        else:
            problems += missed if layout is not None else []
            # a laptop or a desk screen: the whole of it. Sized first, for a desktop with no window
            # manager; placed by its frame (move), so that where there is one its title bar is on the
            # screen (setGeometry would place the inside there, the title bar above the screen).
            window.move(screen.availableGeometry().topLeft())
            window.resize(screen.availableGeometry().size())
            window.showMaximized()
        where = window.screen()
        print(
            f"grid-console: window {i + 1} on screen {where.name()} ({where.geometry().width()}x"
            f"{where.geometry().height()}): {', '.join(window.panel_ids)}",
            file=sys.stderr,
        )
    return problems


def _wall(given: Path | None, role: Role) -> tuple[Path, wall_file.Wall | None]:
    """The wall file (``--wall``, else the default one) and what it holds, if it exists yet.

    A given file that cannot be read is an error (``ValueError``); a damaged default one is reported
    and the role's default wall used: the console must start.
    """
    path = given or default_wall_path()
    if not path.exists():
        return path, None
    try:
        return path, wall_file.load(path, role)
    except ValueError as exc:
        if given is not None:
            raise
        print(f"grid-console: {exc}: the default wall is used", file=sys.stderr)
        return path, None


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


def _instant(text: str) -> Callable[[float], float]:
    """``--at``: seconds before now (``-900``), or a Beijing date and time; as a function of now."""
    try:
        ago = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is neither -SECONDS nor YYYY-MM-DDTHH:MM") from None
        at = (when if when.tzinfo else when.replace(tzinfo=BEIJING)).timestamp()
        return lambda _now: at
    if ago >= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds before now as a negative number, e.g. -900")
    return lambda now: now + ago


def _camera_networks(text: str) -> CameraNetworks:
    """``--camera-networks``: comma-separated CIDR networks and host-name domains."""
    try:
        return CameraNetworks.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _camera_player(text: str) -> list[str]:
    try:
        return player_argv(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _wall_id(text: str) -> str:
    """``--wall-id`` / ``--show-on``: a wall's name as the protocol's key names it (§16.2)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", text):
        raise argparse.ArgumentTypeError(f"{text!r}: a wall's name is 1-32 lower-case letters, digits and '-'")
    return text


def _chromium_flags() -> None:
    """QtWebEngine refuses to run as root with its sandbox: drop it there (only there), loudly. And
    Chromium's own log keeps to fatal errors unless asked (``--log-level`` in the variable): on a wall
    machine without a GPU or a system bus it greeted every start with ERROR lines that were no error
    of the console's (the map's failures are reported through Qt: console messages, blocked requests,
    a renderer that ends)."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--log-level" not in flags:
        flags = f"{flags} --log-level=3".strip()
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        print("grid-console: running as root: the map's web engine runs without its sandbox", file=sys.stderr)
        flags = f"{flags} --no-sandbox"
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags


def _screenshot(windows: Sequence[WallWindow], path: Path, app: QApplication) -> None:
    """A PNG of each window: ``path`` for the first, ``NAME-2.png``, ``NAME-3.png``… for the others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for i, window in enumerate(windows):
        out = path if i == 0 else path.with_name(f"{path.stem}-{i + 1}{path.suffix}")
        if not window.grab().save(str(out)):
            print(f"grid-console: could not write {out}", file=sys.stderr)
            app.exit(1)
            return
        print(f"screenshot written to {out}")
    app.quit()


if __name__ == "__main__":
    sys.exit(main())
