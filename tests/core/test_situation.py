"""The situation (no Qt): derived cases, lights over working time, aggregates against brute force."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.core.aggregates import Aggregates, beijing_day
from console.core.case_state import CaseState, Light, derive
from console.core.case_table import CaseFilter, _no_key
from console.core.rules import Rules
from console.core.situation import Provenance, Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING, WorkCalendar

S, A = r.Step, r.Action
DISTRICT = load_district()
CAL = WorkCalendar()
GRIDS = sorted(DISTRICT.unit_grids)
CLEANING = "C030102"  # 公共厕所 保洁不到位: 2 working hours
CABLES = "C011102"  # 电力线缆外露: 2 hours on the clock


def bj(*a: int) -> datetime:
    return datetime(*a, tzinfo=BEIJING)


def make_case(
    n: int,
    timeline: list[tuple[datetime, r.Step, r.Action, str | None]],
    *,
    category: str = CLEANING,
    grid: str = GRIDS[0],
    channel: str = "ch-patrol",
    loop: r.Loop = r.Loop.SMALL,
    escalated: bool = False,
    hard: bool = False,
    satisfied: bool | None = None,
    resolved: bool | None = None,
) -> r.Case:
    events = [r.Event(at=at, step=step, action=action, dept=dept) for at, step, action, dept in timeline]
    last = events[-1]
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel=channel, category=category, title=f"案件 {n}",
        lon=116.41, lat=39.92, unit_grid=grid, street=grid[:9], step=last.step, loop=loop,
        dept=next((e.dept for e in reversed(events) if e.dept), None), received_at=events[0].at,
        step_at=last.at, escalated=escalated, hard=hard, satisfied=satisfied, resolved=resolved,
        timeline=events,
    )  # fmt: skip


def upd(case: r.Case, seq: int = 1) -> Update:
    return Update(r.key_of(case), seq, case, r.encode(case))


def test_lights_follow_working_time_across_the_weekend() -> None:
    fri = bj(2026, 11, 27, 16, 0)
    case = make_case(
        1, [(fri, S.COLLECTED, A.COLLECT, None), (fri + timedelta(minutes=30), S.DISPATCHED, A.DISPATCH, "d-hwzx")]
    )
    s = derive(case, DISTRICT, CAL, Rules())
    assert datetime.fromtimestamp(s.deadline, BEIJING) == bj(2026, 11, 30, 10, 0)  # 16:30 Fri + 2 working h
    assert datetime.fromtimestamp(s.yellow_at, BEIJING) == bj(2026, 11, 30, 9, 36)  # 80 % of it
    sit = Situation(DISTRICT)
    sit.apply(Batch(False, (upd(case),), 1, "e"), now=bj(2026, 11, 28, 12, 0).timestamp())  # Saturday noon
    assert sit.cases[case.no].light is Light.GREEN
    changes = sit.tick(bj(2026, 11, 30, 9, 40).timestamp())
    assert case.no in changes.cases and sit.cases[case.no].light is Light.YELLOW
    assert sit.aggregates.district.overdue == 0
    sit.tick(bj(2026, 11, 30, 10, 1).timestamp())
    assert sit.cases[case.no].light is Light.RED and sit.cases[case.no].overdue
    assert sit.aggregates.district.overdue == 1
    assert sit.aggregates.grids[case.unit_grid].overdue == 1
    assert sit.aggregates.departments["d-hwzx"].overdue == 1


def test_clock_hour_deadlines_run_through_the_night() -> None:
    night = bj(2026, 11, 27, 23, 0)
    case = make_case(
        2, [(night, S.COLLECTED, A.COLLECT, None), (night, S.DISPATCHED, A.DISPATCH, "u-power")], category=CABLES
    )
    s = derive(case, DISTRICT, CAL, Rules())
    assert datetime.fromtimestamp(s.deadline, BEIJING) == bj(2026, 11, 28, 1, 0)
    s.evaluate(bj(2026, 11, 28, 0, 50).timestamp(), 3600)
    assert s.light is Light.YELLOW
    s.evaluate(bj(2026, 11, 28, 1, 0).timestamp(), 3600)
    assert s.light is Light.RED


def test_a_backend_deadline_wins_and_closed_cases_have_no_light() -> None:
    t = bj(2026, 11, 24, 9, 0)
    case = make_case(3, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    case = r.Case(**{**{f: getattr(case, f) for f in case.__struct_fields__}, "deadline": t + timedelta(days=3)})
    assert derive(case, DISTRICT, CAL, Rules()).deadline == (t + timedelta(days=3)).timestamp()
    closed = make_case(4, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx"),
                           (t + timedelta(hours=1), S.CLOSED, A.CLOSE, "d-hwzx")])  # fmt: skip
    s = derive(closed, DISTRICT, CAL, Rules())
    s.evaluate((t + timedelta(days=9)).timestamp(), 3600)
    assert (s.open, s.light, s.overdue, s.closed_on_time) == (False, Light.NONE, False, True)


def test_buck_passing_and_hard_cases_on_scripted_timelines() -> None:
    t = bj(2026, 11, 24, 9, 0)
    base = [(t, S.COLLECTED, A.COLLECT, None), (t, S.FILED, A.FILE, None), (t, S.DISPATCHED, A.DISPATCH, "d-a")]
    once = make_case(5, [*base, (t, S.FILED, A.RETURN, "d-a")])
    same_twice = make_case(6, [*base, (t, S.FILED, A.RETURN, "d-a"), (t, S.DISPATCHED, A.DISPATCH, "d-a"),
                               (t, S.FILED, A.RETURN, "d-a")])  # fmt: skip
    two_depts = make_case(7, [*base, (t, S.FILED, A.RETURN, "d-a"), (t, S.DISPATCHED, A.DISPATCH, "d-b"),
                              (t, S.FILED, A.RETURN, "d-b")])  # fmt: skip
    three = make_case(8, [*base, *[(t, S.FILED, A.RETURN, d) for d in ("d-a", "d-b", "d-c")]])
    rules = Rules()
    got = {c.no: derive(c, DISTRICT, CAL, rules) for c in (once, same_twice, two_depts, three)}
    assert [(s.returns, s.buck_passing, s.hard) for s in got.values()] == [
        (1, False, False), (2, False, False), (2, True, False), (3, True, True),
    ]  # fmt: skip
    stricter = Rules(buck_passing_departments=3, hard_after_returns=5)
    assert not derive(two_depts, DISTRICT, CAL, stricter).buck_passing
    assert not derive(three, DISTRICT, CAL, stricter).hard
    assert derive(make_case(9, base, hard=True), DISTRICT, CAL, rules).hard  # the backend's flag counts


# ---------------------------------------------------------------------- aggregates vs brute force
def brute_force(states: list[CaseState], rules: Rules) -> dict[str, object]:
    """Every indicator recomputed from scratch with plain comprehensions."""
    open_ = [s for s in states if s.open]
    hot = [s for s in states if s.channel == rules.hotline_channel]
    called = [s for s in hot if s.resolved is not None]
    rated = [s for s in hot if s.satisfied is not None]

    def grid(g: str) -> tuple[int, ...]:
        mine = [s for s in states if s.unit_grid == g]
        return (
            sum(s.open for s in mine),
            sum(s.open and s.overdue for s in mine),
            sum(s.recent for s in mine),
            sum(s.open and s.escalated for s in mine),
        )

    def street(st: str) -> tuple[int, ...]:
        mine = [s for s in states if s.street == st]
        return (
            sum(s.open and s.loop is r.Loop.SMALL for s in mine),
            sum(s.open and s.loop is r.Loop.BIG for s in mine),
            sum(s.loop is r.Loop.SMALL or s.escalated for s in mine),
            sum(s.escalated for s in mine),
        )

    def dept(d: str) -> tuple[object, ...]:
        held = [s for s in states if s.dept == d]
        closed = [s for s in held if not s.open and not math.isnan(s.closed_at)]
        return (
            sum(s.open for s in held),
            sum(s.open and s.overdue for s in held),
            len(held),
            len(closed),
            sum(s.closed_on_time for s in closed),
            sum(s.rework > 0 for s in held),
            sum(x == d for s in states for x in s.returned_by),
            sum(s.satisfied is not None for s in held),
            sum(bool(s.satisfied) for s in held),
            round(sum(s.handling_hours for s in closed), 6),
        )

    return {
        "grids": {g: grid(g) for g in {s.unit_grid for s in states}},
        "streets": {st: street(st) for st in {s.street for s in states}},
        "depts": {d: dept(d) for d in involved(states)},
        "intake": Counter((beijing_day(s.received_at), s.channel) for s in states),
        "backlog": Counter(s.step.value for s in open_),
        "district": (
            len(states),
            sum(not s.open and not math.isnan(s.closed_at) for s in states),
            sum(s.overdue for s in open_),
            sum(s.hard for s in open_),
            len(hot),
            sum(s.responded for s in hot),
            len(called),
            sum(bool(s.resolved) for s in called),
            len(rated),
            sum(bool(s.satisfied) for s in rated),
        ),
    }


def involved(states: Iterable[CaseState]) -> set[str]:
    """Departments that hold a case or returned one."""
    return {s.dept for s in states if s.dept} | {d for s in states for d in s.returned_by}


def incremental(sit: Situation) -> dict[str, object]:
    """The situation's own figures, for the grids, streets and departments that have cases."""
    a, d, states = sit.aggregates, sit.aggregates.district, list(sit.cases.values())
    grids, streets = {s.unit_grid for s in states}, {s.street for s in states}
    return {
        "grids": {g: (f.open, f.overdue, f.recent, f.escalated) for g, f in a.grids.items() if g in grids},
        "streets": {
            k: (f.small_loop, f.big_loop, f.small_origin, f.escalated) for k, f in a.streets.items() if k in streets
        },
        "depts": {
            k: (
                f.open,
                f.overdue,
                f.held,
                f.closed,
                f.closed_on_time,
                f.reworked,
                f.returns,
                f.callbacks,
                f.satisfied,
                round(f.handling_hours, 6),
            )
            for k, f in a.departments.items()
            if k in involved(states)
        },
        "intake": +d.intake,
        "backlog": +d.backlog,
        "district": (
            d.held,
            d.closed,
            d.overdue,
            d.hard_open,
            d.hotline,
            d.hotline_responded,
            d.hotline_callbacks,
            d.hotline_resolved,
            d.hotline_rated,
            d.hotline_satisfied,
        ),
    }


def test_figures_of_cases_no_longer_held_are_all_zero() -> None:
    """What ``incremental`` leaves out must be empty: nothing lingers after deletes and resets."""
    t = bj(2026, 11, 24, 9, 0)
    sit = Situation(DISTRICT)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    sit.apply(Batch(False, (upd(case),), 1, "e"), t.timestamp())
    sit.apply(Batch(False, (Update(r.key_of(case), 2, None, b""),), 2, "e"), t.timestamp())
    a = sit.aggregates
    assert all((f.open, f.overdue, f.recent, f.escalated) == (0, 0, 0, 0) for f in a.grids.values())
    assert all(f.held == 0 and f.open == 0 for f in a.departments.values())
    assert +a.district.intake == Counter() and a.district.held == 0


STEPS_IN_ORDER = [S.COLLECTED, S.FILED, S.DISPATCHED, S.HANDLING, S.FEEDBACK, S.CLOSED, S.EVALUATED]
T0 = bj(2026, 11, 23, 8, 0)


@st.composite
def random_case(draw: st.DrawFn, n: int) -> r.Case:
    start = T0 + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    upto = draw(st.integers(0, 6))
    t = start
    timeline: list[tuple[datetime, r.Step, r.Action, str | None]] = [(t, S.COLLECTED, A.COLLECT, None)]
    dept = draw(st.sampled_from(["d-hwzx", "d-cgw", "u-power", "d-gafj"]))
    for step in STEPS_IN_ORDER[1 : upto + 1]:
        t += timedelta(minutes=draw(st.integers(1, 600)))
        if step is S.HANDLING and draw(st.booleans()):
            timeline.append((t, S.FILED, A.RETURN, dept))
            dept = draw(st.sampled_from(["d-hwzx", "d-cgw", "u-power", "d-gafj"]))
        if step is S.HANDLING and draw(st.integers(0, 4)) == 0:
            timeline.append((t, S.HANDLING, A.VERIFY_FAIL, dept))
        action = {S.FILED: A.FILE, S.DISPATCHED: A.DISPATCH, S.CLOSED: A.CLOSE}.get(step, A.HANDLE)
        timeline.append((t, step, action, dept if step is not S.FILED else None))
    callback = upto >= 5 and draw(st.booleans())
    return make_case(
        n, timeline,
        category=draw(st.sampled_from([CLEANING, CABLES, "E010101", "S010101"])),
        grid=draw(st.sampled_from(GRIDS[:40] + GRIDS[-40:])),
        channel=draw(st.sampled_from(["ch-12345", "ch-patrol", "ch-wechat"])),
        loop=draw(st.sampled_from(list(r.Loop))),
        escalated=draw(st.booleans()),
        hard=draw(st.integers(0, 9)) == 0,
        satisfied=draw(st.booleans()) if callback else None,
        resolved=draw(st.booleans()) if callback else None,
    )  # fmt: skip


@st.composite
def streams(draw: st.DrawFn) -> list[tuple[str, object]]:
    ops: list[tuple[str, object]] = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.sampled_from(["put", "put", "put", "delete", "tick", "reset"]))
        n = draw(st.integers(1, 25))
        if kind == "put":
            ops.append(("put", draw(random_case(n))))
        elif kind == "delete":
            ops.append(("delete", n))
        elif kind == "tick":
            ops.append(("tick", draw(st.integers(1, 36 * 3600))))
        else:
            ops.append(("reset", [draw(random_case(k)) for k in range(draw(st.integers(0, 5)))]))
    return ops


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_aggregates_equal_a_brute_force_recomputation(ops: list[tuple[str, object]]) -> None:
    rules = Rules()
    sit = Situation(DISTRICT, rules=rules)
    now = T0.timestamp()
    held: dict[str, r.Case] = {}
    for seq, (kind, arg) in enumerate(ops, start=1):
        if kind == "put":
            assert isinstance(arg, r.Case)
            held[arg.no] = arg
            sit.apply(Batch(False, (upd(arg, seq),), seq, "e"), now)
        elif kind == "delete":
            key = f"/case/DC{arg:010d}"
            held.pop(key[6:], None)
            sit.apply(Batch(False, (Update(key, seq, None, b""),), seq, "e"), now)
        elif kind == "tick":
            now += float(arg)  # type: ignore[arg-type]
            sit.tick(now)
        else:
            cases = arg  # type: ignore[assignment]
            held = {c.no: c for c in cases}  # type: ignore[attr-defined]
            sit.apply(Batch(True, tuple(upd(c, seq) for c in held.values()), seq, "e"), now)
    fresh = []
    for case in held.values():
        s = derive(case, DISTRICT, CAL, rules)
        s.evaluate(sit.now, rules.recent_hours * 3600)
        fresh.append(s)
    assert set(sit.cases) == set(held)
    assert incremental(sit) == brute_force(fresh, rules)
    # The same figures computed over the table at once (a past situation's way), and each row's
    # state as the table gives it back.
    of_table = Situation(DISTRICT, rules=rules)
    of_table.aggregates = Aggregates.of_table(rules, sit.table, sit.now)
    of_table.cases = sit.cases
    assert incremental(of_table) == brute_force(fresh, rules)
    assert set(of_table.aggregates.grids) == {s.unit_grid for s in fresh}
    assert set(of_table.aggregates.departments) == involved(fresh)
    for s in fresh:  # the time-dependent flags moved forward exactly
        mine = sit.cases[s.no]
        assert (mine.light, mine.overdue, mine.recent) == (s.light, s.overdue, s.recent)
    table = sit.table  # its columns (written lazily, rows reused after deletes) hold the same cases
    valid = np.flatnonzero(table.cols["valid"])
    assert sorted(table.nos[i] or "" for i in valid) == sorted(held)
    for s in fresh:
        row = table.row_of(s.no)
        assert row is not None
        c = table.cols
        assert (bool(c["open"][row]), bool(c["hard"][row]), int(c["returns"][row])) == (s.open, s.hard, s.returns)
        assert table.vocab["dept"].names[c["dept"][row]] == s.dept if s.dept else c["dept"][row] == -1
        assert np.isnan(c["deadline"][row]) if math.isnan(s.deadline) else c["deadline"][row] == s.deadline
        back = table.state(row)
        back.evaluate(sit.now, rules.recent_seconds)
        assert repr(back) == repr(s)  # every field (repr: NaN equals NaN)


# ---------------------------------------------------------------------- the table and the change sets
def where(sit: Situation, **f: frozenset[str]) -> set[str | None]:
    """The cases the queue's table selects by ``f`` (open or closed)."""
    return {sit.table.nos[row] for row in sit.table.select(CaseFilter(open_only=False, **f), sit.now)}  # type: ignore[arg-type]


def test_change_sets_and_the_table_agree() -> None:
    sit = Situation(DISTRICT)
    t = bj(2026, 11, 24, 9, 0)
    cases = [
        make_case(n, [(t, S.COLLECTED, A.COLLECT, None), (t + timedelta(minutes=n), S.DISPATCHED, A.DISPATCH, d)],
                  grid=g)
        for n, (d, g) in enumerate([("d-hwzx", GRIDS[0]), ("d-cgw", GRIDS[1]), ("d-hwzx", GRIDS[-1])], start=1)
    ]  # fmt: skip
    changes = sit.apply(Batch(False, tuple(upd(c) for c in cases), 3, "e"), t.timestamp())
    assert changes.cases == {c.no for c in cases}
    assert changes.grids == {GRIDS[0], GRIDS[1], GRIDS[-1]}
    assert where(sit, depts=frozenset({"d-hwzx"})) == {cases[0].no, cases[2].no}
    assert where(sit, streets=frozenset({GRIDS[-1][:9]})) == {cases[2].no}
    moved = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-cgw")], grid=GRIDS[1])
    changes = sit.apply(Batch(False, (upd(moved, 4),), 4, "e"), t.timestamp())
    assert changes.grids == {GRIDS[0], GRIDS[1]} and changes.departments >= {"d-hwzx", "d-cgw"}
    assert where(sit, depts=frozenset({"d-hwzx"})) == {cases[2].no}
    rows = sit.table.select(CaseFilter(depts=frozenset({"d-cgw"})), t.timestamp())
    assert sorted(sit.table.nos[i] for i in rows) == sorted([cases[0].no, cases[1].no])
    row = sit.table.row_of(cases[0].no)
    sit.apply(Batch(False, (Update(r.key_of(cases[2]), 5, None, b""),), 5, "e"), t.timestamp())
    assert sit.table.row_of(cases[0].no) == row  # stable row ids
    assert where(sit, depts=frozenset({"d-hwzx"})) == set()
    assert sit.case_record(cases[1].no) == cases[1]


def test_a_case_updated_over_and_over_holds_one_timer() -> None:
    """Each update of a case sets when its flags next flip; the situation holds that one instant,
    not one per update (a soak at 10,000 updates/s held ~45 MiB more a minute that way)."""
    sit = Situation(DISTRICT)
    t = bj(2026, 11, 24, 9, 0)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    for seq in range(1, 5001):
        sit.apply(Batch(False, (upd(case, seq),), seq, "e"), t.timestamp() + seq / 100)
    assert len(sit._timers) == 1 and sit._timers.entries() < 100
    when = sit._timers.at(case.no)
    assert when is not None and when > t.timestamp()
    sit.tick(when)  # and it still fires: the light moves on at its instant
    assert sit.cases[case.no].light is not Light.GREEN or sit._timers.at(case.no) != when


def test_table_sorts_and_filters_like_python() -> None:
    rng = np.random.default_rng(4)
    sit = Situation(DISTRICT)
    t = bj(2026, 11, 24, 9, 0)
    cases = []
    for n in range(1, 400):
        at = t + timedelta(minutes=int(rng.integers(0, 3000)))
        dept = str(rng.choice(["d-hwzx", "d-cgw", "u-power"]))
        step = [S.DISPATCHED, S.HANDLING, S.CLOSED][int(rng.integers(0, 3))]
        cases.append(make_case(n, [(at, S.COLLECTED, A.COLLECT, None), (at, S.DISPATCHED, A.DISPATCH, dept),
                                   (at + timedelta(minutes=5), step, A.HANDLE, dept)],
                               grid=GRIDS[int(rng.integers(0, len(GRIDS)))]))  # fmt: skip
    now = (t + timedelta(days=3)).timestamp()
    sit.apply(Batch(True, tuple(upd(c) for c in cases), 1, "e"), now)
    f = CaseFilter(depts=frozenset({"d-cgw", "u-power"}), text="案件 1")
    rows = sit.table.order(sit.table.select(f, now), "deadline", descending=False, now=now)
    got = [sit.table.nos[i] for i in rows]
    want = sorted(
        (s for s in sit.cases.values() if s.open and s.dept in f.depts and "案件 1" in s.title),
        key=lambda s: (s.deadline if not math.isnan(s.deadline) else math.inf, int(s.no[2:])),
    )
    assert got == [s.no for s in want]
    by_street = sit.table.order(sit.table.select(CaseFilter(open_only=False), now), "street", True, now)
    streets = [sit.cases[sit.table.nos[i]].street for i in by_street]  # type: ignore[index]
    assert streets == sorted(streets, reverse=True)
    with pytest.raises(ValueError, match="cannot sort"):
        sit.table.order(rows, "colour", False, now)


def test_last_known_and_past_situations_are_marked() -> None:
    t = bj(2026, 11, 24, 9, 0)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    bodies = {r.key_of(case): r.encode(case), "/case/BROKEN0001": b"{not json"}
    past = Situation.picture(DISTRICT, bodies, t.timestamp(), provenance=Provenance.PAST, as_of=t.timestamp()).held()
    assert set(past.cases) == {case.no} and past.provenance is Provenance.PAST and past.read_only
    with pytest.raises(RuntimeError, match="read-only"):
        past.apply(Batch(True, (), 1, "e"), t.timestamp())
    known = Situation.picture(DISTRICT, bodies, t.timestamp(), provenance=Provenance.LAST_KNOWN, as_of=0.0).held()
    known.apply(Batch(False, (upd(case, 5),), 5, "e"), t.timestamp())
    assert known.provenance is Provenance.LAST_KNOWN  # an update alone does not make it live
    known.apply(Batch(True, (upd(case, 6),), 6, "e"), t.timestamp())
    assert (known.provenance, known.as_of) == (Provenance.LIVE, None)


def test_a_case_numbers_sort_key_is_its_digits_whatever_its_form() -> None:
    assert _no_key("DC2026112300012") == 2026112300012  # the usual form
    assert _no_key("F000000123") == 123  # a digit in the first two: the digits all the same
    assert _no_key("A1B2-3_c") == 123
    assert _no_key("XY" + "9" * 25) == int("9" * 18)  # at most 18 digits, the last ones
    assert _no_key("case-abc") == 0
