"""Decisions are write-once (docs/protocol.md §11.4, §16): the reference server refuses to delete or
change one, and publishes an identical re-send again without handing it to its backend twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import msgspec
import pytest
import zmq

from server_link import chp
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.support.link import T0

DECISION = r.Decision(
    schema=1, case_no="DC2026112700017", n=1, decided_at=T0, action=r.DecisionAction.NOTE, by="王", role="commander"
)
KEY, BODY = r.key_of(DECISION), r.encode(DECISION)


@pytest.fixture
def taken(endpoints: Endpoints) -> Iterator[tuple[ChpServer, list[str]]]:
    calls: list[str] = []

    def hook(key: str, body: bytes, props: object) -> bool:
        calls.append(key)
        return True

    server = ChpServer(endpoints, on_kvset=hook).start()
    yield server, calls
    server.stop()


def _push(endpoints: Endpoints, *commands: tuple[str, bytes]) -> None:
    sock = zmq.Context.instance().socket(zmq.PUSH)
    sock.connect(endpoints.collector)
    for key, body in commands:
        sock.send_multipart(chp.Message(key, 0, body, {"role": "commander"}, uuid.uuid4().bytes).frames())
    sock.close(linger=2000)


def _wait(server: ChpServer, received: int) -> None:
    deadline = time.monotonic() + 5
    while server.call(lambda s: s.kvsets_received) < received and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_decision_cannot_be_deleted_or_changed(taken: tuple[ChpServer, list[str]], endpoints: Endpoints) -> None:
    server, calls = taken
    changed = r.encode(msgspec.structs.replace(DECISION, note="改了"))
    _push(endpoints, (KEY, BODY), (KEY, b""), (KEY, changed))
    _wait(server, 3)
    assert server.call(lambda s: s.items("/decision/")) == [(KEY, BODY)]
    assert server.kvset_rejects == {"decision_delete": 1, "decision_changed": 1}
    assert calls == [KEY]
    # The decision and the two refusals the console that sent them can read (§16.3).
    assert server.call(lambda s: (s.sequence, sorted(r.decode(k, b).reason for k, b in s.items("/refusal/")))) == (
        3, ["decision_changed", "decision_delete"]
    )  # fmt: skip


def test_an_identical_resend_is_echoed_again_and_not_applied_twice(
    taken: tuple[ChpServer, list[str]], endpoints: Endpoints
) -> None:
    server, calls = taken
    _push(endpoints, (KEY, BODY), (KEY, BODY))
    _wait(server, 2)
    assert server.call(lambda s: (s.sequence, s.kvsets_rejected)) == (2, 0)  # two KVPUBs, the echo twice
    assert calls == [KEY]  # the backend applied it once
