"""What every screenshot script starts with: the demo console (two days of history) at 1920x1080 in
the dark theme and in Chinese, built as ``grid-console --demo`` builds it, shown and not yet painted."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import PySide6.QtWebEngineWidgets  # noqa: F401 - before the application (ARCHITECTURE.md)
from PySide6.QtWidgets import QApplication

from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.shell.i18n import install_translators
from console.shell.platform_log import quiet_platform_noise
from console.shell.roles import Role, WindowPlan
from console.shell.style import style_sheet


def demo_console(role: Role, plans: Sequence[WindowPlan] | None = None) -> tuple[QApplication, Console]:
    """The application and the console of ``role`` (in ``plans``' windows, else the role's own)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # as grid-console does: no sandbox as root
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox"
    quiet_platform_noise()
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(style_sheet("dark", 1.0))
    install_translators(app, "zh_CN")
    db = Path(tempfile.mkdtemp()) / "shot.db"
    args = parse_args(["--demo", "--db", str(db), "--demo-history", "2", "--role", role.name])
    console = build(args, role, plans)
    console.window.resize(1920, 1080)
    console.window.show()
    return app, console
