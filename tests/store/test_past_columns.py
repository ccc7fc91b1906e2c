"""A checkpoint's cases derived, as kept beside its bodies: read back whole, refused when damaged."""

from __future__ import annotations

import msgspec
import pytest

from console.core.case_table import CaseTable
from console.core.rules import Rules
from console.core.situation import Provenance, Situation
from console.store.past_columns import basis_of, columns_of, decode_columns, encode_columns
from server_link import records as r
from server_link.workcal import WorkCalendar
from tests.core.test_derived_cases import bodies_at, figures
from tests.core.test_situation import DISTRICT, bj


def test_kept_columns_hold_the_picture_the_bodies_make() -> None:
    at = bj(2026, 11, 24, 12, 0).timestamp()
    bodies = bodies_at(300, set(range(0, 300, 4)))  # with one body that does not decode
    dept = r.Department(schema=1, id="d-test", name="测试部门", type=r.DepartmentKind.DISTRICT)
    bodies[r.key_of(dept)] = r.encode(dept)
    basis = basis_of(DISTRICT, WorkCalendar(), Rules())
    columns = decode_columns(encode_columns(columns_of(bodies, DISTRICT, basis)))
    table = CaseTable.unpacked(columns.table, spare=5)
    assert columns.basis == basis and columns.rejects == {"json": 1} and len(table) == 300 and table.capacity == 305
    assert columns.records == [(r.key_of(dept), bodies[r.key_of(dept)])]
    sit = Situation.past_at(DISTRICT, at, as_of=at)
    for key, body in columns.records:
        sit.take_record(key, body)
    sit.rejects.update(columns.rejects)
    sit.hold_table(table)
    want = Situation.picture(DISTRICT, bodies, at, provenance=Provenance.PAST, as_of=at).held()
    assert figures(sit) == figures(want)


def test_damaged_columns_are_refused_not_shown() -> None:
    basis = basis_of(DISTRICT, WorkCalendar(), Rules())
    good = columns_of(bodies_at(20, {1}), DISTRICT, basis)
    with pytest.raises(ValueError, match="damaged"):
        decode_columns(b"not zstd")
    plain = good.table
    for bad, why in (
        (msgspec.structs.replace(plain, columns={**plain.columns, "deadline": b"\0" * 8}), "'deadline' holds 1"),
        (msgspec.structs.replace(plain, vocab={**plain.vocab, "street": []}), "'street' codes fall outside"),
        (msgspec.structs.replace(plain, vocab={**plain.vocab, "dept": ["d-a", "d-a"]}), "repeats a word"),
        (msgspec.structs.replace(plain, nos=[plain.nos[0]] * plain.rows), "repeats a case number"),
        (msgspec.structs.replace(plain, titles=plain.titles[:-1]), "texts for"),
        (msgspec.structs.replace(plain, columns={**plain.columns, "step": b"\x09\0" * plain.rows}), "steps"),
    ):
        with pytest.raises(ValueError, match=why):
            CaseTable.unpacked(bad)
    assert len(CaseTable.unpacked(plain)) == 20
