"""A plain-Python ``LinkSink`` that mirrors the server's hashmap: for tools and tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from server_link import chp
from server_link.link_state import Batch, LinkState, LinkStats
from server_link.records import Record


class Mirror:
    """Keeps key → (body, record) as batches arrive, and lets other threads wait on it."""

    def __init__(self, on_batch: Callable[[Batch], None] | None = None) -> None:
        self.bodies: dict[str, bytes] = {}
        self.records: dict[str, Record] = {}
        self.sequence = 0
        self.epoch = ""
        self.batches = 0
        self.resets = 0
        self.states: list[LinkState] = []
        self.stats: LinkStats | None = None
        self._on_batch = on_batch
        self._cond = threading.Condition()

    # LinkSink --------------------------------------------------------------
    def deliver_batch(self, batch: Batch) -> None:
        with self._cond:
            if batch.reset:
                self.bodies.clear()
                self.records.clear()
                self.resets += 1
            for u in batch.updates:
                if u.record is None:
                    self.bodies.pop(u.key, None)
                    self.records.pop(u.key, None)
                else:
                    self.bodies[u.key] = u.body
                    self.records[u.key] = u.record
            self.sequence = batch.sequence
            self.epoch = batch.epoch
            self.batches += 1
            if self._on_batch is not None:
                self._on_batch(batch)
            self._cond.notify_all()

    def deliver_state(self, stats: LinkStats) -> None:
        with self._cond:
            self.states.append(stats.state)
            self.stats = stats
            self._cond.notify_all()

    def deliver_stats(self, stats: LinkStats) -> None:
        with self._cond:
            self.stats = stats
            self._cond.notify_all()

    def backlog_bytes(self) -> int:
        return 0  # batches are taken as they come

    # waiting ---------------------------------------------------------------
    def wait_for(self, predicate: Callable[[Mirror], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds (checked under the lock) or the time runs out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    @property
    def state(self) -> LinkState | None:
        return self.states[-1] if self.states else None

    def digest(self) -> str:
        with self._cond:
            return chp.map_digest(self.bodies.items())
