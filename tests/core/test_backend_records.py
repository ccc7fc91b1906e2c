"""The backend's records rule (docs/protocol.md §11.5) and the figures of §11.6, from records built
by the page alone: no Qt, no sockets."""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta
from pathlib import Path

from console.core.catalogue import department_names, street_names
from console.core.situation import Situation
from server_link import records as r
from server_link import timeline
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING

S, A = r.Step, r.Action
DISTRICT = load_district()
REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=BEIJING)


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


HOTLINE = next(row["id"] for row in _rows("channels.csv") if row["name_en"].startswith("12345"))
GRID = _rows("unit_grids.csv")[0]["code"]
CATEGORY = _rows("categories.csv")[0]["code"]


def _event(minutes: int, step: r.Step, action: r.Action, dept: str | None = None) -> r.Event:
    return r.Event(at=T0 + timedelta(minutes=minutes), step=step, action=action, dept=dept)


def page_case(
    n: int,
    *,
    until: r.Action,
    channel: str = HOTLINE,
    dept: str = "d-cgzf",
    resolved: bool | None = None,
    satisfied: bool | None = None,
) -> r.Case:
    """A case whose timeline walks the loop by the table of §11.3, up to the action ``until``."""
    walk = [
        _event(0, S.COLLECTED, A.COLLECT),
        _event(5, S.FILED, A.FILE),
        _event(10, S.DISPATCHED, A.DISPATCH, dept),
        _event(20, S.HANDLING, A.ACCEPT, dept),
        _event(60, S.FEEDBACK, A.FEEDBACK, dept),
        _event(70, S.FEEDBACK, A.VERIFY_PASS),
        _event(71, S.CLOSED, A.CLOSE, dept),
        _event(200, S.CLOSED, A.CALLBACK),
    ]
    events = walk[: next(i for i, e in enumerate(walk) if e.action is until) + 1]
    last = events[-1]
    case = r.Case(
        schema=1, no=f"PAGE{n:06d}", channel=channel, category=CATEGORY, title="井盖破损", lon=116.41, lat=39.92,
        unit_grid=GRID, street=GRID[:9], step=last.step, loop=r.Loop.SMALL,
        dept=dept if len(events) > 2 else None, received_at=T0, step_at=last.at,
        deadline=T0 + timedelta(days=1) if len(events) > 2 else None,
        resolved=resolved, satisfied=satisfied, timeline=events,
    )  # fmt: skip
    assert timeline.faults(case) == []  # built by the page's rules
    return case


def apply(sit: Situation, records: list[r.Record]) -> None:
    updates = tuple(Update(r.key_of(x), i, x, r.encode(x)) for i, x in enumerate(records, 1))
    sit.apply(Batch(True, updates, len(updates), "e"), (T0 + timedelta(hours=5)).timestamp())


def test_the_12345_rates_come_from_the_records_the_page_describes() -> None:
    sit = Situation(DISTRICT)
    apply(
        sit,
        [
            page_case(1, until=A.COLLECT),  # not yet filed: not responded
            page_case(2, until=A.FILE),
            page_case(3, until=A.CALLBACK, resolved=True, satisfied=True),
            page_case(4, until=A.CALLBACK, resolved=False, satisfied=False),
            page_case(5, until=A.CALLBACK, resolved=True, satisfied=True),
            page_case(6, until=A.CLOSE, satisfied=True),  # asked about satisfaction only
            page_case(7, until=A.CALLBACK, channel="ch-patrol", resolved=False, satisfied=False),  # not 12345
        ],
    )
    d = sit.aggregates.district
    assert d.hotline == 6
    assert d.response_rate == 5 / 6
    assert d.resolution_rate == 2 / 3
    assert d.satisfaction_rate == 3 / 4
    assert d.closure_rate == 5 / 7  # closed: a close event and step CLOSED (cases 3 to 7)


def test_without_call_backs_the_rates_show_nothing_rather_than_zero() -> None:
    sit = Situation(DISTRICT)
    apply(sit, [page_case(1, until=A.FILE)])
    d = sit.aggregates.district
    assert d.response_rate == 1.0
    assert math.isnan(d.resolution_rate) and math.isnan(d.satisfaction_rate)


def test_a_department_the_console_does_not_know_is_listed_by_its_name() -> None:
    sit = Situation(DISTRICT)
    new = r.Department(schema=1, id="x-new-bureau", name="新设管理局", type=r.DepartmentKind.DISTRICT)
    apply(sit, [new, page_case(1, until=A.FEEDBACK, dept="x-new-bureau")])
    names = department_names(sit)
    assert names == {"x-new-bureau": "新设管理局"}  # the backend publishes departments: its list, not ours
    assert sit.aggregates.departments["x-new-bureau"].open == 1


def test_departments_named_only_by_cases_are_listed_by_id_beside_the_shipped_ones() -> None:
    sit = Situation(DISTRICT)
    apply(sit, [page_case(1, until=A.ACCEPT, dept="x-unlisted")])
    names = department_names(sit)
    assert names["x-unlisted"] == "x-unlisted"
    assert {d.id for d in DISTRICT.departments.values()} < names.keys()  # no records: the shipped list
    assert names["d-cgzf"] == DISTRICT.departments["d-cgzf"].name


def test_streets_and_their_limits_come_from_the_backend() -> None:
    sit = Situation(DISTRICT)
    shipped, other = GRID[:9], "110101099"
    apply(
        sit,
        [
            r.Street(schema=1, code=shipped, name="东华门（后台）", area_km2=5.35, escalation_limit=0.5),
            r.Street(schema=1, code=other, name="新街道", area_km2=1.0, escalation_limit=0.25),
        ],
    )
    names = street_names(sit)
    assert names[shipped] == "东华门（后台）" and names[other] == "新街道"
    assert sit.aggregates.streets[shipped].limit == 0.5
    assert sit.aggregates.streets[other].limit == 0.25
    untouched = next(code for code in DISTRICT.streets if code != shipped)
    assert sit.aggregates.streets[untouched].limit == sit.rules.escalation_limit


def test_the_backends_deadline_wins_over_the_categorys() -> None:
    sit = Situation(DISTRICT)
    case = page_case(1, until=A.ACCEPT)
    unknown = r.Case(**{f: getattr(case, f) for f in case.__struct_fields__} | {"no": "PAGE000002", "category": "ZZ99"})
    apply(sit, [case, unknown])
    for no in (case.no, unknown.no):
        assert sit.cases[no].deadline == (T0 + timedelta(days=1)).timestamp()
    assert sit.cases[unknown.no].major == "?"


def test_the_derived_deadline_counts_from_the_first_routing_event_not_from_a_note() -> None:
    """§11.6: the category's deadline runs from the first ``dispatch`` or routing ``decision`` event
    (one at DISPATCHED); a note or a decision to close starts nothing."""
    from console.core.case_state import derive
    from console.core.rules import Rules
    from server_link.workcal import WorkCalendar

    calendar, rules = WorkCalendar(), Rules()
    category = DISTRICT.categories[CATEGORY]
    filed = [_event(0, S.COLLECTED, A.COLLECT), _event(5, S.FILED, A.FILE)]
    noted = [*filed, _event(30, S.FILED, A.DECISION)]
    routed = [*noted, _event(90, S.DISPATCHED, A.DECISION, "d-cgzf")]

    def deadline_of(events: list[r.Event]) -> float:
        case = r.Case(
            schema=1, no="DC2026112700001", channel=HOTLINE, category=CATEGORY, title="t", lon=116.4, lat=39.9,
            unit_grid=GRID, street=GRID[:9], step=events[-1].step, loop=r.Loop.BIG, received_at=T0,
            step_at=events[-1].at, timeline=events,
        )  # fmt: skip
        return derive(case, DISTRICT, calendar, rules).deadline

    assert math.isnan(deadline_of(noted))  # a note at FILED routes nothing: no deadline yet
    start = T0 + timedelta(minutes=90)
    expected = calendar.deadline(start, category.deadline_value, category.deadline_unit).timestamp()
    assert deadline_of(routed) == expected
