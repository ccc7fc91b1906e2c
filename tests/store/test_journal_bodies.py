"""The journal's bodies compressed with a dictionary trained on the store's own records: smaller on
disk, every past instant still rebuilt exactly (rows from before the dictionary included), the
dictionary kept across a restart, and a body naming a dictionary the store lacks refused by name —
on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import zstandard

from console.store import StoreConfig
from console.store.journal_bodies import MAGIC, TRAIN_AT, DamagedBody, JournalBodies
from tests.store.conftest import Db
from tests.store.test_store import LATER, T0, journal, open_store, url_of
from tests.store_support.batches import Feed, body
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_store_threads")

CASES = TRAIN_AT + 200


def dictionaries(db: Db) -> list[int]:
    engine = sa.create_engine(url_of(db))
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT id FROM journal_dictionaries")]
    finally:
        engine.dispose()


def test_bodies_after_the_dictionary_are_compressed_and_every_instant_is_rebuilt_exactly(db: Db) -> None:
    feed = Feed()
    history = []
    later: list[bytes] = []  # the bodies written after the first picture, in order
    s = open_store(db, StoreConfig(checkpoint_interval=timedelta(hours=1)))
    try:
        # the first picture: the store holds nothing yet, so its rows are written raw
        assert s.submit(feed.reset([body(n) for n in range(1, CASES + 1)], sequence=1), T0)
        assert s.flush(10)  # (a transaction takes all the batches waiting: this one alone)
        history.append((T0, dict(feed.bodies)))
        for i in range(1, 6):  # then every 20 minutes a fifth of the cases change, and one goes
            at = T0 + timedelta(minutes=20 * i)
            items = [body(n, version=i) for n in range(i, CASES + 1, 5)] + [(body(i * 7)[0], b"")]
            assert s.submit(feed.batch(items), at)
            later += [b for _, b in items if b]
            history.append((at, dict(feed.bodies)))
        assert s.flush(20)
        for at, expected in history:
            assert s.state_at(at + timedelta(minutes=1), now=LATER).bodies == expected, at
    finally:
        s.close()

    rows = journal(db)
    raw, packed = rows[:CASES], [r for r in rows[CASES:] if r[3]]
    assert all(not r[3].startswith(MAGIC) for r in raw)
    assert packed and all(r[3].startswith(MAGIC) for r in packed)
    assert len(packed) == len(later)
    assert sum(len(r[3]) for r in packed) * 3 < sum(map(len, later))  # at least three times smaller
    [dict_id] = dictionaries(db)

    # another console on the same database: it compresses with the same dictionary and reads the
    # rows the first one wrote (its dictionaries loaded from the table)
    s = open_store(db)
    try:
        assert s.submit(feed.batch([body(n, version=9) for n in range(1, 50)]), T0 + timedelta(hours=2))
        assert s.flush(10)
        assert s.state_at(T0 + timedelta(hours=2, minutes=1), now=LATER).bodies == feed.bodies
        assert s.state_at(history[3][0], now=LATER).bodies == history[3][1]
    finally:
        s.close()
    assert dictionaries(db) == [dict_id]
    assert all(r[3].startswith(MAGIC) for r in journal(db)[-49:])


def test_a_body_naming_a_dictionary_the_store_lacks_is_refused_by_name(db: Db) -> None:
    feed = Feed()
    samples = [body(n)[1] for n in range(1, CASES + 1)]
    writer = JournalBodies()
    writer.maybe_train(samples)
    assert writer.compressing
    packed = writer.pack(body(3, version=4)[1])
    assert packed.startswith(MAGIC) and writer.pack(b"") == b""
    s = open_store(db)  # a store that never held that dictionary
    try:
        assert s.submit(feed.reset([body(1)], sequence=1), T0)
        assert s.flush(10)
    finally:
        s.close()
    engine = sa.create_engine(url_of(db))
    try:
        with engine.connect() as conn:
            open_body = JournalBodies().opener(conn)
            assert open_body(samples[0]) == samples[0]  # a raw body is itself
            with pytest.raises(DamagedBody, match="does not hold"):
                open_body(packed)
            assert open_body(zstandard.compress(samples[1])) == samples[1]  # a frame made without one
            with pytest.raises(DamagedBody, match="damaged"):
                writer.opener(conn)(packed[:-4] + b"\x00\x00\x00\x00")
    finally:
        engine.dispose()
