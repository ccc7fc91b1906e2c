"""The only bridge from the link into Qt: the agent thread emits, the GUI thread receives."""

from __future__ import annotations

import threading
from collections import deque

from PySide6.QtCore import QObject, Qt, Signal, Slot

from server_link.agent import LinkClient, LinkConfig
from server_link.link_state import Batch, LinkStats


class LinkBridge(QObject):
    """Qt adapter of ``LinkClient``: its sink, re-emitting each call as a signal.

    The agent calls ``deliver_*`` from its own thread; receivers live in the GUI thread, so
    Qt queues each emission (one per batch, at most every ``batch_interval``). Batches cross
    through the bridge's own queued slot, so it knows what is still in Qt's queue: its bytes (the
    agent's budget for what the owner has not taken) and when its oldest update arrived (how far
    the wall is behind).

    Signals:
        batch_received(Batch): decoded updates in sequence order (``reset`` for a snapshot).
        state_changed(LinkStats): the link went CONNECTING/SYNCING/LIVE/STALE/STOPPED.
        stats_updated(LinkStats): periodic statistics (twice a second by default).
    """

    batch_received = Signal(object)
    state_changed = Signal(object)
    stats_updated = Signal(object)
    _crossed = Signal(object)  # agent thread → this object's thread (queued)

    def __init__(self, config: LinkConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._in_flight: deque[Batch] = deque()
        self._in_flight_bytes = 0
        self._crossed.connect(self._on_crossed, Qt.ConnectionType.QueuedConnection)
        self._client = LinkClient(config, self)

    def start(self) -> None:
        self._client.start()

    def stop(self) -> None:
        self._client.stop()

    def send(self, key: str, body: bytes, ttl: float | None = None, *, uuid: bytes | None = None) -> None:
        self._client.send(key, body, ttl, uuid=uuid)

    def resync(self) -> None:
        self._client.resync()

    def stats(self) -> LinkStats:
        return self._client.stats()

    def in_flight(self) -> tuple[int, float | None]:
        """Updates delivered but not yet received by the GUI thread, and when the oldest arrived."""
        with self._lock:
            updates = sum(len(b.updates) for b in self._in_flight)
            return updates, (self._in_flight[0].received if self._in_flight else None)

    # LinkSink, called in the agent thread ---------------------------------
    def deliver_batch(self, batch: Batch) -> None:
        with self._lock:
            self._in_flight.append(batch)
            self._in_flight_bytes += batch.nbytes
        self._crossed.emit(batch)

    def deliver_state(self, stats: LinkStats) -> None:
        self.state_changed.emit(stats)

    def deliver_stats(self, stats: LinkStats) -> None:
        self.stats_updated.emit(stats)

    def backlog_bytes(self) -> int:
        with self._lock:
            return self._in_flight_bytes

    # GUI thread ------------------------------------------------------------
    @Slot(object)
    def _on_crossed(self, batch: Batch) -> None:
        with self._lock:
            if self._in_flight and self._in_flight[0] is batch:
                self._in_flight.popleft()
                self._in_flight_bytes -= batch.nbytes
        self.batch_received.emit(batch)
