"""Instants to look at something again, at most one per key, earliest first.

A heap where setting a key again replaces its instant (and cancelling drops it): the old entry stays
in the heap until it is popped or the heap is rebuilt, and is skipped. Rebuilt whenever the entries
outnumber the keys by more than twice, the heap holds a bounded number of entries per key however
often the keys are set or cancelled — a case updated ten thousand times a second sets its timer ten
thousand times (the plain heap it replaces held every one of them until its instant passed: days,
for a deadline).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

_SLACK = 64  # entries allowed beyond twice the keys before a rebuild (a small heap is not rebuilt often)


class Timers(Generic[K]):
    """Keyed timers; see the module docstring. Plain data: it pickles with what holds it."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, K]] = []
        self._at: dict[K, float] = {}  # each key's one instant that counts

    def __len__(self) -> int:
        return len(self._at)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timers) and self._at == other._at

    def entries(self) -> int:
        """How many entries the heap holds (the keys' instants and the replaced ones not yet dropped)."""
        return len(self._heap)

    def at(self, key: K) -> float | None:
        return self._at.get(key)

    def set(self, key: K, when: float) -> None:
        """Look at ``key`` again at ``when`` (and no longer at the instant it had)."""
        if self._at.get(key) == when:
            return  # most sets: the same instant again
        self._at[key] = when
        heapq.heappush(self._heap, (when, key))
        self._compact()

    def cancel(self, key: K) -> None:
        if self._at.pop(key, None) is not None:
            self._compact()

    def _compact(self) -> None:
        """Rebuild the heap from the keys' instants once the replaced and cancelled entries
        outnumber them twice over (amortized: at most one rebuild per ``len`` changes)."""
        if len(self._heap) > 2 * len(self._at) + _SLACK:
            self._heap = [(w, k) for k, w in self._at.items()]
            heapq.heapify(self._heap)

    def due(self, now: float) -> Iterator[K]:
        """The keys whose instant is ``now`` or earlier, earliest first; each is taken off before it
        is given, so it can be set again meanwhile (to an instant after ``now``)."""
        while self._heap and self._heap[0][0] <= now:  # read afresh: a set meanwhile may rebuild the heap
            when, key = heapq.heappop(self._heap)
            if self._at.get(key) == when:
                del self._at[key]
                yield key
