"""A past situation as it crosses from the store's process: pickled in parts, sent one by one and
taken in as they come. Unpickling ten thousand cases in one piece held the console's interpreter
lock for about 100 ms, and the GUI thread (which needs it to paint) waited as long; between two
parts it runs. And the parts overlap: the console takes in one while the store pickles the next.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterable, Iterator

from console.core.situation import Situation
from console.store.pipes import PROTOCOL
from server_link.district import District

CASES_PER_PART = 1000  # 3–5 ms to unpickle on this project's machine
RECORDS_PER_PART = 500  # cameras, decisions, streets, departments: about 5 ms
PAUSE_S = 0.001  # between two parts: the interpreter lock is free for whoever waits for it


def pack(situation: Situation) -> Iterator[bytes]:
    """The situation's parts: first what is left when its cases, their bodies and its other records
    are taken out; then the records; then the cases with their bodies."""
    situation.table.flush()  # no pending rows, which would drag every case into the first part
    cases, bodies, records = situation.cases, situation.bodies, situation.records
    situation.cases, situation.bodies, situation.records = {}, {}, {}
    try:
        head = pickle.dumps(situation.detached(), PROTOCOL)
    finally:
        situation.cases, situation.bodies, situation.records = cases, bodies, records
    yield head
    items = list(records.items())
    for i in range(0, len(items), RECORDS_PER_PART):
        yield pickle.dumps(("records", dict(items[i : i + RECORDS_PER_PART])), PROTOCOL)
    held = list(cases.items())
    for i in range(0, len(held), CASES_PER_PART):
        chunk = dict(held[i : i + CASES_PER_PART])
        yield pickle.dumps(("cases", chunk, {no: bodies[no] for no in chunk if no in bodies}), PROTOCOL)


class Unpacker:
    """Takes in the parts of one situation, in order, as they arrive."""

    def __init__(self, district: District, pause: float = PAUSE_S) -> None:
        self.district = district
        self.pause = pause
        self.parts = 0
        self._situation: Situation | None = None

    def take(self, part: bytes) -> None:
        if self._situation is None:
            self._situation = pickle.loads(part)
        else:
            time.sleep(self.pause)
            kind, *content = pickle.loads(part)
            if kind == "records":
                self._situation.records.update(content[0])
            else:
                self._situation.take_cases(*content)
        self.parts += 1

    def situation(self) -> Situation:
        """The whole situation, its district attached (after the last part)."""
        if self._situation is None:
            raise ValueError("no part of a situation was received")
        self._situation.attach(self.district)
        return self._situation


def unpack(parts: Iterable[bytes], district: District, pause: float = PAUSE_S) -> Situation:
    """The situation from all its parts at once."""
    unpacker = Unpacker(district, pause)
    for part in parts:
        unpacker.take(part)
    return unpacker.situation()
