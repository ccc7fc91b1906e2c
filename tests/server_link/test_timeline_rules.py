"""The timeline rules of docs/protocol.md §11.3: the page's table is ``server_link.timeline``'s, the
simulator keeps them (council decisions of every kind included), and each breach is named."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from server_link import records as r
from server_link import timeline
from server_link.district import load_district
from server_link.sim.engine import Simulation
from server_link.workcal import BEIJING

S, A = r.Step, r.Action
DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
START = datetime(2026, 11, 23, 6, 0, tzinfo=BEIJING)
ROUTES = (r.DecisionAction.ASSIGN, r.DecisionAction.REROUTE, r.DecisionAction.JOINT)


def _doc_table() -> dict[str, tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- timeline-rules:begin -->")[1].split("<!-- timeline-rules:end -->")[0]
    rows = [line.split(" | ") for line in table.strip().splitlines()[2:]]
    return {row[0].strip("| `"): (row[2], row[3].rstrip(" |")) for row in rows}


def test_the_pages_table_is_the_code_s() -> None:
    table = _doc_table()
    assert table.keys() == {a.value for a in A}
    order = [s.value for s in S]
    for action, rule in timeline.ACTION_RULES.items():
        came_from, leads_to = table[action.value]
        listed = re.findall(r"\b[A-Z]+\b", came_from.split("(")[0])
        assert listed == sorted((s.value for s in rule.came_from), key=order.index), action
        assert leads_to.split(",")[0] == (rule.leads_to.value if rule.leads_to else "unchanged"), action


def _walk(*steps: tuple[r.Step, r.Action]) -> r.Case:
    events = [r.Event(at=START + timedelta(minutes=i), step=s, action=a) for i, (s, a) in enumerate(steps)]
    return r.Case(
        schema=1, no="DC2026112300001", channel="ch-12345", category="E010102", title="t", lon=116.4, lat=39.9,
        unit_grid="110101001001001", street="110101001", step=events[-1].step, loop=r.Loop.BIG,
        received_at=START, step_at=events[-1].at, timeline=events, hard=A.FLAG_HARD in {a for _, a in steps},
    )  # fmt: skip


GOOD = _walk(
    (S.COLLECTED, A.COLLECT), (S.FILED, A.FILE), (S.DISPATCHED, A.DISPATCH), (S.FILED, A.RETURN),
    (S.FILED, A.FLAG_HARD), (S.DISPATCHED, A.DECISION), (S.HANDLING, A.ACCEPT), (S.FEEDBACK, A.FEEDBACK),
    (S.HANDLING, A.VERIFY_FAIL), (S.FEEDBACK, A.FEEDBACK), (S.FEEDBACK, A.VERIFY_PASS), (S.CLOSED, A.CLOSE),
    (S.CLOSED, A.CALLBACK), (S.EVALUATED, A.EVALUATE),
)  # fmt: skip


def test_a_timeline_by_the_table_has_no_faults() -> None:
    assert timeline.faults(GOOD) == []
    closed_by_council = _walk((S.COLLECTED, A.COLLECT), (S.FILED, A.FILE), (S.FILED, A.DECISION), (S.CLOSED, A.CLOSE))
    assert timeline.faults(closed_by_council) == []


@pytest.mark.parametrize(
    ("case", "fault"),
    [
        (_walk((S.FILED, A.FILE)), "the first event is file@FILED"),
        (_walk((S.COLLECTED, A.COLLECT), (S.CLOSED, A.CLOSE)), "close from COLLECTED"),
        (_walk((S.COLLECTED, A.COLLECT), (S.DISPATCHED, A.FILE)), "file from COLLECTED leads to FILED, not DISPATCHED"),
        (_walk((S.COLLECTED, A.COLLECT), (S.FILED, A.FILE), (S.HANDLING, A.DECISION)), "decision from FILED"),
        (_walk((S.COLLECTED, A.COLLECT), (S.DISPATCHED, A.DECISION)), "decision from COLLECTED"),
        (msgspec.structs.replace(GOOD, step=S.CLOSED), "the case is at CLOSED but its last event at EVALUATED"),
        (msgspec.structs.replace(GOOD, escalated=True, loop=r.Loop.SMALL), "escalated but in the small loop"),
        (msgspec.structs.replace(GOOD, hard=False), "a flag_hard event, but not hard"),
        (
            _walk((S.COLLECTED, A.COLLECT), (S.FILED, A.FILE), (S.FILED, A.ESCALATE)),
            "an escalate event, but not escalated in the big loop",
        ),
        (
            msgspec.structs.replace(
                GOOD, timeline=[*GOOD.timeline[:-1], msgspec.structs.replace(GOOD.timeline[-1], at=START)]
            ),
            "event 13 (evaluate) is earlier than event 12",
        ),
    ],
)
def test_each_breach_is_named(case: r.Case, fault: str) -> None:
    assert any(fault in f for f in timeline.faults(case)), timeline.faults(case)


def test_the_simulator_keeps_the_rules_with_every_kind_of_decision() -> None:
    sim = Simulation(load_district(), seed=8, start=START)
    sim.run(until=START + timedelta(hours=10))
    sim.drain()
    open_cases = sorted((c for c in sim.cases.values() if c.open and c.step is not S.COLLECTED), key=lambda c: c.no)
    assert len(open_cases) >= 5
    for case, action in zip(open_cases, r.DecisionAction, strict=False):
        decision = r.Decision(
            schema=1, case_no=case.no, n=case.decisions + 1, decided_at=sim.now, action=action,
            dept="d-cgw" if action in ROUTES else None,
            by="会商", role="council",
        )  # fmt: skip
        assert sim.apply_decision(decision) is None
    faults: list[str] = []
    cases = 0
    for _ in range(12):
        sim.run(until=sim.now + timedelta(hours=1))
        for key, body in sim.drain():
            if key.startswith("/case/") and body:
                case = r.decode(key, body)
                assert isinstance(case, r.Case)
                cases += 1
                faults += [f"{case.no}: {f}" for f in timeline.faults(case)]
    assert cases > 500
    assert faults == []
