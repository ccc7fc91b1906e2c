"""Malformed input of every kind is rejected and counted, and the link keeps running."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import msgspec
import pytest
import zmq

from server_link import chp
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from tests.support.link import case, following, item


class RawServer:
    """A hand-driven CHP server: answers ICANHAZ? with an empty snapshot, publishes raw frames."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.ctx = zmq.Context.instance()
        self.pub = self.ctx.socket(zmq.PUB)
        self.pub.linger = 0
        self.pub.bind(endpoints.updates)
        self.sequence = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._answer_snapshots, args=(endpoints,))
        self._thread.start()

    def _answer_snapshots(self, endpoints: Endpoints) -> None:
        router = self.ctx.socket(zmq.ROUTER)
        router.linger = 0
        router.bind(endpoints.snapshot)
        while not self._stop.is_set():
            if router.poll(50):
                identity, *_ = router.recv_multipart()
                props = chp.encode_properties({"epoch": "e1"})
                router.send_multipart([identity, b"KTHXBAI", chp.encode_sequence(0), b"", props, b"/"])
        router.close()

    def send(self, *frames: bytes) -> None:
        self.pub.send_multipart(list(frames))

    def kvpub(self, key: str | bytes, body: bytes) -> None:
        self.sequence += 1
        raw_key = key.encode() if isinstance(key, str) else key
        self.send(raw_key, chp.encode_sequence(self.sequence), b"", b"", body)

    def hugz(self) -> None:
        self.send(b"HUGZ", chp.encode_sequence(self.sequence), b"", chp.encode_properties({"epoch": "e1"}), b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.pub.close()


@pytest.fixture
def raw(endpoints: Endpoints) -> Iterator[RawServer]:
    srv = RawServer(endpoints)
    yield srv
    srv.close()


def test_every_kind_of_malformed_input_is_rejected_and_counted(raw: RawServer, endpoints: Endpoints) -> None:
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
