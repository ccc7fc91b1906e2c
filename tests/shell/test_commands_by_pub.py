"""The command service's guarantee holds when the console sends by PUB (``--collector pub``,
docs/protocol.md §2.1): a command sent before the backend listens is held, not lost; a command that
gets no echo is sent again and confirmed by the echo of the re-send. Real store process, real link,
the reference server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.commands import note_on_case
from console.core.situation import Situation
from console.shell.commands import CommandService
from console.shell.link_bridge import LinkBridge
from console.store import ActionKind, ActionStatus
from console.store.process import StoreProcess
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, Update
from server_link.server import ChpServer, accept_valid_record
from tests.support.link import case, started

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WAIT_MS = 10_000


def situation_with(*records: r.Record) -> Situation:
    sit = Situation(load_district())
    sit.apply(Batch(True, tuple(Update(r.key_of(x), 0, x, r.encode(x)) for x in records), 0, "e"), time.time())
    return sit


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StoreProcess]:
    with StoreProcess(str(tmp_path / "store.db")).open() as s:
        yield s


@pytest.fixture
def pub_link(endpoints: Endpoints) -> Iterator[LinkBridge]:
    bridge = LinkBridge(LinkConfig(endpoints, collector="pub", batch_interval=0.02))
    bridge.start()
    yield bridge
    bridge.stop()


def test_a_command_sent_by_pub_before_the_backend_listens_is_confirmed(
    qtbot: QtBot, store: StoreProcess, pub_link: LinkBridge, endpoints: Endpoints
) -> None:
    commands = CommandService(store, pub_link.send, who="王", role="commander", allowed={ActionKind.NOTE})
    pub_link.batch_received.connect(commands.observe)
    key, body = note_on_case(situation_with(case(1)), "DC0000000001", "核实", by="王", role="commander", at=AT)
    action = commands.send(ActionKind.NOTE, key, body)  # nobody listens yet
    server = started(lambda: ChpServer(endpoints))
    try:
        with qtbot.waitSignal(commands.confirmed, timeout=WAIT_MS):
            pass
        assert server.call(lambda s: dict(s.kvsets_via)) == {"sub": 1}  # held, then sent once
    finally:
        server.stop()
    assert store.actions()[0].status is ActionStatus.CONFIRMED and action.id not in commands.pending


def test_a_command_lost_on_the_way_is_sent_again_and_confirmed(
    qtbot: QtBot, store: StoreProcess, pub_link: LinkBridge, endpoints: Endpoints
) -> None:
    seen: list[str] = []

    def loses_the_first(key: str, body: bytes, props: Mapping[str, str]) -> bool:
        seen.append(key)
        return len(seen) > 1 and accept_valid_record(key, body, props)  # the first never echoes

    # the first is lost, not refused: no refusal is published for it
    server = ChpServer(endpoints, on_kvset=loses_the_first, publish_refusals=False).start()
    try:
        commands = CommandService(
            store, pub_link.send, who="王", role="commander", allowed={ActionKind.NOTE}, resend_after=0.3
        )
        pub_link.batch_received.connect(commands.observe)
        key, body = note_on_case(situation_with(case(1)), "DC0000000001", "核实", by="王", role="commander", at=AT)
        with qtbot.waitSignal(commands.confirmed, timeout=WAIT_MS):
            commands.send(ActionKind.NOTE, key, body)
        assert server.call(lambda s: (dict(s.kvsets_via), dict(s.kvset_rejects))) == ({"sub": 2}, {"refused": 1})
    finally:
        server.stop()
    assert store.actions()[0].status is ActionStatus.CONFIRMED
