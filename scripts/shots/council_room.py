"""The council room's screen: the case the meeting is on, alone and in large type (大字演示, F5).

Run by ``bash scripts/screenshot-council-room [OUT.png]`` (under Xvfb at 1920x1080): the demo console
in the council's role; once the agenda is in, its first case whose dossier has three hand-overs or
more is chosen, the room's screen opens, and that window is saved.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import PySide6.QtWebEngineWidgets  # noqa: F401 - before the application (ARCHITECTURE.md)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.shell.app import parse_args
from console.shell.composition import build
from console.shell.i18n import install_translators
from console.shell.platform_log import quiet_platform_noise
from console.shell.roles import COUNCIL
from console.shell.style import style_sheet
from widgets.council_board import CouncilBoard


def main() -> int:
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # as grid-console does: no sandbox as root
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox"
    quiet_platform_noise()
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "council-room.png")
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(style_sheet("dark", 1.0))
    install_translators(app, "zh_CN")
    db = Path(tempfile.mkdtemp()) / "shot.db"
    console = build(parse_args(["--demo", "--db", str(db), "--demo-history", "2", "--role", "council"]), COUNCIL)
    window = console.window
    window.resize(1920, 1080)
    window.show()
    board = console.panels["council"].widget
    assert isinstance(board, CouncilBoard)

    def pick() -> None:
        if not console.situation.pictured or not board.agenda_cases:
            QTimer.singleShot(500, pick)
            return
        for no in board.agenda_cases:
            board.choose(no)
            if board.graph.dossier is not None and len(board.graph.dossier.hops) >= 3:
                break
        board.present.click()
        QTimer.singleShot(3000, shoot)

    def shoot() -> None:
        ok = board.room.grab().save(str(out))
        print(f"case {board.case_no}: screenshot written to {out}" if ok else f"could not write {out}")
        app.exit(0 if ok else 1)

    QTimer.singleShot(2000, pick)
    code = app.exec()
    console.close()
    window.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
