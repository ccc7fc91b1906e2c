"""``CameraFeeds``: the simulated cameras' live HLS streams, served over HTTP on loopback.

``GET /cam/<20-digit id>/live.m3u8`` is a live playlist of the last ``WINDOW`` segments by the
server's clock, ``GET /cam/<id>/<seq>.ts`` one of them (one more window behind the playlist stays
served, for a player that read the playlist just before it moved on). A camera the simulation has
offline answers 503; an unknown camera, a segment outside that range and any other path answer 404.
Paths are matched whole against one pattern; nothing touches the filesystem. A camera plays one of
the clips (by a stable hash of its id) from its own phase, so neighbours differ.
"""

from __future__ import annotations

import logging
import re
import socketserver
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final, cast

from server_link.sim.video.clips import CLIP_SEGMENTS, SEGMENT_S, shared_clips
from server_link.sim.video.segments import ClipStream, playlist

log = logging.getLogger(__name__)
LOOPBACK: Final = "127.0.0.1"
WINDOW: Final = 3  # segments in a playlist
CLIENT_TIMEOUT_S: Final = 10.0  # a connection idle (or not reading) this long is dropped
PLAYLIST_TYPE: Final = "application/vnd.apple.mpegurl"
SEGMENT_TYPE: Final = "video/mp2t"
_PATH: Final = re.compile(r"/cam/(?P<camera>[0-9]{20})/(?:(?P<playlist>live\.m3u8)|(?P<seq>0|[1-9][0-9]{0,11})\.ts)")

Answer = tuple[HTTPStatus, str, bytes]  # status, content type, body ("" and b"" for an error)


class CameraFeeds:
    """An HTTP server of the cameras' streams on 127.0.0.1 (``port`` 0: any free port).

    The socket is bound on construction, so ``url_for`` is known before the camera records are
    built; ``start(cameras)`` serves those cameras, reading each one's online flag from the live
    mapping at every request; ``stop()`` ends the server thread and closes the socket.
    """

    def __init__(self, *, port: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self._streams = [ClipStream(c) for c in shared_clips()]
        self._clock = clock
        self._epoch = clock()
        self._cameras: Mapping[str, bool] = {}
        self._httpd = _Server((LOOPBACK, port), _Handler)
        self._httpd.feeds = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def url_for(self, camera_id: str) -> str:
        """The playlist link of ``camera_id`` (20 digits, as the camera records have it)."""
        url = f"/cam/{camera_id}/live.m3u8"
        if not _PATH.fullmatch(url):
            raise ValueError(f"camera id {camera_id!r} is not 20 digits")
        return self.base_url + url

    def start(self, cameras: Mapping[str, bool]) -> None:
        """Serve ``cameras`` (id → online), a mapping the simulation goes on updating.

        The server's threads only read it, one ``get`` per request, while the simulation's thread
        assigns to existing keys: each read is atomic under the GIL, and a flag a moment stale is
        harmless (the next playlist reload sees it)."""
        if self._thread is not None:
            raise RuntimeError("camera feeds already started")
        self._cameras = cameras
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="camera-feeds", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (requests in flight end on their own, bounded by the
        connection timeout); safe to call more than once, or without ``start``."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def live_seq(self) -> int:
        """The newest segment now: the stream starts with a whole playlist (segments 0 … WINDOW-1)."""
        return int((self._clock() - self._epoch) // SEGMENT_S) + WINDOW - 1

    def answer(self, path: str) -> Answer:
        """What ``GET path`` gets."""
        m = _PATH.fullmatch(path)
        online = self._cameras.get(m["camera"]) if m else None
        if m is None or online is None:
            return HTTPStatus.NOT_FOUND, "", b""
        if not online:
            return HTTPStatus.SERVICE_UNAVAILABLE, "", b""
        last = self.live_seq()
        first = last - WINDOW + 1
        if m["playlist"]:
            return HTTPStatus.OK, PLAYLIST_TYPE, playlist(first, WINDOW).encode("ascii")
        seq = int(m["seq"])
        if not max(0, first - WINDOW) <= seq <= last:
            return HTTPStatus.NOT_FOUND, "", b""
        mix = zlib.crc32(m["camera"].encode("ascii"))
        stream = self._streams[mix % len(self._streams)]
        phase = (mix // len(self._streams)) % CLIP_SEGMENTS
        return HTTPStatus.OK, SEGMENT_TYPE, stream.segment(seq + phase)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # a wall of players connecting at once
    feeds: CameraFeeds

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host's FQDN (a DNS query) for a name never used.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = LOOPBACK, self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        """A player that hangs up or stalls is routine; anything else is logged with its trace."""
        if isinstance(sys.exception(), OSError):
            log.debug("camera feed client %s went away: %s", client_address, sys.exception())
        else:
            log.exception("camera feed request from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    timeout = CLIENT_TIMEOUT_S
    server_version = "grid-sim-video"

    def version_string(self) -> str:
        return self.server_version  # not Python's version

    def do_GET(self) -> None:
        status, kind, body = cast(_Server, self.server).feeds.answer(self.path)
        if status is not HTTPStatus.OK:
            self.send_error(status)
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if kind == PLAYLIST_TYPE:
            self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)
