"""A past situation crosses processes in parts and arrives whole."""

from __future__ import annotations

import pickle

import pytest

from console.core.case_table import CaseFilter
from console.core.situation import Provenance, Situation
from console.store import past_picture
from server_link import records as r
from tests.core.test_derived_cases import bodies_at, figures
from tests.core.test_situation import DISTRICT, bj


def test_a_past_situation_arrives_whole_from_its_parts() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    n = past_picture.CASES_PER_PART * 2 + 500
    bodies = bodies_at(n, set(range(0, n, 3)))
    for i in range(past_picture.RECORDS_PER_PART + 1):
        dept = r.Department(schema=1, id=f"d-test{i}", name=f"部门 {i}", type=r.DepartmentKind.DISTRICT)
        bodies[r.key_of(dept)] = r.encode(dept)
    past = Situation.picture(DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at).held()
    want = figures(past)
    # As the store's process sends it: the situation, the records, then the cases derived there
    # (and held where they arrive: the figures and the queue's table are made on the receiving side).
    picture = Situation.picture(DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at)
    assert len(picture.situation.cases) == 0 and len(picture.cases) == n
    parts = list(past_picture.parts(picture))
    assert len(parts) == 1 + 2 + 3  # the situation, two parts of records, three of cases
    assert picture.situation.district is DISTRICT and len(picture.situation.records) == len(past.records)
    got = past_picture.unpack(parts, DISTRICT, pause=0)
    assert got.district is DISTRICT and got.read_only and got.provenance is Provenance.PAST
    assert figures(got) == want and got.bodies == past.bodies and got.records == past.records
    assert len(got.of_kind(r.Department)) == past_picture.RECORDS_PER_PART + 1
    assert got.case_record("DC0000000003") == past.case_record("DC0000000003") is not None
    search = CaseFilter(open_only=False, text="案件 12")
    assert sorted(got.table.select(search, at).tolist()) == sorted(past.table.select(search, at).tolist())
    assert len(got.table.select(search, at)) == 1 + 10 + 100


def test_parts_out_of_order_or_unknown_are_refused() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    picture = Situation.picture(DISTRICT, bodies_at(3, set()), at, provenance=Provenance.PAST, as_of=at)
    parts = list(past_picture.parts(picture))
    with pytest.raises(ValueError, match="before the situation itself"):
        past_picture.unpack(parts[1:], DISTRICT, pause=0)
    with pytest.raises(ValueError, match="not a part"):
        past_picture.unpack([parts[0], pickle.dumps(("stills", {}))], DISTRICT, pause=0)
    with pytest.raises(ValueError, match="no part"):
        past_picture.unpack([], DISTRICT, pause=0)


def test_an_empty_past_arrives_empty() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    picture = Situation.picture(DISTRICT, {}, at, provenance=Provenance.PAST, as_of=at)
    got = past_picture.unpack(past_picture.parts(picture), DISTRICT, pause=0)
    assert got.cases == {} and len(got.table) == 0
