"""The council's agenda holds exactly the cases its rules name, with their reasons; a dossier's bounce
graph follows the timeline's hand-overs and returns, with the time each cost and the time lost; the
departments whose duties cover a case are its candidates; a decision is built and checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.core.commands import agenda_change, decision_on_case
from console.core.council import (
    CENTRE,
    UNRANKED,
    AgendaRules,
    HopKind,
    Reason,
    agenda,
    candidates,
    dossier,
    gathered,
    rank_for,
)
from console.core.situation import Situation
from server_link import records as r
from server_link.link_state import Batch
from tests.core.test_situation import DISTRICT, bj, make_case, upd

S, A = r.Step, r.Action
T = bj(2026, 12, 1, 9, 0)
M = timedelta(minutes=1)


def situation_of(*cases: r.Case, records: tuple[r.Record, ...] = (), now_hours: float = 72) -> Situation:
    sit = Situation(DISTRICT)
    updates = [upd(c, i + 1) for i, c in enumerate(cases)]
    for x in records:
        updates.append(type(updates[0])(r.key_of(x), len(updates) + 1, x, r.encode(x)))
    sit.apply(Batch(True, tuple(updates), len(updates), "e"), (T + timedelta(hours=now_hours)).timestamp())
    return sit


def bounced(n: int, returners: list[str], then: str | None = None, start: timedelta = timedelta()) -> r.Case:
    """Filed at T (+ ``start``), dispatched to each department in turn, each returning it an hour later."""
    t = T + start
    events = [(t, S.COLLECTED, A.COLLECT, None), (t + 5 * M, S.FILED, A.FILE, None)]
    at = t + 10 * M
    for dept in returners:
        events += [(at, S.DISPATCHED, A.DISPATCH, dept), (at + 60 * M, S.FILED, A.RETURN, dept)]
        at += 90 * M  # 60 min with the department, 30 back at the center
    if then:
        events.append((at, S.DISPATCHED, A.DISPATCH, then))
    return make_case(n, events)


def test_the_agenda_holds_exactly_the_cases_its_rules_name() -> None:
    fresh = make_case(1, [(T + timedelta(hours=71), S.COLLECTED, A.COLLECT, None)])  # nothing wrong
    recent = timedelta(hours=66)  # not overdue by a day at the situation's now (T + 72 h)
    once = bounced(2, ["d-a"], then="d-b", start=recent)  # one return: not buck-passing, not three returns
    passed = bounced(3, ["d-a", "d-b"], then="d-c", start=recent)  # two departments gave it back: buck-passing
    thrice = bounced(4, ["d-a", "d-a", "d-a"], then="d-a", start=recent)  # one department, three returns
    escalated = make_case(5, [(T + timedelta(hours=70), S.COLLECTED, A.COLLECT, None)], escalated=True)
    late = make_case(6, [(T, S.COLLECTED, A.COLLECT, None), (T + M, S.DISPATCHED, A.DISPATCH, "d-a")])
    closed = make_case(7, [(T, S.COLLECTED, A.COLLECT, None), (T + M, S.CLOSED, A.CLOSE, None)], hard=True)
    sit = situation_of(fresh, once, passed, thrice, escalated, late, closed)
    items = {i.case_no: i for i in gathered(sit, AgendaRules())}
    assert set(items) == {passed.no, thrice.no, escalated.no, late.no}
    assert Reason.BUCK_PASSING in items[passed.no].reasons
    assert Reason.RETURNS in items[thrice.no].reasons and Reason.BUCK_PASSING not in items[thrice.no].reasons
    assert items[escalated.no].reasons == (Reason.ESCALATED,)
    assert items[late.no].reasons == (Reason.OVERDUE,) and items[late.no].overdue_s > 86_400
    # a commander's case comes on whatever the rules say; the rules' thresholds are the center's
    added = {i.case_no: i for i in gathered(sit, AgendaRules(), added=[fresh.no])}
    assert added[fresh.no].reasons == (Reason.ADDED,)
    assert late.no not in {i.case_no for i in gathered(sit, AgendaRules(overdue_for_s=10 * 86_400))}
    order = [i.case_no for i in gathered(sit)]
    assert order[0] in (passed.no, thrice.no)  # most reasons first


def _item(no: str, listed: bool, rank: float | None = None, reason: str = "") -> r.AgendaItem:
    return r.AgendaItem(
        schema=1, case_no=no, listed=listed, rank=rank, reason=reason, changed_at=T, by="王", role="council"
    )


def test_the_shared_agenda_adds_removes_and_orders_by_the_rooms_records() -> None:
    fresh = make_case(1, [(T + timedelta(hours=71), S.COLLECTED, A.COLLECT, None)])  # no rule names it
    recent = timedelta(hours=66)
    passed = bounced(3, ["d-a", "d-b"], then="d-c", start=recent)
    thrice = bounced(4, ["d-a", "d-a", "d-a"], then="d-a", start=recent)
    escalated = make_case(5, [(T + timedelta(hours=70), S.COLLECTED, A.COLLECT, None)], escalated=True)
    cases = (fresh, passed, thrice, escalated)
    by_rules = [i.case_no for i in agenda(situation_of(*cases))]
    assert by_rules == [i.case_no for i in gathered(situation_of(*cases))]  # no record: the rules' order
    assert fresh.no not in by_rules
    records = (
        _item(fresh.no, True, reason="两个部门都说不归自己"),  # a commander sent it, unranked
        _item(escalated.no, True, rank=-5.0),  # the meeting put it first
        _item(thrice.no, False),  # and took this one off
    )
    items = agenda(situation_of(*cases, records=records))
    assert [i.case_no for i in items] == [escalated.no, fresh.no, passed.no]  # same reasons: by number
    assert items[1].reasons == (Reason.ADDED,) and items[1].note == "两个部门都说不归自己"
    assert [i.rank for i in items] == [-5.0, UNRANKED + 1, UNRANKED + 2]  # unranked: the rules' places
    # the ranks that put a case between its new neighbours, first or last
    assert rank_for(items, passed.no, 0) == -6.0
    assert rank_for(items, passed.no, 1) == (-5.0 + UNRANKED + 1) / 2
    assert rank_for(items, escalated.no, 2) == UNRANKED + 3
    moved = _item(passed.no, True, rank=rank_for(items, passed.no, 1))
    again = agenda(situation_of(*cases, records=(*records, moved)))
    assert [i.case_no for i in again] == [escalated.no, passed.no, fresh.no]


def test_agenda_changes_are_checked_records() -> None:
    sit = situation_of(make_case(1, [(T, S.COLLECTED, A.COLLECT, None)]))
    no = next(iter(sit.cases))
    key, body = agenda_change(sit, no, listed=True, reason=" 反复退回 ", by="李", role="commander", at=T)
    item = r.decode(key, body)
    assert key == f"/agenda/{no}" and isinstance(item, r.AgendaItem)
    assert (item.listed, item.rank, item.reason) == (True, None, "反复退回")
    with pytest.raises(ValueError, match="no open case"):
        agenda_change(sit, "DC0000000999", listed=True, by="李", role="commander", at=T)
    key, body = agenda_change(sit, "DC0000000999", listed=False, by="李", role="council", at=T)  # off: any case
    assert r.decode(key, body) == r.AgendaItem(
        schema=1, case_no="DC0000000999", listed=False, changed_at=T, by="李", role="council"
    )


def test_a_dossier_draws_each_hand_over_and_return_with_its_cost_and_the_time_lost() -> None:
    case = bounced(1, ["d-a", "d-b"], then="d-c")
    d = dossier(situation_of(case), case.no)
    assert d is not None
    assert [(h.n, h.kind, h.source, h.target) for h in d.hops] == [
        (1, HopKind.DISPATCH, CENTRE, "d-a"), (2, HopKind.RETURN, "d-a", CENTRE),
        (3, HopKind.DISPATCH, CENTRE, "d-b"), (4, HopKind.RETURN, "d-b", CENTRE),
        (5, HopKind.DISPATCH, CENTRE, "d-c"),
    ]  # fmt: skip
    assert [h.held_s / 60 for h in d.hops] == [10, 60, 30, 60, 30]
    assert d.nodes == (CENTRE, "d-a", "d-b", "d-c")
    assert d.lost_s == (60 + 30 + 60 + 30) * 60  # with the two that gave it back, and waiting again
    assert dossier(situation_of(case), "DC9999999999") is None


def test_candidates_are_the_departments_whose_duties_cover_the_category() -> None:
    depts = {
        "/department/d-a": r.Department(schema=1, id="d-a", name="甲", type=r.DepartmentKind.DISTRICT,
                                        categories=["C03"]),
        "/department/d-b": r.Department(schema=1, id="d-b", name="乙", type=r.DepartmentKind.DISTRICT,
                                        categories=["C030102"]),
        "/department/d-c": r.Department(schema=1, id="d-c", name="丙", type=r.DepartmentKind.DISTRICT,
                                        categories=["C0301"]),
        "/department/d-d": r.Department(schema=1, id="d-d", name="丁", type=r.DepartmentKind.DISTRICT,
                                        categories=["C01"]),
    }  # fmt: skip
    # the taxonomy's codes carry no dots: a department of C03 covers C030102 by prefix
    assert candidates(depts, "C030102") == ("d-a", "d-b", "d-c")


def test_a_decision_is_numbered_and_checked() -> None:
    case = bounced(1, ["d-a", "d-b"], then="d-c")
    sit = situation_of(case)
    at = T + timedelta(hours=72)
    key, body = decision_on_case(
        sit, case.no, r.DecisionAction.JOINT, dept="d-c", supporting=["d-a", "d-c"], deadline=at + timedelta(days=2),
        note="城管牵头", by="王主任", role="council", at=at,
    )  # fmt: skip
    decision = r.decode(key, body)
    assert isinstance(decision, r.Decision) and key == f"/decision/{case.no}/1"
    assert decision.supporting == ["d-a"] and decision.deadline == at + timedelta(days=2)
    # a second one sent before the first came back takes the next number, not the same one
    pending = [key, f"/decision/{case.no}x/7", "/alarm/case_red/x"]
    second, _ = decision_on_case(sit, case.no, r.DecisionAction.NOTE, by="王", role="council", at=at, pending=pending)
    assert second == f"/decision/{case.no}/2"
    with pytest.raises(ValueError, match="needs a lead department"):
        decision_on_case(sit, case.no, r.DecisionAction.ASSIGN, by="王", role="council", at=at)
    with pytest.raises(ValueError, match="later than now"):
        decision_on_case(sit, case.no, r.DecisionAction.ASSIGN, dept="d-a", deadline=at, by="王", role="council", at=at)
    with pytest.raises(ValueError, match="no case"):
        decision_on_case(sit, "DC0", r.DecisionAction.NOTE, by="王", role="council", at=at)
