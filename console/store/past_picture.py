"""A past situation as it crosses from the store's process: made there, held as columns, sent in parts.

The store's process builds the past with its cases held as columns only (``Store.situation_at``:
a checkpoint's derived columns and the journal after it; the figures computed over the table at
once) and sends the situation in parts: first the situation with its table's numeric columns,
without its other records or the table's per-row texts; then the records; then the rows' case
numbers, titles and returning departments. The
console's reader thread takes each part in as it arrives. No single part holds the console's
interpreter lock for long (unpickling ten thousand case objects in one piece held it for about
100 ms, and the GUI thread waited as long); a past situation holds no object per case.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterable, Iterator

import msgspec

from console.core.situation import Situation
from console.store.pipes import PROTOCOL
from server_link import records as r
from server_link.district import District

ROWS_PER_PART = 20_000  # the rows' texts: ~10 ms to unpickle on this project's machine
RECORDS_PER_PART = 500  # cameras, decisions, streets, departments: about 5 ms
PAUSE_S = 0.001  # between two parts: the interpreter lock is free for whoever waits for it
_TEXTS = msgspec.msgpack.Encoder()
_TEXTS_DECODER = msgspec.msgpack.Decoder(tuple[list[str | None], list[str], list[tuple[str, ...]]])


def parts(sit: Situation, rows_per_part: int = ROWS_PER_PART) -> Iterator[bytes]:
    """The parts of a situation held as columns: the situation (without its district, records and
    the table's texts), the records by ``RECORDS_PER_PART``, the table's texts by ``rows_per_part``."""
    records, district, table, fetch_body = sit.records, sit.district, sit.table, sit.fetch_body
    texts = table.nos, table.titles, table.returned_by
    sit.records, sit.fetch_body = {}, None  # the receiver fetches bodies its own way
    table.nos, table.titles, table.returned_by = [], [], []
    try:
        yield pickle.dumps(("situation", sit.detached(), len(texts[0])), PROTOCOL)
    finally:
        sit.records, sit.fetch_body = records, fetch_body
        table.nos, table.titles, table.returned_by = texts
        sit.attach(district)
    items = list(records.items())
    for i in range(0, len(items), RECORDS_PER_PART):
        yield pickle.dumps(("records", dict(items[i : i + RECORDS_PER_PART])), PROTOCOL)
    for i in range(0, len(texts[0]), rows_per_part):  # msgpack: about twice as fast as pickle for these
        yield pickle.dumps(("rows", _TEXTS.encode(tuple(x[i : i + rows_per_part] for x in texts))), PROTOCOL)


class Unpacker:
    """Takes in the parts of one picture, in order, as they arrive."""

    def __init__(self, district: District, pause: float = PAUSE_S) -> None:
        self.district = district
        self.pause = pause
        self.parts = 0
        self._situation: Situation | None = None
        self._rows = 0  # how many rows the table has texts for

    def take(self, part: bytes) -> None:
        if self.parts:
            time.sleep(self.pause)
        kind, *content = pickle.loads(part)
        if kind == "situation" and self._situation is None:
            self._situation, self._rows = content
        elif self._situation is None:
            raise ValueError(f"a part of a situation ({kind!r}) came before the situation itself")
        elif kind == "records":
            records: dict[str, r.Record] = content[0]
            self._situation.records.update(records)
        elif kind == "rows":
            table = self._situation.table
            nos, titles, returned_by = _TEXTS_DECODER.decode(content[0])
            table.nos += nos
            table.titles += titles
            table.returned_by += returned_by
        else:
            raise ValueError(f"not a part of a situation: {kind!r}")
        self.parts += 1

    def situation(self) -> Situation:
        """The whole situation, its district attached (after the last part)."""
        if self._situation is None:
            raise ValueError("no part of a situation was received")
        table = self._situation.table
        if not len(table.nos) == len(table.titles) == len(table.returned_by) == self._rows:
            raise ValueError(f"the rows' texts of {len(table.nos)} of {self._rows} rows were received")
        table.reindex()
        self._situation.attach(self.district)
        return self._situation


def unpack(received: Iterable[bytes], district: District, pause: float = PAUSE_S) -> Situation:
    """The situation from all its parts at once."""
    unpacker = Unpacker(district, pause)
    for part in received:
        unpacker.take(part)
    return unpacker.situation()
