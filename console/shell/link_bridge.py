"""The only bridge from the link into Qt: the agent thread emits, the GUI thread receives."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from server_link.agent import LinkClient, LinkConfig
from server_link.link_state import Batch, LinkStats


class LinkBridge(QObject):
    """Qt adapter of ``LinkClient``: its sink, re-emitting each call as a signal.

    The agent calls ``deliver_*`` from its own thread; receivers live in the GUI thread, so
    Qt queues each emission (one per batch, at most every ``batch_interval``).

    Signals:
        batch_received(Batch): decoded updates in sequence order (``reset`` for a snapshot).
        state_changed(LinkStats): the link went CONNECTING/SYNCING/LIVE/STALE/STOPPED.
        stats_updated(LinkStats): periodic statistics (twice a second by default).
    """

    batch_received = Signal(object)
    state_changed = Signal(object)
    stats_updated = Signal(object)

    def __init__(self, config: LinkConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = LinkClient(config, self)

    def start(self) -> None:
        self._client.start()

    def stop(self) -> None:
        self._client.stop()

    def send(self, key: str, body: bytes, ttl: float | None = None) -> None:
        self._client.send(key, body, ttl)

    def resync(self) -> None:
        self._client.resync()

    def stats(self) -> LinkStats:
        return self._client.stats()

    # LinkSink, called in the agent thread ---------------------------------
    def deliver_batch(self, batch: Batch) -> None:
        self.batch_received.emit(batch)

    def deliver_state(self, stats: LinkStats) -> None:
        self.state_changed.emit(stats)

    def deliver_stats(self, stats: LinkStats) -> None:
        self.stats_updated.emit(stats)
