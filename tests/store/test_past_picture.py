"""A past situation crosses processes in parts and arrives whole."""

from __future__ import annotations

import pickle

import pytest

from console.core.case_table import CaseFilter
from console.core.situation import Provenance, Situation
from console.core.table_cases import TableCases
from console.store import past_picture
from server_link import records as r
from tests.core.test_derived_cases import bodies_at, figures
from tests.core.test_situation import DISTRICT, bj


def test_a_past_situation_arrives_whole_from_its_parts() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    n, rows_per_part = 850, 400
    bodies = bodies_at(n, set(range(0, n, 3)))
    for i in range(past_picture.RECORDS_PER_PART + 1):
        dept = r.Department(schema=1, id=f"d-test{i}", name=f"部门 {i}", type=r.DepartmentKind.DISTRICT)
        bodies[r.key_of(dept)] = r.encode(dept)
    # Held case by case, as the live situation holds them: what the past must show.
    want = Situation.picture(DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at).held()
    # As the store's process sends it: held as columns there, the table's texts in parts of their own.
    sent = Situation.picture(DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at).held_as_columns()
    parts = list(past_picture.parts(sent, rows_per_part))
    assert len(parts) == 1 + 2 + 3  # the situation, two parts of records, three of the rows' texts
    assert sent.district is DISTRICT and len(sent.records) == len(want.records) and len(sent.table) == n
    got = past_picture.unpack(parts, DISTRICT, pause=0)
    assert got.district is DISTRICT and got.read_only and got.provenance is Provenance.PAST
    assert isinstance(got.cases, TableCases) and got.bodies == {}
    assert figures(got) == figures(want) and got.records == want.records
    assert sorted(s.no for s in got.open_cases()) == sorted(s.no for s in want.open_cases())
    assert sorted(got.open_places()) == sorted(want.open_places()) and len(want.open_places()) == n
    assert len(got.of_kind(r.Department)) == past_picture.RECORDS_PER_PART + 1
    assert got.case_record("DC0000000003") is None  # no bodies held, none to fetch from
    got.fetch_body = lambda no: bodies.get(f"/case/{no}")
    assert got.case_record("DC0000000003") == want.case_record("DC0000000003") is not None
    assert got.case_record("DC9999999999") is None  # not held then: not asked for
    search = CaseFilter(open_only=False, text="案件 12")
    assert sorted(got.table.select(search, at).tolist()) == sorted(want.table.select(search, at).tolist())
    assert len(got.table.select(search, at)) == 1 + 10  # 案件 12, 案件 120 … 案件 129


def test_parts_out_of_order_unknown_or_missing_are_refused() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    sit = Situation.picture(DISTRICT, bodies_at(3, set()), at, provenance=Provenance.PAST, as_of=at).held_as_columns()
    parts = list(past_picture.parts(sit))
    with pytest.raises(ValueError, match="before the situation itself"):
        past_picture.unpack(parts[1:], DISTRICT, pause=0)
    with pytest.raises(ValueError, match="not a part"):
        past_picture.unpack([parts[0], pickle.dumps(("stills", {}))], DISTRICT, pause=0)
    with pytest.raises(ValueError, match="texts of 0 of 16 rows"):
        past_picture.unpack(parts[:1], DISTRICT, pause=0)
    with pytest.raises(ValueError, match="no part"):
        past_picture.unpack([], DISTRICT, pause=0)


def test_an_empty_past_arrives_empty() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    sit = Situation.picture(DISTRICT, {}, at, provenance=Provenance.PAST, as_of=at).held_as_columns()
    got = past_picture.unpack(past_picture.parts(sit), DISTRICT, pause=0)
    assert dict(got.cases) == {} and len(got.table) == 0 and got.aggregates.district.held == 0
