"""Issue 12, finding 2 — "valid, yet poison": records the schema accepts must be records the core computes.

The schema bounds every timestamp to [2000-01-01T00:00Z, 2100-01-01T00:00Z) with an offset within
±14:00 (docs/protocol.md §18.1), and the core applies each record on its own: one it still cannot
compute is rejected, counted (``Situation.rejects``) and leaves the situation as it was, and the
rest of its batch or snapshot is applied. Core tests run without Qt; the snapshot build uses pytest-qt.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

import console.core.aggregates as aggregates_mod
import console.core.situation as situation_mod
from console.core.case_state import derive
from console.core.history import HeldByDepartment, open_held_by_department
from console.core.rules import Rules
from console.core.situation import ChangeSet, Provenance, Situation
from console.shell.ingest import Ingest
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING, DeadlineUnit, WorkCalendar
from tests.core.test_situation import A, S, bj, brute_force, incremental, make_case, upd
from tests.shell.test_ingest import batch, cases

DISTRICT = load_district()
CAL = WorkCalendar()
RULES = Rules()
GRIDS = sorted(DISTRICT.unit_grids)
CATEGORIES = sorted(DISTRICT.categories)
NOW = bj(2026, 11, 27, 10, 0).timestamp()
Json = dict[str, Any]


# ---------------------------------------------------------------------- neighbours: plainly good cases
def neighbours(first: int = 9_000, n: int = 3) -> list[r.Case]:
    t = bj(2026, 11, 26, 9, 0)
    return [
        make_case(i, [(t, S.COLLECTED, A.COLLECT, None), (t + timedelta(minutes=i % 50), S.DISPATCHED, A.DISPATCH,
                                                           "d-hwzx")], grid=GRIDS[i % len(GRIDS)])
        for i in range(first, first + n)
    ]  # fmt: skip


def figures(sit: Situation) -> tuple[object, ...]:
    """Every aggregate, exactly (a figure left behind at zero counts as a difference)."""
    a = sit.aggregates
    return a.grids, a.streets, a.departments, a.district


def fresh_from(records: dict[str, r.Case], now: float) -> Situation:
    """A situation built from ``records`` alone, in one snapshot."""
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, tuple(upd(c) for c in records.values()), 1, "e"), now)
    assert sit.rejects == Counter()
    return sit


def assert_holds_exactly(sit: Situation, records: dict[str, r.Case]) -> None:
    """``sit`` holds ``records`` and nothing else, every column, timer and figure agreeing."""
    assert set(sit.cases) == set(records)
    fresh = fresh_from(records, sit.now)
    assert incremental(sit) == incremental(fresh)
    states = []
    for case in records.values():
        s = derive(case, DISTRICT, CAL, RULES)
        s.evaluate(sit.now, RULES.recent_hours * 3600)
        states.append(s)
        mine = sit.cases[case.no]
        assert (mine.deadline, mine.yellow_at, mine.light) == (s.deadline, s.yellow_at, s.light) or (
            np.isnan(mine.deadline) and np.isnan(s.deadline)
        )
    assert incremental(sit) == brute_force(states, RULES)
    valid = np.flatnonzero(sit.table.cols["valid"])
    assert sorted(sit.table.nos[i] or "" for i in valid) == sorted(records)
    assert sit._timers == fresh._timers


# ---------------------------------------------------------------------- strategies: bodies msgspec accepts
def _tz(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


# Every offset msgspec parses (±23:59), and those the schema allows (±14:00).
ANY_OFFSET = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(_tz)
REAL_OFFSET = st.one_of(st.sampled_from([0, 480, -840, 840, 345, -570, -720]), st.integers(-14 * 60, 14 * 60)).map(_tz)


def _between(lo: datetime, hi: datetime) -> st.SearchStrategy[datetime]:
    return st.datetimes(lo, hi, timezones=ANY_OFFSET)


# Timestamps anywhere msgspec accepts: the calendar's edges, the window's edges, anywhere at all.
WILD_STAMPS = st.one_of(
    _between(datetime.min, datetime.max),
    _between(datetime(1, 1, 1), datetime(1, 1, 3)),
    _between(datetime(9999, 12, 29), datetime.max),
    _between(datetime(1999, 12, 30), datetime(2000, 1, 3)),
    _between(datetime(2099, 12, 30), datetime(2100, 1, 3)),
    _between(datetime(2000, 1, 1), datetime(2100, 1, 1)),
)
# Timestamps mostly inside the window (most of what a backend sends), its edges included.
WINDOW_STAMPS = st.one_of(
    st.datetimes(datetime(1999, 12, 31), datetime(2100, 1, 1, 23, 59), timezones=REAL_OFFSET).filter(r._in_window),
    st.sampled_from(
        [
            datetime(2000, 1, 1, tzinfo=UTC),
            datetime(2099, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
            datetime(2000, 1, 1, 14, tzinfo=_tz(840)),
            datetime(2099, 12, 31, 9, 59, tzinfo=_tz(-840)),
            datetime(2026, 11, 27, 9, 30, tzinfo=BEIJING),
        ]
    ),
)
IDENTS = st.sampled_from(["d-hwzx", "d-cgw", "u-power", "x", "部门", "d" * 64])
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


def _event(stamps: st.SearchStrategy[datetime]) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {
            "at": stamps.map(datetime.isoformat),
            "step": st.sampled_from([x.value for x in r.Step]),
            "action": st.one_of(st.just(r.Action.DISPATCH.value), st.sampled_from([x.value for x in r.Action])),
            "dept": st.none() | IDENTS,
            "actor": TEXT,
        }
    )


@st.composite
def case_body(draw: st.DrawFn, no: str, wild: bool | None = None) -> Json:
    """A case body msgspec can read: any timestamps (``wild``) or the window's, any order, odd fields."""
    if wild is None:
        wild = draw(st.booleans())
    stamps = WILD_STAMPS if wild else WINDOW_STAMPS
    grid = draw(st.sampled_from(GRIDS) | st.just("110101099099099"))  # a grid the district does not have
    return {
        "kind": "case", "schema": 1, "no": no,
        "channel": draw(st.sampled_from(["ch-12345", "ch-patrol", "不明"])),
        "category": draw(st.sampled_from(CATEGORIES) | st.just("C999999")),
        "title": draw(TEXT), "lon": draw(st.floats(73.0, 136.0)), "lat": draw(st.floats(3.0, 54.0)),
        "unit_grid": grid, "street": grid[:9],
        "step": draw(st.sampled_from([x.value for x in r.Step])),
        "loop": draw(st.sampled_from([x.value for x in r.Loop])),
        "dept": draw(st.none() | IDENTS),
        "urgency": draw(st.sampled_from([x.value for x in r.Urgency])),
        "received_at": draw(stamps).isoformat(), "step_at": draw(stamps).isoformat(),
        "deadline": draw(st.none() | stamps.map(datetime.isoformat)),
        "escalated": draw(st.booleans()), "hard": draw(st.booleans()),
        "reports": draw(st.integers(1, 40_000) | st.integers(1, 2 * r.MAX_REPORTS)),
        "satisfied": draw(st.none() | st.booleans()), "resolved": draw(st.none() | st.booleans()),
        "timeline": draw(st.lists(_event(stamps), max_size=6)),
    }  # fmt: skip


@st.composite
def other_body(draw: st.DrawFn, n: int) -> tuple[str, Json]:
    """A record of another kind, as a body, with its key."""
    stamp = draw(WINDOW_STAMPS | WILD_STAMPS).isoformat()
    kind = draw(st.sampled_from(["camera", "department", "street", "decision", "meta"]))
    if kind == "camera":
        cam = f"{11010100001320000000 + n}"
        return f"/camera/{cam}", {"kind": kind, "schema": 1, "id": cam, "name": draw(TEXT), "lon": 116.4,
                                  "lat": 39.9, "url": "rtsp://10.0.0.1/x", "online": draw(st.booleans())}  # fmt: skip
    if kind == "department":
        return f"/department/d-{n}", {"kind": kind, "schema": 1, "id": f"d-{n}", "name": draw(TEXT),
                                      "type": "district", "categories": draw(st.lists(IDENTS, max_size=3))}  # fmt: skip
    if kind == "street":
        code = draw(st.sampled_from(sorted(DISTRICT.streets)))
        return f"/street/{code}", {"kind": kind, "schema": 1, "code": code, "name": "街道",
                                   "area_km2": draw(st.floats(1e-9, 1e300)),
                                   "escalation_limit": draw(st.floats(0.0, 1.0))}  # fmt: skip
    if kind == "decision":
        return f"/decision/DC{n:010d}/1", _decision(f"DC{n:010d}", stamp)
    return f"/meta/m{n}", {"kind": kind, "schema": 1, "name": f"m{n}", "district": "110101", "clock": stamp,
                           "speed": draw(st.floats(1e-9, 1e300)), "simulated": draw(st.booleans())}  # fmt: skip


def _decision(case_no: str, stamp: str) -> Json:
    return {"kind": "decision", "schema": 1, "case_no": case_no, "n": 1, "decided_at": stamp, "action": "note",
            "by": "王", "role": "commander"}  # fmt: skip


def encode(body: Json) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


@st.composite
def wild_batches(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    """(key, body) pairs, distinct keys: cases and other records, each msgspec-readable."""
    out: list[tuple[str, bytes]] = []
    for i in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 3)):
            no = f"DC{1_000 + i:010d}"
            out.append((f"/case/{no}", encode(draw(case_body(no)))))
        else:
            key, body = draw(other_body(i))
            out.append((key, encode(body)))
    return out


def _decode_or_schema(key: str, body: bytes) -> r.Record | None:
    """The record, or None when the schema rejects it — only ever for a field (``schema``)."""
    try:
        return r.decode(key, body)
    except r.RecordError as exc:
        assert exc.reason == "schema", exc
        return None


def _interleave(good: list[Update], other: list[Update], cut: int) -> tuple[Update, ...]:
    return (*good[:cut], *other, *good[cut:])


# ---------------------------------------------------------------------- (a) the property, schema then core
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(wild=wild_batches(), cut=st.integers(0, 3), reset=st.booleans())
def test_whatever_the_schema_accepts_the_core_applies_beside_its_neighbours(
    wild: list[tuple[str, bytes]], cut: int, reset: bool
) -> None:
    good = neighbours()
    accepted = [(key, body, rec) for key, body in wild if (rec := _decode_or_schema(key, body)) is not None]
    updates = [Update(key, 2 + i, rec, body) for i, (key, body, rec) in enumerate(accepted)]
    sit = Situation(DISTRICT)
    batch_ = Batch(reset, _interleave([upd(c) for c in good], updates, cut), 99, "e")
    changes = sit.apply(batch_, NOW)  # never raises
    assert sit.rejects == Counter(), sit.last_reject  # the bounds leave the core nothing it cannot compute
    held = {c.no: c for c in good} | {rec.no: rec for _, _, rec in accepted if isinstance(rec, r.Case)}
    assert_holds_exactly(sit, held)
    assert changes.cases >= held.keys()
    others = {key for key, _, rec in accepted if not isinstance(rec, r.Case)}
    assert others <= sit.records.keys()


# ---------------------------------------------------------------------- (a') the core alone, without the bounds
def _unchecked(body: Json, stamps: dict[str, datetime | None], events: list[datetime]) -> r.Case:
    """A case carrying timestamps the schema now refuses — as one decoded before the bounds were
    checked — built without ``__post_init__`` (the core's defence must not rely on the schema)."""
    case = r.decode(f"/case/{body['no']}", encode(body | {"reports": 1}))
    assert isinstance(case, r.Case)
    msgspec.structs.force_setattr(case, "reports", body["reports"])
    for name, at in stamps.items():
        msgspec.structs.force_setattr(case, name, at)
    timeline = [msgspec.structs.replace(e, at=at) for e, at in zip(case.timeline, events, strict=True)]
    msgspec.structs.force_setattr(case, "timeline", timeline)
    return case


@st.composite
def unchecked_cases(draw: st.DrawFn, no: str) -> r.Case:
    body = draw(case_body(no, wild=False))
    stamps: dict[str, datetime | None] = {"received_at": draw(WILD_STAMPS), "step_at": draw(WILD_STAMPS)}
    stamps["deadline"] = draw(st.none() | WILD_STAMPS)
    return _unchecked(body, stamps, [draw(WILD_STAMPS) for _ in body["timeline"]])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), n=st.integers(1, 5), cut=st.integers(0, 3), reset=st.booleans())
def test_records_the_core_cannot_compute_are_counted_and_take_nothing_else_with_them(
    data: st.DataObject, n: int, cut: int, reset: bool
) -> None:
    good = neighbours()
    before = {c.no: c for c in neighbours(1_000, n)}  # what the wild records replace, where they fail
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, tuple(upd(c) for c in [*good, *before.values()]), 1, "e"), NOW)
    wild = [data.draw(unchecked_cases(no)) for no in before]
    sit.apply(Batch(reset, _interleave([upd(c, 2) for c in good], [upd(c, 2) for c in wild], cut), 2, "e"), NOW)
    held = {c.no: c for c in good} | ({} if reset else before)
    applied = {c.no: c for c in wild if sit.bodies.get(c.no) == r.encode(c)}
    assert sum(sit.rejects.values()) == sit.rejects["apply"] == len(wild) - len(applied)
    assert (sit.last_reject != "") == (len(applied) < len(wild))
    assert_holds_exactly(sit, held | applied)


def test_the_calendars_edges_raised_in_the_core_before_the_bounds() -> None:
    """The finding's examples, as they reached the core: each is now rejected by it, alone."""
    t = bj(2026, 11, 26, 9, 0)
    base = make_case(
        1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], category="C030102"
    )
    body = json.loads(r.encode(base))
    poisons = [
        _unchecked(body, {"received_at": datetime(1, 1, 1, tzinfo=_tz(840))}, [t, t]),
        _unchecked(body, {"received_at": datetime(9999, 12, 31, 23, 59, 59, tzinfo=_tz(-840))}, [t, t]),
        _unchecked(body, {}, [t, datetime(9999, 12, 31, 23, 59, 59, tzinfo=_tz(-840))]),  # dispatch, no deadline
    ]
    for poison in poisons:
        sit = Situation(DISTRICT)
        sit.apply(Batch(False, (*map(upd, neighbours()), upd(poison)), 1, "e"), NOW)
        assert sit.rejects == Counter({"apply": 1})
        assert sit.last_reject.startswith("apply /case/DC0000000001: ")
        assert any(name in sit.last_reject for name in ("OverflowError", "ValueError"))
        assert_holds_exactly(sit, {c.no: c for c in neighbours()})


# ---------------------------------------------------------------------- (b) the finding's examples, one by one
SAMPLE_TIMELINE_AT = "2026-11-27T09:00:00+08:00"
# (stamp, accepted?): the calendar's edges, odd offsets, the window's edges from either side.
STAMPS = [
    ("0001-01-01T00:00:00+14:00", False),
    ("9999-12-31T23:59:59-14:00", False),
    ("0001-01-01T00:00:00-23:59", False),
    ("9999-12-31T23:59:59.999999+23:59", False),
    ("2026-11-27T09:30:00+23:59", False),
    ("2026-11-27T09:30:00+14:01", False),
    ("2026-11-27T09:30:00-14:01", False),
    ("1970-01-01T00:00:00Z", False),
    ("1999-12-31T23:59:59.999999Z", False),
    ("2000-01-01T07:59:59+08:00", False),  # 1999-12-31T23:59:59Z: the year as written is not what counts
    ("2100-01-01T00:00:00Z", False),
    ("2099-12-31T23:00:00-14:00", False),  # 2100-01-01T13:00:00Z
    ("2000-01-01T00:00:00Z", True),
    ("1999-12-31T20:00:00-04:00", True),  # 2000-01-01T00:00:00Z
    ("2099-12-31T23:59:59.999999Z", True),
    ("2100-01-01T13:59:59+14:00", True),  # 2099-12-31T23:59:59Z
    ("2026-11-27T09:30:00+14:00", True),
    ("2026-11-27T09:30:00-14:00", True),
    ("2026-11-27T09:30:00+05:45", True),
    ("2026-11-27T09:30:00-09:30", True),
    ("2026-11-27T01:30:00z", True),
]
FIELDS = ["received_at", "step_at", "deadline", "dispatch", "decided_at", "clock"]


def _sample(field: str, stamp: str) -> tuple[str, Json]:
    if field == "decided_at":
        return "/decision/DC0000000001/1", _decision("DC0000000001", stamp)
    if field == "clock":
        return "/meta/backend", {"kind": "meta", "schema": 1, "name": "backend", "district": "110101",
                                 "clock": stamp}  # fmt: skip
    t = bj(2026, 11, 27, 9, 0)
    base = make_case(
        1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], category="C030102"
    )
    body = json.loads(r.encode(base))
    if field == "dispatch":
        body["timeline"][1]["at"] = stamp
    else:
        body[field] = stamp
    return "/case/DC0000000001", body


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(("stamp", "accepted"), STAMPS, ids=[s for s, _ in STAMPS])
def test_each_timestamp_is_rejected_by_the_schema_or_applied_without_error(
    field: str, stamp: str, accepted: bool
) -> None:
    key, body = _sample(field, stamp)
    if not accepted:
        with pytest.raises(r.RecordError) as err:
            r.decode(key, encode(body))
        assert err.value.reason == "schema"
        assert "outside [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)" in str(err.value)
        return
    record = r.decode(key, encode(body))
    sit = Situation(DISTRICT)
    good = neighbours()
    sit.apply(Batch(False, (upd(good[0]), Update(key, 2, record, encode(body)), *map(upd, good[1:])), 3, "e"), NOW)
    assert sit.rejects == Counter(), sit.last_reject
    if isinstance(record, r.Case):
        assert_holds_exactly(sit, {c.no: c for c in [*good, record]})
        assert sit.cases[record.no].received_at == record.received_at.timestamp()
    else:
        assert sit.records[key] == record
        assert_holds_exactly(sit, {c.no: c for c in good})


LONGEST = {  # per deadline unit, the category with the longest deadline
    unit: max((c for c in DISTRICT.categories.values() if c.deadline_unit is unit), key=lambda c: c.deadline_value)
    for unit in DeadlineUnit
}


@pytest.mark.parametrize("unit", list(DeadlineUnit))
@pytest.mark.parametrize(
    "dispatched",
    ["2099-12-31T23:59:59.999999Z", "2100-01-01T13:59:59+14:00", "2099-12-31T09:59:59-14:00", "2000-01-01T00:00:00Z"],
)
def test_a_dispatch_far_from_receipt_without_a_deadline_gets_the_categorys_deadline(
    unit: DeadlineUnit, dispatched: str
) -> None:
    """Received in 2026, dispatched at the window's far end (or before receipt), no deadline given:
    the deadline counts from the dispatch, past the window's end where the category says so."""
    category = LONGEST[unit]
    t = bj(2026, 11, 27, 9, 0)
    base = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")],
                     category=category.code)  # fmt: skip
    body = json.loads(r.encode(base))
    body["timeline"][1]["at"] = dispatched
    case = r.decode("/case/DC0000000001", encode(body))
    assert isinstance(case, r.Case) and case.deadline is None
    sit = Situation(DISTRICT)
    sit.apply(Batch(False, (*map(upd, neighbours()), upd(case)), 1, "e"), NOW)
    assert sit.rejects == Counter(), sit.last_reject
    start = datetime.fromisoformat(dispatched)
    want = CAL.deadline(start, category.deadline_value, category.deadline_unit)
    s = sit.cases[case.no]
    assert s.deadline == want.timestamp()
    assert start.timestamp() <= s.yellow_at <= s.deadline
    assert s.overdue == (s.deadline <= NOW)


@pytest.mark.parametrize("unit", list(DeadlineUnit))
def test_a_backend_deadline_a_century_away_is_computed(unit: DeadlineUnit) -> None:
    category = LONGEST[unit]
    t = datetime(2000, 1, 1, tzinfo=UTC)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")],
                     category=category.code)  # fmt: skip
    case = msgspec.structs.replace(case, deadline=datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC))
    sit = Situation(DISTRICT)
    sit.apply(Batch(False, (upd(case),), 1, "e"), NOW)
    assert sit.rejects == Counter(), sit.last_reject
    s = sit.cases[case.no]
    assert case.deadline is not None and s.deadline == case.deadline.timestamp()
    share = (s.yellow_at - t.timestamp()) / (s.deadline - t.timestamp())
    assert 0.75 < share < 0.85  # 80 % of the allowed time, counted in working or clock time


def test_reports_past_their_bound_are_rejected_by_the_schema() -> None:
    key, body = _sample("received_at", "2026-11-27T09:00:00+08:00")
    assert isinstance(r.decode(key, encode(body | {"reports": r.MAX_REPORTS})), r.Case)
    with pytest.raises(r.RecordError) as err:
        r.decode(key, encode(body | {"reports": r.MAX_REPORTS + 1}))
    assert err.value.reason == "schema"


# ---------------------------------------------------------------------- (c) a poison record in a batch
POISON = "DC0000000777"


@pytest.fixture(params=["derive", "intake_day"])
def poisoned(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make ``poison_case()`` (version 2 of case POISON) fail in the core, as a decoded record the
    core cannot compute would: while deriving it, or later, when the day it counts on is looked up."""
    if request.param == "derive":

        def failing_derive(case: r.Case, *args: Any, **kwargs: Any) -> Any:
            if case == poison_case():
                raise OverflowError("date value out of range")
            return derive(case, *args, **kwargs)

        monkeypatch.setattr(situation_mod, "derive", failing_derive)
    else:
        poison_received = poison_case().received_at.timestamp()
        real_day = aggregates_mod.beijing_day

        def failing_day(ts: float) -> str:
            if ts == poison_received:
                raise ValueError("year 0 is out of range")
            return real_day(ts)

        monkeypatch.setattr(aggregates_mod, "beijing_day", failing_day)
        monkeypatch.setattr(situation_mod, "beijing_day", failing_day)
    return str(request.param)


def poison_case(version: int = 2) -> r.Case:
    t = bj(2026, 11, 25, 10, 0) + timedelta(minutes=version)
    case = make_case(777, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-cgw")],
                     grid=GRIDS[-1], channel="ch-12345")  # fmt: skip
    return msgspec.structs.replace(case, title=f"第 {version} 版")


def test_a_poison_record_is_rejected_and_its_neighbours_are_applied(poisoned: str) -> None:
    good = neighbours()
    sit = Situation(DISTRICT)
    changes = sit.apply(Batch(False, (upd(good[0]), upd(poison_case()), upd(good[1]), upd(good[2])), 4, "e"), NOW)
    assert set(sit.cases) == {c.no for c in good}
    assert sit.rejects == Counter({"apply": 1}) and sit.last_reject.startswith(f"apply /case/{POISON}: ")
    assert POISON not in changes.cases and sit.sequence == 4
    fresh = fresh_from({c.no: c for c in good}, sit.now)
    assert figures(sit) == figures(fresh)
    assert_holds_exactly(sit, {c.no: c for c in good})


def test_a_poison_update_leaves_the_case_as_it_was(poisoned: str) -> None:
    """The old state is taken out of the figures only once the new one is known: a poison update
    of a case held leaves that case, its figures, indexes, row and timer exactly as they were."""
    good = neighbours()
    sit = Situation(DISTRICT)
    sit.apply(Batch(False, (upd(poison_case(1)),), 1, "e"), NOW)  # the first version is no poison
    held_before = sit.cases[POISON]
    row = sit.table.row_of(POISON)
    sit.apply(Batch(False, (upd(good[0], 2), upd(poison_case(2), 3), upd(good[1], 4), upd(good[2], 5)), 5, "e"), NOW)
    assert sit.rejects == Counter({"apply": 1})
    assert sit.cases[POISON] is held_before and sit.table.row_of(POISON) == row
    assert sit.case_record(POISON) == poison_case(1)  # its body too
    expected = {c.no: c for c in [poison_case(1), *good]}
    fresh = fresh_from(expected, sit.now)
    assert figures(sit) == figures(fresh)
    assert_holds_exactly(sit, expected)


def test_a_poison_record_in_a_snapshot_applied_at_once_leaves_the_rest(poisoned: str) -> None:
    good = neighbours(9_000, 10)
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, (*map(upd, good[:5]), upd(poison_case()), *map(upd, good[5:])), 11, "e"), NOW)
    assert set(sit.cases) == {c.no for c in good} and sit.rejects["apply"] == 1
    assert figures(sit) == figures(fresh_from({c.no: c for c in good}, sit.now))


def test_rejects_are_carried_over_when_a_new_picture_is_adopted(poisoned: str) -> None:
    live = Situation(DISTRICT)
    live.apply(Batch(False, (upd(poison_case()),), 1, "e"), NOW)
    built = Situation(DISTRICT)
    built.apply(Batch(False, (upd(poison_case()), *map(upd, neighbours())), 4, "e"), NOW)
    live.adopt(built)
    assert live.rejects == Counter({"apply": 2}) and POISON in live.last_reject
    assert set(live.cases) == {c.no for c in neighbours()}


def test_a_stored_body_that_no_longer_decodes_is_counted_by_its_reason() -> None:
    good = neighbours()
    key, body = _sample("received_at", "0001-01-01T00:00:00+14:00")  # stored before the bounds
    bodies = {f"/case/{c.no}": r.encode(c) for c in good} | {key: encode(body)}
    sit = Situation.picture(DISTRICT, bodies, NOW, provenance=Provenance.PAST, as_of=NOW).held()
    assert set(sit.cases) == {c.no for c in good}
    assert sit.rejects == Counter({"schema": 1}) and key in sit.last_reject


def test_a_timeline_that_cannot_be_read_costs_only_its_own_past(monkeypatch: pytest.MonkeyPatch) -> None:
    real = HeldByDepartment._spans

    def spans(case: r.Case) -> list[tuple[str, float, float]]:
        if case.no == POISON:
            raise OverflowError("date value out of range")
        return real(case)

    monkeypatch.setattr(HeldByDepartment, "_spans", staticmethod(spans))
    end = bj(2026, 11, 27, 12, 0).timestamp()
    held = HeldByDepartment(end)
    held.add([poison_case(), *neighbours()])
    _, expected = open_held_by_department(neighbours(), end)
    assert held.skipped == 1
    assert held.result().keys() == expected.keys()
    assert all(np.array_equal(held.result()[d], expected[d]) for d in expected)


# ---------------------------------------------------------------------- (d) the snapshot build in the shell
def _with_poison(items: list[r.Case], at: int) -> list[r.Case]:
    return [*items[:at], poison_case(), *items[at:]]


def test_a_snapshot_with_a_poison_record_loads_to_the_end_and_shows_the_others(qtbot: QtBot, poisoned: str) -> None:
    sit = Situation(DISTRICT)
    seen: list[ChangeSet] = []
    clock = bj(2026, 11, 27, 16, 0).timestamp()
    ingest = Ingest(sit, seen.append, budget_ms=0.0, slice_size=10, history_step_s=1800, clock=lambda: clock)
    progress: list[tuple[str, int, int]] = []
    ingest.progressed.connect(lambda what, done, total: progress.append((what, done, total)))
    good = cases(100, 44)
    ingest.add(batch(_with_poison(good, 17), reset=True, first_seq=10))
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] == ("snapshot", 45, 45), timeout=10_000)
    assert ingest.backlog == 0 and seen[-1].reset
    assert set(sit.cases) == {c.no for c in good} and sit.sequence == 54
    assert sit.provenance is Provenance.LIVE
    assert sit.rejects == Counter({"apply": 1}) and POISON in sit.last_reject
    assert figures(sit) == figures(fresh_from({c.no: c for c in good}, sit.now))
    _, expected = open_held_by_department(good, clock, step_s=1800)  # the sparklines without it too
    assert ingest.held_history.keys() == expected.keys()
    assert all(np.array_equal(ingest.held_history[d], expected[d]) for d in expected)
    # live, afterwards: the next batch with the poison in it loses nothing either
    more = cases(300, 6)
    ingest.add(batch(_with_poison(more, 3), first_seq=55))
    qtbot.waitUntil(lambda: ingest.backlog == 0, timeout=10_000)
    assert set(sit.cases) == {c.no for c in good + more} and sit.rejects == Counter({"apply": 2})


def test_the_last_known_state_with_a_poison_record_is_shown_without_it(qtbot: QtBot, poisoned: str) -> None:
    sit = Situation(DISTRICT)
    ingest = Ingest(sit, lambda c: None, budget_ms=0.0, slice_size=7, clock=lambda: NOW)
    good = cases(1, 20)
    ingest.load({f"/case/{c.no}": r.encode(c) for c in _with_poison(good, 9)}, saved_at=NOW - 600)
    qtbot.waitUntil(lambda: ingest.backlog == 0 and bool(sit.cases), timeout=10_000)
    assert set(sit.cases) == {c.no for c in good} and sit.provenance is Provenance.LAST_KNOWN
    assert sit.rejects == Counter({"apply": 1})
