"""Wall files: the queue's default column order, Ctrl+S saving every window, a restart restoring,
older files migrated, bad files, several windows on several screens, the roles' panels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from console.shell import app, wall_file
from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.shell.roles import COMMANDER, COUNCIL, LEADER, ROLES, WindowPlan
from console.store import ActionKind
from server_link.endpoints import Endpoints
from tests.support.consoles import dispose
from widgets.case_queue import SHOWN_ORDER
from widgets.case_queue_model import Column


@contextmanager
def console_at(qtbot: QtBot, tmp_path: Path) -> Iterator[Console]:
    """A wall (no backend needed: the link keeps trying), shown at 1600×1000 with its default sizes."""
    console = build(parse_args(["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / "c.db")]))
    try:
        console.window.resize(1600, 1000)
        console.window.show()
        console.window.apply_default_sizes()
        yield console
    finally:
        dispose(qtbot, console)


@contextmanager
def unshown_console(qtbot: QtBot, tmp_path: Path, name: str) -> Iterator[Console]:
    """A wall built but not shown yet, as ``grid-console`` has it before ``app._show``."""
    console = build(parse_args(["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / f"{name}.db")]))
    try:
        yield console
    finally:
        dispose(qtbot, console)


def show_as_the_console_does(console: Console, layout: dict[str, Any] | None = None) -> list[str]:
    screen = QGuiApplication.primaryScreen()
    args = parse_args(["--endpoint", "tcp://127.0.0.1:1", "--db", "unused.db"])
    return app._show(console, args, QGuiApplication.screens(), screen, [layout])


def shown_order(console: Console) -> list[Column]:
    header = console.queue.view.horizontalHeader()
    return sorted(Column, key=header.visualIndex)


def test_the_queue_shows_how_late_first_and_ctrl_s_saves_what_a_restart_restores(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "layouts" / "wall.json"
    with console_at(qtbot, tmp_path) as console:
        assert shown_order(console) == list(SHOWN_ORDER)
        assert shown_order(console)[:3] == [Column.NO, Column.LIGHT, Column.DEADLINE]
        header = console.queue.view.horizontalHeader()
        header.moveSection(header.visualIndex(Column.TITLE), 0)  # as a drag of the header would
        header.resizeSection(Column.DEPT, 333)
        console.window.docks["detail"].hide()
        arranged = shown_order(console)
        console.wall_path = path
        console.window.activateWindow()
        qtbot.waitUntil(console.window.isActiveWindow)
        QTest.keyClick(console.window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: path.exists())
        assert not console.window.notice.isHidden() and str(path) in console.window.notice.text()
    saved = wall_file.load(path, COMMANDER)
    assert saved.windows == (WindowPlan(COMMANDER.wall[0].panels, None),)
    with console_at(qtbot, tmp_path) as again:
        assert again.restore_wall(saved.layouts) == []
        assert shown_order(again) == arranged and arranged[0] is Column.TITLE
        assert again.queue.view.horizontalHeader().sectionSize(Column.DEPT) == 333
        assert again.window.docks["detail"].isHidden() and not again.window.docks["queue"].isHidden()


def test_a_damaged_column_state_keeps_the_queues_default_and_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    with console_at(qtbot, tmp_path) as console:
        state = console.window.layout_state()
        for bad in ("not base64 at all!", "", "AAAA"):
            state["views"] = {"queue": bad}
            problems = console.window.restore_layout(state)
            assert problems == ["the arrangement inside panel 'queue' could not be restored: its default kept"]
            assert shown_order(console) == list(SHOWN_ORDER)


def test_saving_where_it_cannot_write_says_so_on_the_wall(qtbot: QtBot, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with console_at(qtbot, tmp_path) as console:
        console.wall_path = blocker / "wall.json"  # its folder is a file
        console.save_wall()
        assert console.window.notice.text().startswith("布局未能保存：")


def test_the_default_wall_file_never_stops_the_wall_but_a_given_one_must_be_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path, wall = app._wall(None, COMMANDER)
    assert path == tmp_path / "data" / "grid-console" / "wall-layout.json" and wall is None  # none saved yet
    path.parent.mkdir(parents=True)
    path.write_text("{ damaged")
    assert app._wall(None, COMMANDER) == (path, None)
    assert "cannot be read" in capsys.readouterr().err
    with pytest.raises(ValueError, match="cannot be read"):
        app._wall(path, COMMANDER)
    path.write_text(json.dumps({"schema": 7, "windows": []}))
    with pytest.raises(ValueError, match="schema 7"):
        app._wall(path, COMMANDER)


def test_a_single_window_layout_of_earlier_builds_is_migrated_not_dropped(tmp_path: Path) -> None:
    v1 = {"schema": 1, "panels": {"detail": {"visible": False, "floating": False}}, "qt_state": "", "views": {}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v1))
    wall = wall_file.load(path, COMMANDER)
    assert wall.windows == (WindowPlan(COMMANDER.wall[0].panels, None),)
    assert wall.layouts == (v1,)  # the window's layout kept as it was
    assert wall.to_json()["schema"] == wall_file.WALL_SCHEMA


def test_a_window_on_a_missing_screen_gives_its_panels_to_the_first() -> None:
    wall = wall_file.Wall(
        "commander",
        (WindowPlan(("map",), 0), WindowPlan(("queue", "detail"), 1), WindowPlan(("heat", "streets", "kpis", "x"), 2)),
        (None, {"schema": 1}, None),
    )
    plans, layouts, notes = wall_file.plan_windows(wall, COMMANDER, screens=2)
    # the panels on the missing screen, then the role's panels no window names (the duty alarms, the camera wall)
    assert plans == [
        WindowPlan(("map", "heat", "streets", "kpis", "alarms", "cameras"), 0),
        WindowPlan(("queue", "detail"), 1),
    ]
    assert layouts == [None, {"schema": 1}]
    assert any("screen 2 is missing" in n for n in notes) and any("'x'" in n for n in notes)
    plans, _, notes = wall_file.plan_windows(wall, LEADER, screens=3)  # a role without queue, detail or heat
    assert [p.panels for p in plans] == [("map", "leader")]  # its board, in no window, joins the first
    assert any("'queue'" in n for n in notes) and any("'heat'" in n for n in notes)


def test_the_three_roles_list_their_panels_and_commands() -> None:
    assert set(ROLES) == {"commander", "council", "leader"}
    assert COMMANDER.panels == ("map", "kpis", "queue", "detail", "alarms", "heat", "streets", "cameras")
    assert {ActionKind.ACKNOWLEDGE, ActionKind.SHELVE} <= COMMANDER.commands
    assert COUNCIL.panels[0] == "council" and "detail" in COUNCIL.panels  # the board first: the room reads it
    assert ActionKind.DECISION in COUNCIL.commands
    assert LEADER.commands == frozenset()  # read-only
    assert LEADER.wall[0].panels[0] == "leader" and "map" in LEADER.panels  # the board first, the map beside
    for role in ROLES.values():
        assert role.wall[0].panels[0] == {"leader": "leader", "council": "council"}.get(role.name, "map")
        assert set(role.wall[0].panels) == set(role.panels)


def test_ctrl_0_brings_every_panel_back_to_its_place(qtbot: QtBot, tmp_path: Path) -> None:
    with console_at(qtbot, tmp_path) as console:
        window = console.window
        default = {name: window.dockWidgetArea(dock) for name, dock in window.docks.items()}
        window.docks["detail"].close()  # the operator closed one panel,
        window.docks["heat"].setFloating(True)  # floated another away,
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.docks["kpis"])  # and moved a third
        assert window.docks["detail"].isHidden() and window.docks["heat"].isFloating()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: all(d.isVisible() and not d.isFloating() for d in window.docks.values()))
        assert {name: window.dockWidgetArea(dock) for name, dock in window.docks.items()} == default


@pytest.mark.parametrize("state", ["normal", "maximised", "full screen"])
def test_a_window_comes_back_exactly_where_its_layout_was_saved(qtbot: QtBot, tmp_path: Path, state: str) -> None:
    # near the top of the screen, where Qt's restoreGeometry guessed a title bar and moved the window down
    place = QRect(10, 10, 790, 600)  # the commander's panels need about 780 px across
    with unshown_console(qtbot, tmp_path, "saved") as console:
        window = console.window
        window.setGeometry(place)
        window.show()
        qtbot.waitExposed(window)
        if state == "maximised":
            window.showMaximized()
            qtbot.waitUntil(window.isMaximized)
        elif state == "full screen":
            window.toggle_full_screen()
            qtbot.waitUntil(window.isFullScreen)
        layout = window.layout_state()
    assert layout["window"] == {
        "x": 10, "y": 10, "width": 790, "height": 600, "maximised": state == "maximised",
        "full_screen": state == "full screen",
    }  # fmt: skip
    with unshown_console(qtbot, tmp_path, "restored") as again:
        window = again.window
        assert show_as_the_console_does(again, layout) == []
        qtbot.waitExposed(window)
        assert window.isMaximized() == (state == "maximised") and window.isFullScreen() == (state == "full screen")
        assert window.window_geometry() == layout["window"]
        if state == "normal":
            assert window.geometry() == place
        else:  # and back from there: to the place it had
            window.showNormal()
            qtbot.waitUntil(lambda: window.geometry() == place)


def test_a_layout_from_another_desk_opens_maximised_and_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    with unshown_console(qtbot, tmp_path, "c") as console:
        layout = {"window": {"x": 5000, "y": 3000, "width": 700, "height": 500, "maximised": False}}
        problems = show_as_the_console_does(console, layout)
        assert len(problems) == 1 and "on no screen here" in problems[0]
        qtbot.waitUntil(console.window.isMaximized)


def test_f11_twice_leaves_the_window_on_its_screen(qtbot: QtBot, tmp_path: Path) -> None:
    with unshown_console(qtbot, tmp_path, "c") as console:
        window = console.window
        area = window.screen().availableGeometry()
        assert show_as_the_console_does(console) == []  # no layout saved: maximised on its screen
        qtbot.waitUntil(window.isMaximized)
        for _ in range(2):
            window.toggle_full_screen()
        qtbot.waitUntil(lambda: window.isMaximized() and not window.isFullScreen())  # where the platform puts it
        # a normal window partly off the screen (title bar above it, as a layout from a taller screen
        # or a first start on a desktop with a window manager left it): F11 twice brings it back whole
        window.showNormal()
        window.setGeometry(QRect(-200, -100, 790, 600))
        qtbot.waitUntil(lambda: not area.contains(window.frameGeometry()))
        for _ in range(2):
            window.toggle_full_screen()
        qtbot.waitUntil(lambda: window.isFullScreen() is False and area.contains(window.frameGeometry()))
        assert window.size() == QRect(0, 0, 790, 600).size()  # moved in, not resized: it fits
