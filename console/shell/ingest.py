"""Applying the link's batches to the situation in slices, so no turn of the event loop runs long.

A live batch is applied a slice at a time, as many slices per turn as fit the time budget; the event
loop runs between turns (timers, input, repaints), and batches wait their turn in order. A whole new
picture — the link's snapshot, or the last known state loaded from the store — is built into a fresh
situation beside the one on show, which stays painted until the new one takes over in one step.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.situation import ChangeSet, Provenance, Situation
from server_link import records as r
from server_link.link_state import Batch, Update


@dataclass
class _Build:
    """A new picture being built beside the one on show."""

    what: str  # "snapshot" or "last_known"
    updates: Iterator[Update]
    total: int
    fresh: Situation
    sequence: int = 0
    epoch: str = ""
    done: int = 0


@dataclass
class _Live:
    batch: Batch
    done: int = 0


class Ingest(QObject):
    """Feeds ``situation`` from batches and stored pictures; hands each applied slice's changes on.

    Signals:
        progressed(str, int, int): a build's name ("snapshot", "last_known"), records done, total;
            emitted as it goes and once with done == total when the new picture takes over.
    """

    progressed = Signal(str, int, int)

    def __init__(
        self,
        situation: Situation,
        changed: Callable[[ChangeSet], None],
        *,
        budget_ms: float = 12.0,
        slice_size: int = 100,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.situation = situation
        self._changed = changed
        self._budget_s = budget_ms / 1000
        self._slice = slice_size
        self._clock = clock
        self._jobs: deque[_Live | _Build] = deque()
        self._backlog = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run)

    # ------------------------------------------------------------------ input
    def add(self, batch: Batch) -> None:
        """A batch from the link, in sequence order; a reset batch (snapshot) replaces everything."""
        if batch.reset:  # it replaces everything: whatever still waits (live, stored, older snapshot) goes
            self._jobs.clear()
            self._backlog = len(batch.updates)
            self._jobs.append(self._build("snapshot", iter(batch.updates), len(batch.updates), batch))
        else:
            self._jobs.append(_Live(batch))
            self._backlog += len(batch.updates)
        self._timer.start()

    def load(self, bodies: Mapping[str, bytes], saved_at: float) -> None:
        """Paint the store's last known state (marked as such) until the link's snapshot replaces it."""
        if not bodies:
            return
        job = self._build("last_known", _decoded(bodies.items()), len(bodies), None)
        job.fresh.provenance, job.fresh.as_of = Provenance.LAST_KNOWN, saved_at
        self._jobs.append(job)
        self._backlog += len(bodies)
        self._timer.start()

    @property
    def backlog(self) -> int:
        """Updates received but not applied yet."""
        return self._backlog

    def drain(self) -> None:
        """Apply everything waiting now, whatever it takes (tests, screenshots, shutdown)."""
        while self._jobs:
            self._step()
        self._timer.stop()

    # ------------------------------------------------------------------ work
    def _build(self, what: str, updates: Iterator[Update], total: int, batch: Batch | None) -> _Build:
        sit = self.situation
        fresh = Situation(sit.district, calendar=sit.calendar, rules=sit.rules, keep_bodies=sit.keep_bodies)
        job = _Build(what, updates, total, fresh)
        if batch is not None:
            job.sequence, job.epoch = batch.sequence, batch.epoch
        return job

    def _run(self) -> None:
        deadline = time.perf_counter() + self._budget_s
        while self._jobs:
            self._step()  # at least one slice a turn, however small the budget
            if time.perf_counter() >= deadline:
                break
        if self._jobs:
            self._timer.start()

    def _step(self) -> None:
        """Apply one slice of the oldest job."""
        job = self._jobs[0]
        now = self._clock()
        if isinstance(job, _Live):
            updates = job.batch.updates[job.done : job.done + self._slice]
            job.done += len(updates)
            last = job.done >= len(job.batch.updates)
            sequence = job.batch.sequence if last else updates[-1].sequence
            self._changed(self.situation.apply(Batch(False, updates, sequence, job.batch.epoch), now))
            self._backlog -= len(updates)
            if last:
                self._jobs.popleft()
            return
        chunk = tuple(islice(job.updates, self._slice))
        job.done += len(chunk)
        self._backlog -= len(chunk)
        if chunk:
            job.fresh.apply(Batch(False, chunk, job.sequence, job.epoch), now)
        if chunk and job.done < job.total:
            self.progressed.emit(job.what, job.done, job.total)
            return
        self._jobs.popleft()
        self._backlog -= job.total - job.done  # bodies that did not decode
        job.fresh.sequence, job.fresh.epoch = job.sequence, job.epoch
        self._changed(self.situation.adopt(job.fresh))
        self.progressed.emit(job.what, job.total, job.total)


def _decoded(items: Iterable[tuple[str, bytes]]) -> Iterator[Update]:
    """Stored (key, body) pairs as updates; bodies that no longer decode are skipped."""
    for key, body in items:
        try:
            yield Update(key, 0, r.decode(key, body), body)
        except r.RecordError:
            continue
