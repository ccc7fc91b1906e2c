"""One rule, one place (no Qt): the light, overdue, the open steps, the loop's order and the KPI
thresholds are defined in ``console/core/rules.py``; the case, the case table, the indicators and the
views use that definition, and no other module spells a rule out again."""

from __future__ import annotations

import ast
import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.core.aggregates import DistrictFigures
from console.core.case_state import derive
from console.core.case_table import CaseFilter
from console.core.rules import (
    OPEN_STEPS,
    STEP_ORDER,
    STEPS,
    KpiThresholds,
    Level,
    Light,
    Rules,
    is_open_step,
    is_overdue,
    light_at,
    lights_at,
)
from console.core.situation import Situation
from server_link import records as r
from server_link.link_state import Batch
from tests.core.test_situation import CABLES, CAL, DISTRICT, T0, bj, make_case, random_case, upd

ROOT = Path(__file__).resolve().parents[2]
NAN, INF = math.nan, math.inf
G, Y, R, N = Light.GREEN, Light.YELLOW, Light.RED, Light.NONE


# ---------------------------------------------------------------------- the light
@pytest.mark.parametrize(
    ("is_open", "deadline", "yellow_at", "now", "light"),
    [
        (True, 100.0, 80.0, 79.0, G),
        (True, 100.0, 80.0, 80.0, Y),  # from the yellow instant on, that instant included
        (True, 100.0, 80.0, 99.9, Y),
        (True, 100.0, 80.0, 100.0, R),  # from the deadline on, that instant included: overdue
        (True, 100.0, 120.0, 110.0, R),  # a yellow instant after the deadline never hides red
        (True, NAN, NAN, 1e12, G),  # no deadline: never yellow, never red
        (True, NAN, 80.0, 90.0, Y),
        (True, INF, 80.0, 1e12, Y),
        (False, 100.0, 80.0, 200.0, N),  # closed: no light, however late
        (False, NAN, NAN, 0.0, N),
    ],
)
def test_the_light_rule(is_open: bool, deadline: float, yellow_at: float, now: float, light: Light) -> None:
    assert light_at(is_open, deadline, yellow_at, now) is light
    assert lights_at(np.array([is_open]), np.array([deadline]), np.array([yellow_at]), now).tolist() == [light]
    assert (light is R) == (is_open and is_overdue(deadline, now))


INSTANTS = st.sampled_from([NAN, -INF, INF, 0.0, 80.0, 100.0]) | st.floats(-1e3, 1e3)


@given(st.lists(st.tuples(st.booleans(), INSTANTS, INSTANTS), min_size=1, max_size=40), INSTANTS)
def test_the_vectorised_light_is_the_same_rule(rows: list[tuple[bool, float, float]], now: float) -> None:
    """Drawn from a few shared instants, so ``now`` often equals a deadline or a yellow instant."""
    is_open, deadline, yellow = (np.array(col) for col in zip(*rows, strict=True))
    expected = [light_at(o, d, y, now) for o, d, y in rows]
    got = lights_at(is_open.astype(bool), deadline.astype(np.float64), yellow.astype(np.float64), now)
    assert got.dtype == np.int8 and got.tolist() == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 400), min_size=1, max_size=25, unique=True).flatmap(
    lambda ns: st.tuples(*(random_case(n) for n in ns))
), st.lists(st.integers(-3 * 86400, 9 * 86400), max_size=4))  # fmt: skip
def test_the_table_the_case_and_the_filter_agree_on_every_light(cases: tuple[r.Case, ...], offsets: list[int]) -> None:
    """``CaseTable.lights`` (vectorised), ``CaseTable.light`` (one row), ``CaseState.evaluate`` and the
    table's red/overdue filter, at each case's own yellow instant and deadline and at other instants."""
    rules = Rules()
    sit = Situation(DISTRICT, rules=rules)
    sit.apply(Batch(True, tuple(upd(c) for c in cases), 1, "e"), T0.timestamp())
    states = list(sit.cases.values())
    rows = np.array([sit.table.row_of(s.no) for s in states], dtype=np.int64)
    instants = {T0.timestamp() + k for k in offsets}
    instants |= {t for s in states for t in (s.yellow_at, s.deadline) if math.isfinite(t)}
    for now in sorted(instants):
        for s in states:
            s.evaluate(now, rules.recent_seconds)
        lights = [s.light for s in states]
        assert sit.table.lights(now, rows).tolist() == lights
        assert [sit.table.light(int(row), now) for row in rows] == lights
        assert [s.overdue for s in states] == [light is R for light in lights]
        red = sit.table.select(CaseFilter(open_only=False, overdue_only=True), now)
        assert {sit.table.nos[x] for x in red.tolist()} == {s.no for s in states if s.overdue}


# ---------------------------------------------------------------------- the steps
def test_the_open_steps_are_the_first_five_of_the_loop() -> None:
    assert tuple(r.Step) == STEPS and [STEP_ORDER[s] for s in STEPS] == list(range(7))
    assert STEPS[:5] == OPEN_STEPS and not any(is_open_step(s) for s in (r.Step.CLOSED, r.Step.EVALUATED))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 400), min_size=1, max_size=20, unique=True).flatmap(
    lambda ns: st.tuples(*(random_case(n) for n in ns))
))  # fmt: skip
def test_a_case_the_table_and_the_backlog_use_the_open_steps(cases: tuple[r.Case, ...]) -> None:
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, tuple(upd(c) for c in cases), 1, "e"), T0.timestamp())
    c = sit.table.cols
    for case in cases:
        s = derive(case, DISTRICT, CAL, sit.rules)
        row = sit.table.row_of(case.no)
        assert row is not None
        assert s.open == is_open_step(case.step) == bool(c["open"][row])
        assert int(c["step"][row]) == STEP_ORDER[case.step]
    backlog = sit.aggregates.district.backlog
    assert sum(backlog[s.value] for s in OPEN_STEPS) == sum(s.open for s in sit.cases.values())
    assert all(backlog[s.value] == 0 for s in STEPS if s not in OPEN_STEPS)


# ---------------------------------------------------------------------- the KPI thresholds
def test_the_kpi_levels_and_their_boundaries() -> None:
    t = KpiThresholds()
    calm = DistrictFigures()  # nothing held: every rate is NaN, which is no reason for alarm
    assert set(t.levels(calm).values()) == {Level.NORMAL}
    d = DistrictFigures(overdue=1, hard_open=1, hotline=100, hotline_responded=99, held=10, closed=9)
    d.hotline_callbacks, d.hotline_resolved, d.hotline_rated, d.hotline_satisfied = 20, 19, 20, 19
    assert t.levels(d) == {
        "overdue": Level.ALARM, "hard": Level.WARN,
        # each rate exactly at its floor (99 %, 95 %, 95 %, 90 %) is still normal
        "response": Level.NORMAL, "resolution": Level.NORMAL, "satisfaction": Level.NORMAL, "closure": Level.NORMAL,
    }  # fmt: skip
    d.hotline_responded, d.hotline_resolved, d.hotline_satisfied, d.closed = 98, 18, 18, 8
    assert {k for k, v in t.levels(d).items() if v is Level.WARN} == {
        "hard", "response", "resolution", "satisfaction", "closure",
    }  # fmt: skip
    stricter = Rules(kpi=KpiThresholds(overdue_alarm=2, hard_warn=5))
    assert stricter.kpi.levels(d)["overdue"] is Level.NORMAL and stricter.kpi.levels(d)["hard"] is Level.NORMAL


# ---------------------------------------------------------------------- nobody spells a rule out again
_STEP_NAMES = frozenset(s.name for s in r.Step)


def _sources() -> list[Path]:
    return [p for base in ("console", "widgets") for p in sorted((ROOT / base).rglob("*.py"))]


def test_no_module_but_the_rules_lists_steps() -> None:
    """A tuple, list or set of two or more steps outside ``rules.py`` is a second definition of the
    open steps or the loop's order (a dict keyed by step, such as a table of names, is not)."""
    found = []
    for path in _sources():
        if path == ROOT / "console/core/rules.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                steps = [e for e in node.elts if isinstance(e, ast.Attribute) and e.attr in _STEP_NAMES]
                if len(steps) >= 2:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not found, "use console.core.rules (OPEN_STEPS, STEPS, STEP_ORDER):\n" + "\n".join(found)


def test_only_the_core_reads_the_yellow_instant() -> None:
    """The yellow instant means nothing but the light: a view that reads it is computing a light."""
    found = []
    for path in _sources():
        if path.is_relative_to(ROOT / "console/core"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == "yellow_at") or (
                isinstance(node, ast.Constant) and node.value == "yellow_at"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "show the core's light (CaseState.light, CaseTable.light/lights):\n" + "\n".join(found)


def test_a_case_turns_red_at_its_deadline_in_the_situation() -> None:
    """The whole path: a derived case is yellow just before its deadline and red at it."""
    t = bj(2026, 11, 24, 10, 0)
    c = make_case(
        1, [(t, r.Step.COLLECTED, r.Action.COLLECT, None), (t, r.Step.DISPATCHED, r.Action.DISPATCH, "d-cgw")],
        category=CABLES,
    )  # fmt: skip
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, (upd(c),), 1, "e"), t.timestamp())
    s = sit.cases[c.no]
    assert s.deadline == (t + timedelta(hours=2)).timestamp()
    sit.tick(s.deadline - 1)
    assert s.light is Y and not s.overdue
    sit.tick(s.deadline)
    assert s.light is R and s.overdue and sit.aggregates.district.overdue == 1
