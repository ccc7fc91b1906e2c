"""Both collectors (docs/protocol.md §2.1): the reference server takes KVSETs on its PULL (P+2, the
Guide's Model 5) and on its SUB (P+3, RFC 12 and Model 6) with the same checks; the console's link
sends by either, and by PUB holds a command until the server's subscription has reached it. Real
ZeroMQ on 127.0.0.1."""

from __future__ import annotations

import time
import uuid

import pytest
import zmq

from server_link import chp, cli
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.feed import FeedPump, ScriptedFeed
from server_link.server import ChpServer
from tests.support.link import T0, following, is_live, started

NOTE = r.Decision(
    schema=1, case_no="DC2026112700017", n=1, decided_at=T0, action=r.DecisionAction.NOTE, by="王", role="council"
)
KEY, BODY = r.key_of(NOTE), r.encode(NOTE)
VIA = {"push": "pull", "pub": "sub"}


def _kvset(key: str, body: bytes, props: dict[str, str]) -> list[bytes]:
    return chp.Message(key, 0, body, props, uuid.uuid4().bytes).frames()


def _wait_received(server: ChpServer, received: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while server.call(lambda s: s.kvsets_received) < received:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _sender(endpoints: Endpoints, kind: str) -> zmq.Socket[bytes]:
    """A raw client's command socket, ready: a PUSH, or a PUB (an XPUB, to see the server join)."""
    ctx = zmq.Context.instance()
    if kind == "push":
        sock = ctx.socket(zmq.PUSH)
        sock.connect(endpoints.collector)
        return sock
    sock = ctx.socket(zmq.XPUB)
    sock.connect(endpoints.collector_sub)
    assert sock.poll(5000) and sock.recv()[:1] == b"\x01", "the server's SUB collector never subscribed"
    return sock


@pytest.mark.parametrize("collector", ["push", "pub"])
def test_a_console_command_reaches_the_server_by_either_collector(
    server: ChpServer, endpoints: Endpoints, collector: str
) -> None:
    with following(endpoints, collector=collector, role="council") as (client, mirror):
        client.send(KEY, BODY)  # at once: before the link is live, before the PUB has been joined
        assert mirror.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10), "no echo"
        assert mirror.wait_for(lambda m: m.stats is not None and m.stats.commands_sent == 1, 2)
    assert server.call(lambda s: (dict(s.kvsets_via), dict(s.kvset_rejects))) == ({VIA[collector]: 1}, {})


def test_a_command_sent_by_pub_waits_for_the_server_to_subscribe(endpoints: Endpoints) -> None:
    with following(endpoints, collector="pub", role="council") as (client, mirror):
        client.send(KEY, BODY)
        client.send(KEY, BODY)  # the command service's re-send: replaces the one held
        assert mirror.wait_for(lambda m: m.stats is not None and m.stats.commands_held == 1, 5)
        server = started(lambda: ChpServer(endpoints))  # the slow joiner: nobody listened when it was sent
        try:
            assert mirror.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10), "the held command was lost"
            assert mirror.wait_for(lambda m: m.stats is not None and m.stats.commands_held == 0, 2)
            assert mirror.stats is not None and mirror.stats.commands_sent == 1
            assert server.call(lambda s: dict(s.kvsets_via)) == {"sub": 1}
        finally:
            server.stop()


def test_the_sub_collector_refuses_what_the_pull_collector_refuses(server: ChpServer, endpoints: Endpoints) -> None:
    hostile = [
        _kvset(KEY, BODY, {}),  # no role
        _kvset(KEY, BODY, {"role": "commander"}),  # the body says council
        _kvset("/note/x", b"x", {"role": "leader"}),  # a read-only role
        _kvset(KEY, b"x" * (r.MAX_BODY_BYTES + 1), {"role": "council"}),  # over 256 KiB
        _kvset("/case/DC2026112700017", b'{"kind": "case"}', {"role": "council"}),  # not a valid record
        [b"garbage"],  # not five frames
        [KEY.encode(), b"\x00", b"", b"", BODY],  # a sequence frame of one byte
    ]
    for n, kind in enumerate(("push", "pub"), start=1):
        sock = _sender(endpoints, kind)
        for frames in hostile:
            sock.send_multipart(frames)
        sock.send_multipart(_kvset(KEY, BODY, {"role": "council"}))
        assert _wait_received(server, n * (len(hostile) + 1))
        sock.close(linger=0)
    rejects, via, decisions = server.call(lambda s: (dict(s.kvset_rejects), dict(s.kvsets_via), s.items("/decision/")))
    # Each collector: three role refusals, one oversize, one refused record, one frames, one sequence.
    assert rejects == {"role": 6, "oversize": 2, "refused": 2, "frames": 2, "sequence": 2}
    assert via == {"pull": 8, "sub": 8}
    assert decisions == [(KEY, BODY)]  # the second is the first again: echoed, not applied twice


def test_a_frame_over_a_mebibyte_drops_one_publisher_not_the_sub_collector(
    server: ChpServer, endpoints: Endpoints
) -> None:
    big = _sender(endpoints, "pub")
    big.send_multipart(_kvset(KEY, b"x" * (2 * 1024 * 1024), {"role": "council"}))
    with following(endpoints, collector="pub", role="council") as (client, mirror):
        assert mirror.wait_for(is_live, 10)
        client.send(KEY, BODY)
        assert mirror.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10)
    big.close(linger=0)
    assert server.call(lambda s: s.kvsets_via["sub"]) == 1  # the 2 MiB frame never arrived


def test_probe_verify_against_a_server_collecting_on_sub_and_a_console_command_reaching_it(
    server: ChpServer, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    pump = FeedPump(server, ScriptedFeed(cases=500), rate=2000).start()
    try:
        with following(endpoints, collector="pub", role="council") as (client, mirror):
            assert mirror.wait_for(is_live, 10)
            client.send(KEY, BODY)
            assert cli.main(["probe", "--endpoint", str(endpoints), "--seconds", "2", "--verify"]) == 0
            assert mirror.wait_for(lambda m: m.bodies.get(KEY) == BODY, 10)
    finally:
        pump.stop()
    out = capsys.readouterr().out
    assert "VERIFY OK" in out and "LIVE" in out
    assert server.call(lambda s: (dict(s.kvsets_via), s.items("/decision/"))) == ({"sub": 1}, [(KEY, BODY)])
