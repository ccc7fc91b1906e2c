"""The daily figures (no Qt, no SQL): a simulated week against a plain count from the records, the
edge cases of the day's boundaries by hand, the covered days, and spans."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest

from console.core import daily
from console.core.case_state import CaseState, derive
from console.core.daily import DISTRICT_ID, DayFigures, Scope
from console.core.rules import Rules, is_open_step
from console.core.situation import Situation
from server_link import records as r
from server_link.link_state import Batch, Update
from server_link.sim.engine import Simulation
from server_link.workcal import BEIJING, WorkCalendar
from tests.support.district_days import AS_OF, district, picture

S, A = r.Step, r.Action
CAL = WorkCalendar()
RULES = Rules()
GRID = "110101001001001"  # a unit grid of street 110101001
CLEANING = "C030102"  # 公共厕所 保洁不到位: 2 working hours


def bj(*a: int) -> datetime:
    return datetime(*a, tzinfo=BEIJING)


# ---------------------------------------------------------------------- the plain count
def plain_counts(cases: list[tuple[r.Case, CaseState]], day: date) -> dict[tuple[Scope, str], Counter[str]]:
    """The module docstring's definitions counted straight from the records, one day at a time."""
    start = datetime.combine(day, time(0), BEIJING)
    end = start + timedelta(days=1)
    out: dict[tuple[Scope, str], Counter[str]] = {}
    for case, state in cases:
        before = [e for e in case.timeline if e.at < end]
        routing = [e for e in case.timeline if e.dept and (e.action is A.DISPATCH or
                   (e.action is A.DECISION and e.step is S.DISPATCHED))]  # fmt: skip
        if routing and all(e.at < end for e in routing):
            dept = case.dept
        elif routing:
            dept = next((e.dept for e in reversed(routing) if e.at < end), None)
        else:
            dept = case.dept
        scopes = [(Scope.DISTRICT, DISTRICT_ID), (Scope.STREET, case.street)]
        if dept is not None:
            scopes.append((Scope.DEPARTMENT, dept))
        n: Counter[str] = Counter()
        if start <= case.received_at < end:
            n["received"] += 1
        closes = [e.at for e in case.timeline if e.action is A.CLOSE]
        closed_at = closes[-1] if closes and case.step in (S.CLOSED, S.EVALUATED) else None
        if closed_at is not None and start <= closed_at < end:
            n["closed"] += 1
            deadline = None if math.isnan(state.deadline) else state.deadline
            n["closed_on_time"] += deadline is None or closed_at.timestamp() <= deadline
        never_seen_closing = case.step in (S.CLOSED, S.EVALUATED) and closed_at is None
        if before and is_open_step(before[-1].step) and not never_seen_closing:
            n["open"] += 1
            n["overdue"] += state.deadline < end.timestamp()
        if case.channel == RULES.hotline_channel:
            received_on = case.received_at.astimezone(BEIJING).date()
            files = [e.at for e in case.timeline if e.action is A.FILE]
            last_chance = received_on + timedelta(days=1)
            if files and files[0].astimezone(BEIJING).date() <= last_chance:
                settled, responded = files[0].astimezone(BEIJING).date(), True
            elif not files and closed_at is not None and closed_at.astimezone(BEIJING).date() <= last_chance:
                settled, responded = closed_at.astimezone(BEIJING).date(), False
            else:
                settled, responded = last_chance, False
            if settled == day:
                n["hotline_settled"] += 1
                n["hotline_responded"] += responded
            callbacks = [e.at for e in case.timeline if e.action is A.CALLBACK]
            if callbacks and start <= callbacks[-1] < end:
                if case.resolved is not None:
                    n["hotline_callbacks"] += 1
                    n["hotline_resolved"] += case.resolved
                if case.satisfied is not None:
                    n["hotline_rated"] += 1
                    n["hotline_satisfied"] += case.satisfied
        for scope in scopes:
            out.setdefault(scope, Counter()).update(n)
    return out


def as_counts(row: DayFigures) -> Counter[str]:
    return Counter({name: getattr(row, name) for name in daily.COUNTS if getattr(row, name)})


def records(bodies: dict[str, bytes]) -> list[tuple[r.Case, CaseState]]:
    out = []
    for key, body in bodies.items():
        if key.startswith("/case/"):
            case = r.decode(key, body)
            assert isinstance(case, r.Case)
            out.append((case, derive(case, district(), CAL, RULES)))
    return out


def test_a_simulated_weeks_rows_equal_a_plain_count_of_the_records() -> None:
    bodies = picture()
    facts, bad = daily.facts_of_bodies(bodies, district())
    assert bad == 0 and len(facts) > 3000
    days = daily.covered_days(facts, AS_OF.timestamp())
    assert days == [date(2026, 11, 25) + timedelta(days=n) for n in range(5)]  # the first, partial day included
    d = district()
    rows = daily.day_figures(facts, days, streets=d.streets, departments=d.departments)
    cases = records(bodies)
    for day in days:
        expected = plain_counts(cases, day)
        got = {(row.scope, row.scope_id): as_counts(row) for row in rows if row.day == day}
        assert set(got) >= {(Scope.STREET, s) for s in d.streets} | {(Scope.DEPARTMENT, x) for x in d.departments}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}, day
    district_rows = [row for row in rows if row.scope is Scope.DISTRICT]
    assert [row.day for row in district_rows] == days
    # the simulated district exercises every count (else the comparison above proves less than it says)
    assert all(sum(getattr(row, name) for row in district_rows) > 0 for name in daily.COUNTS)
    assert 0 < sum(row.overdue for row in district_rows) < sum(row.open for row in district_rows)
    assert sum(row.hotline_responded for row in district_rows) == sum(row.hotline_settled for row in district_rows)


def test_the_figures_of_a_situation_equal_those_of_its_bodies() -> None:
    bodies = picture()
    sit = Situation(district())
    updates = tuple(Update(k, i, r.decode(k, b), b) for i, (k, b) in enumerate(sorted(bodies.items()), 1))
    sit.apply(Batch(True, updates, len(updates), "e"), AS_OF.timestamp())
    from_situation = daily.facts_of_situation(sit)
    from_bodies, _ = daily.facts_of_bodies(bodies, district())
    assert sorted(from_situation, key=lambda f: (f.received_at, f.street)) == sorted(
        from_bodies, key=lambda f: (f.received_at, f.street)
    )
    bare = Situation(district(), keep_bodies=False)
    cases = tuple(u for u in updates if u.key.startswith("/case/"))[:5]
    bare.apply(Batch(True, cases, 5, "e"), AS_OF.timestamp())
    assert len(bare.cases) == 5
    with pytest.raises(ValueError, match="timelines"):
        daily.facts_of_situation(bare)


# ---------------------------------------------------------------------- the day's edges, by hand
def make_case(
    n: int,
    timeline: list[tuple[datetime, r.Step, r.Action, str | None]],
    *,
    channel: str = "ch-12345",
    deadline: datetime | None = None,
    resolved: bool | None = None,
    satisfied: bool | None = None,
) -> r.Case:
    events = [r.Event(at=at, step=step, action=action, dept=dept) for at, step, action, dept in timeline]
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel=channel, category=CLEANING, title=f"案件 {n}", lon=116.41,
        lat=39.92, unit_grid=GRID, street=GRID[:9], step=events[-1].step, loop=r.Loop.BIG,
        dept=next((e.dept for e in reversed(events) if e.dept), None), received_at=events[0].at,
        step_at=events[-1].at, deadline=deadline, resolved=resolved, satisfied=satisfied, timeline=events,
    )  # fmt: skip


def figures(cases: list[r.Case], days: list[date]) -> dict[tuple[date, Scope, str], DayFigures]:
    facts = [daily.case_facts(derive(c, district(), CAL, RULES), c.timeline, RULES.hotline_channel) for c in cases]
    return {(row.day, row.scope, row.scope_id): row for row in daily.day_figures(facts, days, departments=["d-idle"])}


D1, D2, D3 = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)
WHOLE = (Scope.DISTRICT, DISTRICT_ID)


def test_a_late_call_is_responded_on_the_next_day_and_an_unfiled_one_fails_once() -> None:
    late = make_case(1, [(bj(2026, 11, 24, 23, 50), S.COLLECTED, A.COLLECT, None),
                         (bj(2026, 11, 25, 0, 10), S.FILED, A.FILE, None)])  # fmt: skip
    never = make_case(2, [(bj(2026, 11, 24, 8, 0), S.COLLECTED, A.COLLECT, None)])
    too_late = make_case(3, [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None),
                             (bj(2026, 11, 26, 9, 0), S.FILED, A.FILE, None)])  # fmt: skip
    closed_unfiled = make_case(4, [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None),
                                   (bj(2026, 11, 24, 9, 30), S.COLLECTED, A.DECISION, None),
                                   (bj(2026, 11, 24, 9, 30), S.CLOSED, A.CLOSE, None)])  # fmt: skip
    patrol = make_case(5, [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None)], channel="ch-patrol")
    got = figures([late, never, too_late, closed_unfiled, patrol], [D1, D2, D3])
    day1, day2, day3 = (got[(d, *WHOLE)] for d in (D1, D2, D3))
    assert (day1.received, day1.hotline_settled, day1.hotline_responded) == (5, 1, 0)  # closed unfiled: not responded
    assert (day2.received, day2.hotline_settled, day2.hotline_responded) == (0, 3, 1)  # late: yes; never, too late: no
    assert (day3.hotline_settled, day3.hotline_responded) == (0, 0)  # a filing after its last chance counts nowhere
    assert day1.response_rate == 0.0 and day2.response_rate == pytest.approx(1 / 3) and math.isnan(day3.response_rate)


def test_open_overdue_and_closed_at_the_days_boundaries() -> None:
    start = [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None),
             (bj(2026, 11, 24, 9, 5), S.FILED, A.FILE, None),
             (bj(2026, 11, 24, 9, 10), S.DISPATCHED, A.DISPATCH, "d-a")]  # fmt: skip
    closing = [
        (bj(2026, 11, 25, 0, 0), S.FEEDBACK, A.FEEDBACK, "d-a"),
        (bj(2026, 11, 25, 0, 0), S.CLOSED, A.CLOSE, "d-a"),
    ]
    at_midnight = make_case(1, [*start, *closing], channel="ch-patrol", deadline=bj(2026, 11, 26, 0, 0))
    due_at_midnight = make_case(2, start, channel="ch-patrol", deadline=bj(2026, 11, 25, 0, 0))
    due_before = make_case(3, start, channel="ch-patrol", deadline=bj(2026, 11, 24, 23, 59, 59))
    late_close = make_case(4, [*start, (bj(2026, 11, 25, 10, 0), S.FEEDBACK, A.FEEDBACK, "d-a"),
                               (bj(2026, 11, 25, 10, 0), S.CLOSED, A.CLOSE, "d-a")],
                           channel="ch-patrol", deadline=bj(2026, 11, 25, 9, 0))  # fmt: skip
    no_close = make_case(5, [*start, (bj(2026, 11, 24, 10, 0), S.CLOSED, A.EVALUATE, "d-a")], channel="ch-patrol")
    got = figures([at_midnight, due_at_midnight, due_before, late_close, no_close], [D1, D2])
    a1, a2 = got[(D1, Scope.DEPARTMENT, "d-a")], got[(D2, Scope.DEPARTMENT, "d-a")]
    # Day 1's end: 1, 2, 3 and 4 open (closed at midnight is closed on day 2); 3 overdue (2 is due at
    # the next day's first instant: not yet); 5 was never seen open nor closed.
    assert (a1.open, a1.overdue, a1.closed, a1.received) == (4, 1, 0, 5)
    assert (a2.open, a2.overdue, a2.closed, a2.closed_on_time) == (2, 2, 2, 1)  # 1 on time, 4 late
    assert a2.closure_rate == pytest.approx(2 / 4) and a2.on_time_rate == pytest.approx(1 / 2)
    assert got[(D1, Scope.STREET, GRID[:9])].counts() == a1.counts()
    assert got[(D1, Scope.DEPARTMENT, "d-idle")].counts() == (0,) * len(daily.COUNTS)  # listed: a row of zeros


def test_today_so_far_takes_its_stocks_now_not_at_midnight() -> None:
    """The leaders' today: a case due this evening is open, not overdue, at 16:00; at the day's end
    (a past day's row) it is overdue."""
    start = [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None),
             (bj(2026, 11, 24, 9, 10), S.DISPATCHED, A.DISPATCH, "d-a")]  # fmt: skip
    due_tonight = make_case(1, start, channel="ch-patrol", deadline=bj(2026, 11, 24, 20, 0))
    due_this_morning = make_case(2, start, channel="ch-patrol", deadline=bj(2026, 11, 24, 11, 0))
    facts = [daily.case_facts(derive(c, district(), CAL, RULES), c.timeline, RULES.hotline_channel)
             for c in (due_tonight, due_this_morning)]  # fmt: skip
    now = bj(2026, 11, 24, 16, 0).timestamp()
    (so_far,) = [x for x in daily.day_figures(facts, [D1], as_of=now) if x.scope is Scope.DISTRICT]
    (whole,) = [x for x in daily.day_figures(facts, [D1]) if x.scope is Scope.DISTRICT]
    assert (so_far.open, so_far.overdue) == (2, 1)
    assert (whole.open, whole.overdue) == (2, 2)


def test_a_rerouted_case_counts_with_the_department_that_had_it_at_each_days_end() -> None:
    case = make_case(1, [(bj(2026, 11, 24, 9, 0), S.COLLECTED, A.COLLECT, None),
                         (bj(2026, 11, 24, 9, 5), S.FILED, A.FILE, None),
                         (bj(2026, 11, 24, 9, 10), S.DISPATCHED, A.DISPATCH, "d-a"),
                         (bj(2026, 11, 25, 11, 0), S.FILED, A.RETURN, "d-a"),
                         (bj(2026, 11, 25, 15, 0), S.DISPATCHED, A.DECISION, "d-b"),
                         (bj(2026, 11, 26, 9, 0), S.HANDLING, A.ACCEPT, "d-b")])  # fmt: skip
    got = figures([case], [D1, D2, D3])
    assert [(d, dept) for (d, scope, dept), row in sorted(got.items()) if scope is Scope.DEPARTMENT and row.open] == [
        (D1, "d-a"), (D2, "d-b"), (D3, "d-b"),
    ]  # fmt: skip
    assert got[(D1, Scope.DEPARTMENT, "d-a")].received == 1 and got[(D2, Scope.DEPARTMENT, "d-a")].open == 0


def test_callbacks_count_on_the_day_of_the_last_one_with_the_records_answers() -> None:
    events = [(bj(2026, 11, 23, 9, 0), S.COLLECTED, A.COLLECT, None),
              (bj(2026, 11, 23, 9, 5), S.FILED, A.FILE, None),
              (bj(2026, 11, 23, 9, 10), S.DISPATCHED, A.DISPATCH, "d-a"),
              (bj(2026, 11, 23, 12, 0), S.FEEDBACK, A.FEEDBACK, "d-a"),
              (bj(2026, 11, 23, 12, 0), S.CLOSED, A.CLOSE, "d-a"),
              (bj(2026, 11, 24, 10, 0), S.CLOSED, A.CALLBACK, None),
              (bj(2026, 11, 25, 10, 0), S.CLOSED, A.CALLBACK, None)]  # fmt: skip
    twice = make_case(1, events, resolved=True, satisfied=False)
    unsaid = make_case(2, [*events[:5], (bj(2026, 11, 24, 18, 0), S.EVALUATED, A.EVALUATE, "d-a")], satisfied=True)
    not_asked = make_case(3, events[:5])
    got = figures([twice, unsaid, not_asked], [D1, D2])
    d1, d2 = got[(D1, *WHOLE)], got[(D2, *WHOLE)]
    # no callback event: the answers count on the day of the last event; no resolution known: not a call-back
    assert (d1.hotline_callbacks, d1.hotline_rated, d1.hotline_satisfied) == (0, 1, 1)
    assert (d2.hotline_callbacks, d2.hotline_resolved, d2.hotline_rated, d2.hotline_satisfied) == (1, 1, 1, 0)
    assert d2.resolution_rate == 1.0 and d2.satisfaction_rate == 0.0 and math.isnan(d1.resolution_rate)
    assert got[(D2, Scope.DEPARTMENT, "d-a")].hotline_callbacks == 1


# ---------------------------------------------------------------------- days and spans
def test_covered_days_run_from_the_first_day_within_the_backends_hold_to_yesterday() -> None:
    facts, _ = daily.facts_of_bodies(picture(), district())
    assert daily.covered_span(bj(2026, 12, 3, 10, 0).timestamp()) == (date(2026, 11, 27), date(2026, 12, 2))
    assert daily.covered_days(facts, AS_OF.timestamp(), timedelta(days=2)) == [date(2026, 11, 29)]
    half = timedelta(days=2, hours=12)  # back to Nov 27 22:00: Nov 28 is the first whole day
    assert daily.covered_days(facts, AS_OF.timestamp(), half) == [date(2026, 11, 28), date(2026, 11, 29)]
    # the cases begin on Nov 25 (10:00): no day before it, however long the backend keeps them
    assert daily.covered_days(facts, AS_OF.timestamp(), timedelta(days=30))[0] == date(2026, 11, 25)
    midnight = bj(2026, 11, 30, 0, 0).timestamp()
    assert daily.day_just_ended(midnight) == date(2026, 11, 29)
    assert daily.covered_span(midnight, timedelta(days=1)) == (date(2026, 11, 29), date(2026, 11, 29))
    assert daily.covered_days([], AS_OF.timestamp()) == []
    assert daily.day_of(midnight - 1) == date(2026, 11, 29) and daily.day_start(date(2026, 11, 30)) == midnight


def test_a_span_sums_the_flows_and_takes_the_stocks_of_its_last_day() -> None:
    a = DayFigures(D1, Scope.STREET, "110101001", received=10, closed=10, closed_on_time=10, open=5, overdue=1,
                   hotline_settled=4, hotline_responded=4)  # fmt: skip
    b = DayFigures(D2, Scope.STREET, "110101001", received=2, closed=90, closed_on_time=45, open=7, overdue=3,
                   hotline_settled=1, hotline_responded=0)  # fmt: skip
    total = daily.span([b, a])
    assert (total.day, total.received, total.closed, total.closed_on_time, total.open, total.overdue) == (
        D2, 12, 100, 55, 7, 3,
    )  # fmt: skip
    assert total.on_time_rate == pytest.approx(0.55)  # not the mean of 1.0 and 0.5
    assert total.response_rate == pytest.approx(0.8) and total.closure_rate == pytest.approx(100 / 107)
    with pytest.raises(ValueError, match="one scope"):
        daily.span([a, DayFigures(D2, Scope.STREET, "110101002")])
    with pytest.raises(ValueError, match="at least one"):
        daily.span([])


def test_the_day_so_far_at_an_hour_is_what_that_hours_own_picture_said() -> None:
    """The leaders' "today" curve: the day's row at 08:00 computed from the 10:00 picture (events
    after 08:00 as if not yet) equals the row the 08:00 picture itself gave; at the present it is
    today's row."""
    eight = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 Beijing
    sim = Simulation(district(), seed=3, start=eight - timedelta(days=4))
    bodies = dict(sim.reference())
    pictures = []
    for until in (eight, eight + timedelta(hours=2)):
        sim.run(until=until)
        for key, body in sim.drain():
            if body:
                bodies[key] = body
            else:
                bodies.pop(key, None)
        pictures.append(dict(bodies))
    then, _ = daily.facts_of_bodies(pictures[0], district())
    later, _ = daily.facts_of_bodies(pictures[1], district())
    day = daily.day_of(eight.timestamp())
    (at_eight,) = [x for x in daily.day_figures(then, [day], as_of=eight.timestamp()) if x.scope is Scope.DISTRICT]
    assert daily.district_so_far(later, eight.timestamp()) == at_eight
    assert at_eight.received > 0 and at_eight.open > 0 and at_eight.closed > 0  # (it compares something)
    ten = (eight + timedelta(hours=2)).timestamp()
    (now,) = [x for x in daily.day_figures(later, [day], as_of=ten) if x.scope is Scope.DISTRICT]
    assert daily.district_so_far(later, ten) == now
    assert now.received > at_eight.received
