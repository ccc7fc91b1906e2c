"""A burst the wall cannot follow at once marks it behind, not live, and then live again (the real
console offscreen against the reference server on loopback)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QGraphicsOpacityEffect
from pytestqt.qtbot import QtBot

from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, WAIT_MS, case, publish, pytestmark, wall  # noqa: F401 - pytestmark: the same log filter
from widgets.link_health import BEHIND_AFTER_S, state_text


def test_a_burst_marks_the_wall_behind_and_then_live_again(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        window = console.window
        assert window.stale.isHidden() and window.health.state_label.text() == state_text(LinkState.LIVE)
        # This wall applies at most one update every 5 ms (about 200 a second): 3,000 new cases in one
        # burst are about 15 s of work, so what it shows falls more than BEHIND_AFTER_S behind.
        console.ingest._slice, console.ingest._budget_s = 1, 0.0
        console.ingest._timer.setInterval(5)
        last = publish(server, [case(n, GRID) for n in range(1, 3001)])
        qtbot.waitUntil(lambda: window.stale.isVisible() and window.health.behind, timeout=WAIT_MS + 5_000)
        assert window.health.behind_s > BEHIND_AFTER_S
        assert "画面落后于后端" in window.stale.text()
        assert window.health.state_label.text() == "落后"
        assert window.health.waiting > 0
        for name, dock in window.docks.items():
            effect = dock.widget().graphicsEffect()
            assert isinstance(effect, QGraphicsOpacityEffect), name
            assert "（非实时）" in dock.windowTitle()
        # Back to its usual pace: it catches up, and says live again.
        console.ingest._slice, console.ingest._budget_s = 25, 0.008
        console.ingest._timer.setInterval(0)
        qtbot.waitUntil(lambda: console.situation.sequence >= last and console.ingest.backlog == 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: window.stale.isHidden() and not window.health.behind, timeout=WAIT_MS)
        assert window.health.state_label.text() == state_text(LinkState.LIVE)
        assert all(d.widget().graphicsEffect() is None for d in window.docks.values())
        assert len(console.situation.cases) == 3000


def test_a_first_snapshot_being_loaded_is_not_shown_as_live_nor_as_zeros(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    from console.shell.app import parse_args
    from console.shell.composition import build
    from tests.support.consoles import dispose

    publish(server, [case(n, GRID) for n in range(1, 1501)])
    console = build(parse_args(["--endpoint", str(endpoints), "--db", str(tmp_path / "c.db")]))
    try:
        window = console.window
        window.show()
        assert all(f.text() == "—" for f in console.kpis.figures.values())  # nothing received: no zeros
        console.ingest._slice, console.ingest._budget_s = 1, 0.0  # this wall takes a while to build it
        console.ingest._timer.setInterval(2)
        qtbot.waitUntil(lambda: window.health.loading, timeout=WAIT_MS)
        assert window.health.state_label.text() == "载入中" and window.progress.isVisible()
        assert all(f.text() == "—" for f in console.kpis.figures.values())
        console.ingest._slice, console.ingest._budget_s = 25, 0.008
        console.ingest._timer.setInterval(0)
        qtbot.waitUntil(lambda: not window.health.loading and console.situation.pictured, timeout=WAIT_MS)
        console.repainter.flush()
        assert window.health.state_label.text() == state_text(LinkState.LIVE)
        assert console.kpis.figures["open"].text() == "1,500"
    finally:
        dispose(qtbot, console)
