"""A scripted, reproducible feed of valid records for ``grid-link serve``, tests and benchmarks.

It is not the district simulator: cases walk the seven steps straight through, one step per
update, with no calendar. It keeps the page's content rules all the same (docs/protocol.md §11.3:
each step reached by its action; channel, category and department ids from docs/reference), so
that ``grid-link conform`` passes it. It exists so the link can be exercised at any rate with real
records.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import msgspec

from server_link import records as r
from server_link.server import ChpServer

STREETS = (
    "东华门", "景山", "交道口", "安定门", "北新桥", "东四", "朝阳门", "建国门", "东直门",
    "和平里", "前门", "崇文门外", "东花市", "龙潭", "体育馆路", "天坛", "永定门外",
)  # fmt: skip
STREET_AREAS = (
    5.35, 1.64, 1.45, 1.76, 2.62, 1.53, 1.24, 2.70, 2.07, 5.02, 1.10, 1.10, 2.00, 3.06, 1.84, 4.03, 3.33,
)  # fmt: skip
_CHANNELS = ("ch-12345", "ch-96010", "ch-wechat", "ch-patrol")  # docs/reference/channels.csv
_CATEGORY = "E010102"  # docs/reference/categories.csv
_DEPT = "d-cgzf"  # docs/reference/departments.csv
_STEPS = list(r.Step)
# The action that takes a case to each step (docs/protocol.md §11.3).
_ACTION = {
    r.Step.FILED: r.Action.FILE,
    r.Step.DISPATCHED: r.Action.DISPATCH,
    r.Step.HANDLING: r.Action.ACCEPT,
    r.Step.FEEDBACK: r.Action.FEEDBACK,
    r.Step.CLOSED: r.Action.CLOSE,
    r.Step.EVALUATED: r.Action.EVALUATE,
}


class ScriptedFeed:
    """Yields (key, body) pairs: first the reference records, then an endless stream of case
    updates over ``cases`` case numbers. The same ``seed`` gives the same stream."""

    def __init__(self, cases: int = 5000, seed: int = 1, start: datetime | None = None) -> None:
        self.cases = cases
        self.rng = random.Random(seed)
        self.clock = start or datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
        self._state: dict[int, r.Case] = {}

    def reference(self) -> list[tuple[str, bytes]]:
        """The 17 streets, as records, named by their full name (the ``name`` column of
        docs/reference/streets.csv: the short name and 街道)."""
        out = []
        for i, (name, area) in enumerate(zip(STREETS, STREET_AREAS, strict=True), start=1):
            rec = r.Street(schema=1, code=f"110101{i:03d}", name=f"{name}街道", area_km2=area, escalation_limit=0.15)
            out.append((r.key_of(rec), r.encode(rec)))
        return out

    def updates(self) -> Iterator[tuple[str, bytes]]:
        while True:
            yield self.next_update()

    def next_update(self) -> tuple[str, bytes]:
        self.clock += timedelta(seconds=self.rng.random() * 2)
        n = self.rng.randrange(self.cases)
        case = self._state.get(n)
        case = self._new_case(n) if case is None or case.step is r.Step.EVALUATED else self._advance(case)
        self._state[n] = case
        return r.key_of(case), r.encode(case)

    def _new_case(self, n: int) -> r.Case:
        street = self.rng.randrange(1, 18)
        grid = f"110101{street:03d}{self.rng.randrange(1, 12):03d}{self.rng.randrange(1, 200):03d}"
        event = r.Event(at=self.clock, step=r.Step.COLLECTED, action=r.Action.COLLECT, actor="feed")
        return r.Case(
            schema=1,
            no=f"F{n:09d}",
            channel=self.rng.choice(_CHANNELS),
            category=_CATEGORY,
            title=f"scripted case {n}",
            lon=116.39 + self.rng.random() * 0.05,
            lat=39.86 + self.rng.random() * 0.11,
            unit_grid=grid,
            street=grid[:9],
            step=r.Step.COLLECTED,
            loop=r.Loop.SMALL,
            received_at=self.clock,
            step_at=self.clock,
            timeline=[event],
        )

    def _advance(self, case: r.Case) -> r.Case:
        step = _STEPS[_STEPS.index(case.step) + 1]
        event = r.Event(at=self.clock, step=step, action=_ACTION[step], dept=_DEPT, actor="feed")
        timeline = [*case.timeline, event]
        return msgspec.structs.replace(case, step=step, step_at=self.clock, dept=_DEPT, timeline=timeline)


class FeedPump:
    """A thread that publishes a feed's updates into a server at ``rate`` per second."""

    def __init__(self, server: ChpServer, feed: ScriptedFeed, rate: float, count: int = 0) -> None:
        self.server = server
        self.feed = feed
        self.rate = rate
        self.count = count
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-pump", daemon=True)

    def start(self) -> FeedPump:
        self.server.publish_many(self.feed.reference())
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(0.01):
            due = int((time.monotonic() - started) * self.rate) - self.sent
            if self.count:
                due = min(due, self.count - self.sent)
            if due > 0:
                self.server.publish_many([self.feed.next_update() for _ in range(due)])
                self.sent += due
