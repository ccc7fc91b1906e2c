"""The journal's bodies, compressed with a Zstandard dictionary trained on the district's own records.

A case record is ~1.2 KB of JSON, and the journal keeps every version of it: at 10,000 updates/s the
journal grew by ~1.7 KiB per update. Each body compressed on its own is only ~2× smaller (a short
record has little to repeat within itself), but a dictionary trained on the store's own records makes
them ~6–7× smaller and compresses them faster (measured on a week of the simulator's history: 1,240 B
→ 180 B a body, 8 µs to compress and 4 µs to open, against 27 µs and ~2× without a dictionary).

The writer trains one dictionary from the state it holds once that has ``TRAIN_AT`` bodies
(``maybe_train``), stores it in ``journal_dictionaries`` in the same transaction as the first rows
compressed with it, and compresses every body after that. A stored body is either raw (written
before the dictionary, or by a build without it: a record's JSON never starts with Zstandard's magic
number) or a Zstandard frame that names its dictionary by id; readers open both (``opener``), loading
a dictionary from the table the first time a frame names it. An empty body (a delete) stays empty.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Final

import zstandard
from sqlalchemy import Connection, insert, select

from console.store.schema import JournalDictionary

log = logging.getLogger(__name__)

MAGIC: Final = b"\x28\xb5\x2f\xfd"
TRAIN_AT: Final = 1_000  # bodies held before a dictionary is trained from them
SAMPLES: Final = 5_000  # at most this many of them, evenly spread (0.5 s to train; more gains ~4 %)
SIZE: Final = 64 * 1024
LEVEL: Final = 3
_D = JournalDictionary.__table__.c


class DamagedBody(ValueError):
    """A stored body that cannot be opened: a damaged frame, or a dictionary the store does not hold."""


class JournalBodies:
    """One store's dictionaries: compresses the bodies it writes, opens the bodies it reads.

    The writer thread is the only one that trains and compresses; readers only open. Opening from
    several threads is safe: each reader takes an ``opener`` of its own.
    """

    def __init__(self) -> None:
        self._compressor: zstandard.ZstdCompressor | None = None
        self._dictionaries: dict[int, zstandard.ZstdCompressionDict] = {}
        self._new: tuple[int, bytes, int] | None = None  # trained, not yet stored: (id, data, samples)
        self._train_at = TRAIN_AT

    @property
    def compressing(self) -> bool:
        return self._compressor is not None

    def load_current(self, conn: Connection) -> None:
        """Compress with the store's newest dictionary, if it has one (at start)."""
        row = conn.execute(select(_D.id, _D.data).order_by(_D.created_at.desc(), _D.id.desc()).limit(1)).first()
        if row is not None:
            self._use(int(row.id), bytes(row.data))

    def maybe_train(self, bodies: Collection[bytes]) -> None:
        """Train the store's dictionary from ``bodies`` (the state the writer holds) once there are enough."""
        if self._compressor is not None or len(bodies) < self._train_at:
            return
        step = max(1, len(bodies) // SAMPLES)
        samples: list[bytes | bytearray | memoryview] = []
        samples += [b for i, b in enumerate(bodies) if i % step == 0][:SAMPLES]
        started = time.perf_counter()
        try:
            trained = zstandard.train_dictionary(SIZE, samples)
        except zstandard.ZstdError:  # too little variety to learn from: try again with twice as many
            log.info("journal bodies: no dictionary from %d samples yet", len(samples))
            self._train_at = 2 * len(bodies)
            return
        data = trained.as_bytes()
        self._use(trained.dict_id(), data)
        self._new = (trained.dict_id(), data, len(samples))
        log.info(
            "journal bodies: dictionary %d trained from %d bodies in %.2f s",
            trained.dict_id(),
            len(samples),
            time.perf_counter() - started,
        )

    def store_new(self, conn: Connection) -> None:
        """Insert a dictionary trained since the last call, in the transaction of the first rows using it."""
        if self._new is None:
            return
        dict_id, data, samples = self._new
        known = conn.execute(select(_D.id).where(_D.id == dict_id)).first()
        if known is None:
            row = {"id": dict_id, "created_at": datetime.now(UTC), "samples": samples, "data": data}
            conn.execute(insert(JournalDictionary), row)

    def stored(self) -> None:
        """The transaction that inserted the new dictionary committed."""
        self._new = None

    def forget_new(self) -> None:
        """That transaction failed: stop compressing with a dictionary the database may not hold."""
        if self._new is not None:
            self._dictionaries.pop(self._new[0], None)
            self._compressor, self._new = None, None

    def pack(self, body: bytes) -> bytes:
        """The body as stored: compressed when there is a dictionary (a delete stays empty)."""
        if not body or self._compressor is None:
            return body
        return self._compressor.compress(body)

    def opener(self, conn: Connection) -> Callable[[bytes], bytes]:
        """A function giving the body a stored one holds, for one reader (it keeps a decompressor per
        dictionary: not to be shared between threads); ``conn`` reads dictionaries not met yet."""
        decompressors: dict[int, zstandard.ZstdDecompressor] = {}

        def open_body(stored: bytes) -> bytes:
            if stored[:4] != MAGIC:
                return stored
            try:
                dict_id = zstandard.get_frame_parameters(stored).dict_id
                d = decompressors.get(dict_id)
                if d is None:  # id 0: a frame made without a dictionary
                    dictionary = None if dict_id == 0 else self._dictionaries.get(dict_id) or self._load(dict_id, conn)
                    d = decompressors[dict_id] = zstandard.ZstdDecompressor(dict_data=dictionary)
                return d.decompress(stored)
            except zstandard.ZstdError as exc:
                raise DamagedBody(f"damaged journal body: {exc}") from exc

        return open_body

    def _load(self, dict_id: int, conn: Connection) -> zstandard.ZstdCompressionDict:
        row = conn.execute(select(_D.data).where(_D.id == dict_id)).first()
        if row is None:
            raise DamagedBody(f"a journal body names dictionary {dict_id}, which the store does not hold")
        dictionary = zstandard.ZstdCompressionDict(bytes(row.data))
        self._dictionaries[dict_id] = dictionary
        return dictionary

    def _use(self, dict_id: int, data: bytes) -> None:
        dictionary = zstandard.ZstdCompressionDict(data)
        self._dictionaries[dict_id] = dictionary
        self._compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary)
