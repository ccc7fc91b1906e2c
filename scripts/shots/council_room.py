"""The council room's screen: the case the meeting is on, alone and in large type (大字演示, F5).

Run by ``bash scripts/screenshot-council-room [OUT.png]`` (under Xvfb at 1920x1080): the demo console
in the council's role; once the agenda is in, its first case whose dossier has three hand-overs or
more is chosen, the room's screen opens, and that window is saved.
"""

from __future__ import annotations

import sys
from pathlib import Path

from demo_console import demo_console  # this folder's sibling (the script's folder is on sys.path)
from PySide6.QtCore import QTimer

from console.shell.roles import COUNCIL
from widgets.council_board import CouncilBoard


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "council-room.png")
    app, console = demo_console(COUNCIL)
    window = console.window
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
