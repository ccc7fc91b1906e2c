"""The console's side of the public cameras: what goes on the camera wall, requests to and from other
walls, and the external player.

"Show" (a case's nearest cameras, one camera, a point's nearest) goes to this console's own camera
wall, or, when the console was started with ``--show-on WALL``, to that wall console as a ``show``
record through the command service (stored, sent, pending until the backend's echo; docs/protocol.md
§16.2). A console started with ``--wall-id NAME`` follows the newest ``/show/NAME`` record the live
situation holds. Camera links are checked (``checked_stream_url``) before a tile or the external
player gets them; the external player is an argument list from the settings, started without a shell.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal, Protocol, cast

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QObject, QProcess, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QImageWriter

from console.core.camera_index import NearbyCamera, nearby_cameras
from console.core.cameras import CameraNetworks, LinkRefused, checked_stream_url
from console.core.evidence import Still
from console.core.situation import ChangeSet, Situation
from console.core.untrusted import one_line
from console.shell.commands import CommandService
from console.store import ActionKind
from server_link import records as r

if TYPE_CHECKING:  # the wall's modules load QtMultimedia: only with its panel
    from widgets.camera_tile import CameraTile
    from widgets.camera_wall import CameraWall

log = logging.getLogger(__name__)
CASE_REACH_M: Final = 1000.0  # a case's cameras: the nearest online ones within this distance
REQUEST_CAMERAS: Final = 4  # what a desk without a wall of its own asks of a wall, from a case
STILL_MAX_W: Final = 1280  # a kept still is scaled down to this width
STILL_QUALITY: Final = 85


class StillStore(Protocol):
    """The part of the store the desk keeps stills in (``StoreBridge`` provides it)."""

    def save_still(self, still: Still) -> int: ...


def player_argv(text: str) -> list[str]:
    """``--camera-player``: a program and its arguments, split as a shell would split them (quotes
    kept together) but never given to a shell; the checked link is added as the last argument."""
    argv = shlex.split(text)
    if not argv:
        raise ValueError("the camera player is empty")
    return argv


class CameraDesk(QObject):
    """Shows cameras on this console's wall or sends them to another; see the module docstring.

    Signals:
        still_kept(str): a still was kept as evidence of this case (stored durably).
    """

    still_kept = Signal(str)

    def __init__(
        self,
        situation: Situation,
        commands: CommandService,
        notice: Callable[[str], None],
        store: StillStore,
        *,
        wall: CameraWall | None = None,  # the camera wall panel, if this console has one and it loaded
        raise_wall: Callable[[], None] = lambda: None,
        wall_id: str = "",
        show_on: str = "",
        console_name: str = "desk",
        networks: CameraNetworks | None = None,
        player: Sequence[str] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.situation = situation
        self.commands = commands
        self.store = store
        self.notice = notice
        self.wall = wall
        self.raise_wall = raise_wall
        self.wall_id = wall_id
        self.show_on = show_on
        self.console_name = console_name
        self.networks = networks
        self.player = list(player)
        self.followed: r.ShowRequest | None = None  # the newest request this wall has shown
        self.started: list[tuple[str, list[str]]] = []  # external players started (program, arguments)

    @property
    def available(self) -> bool:
        """Whether "show" goes anywhere: a wall of this console's own, or one to send to."""
        return bool(self.show_on) or self.wall is not None

    def check(self, url: str) -> str:
        """A camera link as the console opens it, or ``LinkRefused`` saying why."""
        return checked_stream_url(url, self.networks)

    def close(self) -> None:
        """Stop every feed now (the console is closing)."""
        if self.wall is not None:
            for tile in self.wall.tiles:
                tile.feed.close()

    # ------------------------------------------------------------------ choosing cameras
    def of_case(self, case_no: str, limit: int) -> list[NearbyCamera]:
        """The nearest online cameras of a case the live situation holds, nearest first."""
        s = self.situation.cases.get(case_no)
        if s is None:
            return []
        return self.of_point(s.lon, s.lat, limit)

    def of_point(self, lon: float, lat: float, limit: int) -> list[NearbyCamera]:
        sit = self.situation
        found = nearby_cameras(sit.camera_index, sit.records, lon, lat, limit=4 * limit + 16, within_m=CASE_REACH_M)
        return [n for n in found if n.camera.online][:limit]

    # ------------------------------------------------------------------ showing
    def show_case(self, case_no: str) -> bool:
        """The case's nearest online cameras on the wall (one action)."""
        limit = REQUEST_CAMERAS if self.show_on or self.wall is None else max(self.wall.count, REQUEST_CAMERAS)
        found = self.of_case(case_no, limit)
        if not found:
            self.notice(QCoreApplication.translate("Cameras", "案件 {0} 附近 {1:.0f} 米内没有在线摄像头").format(
                one_line(case_no, 32), CASE_REACH_M))  # fmt: skip
            return False
        return self.show([n.camera.id for n in found], case_no=case_no)

    def show_point(self, lon: float, lat: float) -> bool:
        limit = REQUEST_CAMERAS if self.show_on or self.wall is None else max(self.wall.count, REQUEST_CAMERAS)
        found = self.of_point(lon, lat, limit)
        if not found:
            self.notice(QCoreApplication.translate("Cameras", "此处 {0:.0f} 米内没有在线摄像头").format(CASE_REACH_M))
            return False
        return self.show([n.camera.id for n in found])

    def show_camera(self, camera_id: str, case_no: str | None = None) -> bool:
        if self.show_on:
            return self.show([camera_id], case_no=case_no, tiles=1)
        if self.wall is None:
            return False
        self.wall.show_camera(camera_id, case_no=case_no)
        self.raise_wall()
        return True

    def show(self, camera_ids: Sequence[str], *, case_no: str | None = None, tiles: int | None = None) -> bool:
        """These cameras on the wall: this console's own, or the one ``--show-on`` names."""
        if self.show_on:
            return self._request(list(camera_ids), case_no, tiles)
        if self.wall is None:
            return False
        self.wall.show_cameras(camera_ids, case_no=case_no, tiles=tiles)
        self.raise_wall()
        return True

    def _request(self, camera_ids: list[str], case_no: str | None, tiles: int | None) -> bool:
        request = r.ShowRequest(
            schema=r.SCHEMA_VERSION, wall=self.show_on, cameras=camera_ids[:16], case_no=case_no,
            tiles=cast(Literal[1, 4, 9, 16], tiles) if tiles in r.WALL_TILES else None, requested_at=datetime.now(UTC),
            console=self.console_name, by=self.commands.who, role=self.commands.role,
        )  # fmt: skip
        key, body = r.key_of(request), r.encode(request)
        try:
            r.decode(key, body)  # the same checks the backend and the wall apply
            self.commands.send(ActionKind.SHOW, key, body, text=",".join(camera_ids), case_no=case_no)
        except (r.RecordError, ValueError, PermissionError, RuntimeError, OSError) as exc:
            self.notice(QCoreApplication.translate("Cameras", "上墙请求未发出：{0}").format(one_line(str(exc), 200)))
            return False
        self.notice(QCoreApplication.translate("Cameras", "已请求 {0} 显示 {1} 个摄像头（待后端确认）").format(
            self.show_on, len(camera_ids)))  # fmt: skip
        return True

    # ------------------------------------------------------------------ the live situation
    def on_changes(self, changes: ChangeSet) -> None:
        """Live changes: tiles follow their cameras' records; a wall follows its requests."""
        wall = self.wall
        if wall is None:
            return
        if changes.reset:
            wall.refresh()
        elif changes.cameras:
            wall.refresh(changes.cameras)
        key = f"/show/{self.wall_id}"
        if self.wall_id and (changes.reset or key in changes.shows):
            request = self.situation.records.get(key)
            if isinstance(request, r.ShowRequest) and self._newer(request):
                self.followed = request
                wall.show_cameras(request.cameras, case_no=request.case_no, tiles=request.tiles)
                self.raise_wall()

    def _newer(self, request: r.ShowRequest) -> bool:
        return self.followed is None or request.requested_at > self.followed.requested_at

    # ------------------------------------------------------------------ evidence
    def keep_still(self, tile: CameraTile) -> bool:
        """The picture on a tile, kept as evidence of the tile's case: stored (durably) with who, in
        which role, when, which camera and when the frame was decoded; what fails is said."""
        image, case_no, frame_at = tile.still(), tile.case_no, tile.frame_at
        if image is None or case_no is None or frame_at is None or not tile.camera_id:
            self.notice(QCoreApplication.translate("Cameras", "画面未保存：这路画面没有图像或没有关联案件"))
            return False
        name = tile.camera.name if tile.camera is not None else tile.camera_id
        jpeg = jpeg_of(image)
        still = Still(
            case_no, tile.camera_id, name[:200], self.commands.who[:200], self.commands.role, datetime.now(UTC),
            frame_at.astimezone(UTC), jpeg.width, jpeg.height, jpeg.data,
        )  # fmt: skip
        try:
            self.store.save_still(still)
        except (ValueError, RuntimeError, OSError, TimeoutError) as exc:
            self.notice(QCoreApplication.translate("Cameras", "画面未保存：{0}").format(one_line(str(exc), 200)))
            return False
        self.notice(QCoreApplication.translate("Cameras", "画面已存为案件 {0} 的证据（{1}）").format(
            one_line(case_no, 32), one_line(name, 40)))  # fmt: skip
        self.still_kept.emit(case_no)
        return True

    # ------------------------------------------------------------------ the external player
    def open_external(self, url: str) -> bool:
        """The camera's link in the external player (``--camera-player``), else the desktop's
        handler; checked first, never through a shell. What fails is said on the wall."""
        refused = QCoreApplication.translate("Console", "摄像头链接未打开：{0}")
        try:
            link = QUrl(self.check(url), QUrl.ParsingMode.StrictMode)
        except LinkRefused as exc:
            self.notice(refused.format(exc.translated(QCoreApplication.translate)))
            return False
        if not link.isValid():  # ours passed it, Qt's parser did not: say what Qt says, without the link
            why = QCoreApplication.translate("Console", "Qt 无法解析此链接：{0}")
            error = link.errorString().split("; source was", 1)[0]
            self.notice(refused.format(why.format(one_line(error, 200))))
            return False
        if self.player:
            program, *args = self.player
            args.append(link.toString(QUrl.ComponentFormattingOption.FullyEncoded))
            started, _pid = QProcess.startDetached(program, args)
            if not started:
                missing = QCoreApplication.translate("Cameras", "外部播放器 {0} 未能启动")
                self.notice(refused.format(missing.format(one_line(program, 100))))
                return False
            self.started.append((program, args))
            return True
        if not QDesktopServices.openUrl(link):
            missing = QCoreApplication.translate("Console", "本机没有登记能打开 {0} 链接的播放器")
            self.notice(refused.format(missing.format(link.scheme())))
            return False
        return True


class Jpeg:
    """An image as a JPEG of at most ``STILL_MAX_W`` pixels wide."""

    def __init__(self, data: bytes, width: int, height: int) -> None:
        self.data, self.width, self.height = data, width, height


def jpeg_of(image: QImage) -> Jpeg:
    if image.width() > STILL_MAX_W:
        image = image.scaledToWidth(STILL_MAX_W, Qt.TransformationMode.SmoothTransformation)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"jpeg"))
    writer.setQuality(STILL_QUALITY)
    if not writer.write(image.convertToFormat(QImage.Format.Format_RGB888)):
        raise ValueError(f"the picture could not be written as a JPEG: {writer.errorString()}")
    return Jpeg(bytes(data.data()), image.width(), image.height())
