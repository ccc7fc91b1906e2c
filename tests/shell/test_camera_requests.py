"""From the desk to the big wall: a desk console's "show" goes through its command service to the
backend as a ``/show/<wall>`` record, the backend publishes it, and the console started with
``--wall-id`` fills its tiles with live video; the desk's command is confirmed by the echo. Two real
consoles, the reference server on 127.0.0.1 and the demo's HLS streams."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.store import ActionKind, ActionStatus, Store
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from server_link.sim.video import CameraFeeds
from tests.support.consoles import dispose
from widgets.camera_feed import FeedState
from widgets.camera_wall import CameraWall

IDS = [f"1101010000132000{n:04d}" for n in range(1, 4)]
pytestmark = pytest.mark.qt_log_ignore("Could not open media")


@pytest.fixture
def feeds() -> Iterator[CameraFeeds]:
    server = CameraFeeds()
    server.start(dict.fromkeys(IDS, True))
    yield server
    server.stop()


def publish_cameras(server: ChpServer, feeds: CameraFeeds) -> None:
    cams = [r.Camera(schema=1, id=i, name=f"东四路口{n}", lon=116.417 + n / 1000, lat=39.925, url=feeds.url_for(i))
            for n, i in enumerate(IDS)]  # fmt: skip
    server.publish_many((r.key_of(c), r.encode(c)) for c in cams)


def console(args: list[str]) -> Console:
    return build(parse_args(args))


def camera_wall(c: Console) -> CameraWall:
    wall = c.panels["cameras"].widget
    assert isinstance(wall, CameraWall)
    return wall


def test_a_desks_show_request_fills_the_wall_consoles_tiles(
    qtbot: QtBot, tmp_path: Path, server: ChpServer, endpoints: Endpoints, feeds: CameraFeeds
) -> None:
    publish_cameras(server, feeds)
    desk = console(["--endpoint", str(endpoints), "--db", str(tmp_path / "desk.db"), "--show-on", "wall-1"])
    wall = console(["--endpoint", str(endpoints), "--db", str(tmp_path / "wall.db"), "--wall-id", "wall-1"])
    try:
        wall.window.show()
        known = f"/camera/{IDS[2]}"
        qtbot.waitUntil(lambda: desk.situation.pictured and known in desk.situation.records, timeout=20_000)
        qtbot.waitUntil(lambda: wall.situation.pictured, timeout=20_000)
        assert desk.cameras.show([IDS[2], IDS[0]], case_no="DC2026120300007")
        action = next(iter(desk.commands.pending.values())).action
        assert action.kind == ActionKind.SHOW and action.key == "/show/wall-1"
        assert desk.window.notice.text() == "已请求 wall-1 显示 2 个摄像头（待后端确认）"
        tiles = camera_wall(wall)
        qtbot.waitUntil(lambda: tiles.state().cameras[:2] == [IDS[2], IDS[0]], timeout=10_000)
        assert tiles.state().case_no == "DC2026120300007"
        qtbot.waitUntil(lambda: not desk.commands.pending, timeout=10_000)  # the echo confirmed it
        stored = [a for a in desk.store.actions() if a.id == action.id]
        assert stored and stored[0].status == ActionStatus.CONFIRMED
        # the wall shows live video of them (its panel raised: behind a tab it would decode nothing)
        first = tiles.shown[0]
        qtbot.waitUntil(lambda: first.feed.frames >= 5, timeout=20_000)
        assert first.feed.state is FeedState.PLAYING and first.case_no == "DC2026120300007"
        # the desk's own wall is not touched; an older request is not followed
        assert camera_wall(desk).state().cameras == ["", "", "", ""]
        kept = json.loads((Path(os.environ["XDG_DATA_HOME"]) / "grid-console" / "camera-wall-wall-1.json").read_text())
        assert kept["cameras"][:2] == [IDS[2], IDS[0]]
        # the picture on show kept as evidence of the case
        before = datetime.now(UTC)
        assert wall.cameras.keep_still(first)
        assert wall.window.notice.text() == "画面已存为案件 DC2026120300007 的证据（东四路口2）"
    finally:
        dispose(qtbot, desk)
        dispose(qtbot, wall)
    with Store(tmp_path / "wall.db") as store:  # a restart: the still is there, with what it is
        (still,) = store.stills("DC2026120300007")
    assert (still.camera_id, still.camera_name, still.role) == (IDS[2], "东四路口2", "commander")
    assert still.who == getpass.getuser() and (still.width, still.height) == (480, 270)
    assert before - timedelta(seconds=5) <= still.frame_at <= still.saved_at <= datetime.now(UTC)
    assert still.jpeg.startswith(b"\xff\xd8") and len(still.jpeg) > 2000


def test_a_leaders_console_cannot_drive_a_wall(qtbot: QtBot, tmp_path: Path, endpoints: Endpoints) -> None:
    leader = console(["--endpoint", str(endpoints), "--db", str(tmp_path / "l.db"), "--role", "leader",
                      "--show-on", "wall-1"])  # fmt: skip
    try:
        assert not leader.commands.may(ActionKind.SHOW)
        assert not leader.cameras.show([IDS[0]])
        assert "does not send show commands" in leader.window.notice.text()
        assert not leader.commands.pending
    finally:
        dispose(qtbot, leader)
