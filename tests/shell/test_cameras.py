"""Cameras near a case: the nearest shown in the detail, only checked links opened, never by a shell.

The check refuses each deceptive form by name (user-info, hosts that are not plain names or canonical
addresses, IDN and punycode, ports out of range, other schemes), the optional allow-list of camera
networks admits only its networks and domains, and the wall says the real reason of a refusal: ours
(translated), Qt's parser's, or that no player is registered for the scheme.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core import cameras as cam
from console.core.camera_index import CameraIndex, nearby_cameras
from console.core.cameras import CameraNetworks, LinkRefused, checked_stream_url
from console.core.situation import Situation
from console.shell.app import parse_args
from console.shell.composition import build
from console.shell.i18n import install_translators
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, Update
from tests.core.test_situation import DISTRICT, GRIDS, A, S, bj, make_case, upd
from tests.support.consoles import dispose
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
    index = CameraIndex((r.key_of(c), c) for c in cams)
    records = {r.key_of(c): c for c in cams}
    found = nearby_cameras(index, records, lon, lat)
    assert [n.camera.id[-1] for n in found] == ["2", "5", "1", "3"]  # 501 m is out of reach
    assert [round(n.distance_m) for n in found] == [50, 120, 300, 499]
    assert [n.camera.id[-1] for n in nearby_cameras(index, records, lon, lat, limit=2)] == ["2", "5"]


GOOD_LINKS = [
    "rtsp://10.1.2.3:554/live", "rtsps://cams.local/a", "http://vs10.dc.intranet/hls/1.m3u8", "HTTPS://x.y/z",
    "rtsp://cam-01.dc.intranet:8554/ch1?subtype=0", "http://127.0.0.1/", "rtsp://[2001:db8::1]:554/live",
    "rtsp://[::1]/a", "http://x.y/path/with@at-sign", "rtsp://1cam.dc.intranet/a", "rtsp://CAMS.DC.INTRANET/A",
]  # fmt: skip


@pytest.mark.parametrize("url", GOOD_LINKS)
def test_stream_links_pass_the_check(url: str) -> None:
    assert checked_stream_url(url) == url


@pytest.mark.parametrize(
    ("url", "reason", "value"),
    [
        ("javascript:alert(1)", cam.SCHEME, "'javascript'"),
        ("file:///etc/passwd", cam.SCHEME, "'file'"),
        ("vlc://x", cam.SCHEME, "'vlc'"),
        ("//host/x", cam.SCHEME, "''"),
        ("rtsp:///no-host", cam.NO_HOST, ""),
        ("rtsp:/host/x", cam.NO_HOST, ""),
        ("rtsp://host/a b", cam.SPACES, ""),
        ("rtsp://host/a;\nrm -rf ~", cam.SPACES, ""),
        ("rtsp://host/\u202eevil", cam.SPACES, ""),
        # user-info: the name before @ is not the host
        ("http://user@host/", cam.USER_INFO, ""),
        ("http://user:pw@host/", cam.USER_INFO, ""),
        ("rtsp://cams.dc.gov.cn@10.6.6.6/live", cam.USER_INFO, ""),
        ("http://good.example\\@evil.example/", cam.USER_INFO, ""),
        # IPv4 in any form but the plain dotted quad
        ("http://0x7f.1/", cam.IPV4, "0x7f.1"),
        ("http://0x7f000001/", cam.IPV4, "0x7f000001"),
        ("http://017.0.0.1/", cam.IPV4, "017.0.0.1"),
        ("http://2130706433/", cam.IPV4, "2130706433"),
        ("http://127.1/", cam.IPV4, "127.1"),
        ("http://1.2.3.4.5/", cam.IPV4, "1.2.3.4.5"),
        ("http://256.1.1.1/", cam.IPV4, "256.1.1.1"),
        ("http://cams.1/", cam.IPV4, "cams.1"),
        ("http://%31%32%37.0.0.1/", cam.IPV4, "%31%32%37.0.0.1"),
        # IPv6 only bracketed and as ipaddress writes it
        ("rtsp://[0:0::1]/", cam.IPV6, "[0:0::1]"),
        ("rtsp://[::FFFF:1]/", cam.IPV6, "[::FFFF:1]"),
        ("rtsp://[fe80::1%25eth0]/", cam.IPV6, "[fe80::1%25eth0]"),
        ("rtsp://[::1/", cam.IPV6, "[::1"),
        ("rtsp://[::1]x/", cam.IPV6, "[::1]x"),
        ("rtsp://::1/", cam.NO_HOST, ""),
        ("http://cams.dc.gov.cn\uff20evil.com/", cam.NOT_ASCII, ""),  # full-width @ (urlsplit refuses it)
        # host names: LDH labels, no hyphen first or last, no IDN, no punycode
        ("rtsp://-oproxycommand=x/", cam.HOST_NAME, "-oproxycommand=x"),
        ("rtsp://-cams.local/", cam.HOST_NAME, "-cams.local"),
        ("rtsp://cams-.local/", cam.HOST_NAME, "cams-.local"),
        ("rtsp://cams..local/", cam.HOST_NAME, "cams..local"),
        ("rtsp://cams.local./", cam.HOST_NAME, "cams.local."),
        ("rtsp://cams_1.local/", cam.HOST_NAME, "cams_1.local"),
        ("rtsp://cams%2elocal/", cam.HOST_NAME, "cams%2elocal"),
        ("rtsp://" + "a" * 64 + ".local/", cam.HOST_NAME, "a" * 60),
        ("http://\u0430pple.com/", cam.NOT_ASCII, ""),  # Cyrillic а
        ("http://cams.dc.gov.cn\uff0eevil.com/", cam.NOT_ASCII, ""),  # full-width dot
        ("http://xn--pple-43d.com/", cam.PUNYCODE, ""),
        ("http://cams.xn--fiqs8s/", cam.PUNYCODE, ""),
        # ports
        ("rtsp://h:0/", cam.PORT, "'0'"),
        ("rtsp://h:65536/", cam.PORT, "'65536'"),
        ("rtsp://h:-1/", cam.PORT, "'-1'"),
        ("rtsp://h:+554/", cam.PORT, "'+554'"),
        ("rtsp://h:554a/", cam.PORT, "'554a'"),
        ("rtsp://h:/x", cam.PORT, "''"),
        ("rtsp://h:\uff15\uff15\uff14/", cam.PORT, "'\uff15\uff15\uff14'"),
    ],
)
def test_other_links_are_refused_with_the_reason(url: str, reason: str, value: str) -> None:
    with pytest.raises(LinkRefused) as refused:
        checked_stream_url(url)
    assert (refused.value.reason, refused.value.value) == (reason, value)
    assert isinstance(refused.value, ValueError) and str(refused.value) == reason.format(value)


def test_the_allow_list_admits_its_networks_and_domains_only() -> None:
    allowed = CameraNetworks.parse("10.0.0.0/8, cams.dc.gov.cn,2001:db8::/32")
    assert str(allowed) == "10.0.0.0/8,2001:db8::/32,cams.dc.gov.cn"
    for url in ("rtsp://10.1.2.3:554/live", "rtsp://cams.dc.gov.cn/a", "rtsp://v1.CAMS.dc.gov.cn/a",
                "rtsp://[2001:db8::7]/a"):  # fmt: skip
        assert checked_stream_url(url, allowed) == url
    for url, host in (
        ("rtsp://11.1.2.3/live", "11.1.2.3"), ("rtsp://evilcams.dc.gov.cn/a", "evilcams.dc.gov.cn"),
        ("rtsp://cams.dc.gov.cn.evil.com/a", "cams.dc.gov.cn.evil.com"), ("rtsp://[2001:db9::1]/a", "[2001:db9::1]"),
        ("rtsp://[::ffff:10.0.0.1]/a", "[::ffff:10.0.0.1]"), ("rtsp://cams.local/a", "cams.local"),
    ):  # fmt: skip
        with pytest.raises(LinkRefused) as refused:
            checked_stream_url(url, allowed)
        assert (refused.value.reason, refused.value.value) == (cam.NOT_ALLOWED, host)
    with pytest.raises(LinkRefused) as refused:  # the other checks come first
        checked_stream_url("rtsp://x@10.1.2.3/", allowed)
    assert refused.value.reason == cam.USER_INFO
    assert checked_stream_url("rtsp://cams.local/a") == "rtsp://cams.local/a"  # none given: no allow-list
    with pytest.raises(LinkRefused):
        checked_stream_url("rtsp://cams.local/a", CameraNetworks())  # an empty one admits nothing


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "an empty item"), ("10.0.0.0/8,", "an empty item"), ("10.0.0.1/8", "has host bits set"),
        ("10.0.0.0/33", "CIDR"), ("0x0a.0.0.0/8", "CIDR"), ("-cams.local", "plain host name"),
        ("xn--pple-43d.com", "plain host name"), ("cams.l\u043ecal", "plain host name"),
    ],
)  # fmt: skip
def test_a_bad_allow_list_is_refused_at_start_with_a_clear_error(
    text: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match=why):
        CameraNetworks.parse(text)
    with pytest.raises(SystemExit) as exited:
        parse_args(["--demo", "--camera-networks", text])
    assert exited.value.code == 2
    assert "--camera-networks" in capsys.readouterr().err
    assert parse_args(["--demo", "--camera-networks", "10.0.0.0/8,cams.dc.gov.cn"]).camera_networks == (
        CameraNetworks.parse("10.0.0.0/8,cams.dc.gov.cn")
    )
    assert parse_args(["--demo"]).camera_networks is None


def test_every_refusal_has_its_english(qapp: QApplication) -> None:
    locale = QLocale()
    installed = install_translators(qapp, "en")
    try:
        for reason in cam.REASONS:
            english = LinkRefused(reason, "X").translated(QCoreApplication.translate)
            assert english != reason.format("X") and english.isascii(), english
            assert ("X" in english) == ("{0}" in reason), english
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


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
    rows = [[t.item(row, col).text() for col in range(4)] for row in range(t.rowCount())]
    assert rows == [
        ["路口02 <b>朝东</b>", "40 米", "北", "离线"],  # markup in a name stays text
        ["路口03 <b>朝东</b>", "90 米", "北", "在线"],
        ["路口01 <b>朝东</b>", "200 米", "北", "在线"],
    ]
    assert detail.to_wall.isHidden()  # no camera wall to send to
    with qtbot.assertNotEmitted(detail.camera_wanted):
        t.cellActivated.emit(1, 2)
    detail.allow_wall(True)
    detail.show_case(sit, case.no)
    assert not detail.to_wall.isHidden()
    with qtbot.assertNotEmitted(detail.camera_wanted):
        t.cellActivated.emit(0, 0)  # offline: nothing to show
    with qtbot.waitSignal(detail.camera_wanted) as wanted:
        t.cellActivated.emit(1, 2)
    assert wanted.args == [f"{3:020d}"]
    with qtbot.waitSignal(detail.cameras_wanted) as of_case:
        detail.to_wall.click()
    assert of_case.args == [case.no]


class Player(QObject):
    """Stands in for the desktop's stream player: Qt hands it the URLs it is asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def play(self, url: QUrl) -> None:
        self.opened.append(url.toString())


# The offscreen platform has no desktop services: asked to open a link no handler takes, it warns.
@pytest.mark.qt_log_ignore("This plugin does not support QPlatformServices::openUrl")
def test_the_wall_opens_a_checked_link_with_the_desktops_handler_and_refuses_others(
    qtbot: QtBot, tmp_path: Path
) -> None:
    player = Player()
    for scheme in ("rtsp", "javascript", "file"):
        QDesktopServices.setUrlHandler(scheme, player, "play")
    args = ["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / "c.db"),
            "--camera-networks", "10.0.0.0/8,cams.dc.intranet"]  # fmt: skip
    console = build(parse_args(args))
    first = "rtsp://cams.dc.intranet/00000000000000000003"
    try:
        console.detail.camera_requested.emit(first)
        assert player.opened == [first]
        for bad, why in (
            ("javascript:alert(1)", "协议 'javascript' 不是 rtsp、rtsps、http 或 https"),
            ("file:///etc/passwd", "协议 'file' 不是 rtsp、rtsps、http 或 https"),
            ("rtsp://cams.dc.intranet@10.6.6.6/live", "链接含有用户信息（@ 之前的部分），可冒充其他主机"),
            ("rtsp://0x0a000001/live", "0x0a000001 不是规范的 IPv4 地址（点分十进制，无前导零）"),
            (
                "rtsp://cams.elsewhere.cn/live",
                "主机 cams.elsewhere.cn 不在允许的摄像头网络内",
            ),  # not in --camera-networks
            # our check passes it, Qt's strict parser does not: Qt's reason, not "no player"
            ("rtsp://cams.dc.intranet/a{b}", "Qt 无法解析此链接：Invalid path (character '{' not permitted)"),
            # no player registered for rtsps on this machine
            ("rtsps://cams.dc.intranet/live", "本机没有登记能打开 rtsps 链接的播放器"),
        ):
            console.detail.camera_requested.emit(bad)
            assert player.opened == [first]  # never handed on
            assert console.window.notice.text() == "摄像头链接未打开：" + why
        console.detail.camera_requested.emit("rtsp://10.1.2.3:554/live")  # in the allowed network
        assert player.opened == [first, "rtsp://10.1.2.3:554/live"]
    finally:
        for scheme in ("rtsp", "javascript", "file"):
            QDesktopServices.unsetUrlHandler(scheme)
        dispose(qtbot, console)


def test_the_external_player_gets_the_checked_link_as_one_argument_never_through_a_shell(
    qtbot: QtBot, tmp_path: Path
) -> None:
    record = tmp_path / "record.py"
    record.write_text("import json, sys\nopen(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))\n")
    out = tmp_path / "argv.json"
    player = f"{sys.executable} {record} {out} --profile=low-latency"
    args = ["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / "c.db"), "--camera-player", player]
    console = build(parse_args(args))
    pwned = tmp_path / "pwned"
    link = f"rtsp://10.1.2.3:554/live;touch%20{pwned}$(touch%20{pwned})"
    try:
        assert console.cameras.open_external(link)
        qtbot.waitUntil(out.exists, timeout=10_000)
        qtbot.waitUntil(lambda: out.read_text() != "", timeout=10_000)
        assert json.loads(out.read_text()) == ["--profile=low-latency", link]  # one argument, as it was
        assert not pwned.exists()
        assert not console.cameras.open_external("rtsp://cams.dc.intranet@10.6.6.6/live")  # refused: not started
        assert console.window.notice.text() == "摄像头链接未打开：链接含有用户信息（@ 之前的部分），可冒充其他主机"
        assert len(console.cameras.started) == 1
    finally:
        dispose(qtbot, console)
    with pytest.raises(SystemExit):
        parse_args(["--demo", "--camera-player", "  "])
