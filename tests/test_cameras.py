"""Cameras near a case: the nearest shown in the detail, only checked links opened, never by a shell."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from console.core.cameras import checked_stream_url, nearby
from console.core.situation import Situation
from console.shell.app import build, parse_args
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, Update
from tests.support.consoles import dispose
from tests.test_situation import DISTRICT, GRIDS, A, S, bj, make_case, upd
from widgets.case_detail import CaseDetail

M_PER_DEG_LAT = 111_195.0  # at the earth radius the module uses


def camera(n: int, lon: float, lat: float, *, online: bool = True, url: str = "") -> r.Camera:
    return r.Camera(
        schema=1, id=f"{n:020d}", name=f"路口{n:02d} <b>朝东</b>", lon=lon, lat=lat, online=online,
        url=url or f"rtsp://cams.dc.intranet/{n:020d}",
    )  # fmt: skip


def cam_update(c: r.Camera, seq: int) -> Update:
    return Update(r.key_of(c), seq, c, r.encode(c))


def test_nearby_gives_the_nearest_within_reach_nearest_first() -> None:
    lon, lat = 116.41, 39.92
    step = 1 / M_PER_DEG_LAT  # one metre north
    cams = [camera(n, lon, lat + d * step) for n, d in ((1, 300), (2, 50), (3, 499), (4, 501), (5, 120))]
    found = nearby(cams, lon, lat)
    assert [n.camera.id[-1] for n in found] == ["2", "5", "1", "3"]  # 501 m is out of reach
    assert [round(n.distance_m) for n in found] == [50, 120, 300, 499]
    assert [n.camera.id[-1] for n in nearby(cams, lon, lat, limit=2)] == ["2", "5"]


@pytest.mark.parametrize(
    "url", ["rtsp://10.1.2.3:554/live", "rtsps://cams.local/a", "http://vs10.dc.intranet/hls/1.m3u8", "HTTPS://x.y/z"]
)
def test_stream_links_pass_the_check(url: str) -> None:
    assert checked_stream_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("vlc://x", "scheme 'vlc'"),
        ("rtsp:///no-host", "no host"),
        ("rtsp://host/a b", "spaces"),
        ("rtsp://host/a;\nrm -rf ~", "spaces or control"),
        ("//host/x", "scheme '(none)'"),
    ],
)
def test_other_links_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("(", r"\(").replace(")", r"\)")):
        checked_stream_url(url)


def situation_with_cameras() -> tuple[Situation, r.Case]:
    t = bj(2026, 11, 27, 9, 0)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None)], grid=GRIDS[0])
    step = 1 / M_PER_DEG_LAT
    lon, lat = case.lon, case.lat
    cams = [camera(1, lon, lat + 200 * step), camera(2, lon, lat + 40 * step, online=False),
            camera(3, lon, lat + 90 * step), camera(4, lon, lat + 5000 * step)]  # fmt: skip
    s = Situation(DISTRICT)
    updates = (upd(case, 1), *(cam_update(c, 2 + i) for i, c in enumerate(cams)))
    s.apply(Batch(True, updates, 1 + len(updates), "e"), t.timestamp() + 3600)
    return s, case


def test_the_detail_lists_the_nearest_cameras_as_text_and_greys_the_offline_one(qtbot: QtBot) -> None:
    sit, case = situation_with_cameras()
    detail = CaseDetail()
    qtbot.addWidget(detail)
    detail.show_case(sit, case.no)
    t = detail.cameras
    rows = [[t.item(row, col).text() for col in range(3)] for row in range(t.rowCount())]
    assert rows == [
        ["路口02 <b>朝东</b>", "40 米", "离线"],  # markup in a name stays text
        ["路口03 <b>朝东</b>", "90 米", "在线"],
        ["路口01 <b>朝东</b>", "200 米", "在线"],
    ]
    with qtbot.assertNotEmitted(detail.camera_requested):
        t.cellActivated.emit(0, 0)  # offline: nothing to open
    with qtbot.waitSignal(detail.camera_requested) as opened:
        t.cellActivated.emit(1, 2)
    assert opened.args == [f"rtsp://cams.dc.intranet/{3:020d}"]


class Player(QObject):
    """Stands in for the desktop's stream player: Qt hands it the URLs it is asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def play(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_the_wall_opens_a_checked_link_with_the_desktops_handler_and_refuses_others(
    qtbot: QtBot, tmp_path: Path
) -> None:
    player = Player()
    for scheme in ("rtsp", "javascript", "file"):
        QDesktopServices.setUrlHandler(scheme, player, "play")
    console = build(parse_args(["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / "c.db")]))
    try:
        console.detail.camera_requested.emit("rtsp://cams.dc.intranet/00000000000000000003")
        assert player.opened == ["rtsp://cams.dc.intranet/00000000000000000003"]
        for bad in ("javascript:alert(1)", "file:///etc/passwd"):
            console.detail.camera_requested.emit(bad)
            assert player.opened == ["rtsp://cams.dc.intranet/00000000000000000003"]  # never handed on
            assert console.window.notice.text().startswith("摄像头链接未打开：")
    finally:
        for scheme in ("rtsp", "javascript", "file"):
            QDesktopServices.unsetUrlHandler(scheme)
        dispose(qtbot, console)
