"""One camera's live feed: a QtMultimedia player decoding into a video sink, watched and retried.

The player is Qt's FFmpeg backend with its low-latency intent (``QPlaybackOptions``), which takes
RTSP, HLS and HTTP-FLV/TS links. It opens, reads and decodes off the GUI thread; this object lives
on the GUI thread and only reacts to what the player says and to its own watchdog:

- CONNECTING until the first frame; if none comes within ``open_timeout`` the feed is UNREACHABLE;
- PLAYING while frames come; no frame for ``stall_after`` seconds: STALLED (the last frame stays up,
  marked), and after ``stall_timeout`` the player is dropped and the feed tries again;
- a player error (refused, not found, a stream it cannot decode) is FAILED, with the player's words;
- after UNREACHABLE, FAILED or a stall the feed opens again after a back-off (2 s doubling to a
  minute), for as long as it is wanted. ``close()`` stops at once: the player is stopped, its source
  cleared and the object deleted later, so a feed that hangs in a network read never holds the window.

Decoders are costly: a ``DecoderBudget`` shared by every tile of a console caps how many players are
open at once; a feed that finds no room waits as QUEUED until one is given back.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QMediaPlayer, QPlaybackOptions, QVideoFrame, QVideoSink

OPEN_TIMEOUT_S: Final = 10.0
STALL_AFTER_S: Final = 3.0
STALL_TIMEOUT_S: Final = 12.0
BACKOFF_S: Final = (2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
WATCH_MS: Final = 500
MAX_DECODERS: Final = 16


class FeedState(enum.StrEnum):
    IDLE = "idle"  # nothing asked for
    QUEUED = "queued"  # wanted, waiting for a free decoder
    CONNECTING = "connecting"
    PLAYING = "playing"
    STALLED = "stalled"  # no frame for a while; the last one stays up
    UNREACHABLE = "unreachable"  # no frame within the open timeout; retrying
    FAILED = "failed"  # the player refused or lost the stream; retrying


class DecoderBudget:
    """How many players a console may hold open at once (``MAX_DECODERS`` by default)."""

    def __init__(self, limit: int = MAX_DECODERS) -> None:
        self.limit = limit
        self.holders: set[int] = set()
        self._waiting: list[Callable[[], None]] = []

    def take(self, holder: int) -> bool:
        if holder in self.holders:
            return True
        if len(self.holders) >= self.limit:
            return False
        self.holders.add(holder)
        return True

    def give_back(self, holder: int) -> None:
        if holder in self.holders:
            self.holders.discard(holder)
            waiting, self._waiting = self._waiting, []
            for wake in waiting:
                wake()

    def wait(self, wake: Callable[[], None]) -> None:
        self._waiting.append(wake)


class CameraFeed(QObject):
    """One link played while wanted; see the module docstring.

    Signals:
        frame(QVideoFrame): a decoded frame (on the GUI thread).
        state_changed(): ``state``, ``detail`` or ``retry_at`` changed.
    """

    frame = Signal(QVideoFrame)
    state_changed = Signal()

    def __init__(
        self,
        budget: DecoderBudget,
        *,
        open_timeout: float = OPEN_TIMEOUT_S,
        stall_after: float = STALL_AFTER_S,
        stall_timeout: float = STALL_TIMEOUT_S,
        backoff: tuple[float, ...] = BACKOFF_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.budget = budget
        self.open_timeout, self.stall_after, self.stall_timeout = open_timeout, stall_after, stall_timeout
        self.backoff = backoff
        self.url = ""
        self.state = FeedState.IDLE
        self.detail = ""  # the player's own words for a failure
        self.retry_at: float | None = None  # monotonic instant of the next attempt
        self.frames = 0  # decoded frames since the feed was created
        self.last_frame_at = 0.0  # monotonic
        self.opened_at = 0.0
        self.failures = 0  # in a row; picks the back-off
        self._player: QMediaPlayer | None = None
        self._sink: QVideoSink | None = None
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._check)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)

    # ------------------------------------------------------------------ what the tile asks
    def play(self, url: str) -> None:
        """Play ``url`` (already checked by the caller) until ``close()``; a new url starts afresh."""
        if url == self.url and self.state is not FeedState.IDLE:
            return
        self.close()
        self.url = url
        self.failures = 0
        self._open()

    def close(self) -> None:
        """Stop playing now and give the decoder back; the feed is IDLE."""
        self._retry.stop()
        self._watch.stop()
        self._drop_player()
        self.url = ""
        self.retry_at = None
        self._set(FeedState.IDLE, "")

    @property
    def wanted(self) -> bool:
        return bool(self.url)

    # ------------------------------------------------------------------ the player
    def _open(self) -> None:
        if not self.url:
            return
        self.retry_at = None
        if not self.budget.take(id(self)):
            self._set(FeedState.QUEUED, "")
            self.budget.wait(self._open)
            return
        player = QMediaPlayer(self)
        sink = QVideoSink(self)
        options = QPlaybackOptions()
        options.setPlaybackIntent(QPlaybackOptions.PlaybackIntent.LowLatencyStreaming)
        # the player's own timeout a little after the watchdog's: an open that hangs is UNREACHABLE
        options.setNetworkTimeout(int(self.open_timeout * 1000) + 1000)
        player.setPlaybackOptions(options)
        player.setVideoSink(sink)
        sink.videoFrameChanged.connect(self._on_frame)
        player.errorOccurred.connect(self._on_error)
        player.mediaStatusChanged.connect(self._on_status)
        self._player, self._sink = player, sink
        self.opened_at = time.monotonic()
        self.last_frame_at = 0.0
        self._set(FeedState.CONNECTING, "")
        player.setSource(QUrl(self.url))
        player.play()
        self._watch.start()

    def _drop_player(self) -> None:
        player, sink = self._player, self._sink
        self._player = self._sink = None
        if player is not None:
            player.errorOccurred.disconnect(self._on_error)
            player.mediaStatusChanged.disconnect(self._on_status)
            player.stop()
            player.setSource(QUrl())
            player.deleteLater()
        if sink is not None:
            sink.videoFrameChanged.disconnect(self._on_frame)
            sink.deleteLater()
        self.budget.give_back(id(self))

    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        self.frames += 1
        self.last_frame_at = time.monotonic()
        if self.state is not FeedState.PLAYING:
            self.failures = 0
            self._set(FeedState.PLAYING, "")
        self.frame.emit(frame)

    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        self._fail(FeedState.FAILED, message)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            # a live stream has no end: the source went away (or never was a stream)
            self._fail(FeedState.FAILED, self._player.errorString() if self._player is not None else "")

    def _check(self) -> None:
        now = time.monotonic()
        if self.state is FeedState.CONNECTING and now - self.opened_at >= self.open_timeout:
            self._fail(FeedState.UNREACHABLE, "")
        elif self.state in (FeedState.PLAYING, FeedState.STALLED):
            quiet = now - self.last_frame_at
            if quiet >= self.stall_timeout:
                self._fail(FeedState.STALLED, "")
            elif quiet >= self.stall_after and self.state is FeedState.PLAYING:
                self._set(FeedState.STALLED, "")

    def _fail(self, state: FeedState, detail: str) -> None:
        """Drop the player and try again after the back-off (the state says why, meanwhile)."""
        if self._player is None:
            return  # already dropped: one failure, one retry
        self._watch.stop()
        self._drop_player()
        delay = self.backoff[min(self.failures, len(self.backoff) - 1)]
        self.failures += 1
        self.retry_at = time.monotonic() + delay
        self._retry.start(int(delay * 1000))
        self._set(state, detail)

    def _set(self, state: FeedState, detail: str) -> None:
        if (state, detail) != (self.state, self.detail) or state in (FeedState.UNREACHABLE, FeedState.FAILED):
            self.state, self.detail = state, detail
            self.state_changed.emit()
