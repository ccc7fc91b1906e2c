"""The council's console against the simulated backend: the agenda fills from the district's hard
cases, a decision taken on the board is stored, sent, confirmed by the backend's echo, re-routes the
case, and reaches a commander's console; the minutes' PDF holds it (``pdftotext``) and renders
(``pdftoppm``). Real ZeroMQ on 127.0.0.1, real stores, the real board."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.store import ActionKind, ActionStatus
from server_link import records as r
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
