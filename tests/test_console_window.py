"""The demo console starts, follows its embedded backend and shows live counts."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.shell.app import build, parse_args
from server_link.link_state import LinkState


def test_demo_window_shows_live_counts(qtbot: QtBot) -> None:
    console = build(parse_args(["--demo", "--demo-history", "0.5"]))
    try:
        qtbot.addWidget(console.window)
        console.window.show()
        qtbot.waitUntil(lambda: console.window.health.state is LinkState.LIVE, timeout=10_000)
        qtbot.waitUntil(lambda: console.window.board.figure("street") == "17", timeout=10_000)
        qtbot.waitUntil(lambda: int(console.window.board.figure("case").replace(",", "")) > 50, timeout=10_000)
        assert console.window.health.state_label.text() == "实时"
        assert "条/秒" in console.window.health.detail_label.text()
    finally:
        console.close()
