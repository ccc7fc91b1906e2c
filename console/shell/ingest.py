"""Applying the link's batches to the situation in slices, so no turn of the event loop runs long.

Live updates wait keyed by record (CHP is a key → value map: the picture needs each key's newest
value, not every value it passed through — the store journals them all), and are applied a slice at
a time, as many slices per turn as fit the time budget; the event loop runs between turns (timers,
input, repaints). So a burst the GUI thread cannot follow costs at most one application per key, and
the wait never grows past the number of keys. A whole new picture — the link's snapshot, or the last
known state loaded from the store — is built into a fresh situation beside the one on show, which
stays painted until the new one takes over in one step.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QTimer, Signal

from console.core.history import HeldByDepartment
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
    held: HeldByDepartment | None  # the sparklines' past, built with the picture
    sequence: int = 0
    epoch: str = ""
    done: int = 0
    received: float | None = None  # a snapshot's: when the link had it whole (time.monotonic)


class Ingest(QObject):
    """Feeds ``situation`` from batches and stored pictures; hands each applied slice's changes on.

    Signals:
        progressed(str, int, int): a build's name ("snapshot", "last_known"), records done, total;
            emitted as it goes and once with done == total when the new picture takes over.

    With ``history_step_s``, a build also gathers, slice by slice, the open cases each department
    held over the last 24 hours (from the cases' timelines, sampled every ``history_step_s``):
    ``held_history`` holds it for the picture last taken over.
    """

    progressed = Signal(str, int, int)

    def __init__(
        self,
        situation: Situation,
        changed: Callable[[ChangeSet], None],
        *,
        budget_ms: float = 8.0,
        slice_size: int = 25,
        history_step_s: float | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.situation = situation
        self._changed = changed
        self._budget_s = budget_ms / 1000
        self._slice = slice_size
        self._clock = clock
        self._history_step_s = history_step_s
        self.held_history: dict[str, npt.NDArray[np.int64]] = {}
        self._builds: deque[_Build] = deque()
        self._waiting: dict[str, Update] = {}  # live updates by key, each key's newest only
        self._sequence, self._epoch = 0, ""  # of the newest live batch received
        self._arrivals: deque[tuple[int, float]] = deque()  # live batches not wholly applied: (sequence, received)
        self.coalesced = 0  # live updates replaced by a newer one for the same key before being applied
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run)

    # ------------------------------------------------------------------ input
    def add(self, batch: Batch) -> None:
        """A batch from the link, in sequence order; a reset batch (snapshot) replaces everything."""
        if batch.reset:  # whatever still waits (live, stored, an older snapshot) is superseded
            self._builds.clear()
            self._waiting.clear()
            self._arrivals.clear()
            self._builds.append(self._build("snapshot", iter(batch.updates), len(batch.updates), batch))
        else:
            waiting = self._waiting
            before = len(waiting)
            for u in batch.updates:
                waiting.pop(u.key, None)  # re-inserted at the end: keys are applied oldest change first
                waiting[u.key] = u
            self.coalesced += before + len(batch.updates) - len(waiting)
            self._sequence, self._epoch = batch.sequence, batch.epoch
            if batch.updates and batch.received is not None:
                self._arrivals.append((batch.sequence, batch.received))
        self._timer.start()

    def load(self, bodies: Mapping[str, bytes], saved_at: float) -> None:
        """Paint the store's last known state (marked as such) until the link's snapshot replaces it."""
        if not bodies:
            return
        job = self._build("last_known", _decoded(bodies.items()), len(bodies), None)
        job.fresh.provenance, job.fresh.as_of = Provenance.LAST_KNOWN, saved_at
        self._builds.append(job)
        self._timer.start()

    @property
    def backlog(self) -> int:
        """Records received but not applied yet (live keys waiting, and what builds still have to do)."""
        return len(self._waiting) + sum(j.total - j.done for j in self._builds)

    def behind_since(self) -> float | None:
        """When the oldest update not yet on show arrived (``time.monotonic``), or None when none waits.

        Waiting live keys are kept in the order of their last change, so the first holds the
        oldest sequence still to apply; a batch all of whose updates are older is wholly applied.
        """
        if not self._waiting:
            self._arrivals.clear()
        else:
            oldest = next(iter(self._waiting.values())).sequence
            while self._arrivals and self._arrivals[0][0] < oldest:
                self._arrivals.popleft()
        since = [j.received for j in self._builds if j.received is not None]
        if self._arrivals:
            since.append(self._arrivals[0][1])
        return min(since, default=None)

    def drain(self) -> None:
        """Apply everything waiting now, whatever it takes (tests, screenshots, shutdown)."""
        while self._busy():
            self._step()
        self._timer.stop()

    # ------------------------------------------------------------------ work
    def _build(self, what: str, updates: Iterator[Update], total: int, batch: Batch | None) -> _Build:
        sit = self.situation
        fresh = Situation(sit.district, calendar=sit.calendar, rules=sit.rules, keep_bodies=sit.keep_bodies)
        step = self._history_step_s
        held = HeldByDepartment(self._clock(), step_s=step) if step is not None else None
        job = _Build(what, updates, total, fresh, held)
        if batch is not None:
            job.sequence, job.epoch, job.received = batch.sequence, batch.epoch, batch.received
        return job

    def _busy(self) -> bool:
        return bool(self._builds or self._waiting)

    def _run(self) -> None:
        deadline = time.perf_counter() + self._budget_s
        while self._busy():
            self._step()  # at least one slice a turn, however small the budget
            if time.perf_counter() >= deadline:
                break
        if self._busy():
            self._timer.start()

    def _step(self) -> None:
        """Apply one slice: of the build under way first (live updates come after its picture)."""
        now = self._clock()
        if not self._builds:
            waiting = self._waiting
            keys = list(islice(waiting, self._slice))
            updates = tuple(waiting.pop(k) for k in keys)
            sequence = self._sequence if not waiting else self.situation.sequence  # complete up to
            self._changed(self.situation.apply(Batch(False, updates, sequence, self._epoch), now))
            return
        job = self._builds[0]
        chunk = tuple(islice(job.updates, self._slice))
        job.done += len(chunk)
        if chunk:
            job.fresh.apply(Batch(False, chunk, job.sequence, job.epoch), now)
            if job.held is not None:
                # the cases the picture took (a record it rejected has no past on show either)
                job.held.add(u.record for u in chunk if isinstance(u.record, r.Case) and u.record.no in job.fresh.cases)
        if chunk and job.done < job.total:
            self.progressed.emit(job.what, job.done, job.total)
            return
        self._builds.popleft()
        job.done = job.total  # bodies that did not decode count as done
        job.fresh.sequence, job.fresh.epoch = job.sequence, job.epoch
        if job.held is not None:
            self.held_history = job.held.result()
        self._changed(self.situation.adopt(job.fresh))
        self.progressed.emit(job.what, job.total, job.total)


def _decoded(items: Iterable[tuple[str, bytes]]) -> Iterator[Update]:
    """Stored (key, body) pairs as updates; bodies that no longer decode are skipped."""
    for key, body in items:
        try:
            yield Update(key, 0, r.decode(key, body), body)
        except r.RecordError:
            continue
