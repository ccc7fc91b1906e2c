"""The relay (docs/protocol.md §2.2): followers hold the backend's map with the backend's sequence,
their commands reach the backend and its echo reaches them, restarts on either side end in a re-sync,
and a hostile follower is counted, not fatal. Real ZeroMQ on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import zmq

from server_link import chp, cli
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.endpoints import Endpoints
from server_link.feed import FeedPump, ScriptedFeed
from server_link.mirror import Mirror
from server_link.relay import Relay
from server_link.server import ChpServer
from tests.support.link import T0, case, following, is_live, item, started

NOTE = r.Decision(
    schema=1, case_no="DC2026112700017", n=1, decided_at=T0, action=r.DecisionAction.NOTE, by="王", role="council"
)
KEY, BODY = r.key_of(NOTE), r.encode(NOTE)
VIA = {"push": "pull", "pub": "sub"}  # the collector a sender's socket reaches


def _with(server: ChpServer, items: list[tuple[str, bytes]]) -> ChpServer:
    server.publish_many(items)  # published first, when it starts
    return server


@pytest.fixture
def upstream() -> Endpoints:
    return Endpoints.free_loopback()


@pytest.fixture
def backend(upstream: Endpoints) -> Iterator[ChpServer]:
    srv = ChpServer(upstream).start()
    yield srv
    srv.stop()


@pytest.fixture
def relay(upstream: Endpoints, endpoints: Endpoints, backend: ChpServer) -> Iterator[Relay]:
    rel = Relay(endpoints, LinkConfig(upstream)).start()
    yield rel
    rel.stop()


def _same_as(server: ChpServer) -> tuple[int, str, str]:
    return server.call(lambda s: (s.sequence, s.epoch, chp.map_digest(s.items())))


def _holds(m: Mirror, want: tuple[int, str, str]) -> bool:
    return (m.sequence, m.epoch, chp.map_digest(m.bodies.items())) == want


def test_followers_through_the_relay_hold_the_backends_map_and_sequence(
    backend: ChpServer, relay: Relay, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    pump = FeedPump(backend, ScriptedFeed(cases=500), rate=3000).start()
    with following(endpoints) as (_, a), following(endpoints) as (_, b), following(endpoints) as (_, c):
        try:
            assert all(m.wait_for(is_live, 10) for m in (a, b, c))
            assert cli.main(["probe", "--endpoint", str(endpoints), "--seconds", "1", "--verify"]) == 0
        finally:
            pump.stop()
        want = _same_as(backend)
        for m in (a, b, c):
            assert m.wait_for(lambda m: _holds(m, want), 10), "a follower does not hold the backend's map"
            assert m.stats is not None and m.stats.rejects_total == 0
    assert "VERIFY OK" in capsys.readouterr().out
    assert relay.call(lambda _: (relay.sequence, relay.epoch)) == want[:2]


@pytest.mark.parametrize(("follower", "upwards"), [("push", "pub"), ("pub", "push")])
def test_a_followers_command_reaches_the_backend_and_its_echo_every_follower(
    backend: ChpServer, upstream: Endpoints, endpoints: Endpoints, follower: str, upwards: str
) -> None:
    rel = Relay(endpoints, LinkConfig(upstream, collector=upwards)).start()
    try:
        with following(endpoints, collector=follower, role="council") as (desk, a), following(endpoints) as (_, b):
            assert a.wait_for(is_live, 10) and b.wait_for(is_live, 10)
            desk.send(KEY, BODY)
            for m in (a, b):
                assert m.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10), "no echo through the relay"
        assert rel.call(lambda _: (dict(rel.kvsets_via), rel.kvsets_forwarded)) == ({VIA[follower]: 1}, 1)
    finally:
        rel.stop()
    assert backend.call(lambda s: dict(s.kvsets_via)) == {VIA[upwards]: 1}


def test_the_relay_survives_a_hostile_follower(backend: ChpServer, relay: Relay, endpoints: Endpoints) -> None:
    ctx = zmq.Context.instance()
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoints.collector)
    pub = ctx.socket(zmq.XPUB)
    pub.connect(endpoints.collector_sub)
    assert pub.poll(5000) and pub.recv()[:1] == b"\x01"
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(endpoints.snapshot)
    hostile = [
        [b"garbage"],
        [KEY.encode(), b"\x00", b"", b"role=council\n", BODY],  # a one-byte sequence
        chp.Message(KEY, 0, BODY, {}, uuid.uuid4().bytes).frames(),  # no role
        chp.Message(KEY, 0, b"x" * (r.MAX_BODY_BYTES + 1), {"role": "council"}).frames(),  # over 256 KiB
        chp.Message("/case/DC2026112700017", 0, b"{", {"role": "council"}).frames(),  # not a record
    ]
    for frames in hostile:
        push.send_multipart(frames)
        pub.send_multipart(frames)
    dealer.send_multipart([b"GIMME", b"/"])  # not a CHP request: ignored
    big = ctx.socket(zmq.PUSH)
    big.connect(endpoints.collector)
    big.send_multipart([KEY.encode(), b"\x00" * 8, b"", b"role=council\n", b"x" * (2 * 1024 * 1024)])  # dropped by ZMQ
    deadline = time.monotonic() + 5
    while relay.call(lambda _: relay.kvsets_received) < 2 * len(hostile) and time.monotonic() < deadline:
        time.sleep(0.02)
    with following(endpoints, collector="pub", role="council") as (desk, mirror):
        assert mirror.wait_for(is_live, 10), "the relay no longer serves snapshots"
        desk.send(KEY, BODY)
        assert mirror.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10), "the relay no longer forwards"
    for s in (push, pub, dealer, big):
        s.close(linger=0)
    rejects = relay.call(lambda _: dict(relay.kvset_rejects))
    assert rejects == {"frames": 2, "sequence": 2, "role": 2, "oversize": 2, "refused": 2}
    assert backend.call(lambda s: (s.kvsets_received, s.kvsets_rejected)) == (1, 0)  # only the valid one


def test_followers_re_sync_when_the_backend_restarts(upstream: Endpoints, endpoints: Endpoints) -> None:
    first = ChpServer(upstream).start()
    first.publish_many([item(case(n)) for n in range(1, 50)])
    rel = Relay(endpoints, LinkConfig(upstream)).start()
    try:
        with following(endpoints) as (_, m):
            assert m.wait_for(lambda m: _holds(m, _same_as(first)), 10)
            first.stop()
            later = [item(case(n, title="重启之后")) for n in range(30, 40)]  # a new epoch and sequence, another map
            second = started(lambda: _with(ChpServer(upstream), later))
            try:
                want = _same_as(second)
                assert m.wait_for(lambda m: _holds(m, want), 20), "the follower did not follow the new backend"
            finally:
                second.stop()
    finally:
        rel.stop()


def test_followers_re_sync_when_the_relay_restarts(
    backend: ChpServer, upstream: Endpoints, endpoints: Endpoints
) -> None:
    backend.publish_many([item(case(n)) for n in range(1, 50)])
    rel = Relay(endpoints, LinkConfig(upstream)).start()
    with following(endpoints) as (_, m):
        try:
            assert m.wait_for(lambda m: _holds(m, _same_as(backend)), 10)
        finally:
            rel.stop()
        backend.publish_many([item(case(n, r.Step.DISPATCHED)) for n in range(1, 20)])  # missed while it was away
        rel = started(lambda: Relay(endpoints, LinkConfig(upstream)))
        try:
            want = _same_as(backend)
            assert m.wait_for(lambda m: _holds(m, want), 20), "the follower did not re-sync from the new relay"
        finally:
            rel.stop()
