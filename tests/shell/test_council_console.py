"""The council's console against the simulated backend: the agenda fills from the district's hard
cases, a decision taken on the board is stored, sent, confirmed by the backend's echo, re-routes the
case, and reaches a commander's console; the minutes' PDF holds it (``pdftotext``) and renders
(``pdftoppm``). Real ZeroMQ on 127.0.0.1, real stores, the real board."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.store import ActionKind, ActionStatus
from server_link import records as r
from server_link.curve import KeyPair, make_keys
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from server_link.sim.backend import make_backend, start_backend, stop_backend
from tests.support.consoles import dispose
from widgets.council_board import CouncilBoard

WAIT_MS = 30_000


@pytest.fixture
def backend(endpoints: Endpoints) -> Iterator[ChpServer]:
    server, sim = make_backend(endpoints, seed=3, speed=1, history_days=2)
    start_backend(server, sim)
    yield server
    stop_backend(server, sim)


def console(endpoints: Endpoints, db: Path, role: str) -> Console:
    return build(parse_args(["--endpoint", str(endpoints), "--db", str(db), "--role", role, "--operator", "王主任"]))


def board_of(c: Console) -> CouncilBoard:
    board = c.panels["council"].widget
    assert isinstance(board, CouncilBoard)
    return board


def test_a_decision_taken_on_the_board_reroutes_the_case_everywhere_and_goes_into_the_minutes(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, backend: ChpServer
) -> None:
    council = console(endpoints, tmp_path / "council.db", "council")
    desk = console(endpoints, tmp_path / "desk.db", "commander")
    try:
        board = board_of(council)
        qtbot.waitUntil(lambda: council.situation.pictured and desk.situation.pictured, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: bool(board.agenda_cases), timeout=WAIT_MS)
        sit = council.situation
        no = next(n for n in board.agenda_cases if sit.cases[n].step is not r.Step.COLLECTED)
        board.agenda.setCurrentRow(board.agenda_cases.index(no))
        assert board.case_no == no and board.graph.dossier is not None and board.graph.dossier.case_no == no
        before = sit.cases[no].dept
        board.action.setCurrentIndex(board.action.findData(r.DecisionAction.ASSIGN))
        lead = next(board.lead.itemData(i) for i in range(board.lead.count()) if board.lead.itemData(i) != before)
        board.lead.setCurrentIndex(board.lead.findData(lead))
        board.note.setText("会商决定：由城管执法局主办，三日内办结")
        board.attendees.setText("王主任、李科员，张工")
        board.send.click()
        assert board.status.text().startswith("决定已记录并发出，待后端确认")
        qtbot.waitUntil(lambda: board.status.text().startswith("后端已确认决定"), timeout=WAIT_MS)
        (action,) = [a for a in council.store.actions() if a.kind == ActionKind.DECISION]
        assert action.status == ActionStatus.CONFIRMED and action.case_no == no
        key = action.key  # one past the decisions the case had (the backend's own council decides too)
        assert key is not None and key.startswith(f"/decision/{no}/")
        # the backend re-routed the case, and both consoles see the decision and the case's new department
        for c in (council, desk):
            qtbot.waitUntil(lambda c=c: c.situation.cases[no].dept == lead and key in c.situation.records,
                            timeout=WAIT_MS)  # fmt: skip
        decision = desk.situation.records[key]
        assert isinstance(decision, r.Decision) and decision.by == "王主任" and decision.role == "council"
        # the meeting holds the wall at its start (a replay), and returns to live in one action
        board.freeze.click()
        qtbot.waitUntil(lambda: council.showing.replaying, timeout=WAIT_MS)
        assert board.freeze.isChecked() and council.showing.situation is not council.situation
        board.freeze.click()
        qtbot.waitUntil(lambda: not council.showing.replaying, timeout=WAIT_MS)
        pdf = council.export_minutes(tmp_path / "minutes.pdf")
        assert pdf is not None and council.window.notice.text().startswith("会议纪要已写出")
    finally:
        dispose(qtbot, council)
        dispose(qtbot, desk)
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: the test command installs it")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # Qt's text mapping gives some characters as Kangxi radicals (NFKC undoes that) and some as CJK
    # radicals supplement (门 as ⻔; nothing undoes that): the note is written without those
    text = unicodedata.normalize("NFKC", text)
    decided = f"决定 {key.rsplit('/', 1)[1]}：指定承办"
    for wanted in (
        "协调会商纪要",
        no,
        decided,
        "会商决定：由城管执法局主办，三日内办结",
        "王主任、李科员、张工",
        "主持人签字",
    ):
        assert unicodedata.normalize("NFKC", wanted) in text, wanted
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 5000


def test_a_decision_from_a_console_whose_key_is_authorised_only_as_leader_is_refused_and_shown(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints
) -> None:
    """The backend decides what a console may do by the key it authenticated with, not by the role
    it declares: a console started as the council with a key authorised as the leaders' is refused,
    and its board says why (docs/protocol.md §16.3, §17.1). CurveZMQ on 127.0.0.1."""
    make_keys(tmp_path / "server", "backend")
    make_keys(tmp_path / "authorized", "office", role="leader")
    (tmp_path / "authorized" / "office.key_secret").rename(tmp_path / "office.key_secret")
    server, sim = make_backend(
        endpoints, seed=3, speed=1, history_days=2, keys=KeyPair.load(tmp_path / "server" / "backend.key_secret"),
        authorized=tmp_path / "authorized",
    )  # fmt: skip
    start_backend(server, sim)
    council = build(parse_args([
        "--endpoint", str(endpoints), "--db", str(tmp_path / "c.db"), "--role", "council", "--operator", "王主任",
        "--server-key", str(tmp_path / "server" / "backend.key"), "--client-key", str(tmp_path / "office.key_secret"),
    ]))  # fmt: skip
    try:
        board = board_of(council)
        qtbot.waitUntil(lambda: council.situation.pictured and bool(board.agenda_cases), timeout=WAIT_MS)
        no = next(n for n in board.agenda_cases if council.situation.cases[n].step is not r.Step.COLLECTED)
        board.agenda.setCurrentRow(board.agenda_cases.index(no))
        board.action.setCurrentIndex(board.action.findData(r.DecisionAction.NOTE))
        board.note.setText("会商意见：先核实现场")
        board.send.click()
        qtbot.waitUntil(lambda: board.status.text().startswith("后端拒绝了决定"), timeout=WAIT_MS)
        assert "authorised as leader, not council" in board.status.text()
        (action,) = [a for a in council.store.actions() if a.kind == ActionKind.DECISION]
        assert action.status == ActionStatus.REFUSED and action.id not in council.commands.pending
        assert not [k for k in council.situation.records if k.startswith(f"/decision/{no}/") and k == action.key]
        assert server.call(lambda s: (s.kvsets_received, dict(s.kvset_rejects))) == (1, {"role": 1})
    finally:
        dispose(qtbot, council)
        stop_backend(server, sim)


def test_the_agenda_is_shared_a_commander_proposes_the_council_orders_and_one_console_drives_the_room(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, backend: ChpServer
) -> None:
    """§16.4: the agenda is kept by the backend, so every council console shows the same one: a case a
    commander sends "to the council" comes on it, the meeting moves and removes cases, and the
    console that drives the room makes the others show its case."""
    chair = console(endpoints, tmp_path / "chair.db", "council")
    seat = console(endpoints, tmp_path / "seat.db", "council")
    desk = console(endpoints, tmp_path / "desk.db", "commander")
    try:
        boards = board_of(chair), board_of(seat)
        qtbot.waitUntil(lambda: all(c.situation.pictured for c in (chair, seat, desk)), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: all(len(b.agenda_cases) >= 3 for b in boards), timeout=WAIT_MS)
        sit = desk.situation
        fresh = next(no for no, s in sorted(sit.cases.items()) if s.open and no not in boards[0].agenda_cases)
        desk.select_case(fresh)
        assert desk.detail.case_no == fresh and not desk.detail.to_council.isHidden()
        desk.detail.note.setText("两个部门都说不归自己")  # the note line's text is the reason
        desk.detail.to_council.click()
        assert desk.window.notice.text() == f"{fresh} 已提交会商，待后端确认"
        for b in boards:  # on every council console, with the commander's reason
            qtbot.waitUntil(lambda b=b: fresh in b.agenda_cases, timeout=WAIT_MS)
        assert "两个部门都说不归自己" in boards[1].agenda.item(boards[1].agenda_cases.index(fresh)).text()
        (proposed,) = [a for a in desk.store.actions() if a.kind == ActionKind.PROPOSE]
        qtbot.waitUntil(lambda: desk.store.actions()[-1].status == ActionStatus.CONFIRMED, timeout=WAIT_MS)
        # the chair moves it to the top; both boards show the same order
        boards[0].choose(fresh)
        boards[0].top.click()
        qtbot.waitUntil(lambda: all(b.agenda_cases[0] == fresh for b in boards), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: boards[0].agenda_cases == boards[1].agenda_cases, timeout=WAIT_MS)
        # and takes another off it
        gone = boards[0].agenda_cases[1]
        boards[0].choose(gone)
        boards[0].remove.click()
        qtbot.waitUntil(lambda: all(gone not in b.agenda_cases for b in boards), timeout=WAIT_MS)
        # the chair drives the room: the seat follows the case the chair is on
        boards[0].drive.click()
        target = boards[0].agenda_cases[2]
        boards[0].choose(target)
        qtbot.waitUntil(lambda: boards[1].case_no == target, timeout=WAIT_MS)
        assert boards[1].graph.dossier is not None and boards[1].graph.dossier.case_no == target
        # the room's screen: the case alone in large type, in a window of its own; F5 there closes it
        room = boards[1].room
        boards[1].present.click()
        assert room.isVisible() and room.isFullScreen() and room.graph.zoom > 1
        assert room.heading.text().startswith(target) and room.graph.dossier is not None
        assert room.graph.dossier.case_no == target and room.facts.text() == boards[1].facts.text()
        qtbot.keyClick(room, Qt.Key.Key_F5)
        assert not room.isVisible() and not boards[1].present.isChecked()
        kinds = {a.kind for a in chair.store.actions() if a.status == ActionStatus.CONFIRMED}
        assert {ActionKind.AGENDA, ActionKind.PRESENT} <= kinds
        assert proposed.case_no == fresh
    finally:
        for c in (chair, seat, desk):
            dispose(qtbot, c)


def test_a_decision_lost_on_the_way_is_sent_again_and_confirmed_once(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints
) -> None:
    """The first KVSET of the decision never reaches the simulated backend (nothing is published for
    it): the console sends it again under the same UUID after 5 s, the backend applies it once, and
    the echo confirms it once."""
    server, sim = make_backend(endpoints, seed=3, speed=1, history_days=2)
    server.publish_refusals = False  # a loss, not a refusal: the console hears nothing
    take, lost = server.on_kvset, []

    def losing(key: str, body: bytes, props: Mapping[str, str]) -> bool | str:
        if key.startswith("/decision/") and not lost:
            lost.append(key)
            return False
        return take(key, body, props)

    server.on_kvset = losing
    start_backend(server, sim)
    council = console(endpoints, tmp_path / "council.db", "council")
    try:
        board = board_of(council)
        qtbot.waitUntil(lambda: council.situation.pictured and bool(board.agenda_cases), timeout=WAIT_MS)
        no = next(n for n in board.agenda_cases if council.situation.cases[n].step is not r.Step.COLLECTED)
        board.choose(no)
        before = council.situation.cases[no].dept
        board.action.setCurrentIndex(board.action.findData(r.DecisionAction.ASSIGN))
        lead = next(board.lead.itemData(i) for i in range(board.lead.count()) if board.lead.itemData(i) != before)
        board.lead.setCurrentIndex(board.lead.findData(lead))
        confirmed: list[int] = []
        council.commands.confirmed.connect(confirmed.append)
        board.send.click()
        qtbot.waitUntil(lambda: board.status.text().startswith("后端已确认决定"), timeout=WAIT_MS)
        (action,) = [a for a in council.store.actions() if a.kind == ActionKind.DECISION]
        assert lost == [action.key] and confirmed == [action.id] and action.status == ActionStatus.CONFIRMED
        assert server.call(lambda s: (s.kvsets_received, s.kvsets_rejected)) == (2, 1)  # lost once, taken once
        qtbot.waitUntil(lambda: council.situation.cases[no].dept == lead, timeout=WAIT_MS)
        case = council.situation.case_record(no)
        decided = [e for e in case.timeline if e.action is r.Action.DECISION] if case else []
        assert len([e for e in decided if e.dept == lead]) == 1, decided  # applied once
    finally:
        dispose(qtbot, council)
        stop_backend(server, sim)
