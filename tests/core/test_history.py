"""The 24-hour history rebuilt from timelines: spans per department, and its last point is the live figure."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from console.core.history import HeldByDepartment, open_held_by_department
from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.calibrate import START
from server_link.sim.engine import Simulation
from tests.core.test_situation import A, S, bj, make_case

NOW = bj(2026, 11, 27, 18, 0)


def hours_ago(h: float) -> datetime:
    return NOW - timedelta(hours=h)


def test_a_department_holds_a_case_from_the_event_naming_it_until_another_is_named_or_it_closes() -> None:
    case = make_case(1, [
        (hours_ago(30), S.COLLECTED, A.COLLECT, None),
        (hours_ago(5), S.DISPATCHED, A.DISPATCH, "d-hwzx"),
        (hours_ago(3), S.FILED, A.RETURN, "d-hwzx"),  # returned: still counted where the record says
        (hours_ago(2), S.DISPATCHED, A.DISPATCH, "d-cgw"),
        (hours_ago(1), S.CLOSED, A.CLOSE, "d-cgw"),
    ])  # fmt: skip
    still_open = make_case(2, [(hours_ago(26), S.COLLECTED, A.COLLECT, None),
                               (hours_ago(25), S.DISPATCHED, A.DISPATCH, "d-cgw")])  # fmt: skip
    times, held = open_held_by_department([case, still_open], NOW.timestamp(), hours=24, step_s=1800)
    assert len(times) == 49 and times[-1] == NOW.timestamp() and np.all(np.diff(times) == 1800)
    hours = (NOW.timestamp() - times) / 3600  # how long ago each sample is
    assert list(held["d-hwzx"]) == [int(5 >= h > 2) for h in hours]
    assert list(held["d-cgw"]) == [1 + int(2 >= h > 1) for h in hours]  # the open one all day long


def test_the_last_point_is_every_departments_live_open_figure() -> None:
    district = load_district()
    sim = Simulation(district, seed=2, start=START)
    stream = [*sim.reference()]
    t = START
    while t < START + timedelta(days=2):
        t += timedelta(minutes=30)
        sim.run(until=t)
        stream += sim.drain()
    updates = tuple(Update(k, i, r.decode(k, b) if b else None, b) for i, (k, b) in enumerate(stream, 1))
    sit = Situation(district)
    sit.apply(Batch(True, updates, len(updates), "e"), t.timestamp())
    records = [x for no in sit.cases if (x := sit.case_record(no)) is not None]
    _, held = open_held_by_department(records, t.timestamp())
    live = {d: f.open for d, f in sit.aggregates.departments.items() if f.open}
    assert live and {d: int(v[-1]) for d, v in held.items() if v[-1]} == live
    assert any(v.max() > v[-1] for v in held.values())  # a history, not a flat copy of now


def test_cases_added_in_slices_give_what_one_pass_gives() -> None:
    district = load_district()
    sim = Simulation(district, seed=3, start=START)
    sim.run(until=START + timedelta(days=1))
    stream = [*sim.reference(), *sim.drain()]
    records = [x for k, b in stream if b and isinstance(x := r.decode(k, b), r.Case)]
    end = (START + timedelta(days=1)).timestamp()
    times, whole = open_held_by_department(records, end, step_s=900)
    sliced = HeldByDepartment(end, step_s=900)
    for i in range(0, len(records), 7):
        sliced.add(iter(records[i : i + 7]))
    assert len(records) > 50 and np.array_equal(sliced.times, times)
    assert whole and sliced.result().keys() == whole.keys()
    assert all(np.array_equal(sliced.result()[d], whole[d]) for d in whole)
