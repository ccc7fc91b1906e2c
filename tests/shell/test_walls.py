"""Roles, several windows and screens, optional panels, and a note sent from the detail — on the real
console (offscreen; a subprocess with two offscreen screens for the wall file's screens)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from console.shell import panels as panel_registry
from console.shell import wall_file
from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.shell.panels import PanelSpec
from console.shell.roles import COMMANDER, LEADER, ROLES, WindowPlan
from console.store import ActionKind, ActionStatus
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, WAIT_MS, applied, case, publish, pytestmark, receiving  # noqa: F401
from tests.support.consoles import dispose

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def console_of(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, *options: str, plans: list[WindowPlan] | None = None
) -> Iterator[Console]:
    args = parse_args(["--endpoint", str(endpoints), "--db", str(tmp_path / "c.db"), *options])
    console = build(args, plans=plans)
    try:
        for window in console.windows:
            window.resize(1400, 900)
            window.show()
        yield console
    finally:
        for window in console.windows[1:]:
            window.close()
        dispose(qtbot, console)


def test_each_role_opens_its_panels_and_the_leaders_console_sends_nothing(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints
) -> None:
    for name, role in ROLES.items():
        with console_of(qtbot, tmp_path / name, endpoints, "--role", name) as console:
            assert tuple(console.panels) == role.panels
            assert set(console.window.panel_ids) == set(role.panels)
            assert console.commands.allowed == role.commands
            if "detail" in role.panels:
                console.detail.show_case(console.situation, None)
                assert console.detail.note.isHidden()  # no case: nothing to note
            assert console.commands.may(ActionKind.NOTE) is (name != "leader")  # the leader's view is read-only
    assert LEADER.commands == frozenset()


def test_a_note_typed_in_the_detail_is_stored_sent_pending_and_confirmed(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    seq = publish(server, [case(1, GRID)])
    with console_of(qtbot, tmp_path, endpoints, "--operator", "王值班") as console:
        qtbot.waitUntil(lambda: receiving(console), timeout=WAIT_MS)
        applied(qtbot, console, seq)
        console.queue.select_case("DC0000000001")
        detail = console.detail
        qtbot.waitUntil(lambda: detail.case_no == "DC0000000001" and detail.note.isVisible(), timeout=WAIT_MS)
        detail.note.setFocus()
        detail.note.insert("请街道今天核实")  # as the input method commits it (QTest types ASCII only)
        with qtbot.waitSignal(console.commands.confirmed, timeout=WAIT_MS):
            QTest.keyClick(detail.note, Qt.Key.Key_Return)
            assert detail.note.text() == ""  # taken: stored and sent
            assert detail.pending.isVisible() and "1" in detail.pending.text()
        qtbot.waitUntil(lambda: detail.pending.isHidden(), timeout=WAIT_MS)
        [action] = console.store.actions()
        assert (action.status, action.who, action.role, action.case_no) == (
            ActionStatus.CONFIRMED, "王值班", "commander", "DC0000000001",
        )  # fmt: skip
        decisions = dict(server.items("/decision/"))
        assert list(decisions) == ["/decision/DC0000000001/1"]
        note = r.decode("/decision/DC0000000001/1", decisions["/decision/DC0000000001/1"])
        assert isinstance(note, r.Decision) and note.note == "请街道今天核实" and note.by == "王值班"


def test_a_panel_whose_parts_cannot_load_says_so_and_the_others_run(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_ctx: object) -> panel_registry.Panel:
        raise ImportError("libpulse.so.0: cannot open shared object file")

    spec = panel_registry.REGISTRY["heat"]
    monkeypatch.setitem(panel_registry.REGISTRY, "heat", PanelSpec(spec.id, spec.caption, spec.area, broken))
    seq = publish(server, [case(1, GRID)])
    with console_of(qtbot, tmp_path, endpoints) as console:
        heat = console.panels["heat"]
        assert heat.failed and isinstance(heat.widget, QLabel) and "libpulse" in heat.widget.text()
        assert not console.has("heat")
        with pytest.raises(LookupError, match="did not load"):
            _ = console.heat
        qtbot.waitUntil(lambda: receiving(console), timeout=WAIT_MS)
        applied(qtbot, console, seq)
        assert console.queue.model.rowCount() == 1  # the rest of the wall works


def test_without_qtmultimedia_the_camera_wall_says_so_and_the_console_runs(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The camera panel imports QtMultimedia only when it is built: on a machine where it cannot load
    (e.g. no libpulse0), that panel says why, nothing offers to show cameras, and the rest runs."""
    for name in ("widgets.camera_wall", "widgets.camera_tile", "widgets.camera_feed"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # import → ImportError
    seq = publish(server, [case(1, GRID)])
    with console_of(qtbot, tmp_path, endpoints) as console:
        cameras = console.panels["cameras"]
        assert cameras.failed and isinstance(cameras.widget, QLabel)
        assert "QtMultimedia" in cameras.widget.text()
        assert not console.cameras.available and console.cameras.wall is None
        qtbot.waitUntil(lambda: receiving(console), timeout=WAIT_MS)
        applied(qtbot, console, seq)
        assert console.queue.model.rowCount() == 1
        console.select_case(case(1, GRID).no)
        assert console.detail.to_wall.isHidden()  # nowhere to show cameras: not offered


def test_a_wall_of_two_windows_saves_each_and_restores_each(qtbot: QtBot, tmp_path: Path, endpoints: Endpoints) -> None:
    plans = [WindowPlan(("map", "kpis", "heat", "streets")), WindowPlan(("queue", "detail"))]
    path = tmp_path / "wall.json"
    with console_of(qtbot, tmp_path, endpoints, plans=plans) as console:
        assert len(console.windows) == 2
        second = console.windows[1]
        assert second.centre is console.queue and list(second.docks) == ["detail"]
        assert console.replay_bar.window() is console.window  # the replay bar is on the first window only
        second.docks["detail"].hide()
        console.window.docks["streets"].hide()
        console.wall_path = path
        console.save_wall()
        assert path.exists()
    saved = wall_file.load(path, COMMANDER)
    assert [w.panels for w in saved.windows] == [p.panels for p in plans]
    with console_of(qtbot, tmp_path, endpoints, plans=list(saved.windows)) as again:
        assert again.restore_wall(saved.layouts) == []
        assert again.windows[1].docks["detail"].isHidden() and again.window.docks["streets"].isHidden()
        assert not again.window.docks["heat"].isHidden()


def test_a_wall_file_opens_its_windows_on_their_screens(tmp_path: Path) -> None:
    """``grid-console --wall`` in its own process, on an offscreen platform with two screens."""
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [
        {"name": "wall-left", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96},
        {"name": "wall-right", "x": 1920, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96,
         "logicalBaseDpi": 96},
    ]}))  # fmt: skip
    wall = tmp_path / "wall.json"
    wall.write_text(json.dumps({"schema": 2, "role": "commander", "windows": [
        {"screen": 0, "panels": ["map", "kpis", "heat", "streets"], "layout": None},
        {"screen": 1, "panels": ["queue", "detail"], "layout": None},
        {"screen": 5, "panels": ["x-panel"], "layout": None},
    ]}))  # fmt: skip
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}", "XDG_DATA_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "console.shell.app", "--endpoint", str(Endpoints.free_loopback()),
         "--db", str(tmp_path / "c.db"), "--wall", str(wall), "--screenshot", str(tmp_path / "w.png"), "--after", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "window 1 on screen wall-left (1920x1080): map, kpis, heat, streets" in err
    assert "window 2 on screen wall-right (1920x1080): queue, detail" in err
    assert "'x-panel' is not one of the commander role's" in err
    assert (tmp_path / "w.png").exists()
