"""Past situations built with the derived-state cache equal those built without it."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest

from console.core.case_table import CaseFilter
from console.core.derived_cases import DerivedCases
from console.core.rules import Light, Rules
from console.core.situation import Provenance, Situation
from server_link import records as r
from tests.core.test_situation import CABLES, DISTRICT, GRIDS, A, S, bj, make_case


def bodies_at(n_cases: int, moved: set[int]) -> dict[str, bytes]:
    """``n_cases`` cases; those in ``moved`` dispatched (another version of their body)."""
    t = bj(2026, 11, 24, 9, 0)
    out = {}
    for i in range(n_cases):
        timeline = [(t + timedelta(minutes=i), S.COLLECTED, A.COLLECT, None)]
        if i in moved:
            timeline.append((t + timedelta(minutes=i + 5), S.DISPATCHED, A.DISPATCH, "d-hwzx"))
        case = make_case(i, timeline, category=CABLES, grid=GRIDS[i % 7])
        out[r.key_of(case)] = r.encode(case)
    out["/case/BROKEN0001"] = b"{not json"
    return out


def past(bodies: dict[str, bytes], at: float, derived: DerivedCases | None, rules: Rules | None = None) -> Situation:
    return Situation.picture(
        DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at, derived=derived, rules=rules
    ).held()


def figures(sit: Situation) -> tuple[object, ...]:
    pickle.dumps(sit.detached())  # it crosses processes like this
    sit.attach(DISTRICT)
    cases = sorted((no, repr(s)) for no, s in sit.cases.items())  # every field (repr: NaN equals NaN)
    grids = sorted((g, vars(f)) for g, f in sit.aggregates.grids.items())
    depts = sorted((d, vars(f)) for d, f in sit.aggregates.departments.items())
    queue = sorted(str(sit.table.nos[row]) for row in sit.table.select(CaseFilter(open_only=False), sit.now))
    return cases, grids, depts, vars(sit.aggregates.district), queue, dict(sit.rejects), len(sit.table)


def test_each_version_is_derived_once_and_the_pictures_are_the_same() -> None:
    derived = DerivedCases()
    morning, evening = bj(2026, 11, 24, 10, 0).timestamp(), bj(2026, 11, 24, 20, 0).timestamp()
    first, second = bodies_at(40, {1, 2}), bodies_at(40, {1, 2, 3, 4, 5})

    assert figures(past(first, morning, derived)) == figures(past(first, morning, None))
    assert (derived.hits, derived.misses, len(derived)) == (0, 41, 40)  # the broken body is not held
    # Later, three cases have moved on: only their new versions are derived; the lights are the
    # evening's (the cached states were evaluated in the morning), exactly as a build from scratch.
    again = past(second, evening, derived)
    assert (derived.hits, derived.misses, len(derived)) == (37, 45, 43)
    assert figures(again) == figures(past(second, evening, None))
    assert again.cases["DC0000000001"].light is Light.RED
    assert past(second, morning, derived).cases["DC0000000001"].light is Light.GREEN


def test_a_handed_out_state_is_the_situations_own() -> None:
    derived = DerivedCases()
    bodies = bodies_at(3, set())
    at = bj(2026, 11, 24, 12, 0).timestamp()
    one = past(bodies, at, derived)
    one.cases["DC0000000001"].title = "changed in one situation"
    other = past(bodies, at, derived)
    assert other.cases["DC0000000001"].title == "案件 1" and derived.hits == 3


def test_other_rules_start_afresh_and_the_oldest_go_first() -> None:
    derived = DerivedCases(limit=10)
    at = bj(2026, 11, 24, 12, 0).timestamp()
    past(bodies_at(8, set()), at, derived)
    strict = Rules(hard_after_returns=1)
    again = past(bodies_at(8, set()), at, derived, strict)
    assert figures(again) == figures(past(bodies_at(8, set()), at, None, strict))
    assert derived.hits == 0 and len(derived) == 8
    past(bodies_at(12, set()), at, derived, strict)
    assert len(derived) == 10


def test_a_past_moved_forward_by_the_rows_between_equals_the_later_instant_rebuilt() -> None:
    morning, evening = bj(2026, 11, 24, 10, 0).timestamp(), bj(2026, 11, 24, 20, 0).timestamp()
    first, later = bodies_at(40, {1, 2}), bodies_at(40, {1, 2, 3, 4, 5})
    del later["/case/DC0000000007"]  # went
    later["/case/DC0000000009"] = b'{"schema": 1, "no": "broken'  # no longer decodes: not held
    added = make_case(41, [(bj(2026, 11, 24, 15, 0), S.COLLECTED, A.COLLECT, None)], category=CABLES)
    later[r.key_of(added)] = r.encode(added)
    rows = [(key, n, body) for n, (key, body) in enumerate(later.items()) if first.get(key) != body]
    rows += [(key, 99, b"") for key in first if key not in later]
    moved = past(first, morning, None)
    changes = moved.advance(rows, evening, sequence=99, epoch="e", as_of=evening - 60)
    rebuilt = past(later, evening, None)
    # Every case, figure and the queue's table as the rebuild (lights moved on by the clock alone too).
    assert figures(moved)[:5] == figures(rebuilt)[:5]
    assert moved.cases["DC0000000001"].light is Light.RED and "DC0000000007" not in moved.cases
    assert "DC0000000009" not in moved.cases and moved.rejects["json"] == rebuilt.rejects["json"] == 2
    assert {"DC0000000003", "DC0000000007", "DC0000000041"} <= changes.cases and changes.kpis
    assert (moved.sequence, moved.epoch, moved.as_of) == (99, "e", evening - 60)
    assert moved.provenance is Provenance.PAST and moved.read_only
    with pytest.raises(RuntimeError, match="only a past situation"):
        Situation(DISTRICT).advance([], evening, sequence=1, epoch="e", as_of=None)
