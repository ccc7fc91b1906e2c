"""Malformed input of every kind is rejected and counted, and the link keeps running."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from server_link import chp
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from tests.support.link import case, following, item
from tests.support.rogue import RogueServer


@pytest.fixture
def raw(endpoints: Endpoints) -> Iterator[RogueServer]:
    """A hand-driven CHP server: an empty snapshot, then whatever frames the test publishes."""
    srv = RogueServer(endpoints)
    yield srv
    srv.close()


def test_every_kind_of_malformed_input_is_rejected_and_counted(raw: RogueServer, endpoints: Endpoints) -> None:
    with following(endpoints) as (client, mirror):
        assert mirror.wait_for(lambda m: m.state is LinkState.LIVE, 10)
        # PUB drops what it sends before the subscription arrives: heartbeat until one is seen.
        while not mirror.wait_for(lambda m: m.stats is not None and m.stats.heartbeats > 0, 0.1):
            raw.hugz()
        good1, good2 = case(1), case(2, title="<script>alert(1)</script>")
        key1, body1 = item(good1)
        raw.kvpub(key1, body1)
        raw.send(b"/case/DC0000000009", chp.encode_sequence(99), b"", b"")  # four frames
        raw.send(b"/case/DC0000000009", b"\x00\x01\x02", b"", b"", body1)  # sequence not 8 bytes
        raw.kvpub("/case/DC0000000003", b'{"kind": "case", "schema": 1, "no": ')  # invalid JSON
        wrong = msgspec.json.decode(item(case(4))[1])
        wrong["lon"] = "east"
        raw.kvpub("/case/DC0000000004", msgspec.json.encode(wrong))  # wrong type
        future = msgspec.json.decode(item(case(5))[1])
        future["schema"] = 2
        raw.kvpub("/case/DC0000000005", msgspec.json.encode(future))  # unknown schema version
        huge = msgspec.json.decode(item(case(6))[1])
        huge["text"] = "x" * 300_000
        raw.kvpub("/case/DC0000000006", msgspec.json.encode(huge))  # over the body limit
        raw.kvpub("/bogus/thing", body1)  # unknown key space
        raw.kvpub("/case/DC0000000007", body1)  # key disagrees with the record
        raw.kvpub(b"/case/\xff\xfe", body1)  # key not UTF-8
        raw.kvpub("/case/DC0000000008", b"[1, 2, 3]")  # JSON, but not a record
        raw.kvpub(*item(good2))
        raw.hugz()
        assert mirror.wait_for(lambda m: len(m.records) == 2, 10)
        assert mirror.records[key1] == good1
        assert mirror.records["/case/DC0000000002"].title == "<script>alert(1)</script>"
        expected = {"frames": 1, "sequence": 1, "json": 1, "schema": 2, "version": 1, "oversize": 1, "key": 3}
        assert mirror.wait_for(lambda m: m.stats is not None and dict(m.stats.rejects) == expected, 3), mirror.stats
        stats = client.stats()
        assert (stats.state, stats.gaps, stats.resyncs) == (LinkState.LIVE, 0, 0)
        assert stats.last_sequence == raw.sequence
        assert stats.last_reject
