"""A past situation as it crosses from the store's process: its cases derived there, held here.

The store's process derives the past's cases (``Situation.picture``: most of them found in its
cache of derived versions) and sends them in parts: first the situation without its cases and
other records, then the records, then the cases with their bodies. The console's reader thread
takes each part in as it arrives and holds its cases (the figures and the queue's table are made
here, while the store's process packs the next part: the two processes share the work of a
picture, on two cores). No single part holds the console's interpreter lock for long (unpickling
ten thousand cases in one piece held it for about 100 ms, and the GUI thread waited as long).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterable, Iterator

from console.core.case_state import CaseState
from console.core.situation import Picture, Situation
from console.store.pipes import PROTOCOL
from server_link import records as r
from server_link.district import District

CASES_PER_PART = 1000  # ~10 ms to unpickle and hold on this project's machine
RECORDS_PER_PART = 500  # cameras, decisions, streets, departments: about 5 ms
PAUSE_S = 0.001  # between two parts: the interpreter lock is free for whoever waits for it


def parts(picture: Picture) -> Iterator[bytes]:
    """The picture's parts: the situation (without its district, cases and other records), then
    the records by ``RECORDS_PER_PART``, then the cases with their bodies by ``CASES_PER_PART``."""
    sit = picture.situation
    records, district = sit.records, sit.district
    sit.records = {}
    try:
        yield pickle.dumps(("situation", sit.detached()), PROTOCOL)
    finally:
        sit.records = records
        sit.attach(district)
    items = list(records.items())
    for i in range(0, len(items), RECORDS_PER_PART):
        yield pickle.dumps(("records", dict(items[i : i + RECORDS_PER_PART])), PROTOCOL)
    held = list(picture.cases.items())
    for i in range(0, len(held), CASES_PER_PART):
        chunk = dict(held[i : i + CASES_PER_PART])
        yield pickle.dumps(("cases", chunk, {no: picture.bodies[no] for no in chunk}), PROTOCOL)


class Unpacker:
    """Takes in the parts of one picture, in order, as they arrive."""

    def __init__(self, district: District, pause: float = PAUSE_S) -> None:
        self.district = district
        self.pause = pause
        self.parts = 0
        self._situation: Situation | None = None

    def take(self, part: bytes) -> None:
        if self.parts:
            time.sleep(self.pause)
        kind, *content = pickle.loads(part)
        if kind == "situation" and self._situation is None:
            self._situation = content[0]
        elif self._situation is None:
            raise ValueError(f"a part of a situation ({kind!r}) came before the situation itself")
        elif kind == "records":
            records: dict[str, r.Record] = content[0]
            self._situation.records.update(records)
        elif kind == "cases":
            cases: dict[str, CaseState] = content[0]
            self._situation.hold_cases(cases, content[1])
            self._situation.table.flush()  # the table's columns written here, not by the GUI thread's first read
        else:
            raise ValueError(f"not a part of a situation: {kind!r}")
        self.parts += 1

    def situation(self) -> Situation:
        """The whole situation, its district attached (after the last part)."""
        if self._situation is None:
            raise ValueError("no part of a situation was received")
        self._situation.attach(self.district)
        return self._situation


def unpack(received: Iterable[bytes], district: District, pause: float = PAUSE_S) -> Situation:
    """The situation from all its parts at once."""
    unpacker = Unpacker(district, pause)
    for part in received:
        unpacker.take(part)
    return unpacker.situation()
