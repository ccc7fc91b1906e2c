"""The command service on real parts: a real store process on a SQLite file, the real link bridge and
the reference CHP server on loopback (its echo is what confirms a command)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.commands import next_decision, note_on_case
from console.core.situation import Situation
from console.shell.commands import Command, CommandRefused, CommandService
from console.shell.link_bridge import LinkBridge
from console.store import ActionKind, ActionStatus
from console.store.process import StoreProcess
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState, Update
from server_link.server import ChpServer
from tests.support.link import case

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WAIT_MS = 10_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StoreProcess]:
    with StoreProcess(str(tmp_path / "store.db")).open() as s:
        yield s


def situation_with(*records: r.Record) -> Situation:
    sit = Situation(load_district())
    updates = tuple(Update(r.key_of(x), 0, x, r.encode(x)) for x in records)
    sit.apply(Batch(True, updates, 0, "e"), time.time())
    return sit


@pytest.fixture
def link(qtbot: QtBot, endpoints: Endpoints, server: ChpServer) -> Iterator[LinkBridge]:
    """The link to the reference server (``server``), live."""
    bridge = LinkBridge(LinkConfig(endpoints, batch_interval=0.02))
    states: list[LinkState] = []
    bridge.state_changed.connect(lambda s: states.append(s.state))
    bridge.start()
    try:
        qtbot.waitUntil(lambda: LinkState.LIVE in states, timeout=WAIT_MS)
        yield bridge
    finally:
        bridge.stop()


def service(store: StoreProcess, link: LinkBridge, **kw: object) -> CommandService:
    s = CommandService(store, link.send, who="王值班", role="commander", allowed={ActionKind.NOTE}, **kw)  # type: ignore[arg-type]
    link.batch_received.connect(s.observe)
    return s


def test_a_note_is_numbered_after_the_decisions_the_situation_holds() -> None:
    earlier = r.Decision(
        schema=1, case_no="DC0000000001", n=3, decided_at=AT, action=r.DecisionAction.NOTE, by="李", role="council"
    )
    sit = situation_with(case(1), earlier)
    assert next_decision(sit, "DC0000000001") == 4
    key, body = note_on_case(sit, "DC0000000001", "  现场已派人核实  ", by="王", role="commander", at=AT)
    assert key == "/decision/DC0000000001/4"
    note = r.decode(key, body)
    assert isinstance(note, r.Decision) and note.note == "现场已派人核实" and note.action is r.DecisionAction.NOTE
    with pytest.raises(ValueError, match="no case"):
        note_on_case(sit, "DC0000000099", "x", by="王", role="commander", at=AT)
    with pytest.raises(ValueError, match="empty"):
        note_on_case(sit, "DC0000000001", "   ", by="王", role="commander", at=AT)


def test_a_command_is_stored_sent_pending_and_confirmed_by_the_echo(
    qtbot: QtBot, store: StoreProcess, link: LinkBridge, server: ChpServer
) -> None:
    commands = service(store, link)
    key, body = note_on_case(
        situation_with(case(1)), "DC0000000001", "请街道核实", by="王值班", role="commander", at=AT
    )
    with qtbot.waitSignal(commands.confirmed, timeout=WAIT_MS) as confirmed:
        action = commands.send(ActionKind.NOTE, key, body, text="请街道核实", case_no="DC0000000001")
        assert commands.is_pending(key)  # shown as pending until the echo
        assert store.actions()[0].status is ActionStatus.SENT  # stored before it was sent
    assert confirmed.args == [action.id]
    assert not commands.is_pending(key)
    stored = store.actions()[0]
    assert (stored.status, stored.key, stored.case_no, stored.who) == (
        ActionStatus.CONFIRMED,
        key,
        "DC0000000001",
        "王值班",
    )
    assert dict(server.items("/decision/")) == {key: body}


def test_commands_sent_together_are_stored_together_and_each_confirmed_by_its_echo(
    qtbot: QtBot, store: StoreProcess, link: LinkBridge, server: ChpServer
) -> None:
    commands = service(store, link)
    sit = situation_with(case(1), case(2))
    notes = [
        Command(ActionKind.NOTE, *note_on_case(sit, f"DC000000000{n}", f"核实 {n}", by="王", role="commander", at=AT))
        for n in (1, 2)
    ]
    confirmed: list[int] = []
    commands.confirmed.connect(confirmed.append)
    actions = commands.send_all(notes)
    assert all(commands.is_pending(c.key) for c in notes)
    assert {x.status for x in store.actions()} == {ActionStatus.SENT}
    qtbot.waitUntil(lambda: sorted(confirmed) == sorted(a.id for a in actions), timeout=WAIT_MS)
    assert not any(commands.is_pending(c.key) for c in notes)
    assert {x.status for x in store.actions()} == {ActionStatus.CONFIRMED}
    assert dict(server.items("/decision/")) == {c.key: c.body for c in notes}
    with pytest.raises(CommandRefused):  # one outside the role: none is stored or sent
        commands.send_all([notes[0], Command(ActionKind.ACKNOWLEDGE, "/alarm/grid_red/G1", b"{}")])
    assert len(store.actions()) == 2


def test_an_echo_received_twice_in_one_batch_confirms_its_command_once(qtbot: QtBot, store: StoreProcess) -> None:
    commands = CommandService(store, lambda *_a, **_k: None, who="王", role="commander", allowed={ActionKind.NOTE})
    key, body = note_on_case(situation_with(case(1)), "DC0000000001", "核实", by="王", role="commander", at=AT)
    action = commands.send(ActionKind.NOTE, key, body)
    confirmed: list[int] = []
    commands.confirmed.connect(confirmed.append)
    echo = Update(key, 7, r.decode(key, body), body)
    commands.observe(Batch(False, (echo, echo), 8, "e"))
    assert confirmed == [action.id] and not commands.is_pending(key)
    assert store.actions()[0].status is ActionStatus.CONFIRMED


def test_a_command_without_an_echo_is_sent_again_then_refused(
    qtbot: QtBot, store: StoreProcess, endpoints: Endpoints
) -> None:
    # no echo, and its refusal is lost (or a backend of before protocol 1.7)
    refusing = ChpServer(endpoints, on_kvset=lambda *_: False, publish_refusals=False).start()
    bridge = LinkBridge(LinkConfig(endpoints))
    bridge.start()
    try:
        commands = service(store, bridge, resend_after=0.2, attempts=3)
        key, body = note_on_case(situation_with(case(1)), "DC0000000001", "x", by="王", role="commander", at=AT)
        with qtbot.waitSignal(commands.refused, timeout=WAIT_MS):
            action = commands.send(ActionKind.NOTE, key, body)
        assert refusing.call(lambda s: s.kvsets_received) == 3
        assert store.actions()[0].status is ActionStatus.REFUSED
        assert action.id not in commands.pending
    finally:
        bridge.stop()
        refusing.stop()


def test_a_command_the_backend_refuses_is_refused_at_once_with_its_reason(
    qtbot: QtBot, store: StoreProcess, endpoints: Endpoints
) -> None:
    refusing = ChpServer(endpoints, on_kvset=lambda *_: "case DC0000000001 is already closed").start()
    bridge = LinkBridge(LinkConfig(endpoints))
    bridge.start()
    try:
        commands = service(store, bridge, resend_after=5, attempts=3)
        bridge.batch_received.connect(commands.observe)
        key, body = note_on_case(situation_with(case(1)), "DC0000000001", "x", by="王", role="commander", at=AT)
        with qtbot.waitSignal(commands.refused, timeout=WAIT_MS) as refused:
            action = commands.send(ActionKind.NOTE, key, body)
        assert refused.args == [action.id]
        assert commands.reason_of(action.id) == "refused: case DC0000000001 is already closed"
        assert refusing.call(lambda s: s.kvsets_received) == 1  # sent once: the answer came before a re-send
        assert store.actions()[0].status is ActionStatus.REFUSED
        assert action.id not in commands.pending
    finally:
        bridge.stop()
        refusing.stop()


def test_commands_never_confirmed_are_taken_up_again_at_start(
    qtbot: QtBot, store: StoreProcess, link: LinkBridge, server: ChpServer
) -> None:
    key, body = note_on_case(situation_with(case(1)), "DC0000000001", "交接前未确认", by="王", role="commander", at=AT)
    # What a console that stopped right after sending left in its store.
    left = store.record_action(
        ActionKind.NOTE, "王", "commander", "交接前未确认", key=key, payload={"body": body.decode()},
        status=ActionStatus.SENT,
    )  # fmt: skip
    commands = service(store, link)
    with qtbot.waitSignal(commands.confirmed, timeout=WAIT_MS) as confirmed:
        assert commands.resume() == 1
    assert confirmed.args == [left.id]
    assert store.actions()[0].status is ActionStatus.CONFIRMED
    assert commands.resume() == 0  # nothing left to take up


def test_a_role_that_may_not_send_a_kind_sends_nothing(store: StoreProcess, qtbot: QtBot) -> None:
    sent: list[str] = []
    commands = CommandService(store, lambda k, b, **_: sent.append(k), who="刘", role="leader", allowed=())
    assert not commands.may(ActionKind.NOTE)
    with pytest.raises(CommandRefused, match="leader"):
        commands.send(ActionKind.NOTE, "/decision/DC0000000001/1", b"{}")
    assert sent == [] and store.actions() == []


def test_a_command_that_cannot_be_stored_is_not_sent(tmp_path: Path, qtbot: QtBot) -> None:
    sent: list[str] = []
    closed = StoreProcess(str(tmp_path / "gone.db")).open()
    closed.close()
    commands = CommandService(
        closed, lambda k, b, **_: sent.append(k), who="王", role="commander", allowed={ActionKind.NOTE}
    )
    with pytest.raises(Exception):  # noqa: B017 - whatever the closed store raises
        commands.send(ActionKind.NOTE, "/decision/DC0000000001/1", b"{}")
    assert sent == []
