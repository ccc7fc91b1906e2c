"""Ending a console in a test the way the program does: everything stopped, the window deleted."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.shell.composition import Console

WAIT_MS = 10_000


def dispose(qtbot: QtBot, console: Console) -> None:
    """Stop the console and delete its window now, waiting until it is gone, so that its web page
    goes before the next test and before the process exits (QtWebEngine warns of a page that
    outlives its profile, and the order at interpreter exit is arbitrary)."""
    deleted: list[bool] = []
    console.window.destroyed.connect(lambda: deleted.append(True))
    console.close()
    console.window.close()
    console.window.deleteLater()
    qtbot.waitUntil(lambda: bool(deleted), timeout=WAIT_MS)
