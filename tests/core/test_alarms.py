"""The alarm engine on scripted streams: each rule fires, clears and latches; nothing is raised again
after a re-sync or a restart; operators' states, shelving and floods; the rules file refused with its line."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from console.core.alarms.engine import LOG_MAX, LOG_SECONDS, AlarmEngine
from console.core.alarms.floods import grouped
from console.core.alarms.handling import handling_record
from console.core.alarms.settings import (
    AlarmSettings,
    Priority,
    Rule,
    SettingsError,
    SoundSettings,
    default_settings,
    load_settings,
    settings_from,
)
from console.core.alarms.states import AlarmState, alarm_id
from console.core.situation import ChangeSet, Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING

S, A = r.Step, r.Action
DISTRICT = load_district()
GRIDS = sorted(DISTRICT.unit_grids)
CABLES = "C011102"  # 电力线缆外露: 2 hours on the clock
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=BEIJING)  # a Tuesday morning


def case(
    n: int,
    steps: Sequence[tuple[r.Step, r.Action, str | None]],
    *,
    at: datetime = T0,
    grid: str = GRIDS[0],
    urgency: r.Urgency = r.Urgency.NORMAL,
    category: str = CABLES,
    escalated: bool = False,
    loop: r.Loop = r.Loop.SMALL,
) -> r.Case:
    events = [r.Event(at=at, step=step, action=action, dept=dept) for step, action, dept in steps]
    unit = DISTRICT.unit_grids[grid]
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel="ch-patrol", category=category, title=f"案件 {n}", lon=unit.lon,
        lat=unit.lat, unit_grid=grid, street=unit.street, step=events[-1].step, loop=loop, urgency=urgency,
        dept=next((e.dept for e in reversed(events) if e.dept), None), received_at=events[0].at,
        step_at=events[-1].at, escalated=escalated, timeline=events,
    )  # fmt: skip


FILED = [(S.COLLECTED, A.COLLECT, None), (S.FILED, A.FILE, None)]
DISPATCHED = [*FILED, (S.DISPATCHED, A.DISPATCH, "d-a")]
CLOSED = [*DISPATCHED, (S.HANDLING, A.ACCEPT, "d-a"), (S.FEEDBACK, A.FEEDBACK, "d-a"), (S.CLOSED, A.CLOSE, None)]


# The thresholds these tests are written against, whatever the shipped defaults are tuned to.
TEST_RULES = """
[flood]
alarms = 10
minutes = 10
[rules.urgent_new]
min_urgency = "emergency"
after_minutes = 0
[rules.case_red]
min_urgency = "urgent"
after_minutes = 0
[rules.grid_red]
cases = 4
[rules.hard]
min_urgency = "normal"
[rules.department_overdue]
cases = 15
[rules.burst_grid]
reports = 4
[rules.burst_category]
reports = 40
[rules.camera_offline]
min_urgency = "urgent"
metres = 300
"""


class World:
    """A live situation and an engine fed the way the shell feeds them."""

    def __init__(self, settings: AlarmSettings | None = None) -> None:
        self.sit = Situation(DISTRICT)
        self.engine = AlarmEngine(settings or settings_from(TEST_RULES, "test rules"))
        self.seq = 0
        self.now = T0.timestamp()
        self.engine.observe_link(True, False, self.now)

    def put(self, *records: r.Record, at: datetime | None = None, reset: bool = False) -> list[str]:
        """Apply records (or a whole picture, with ``reset``); the alarms raised anew."""
        if at is not None:
            self.now = at.timestamp()
        self.seq += 1
        updates = tuple(Update(r.key_of(x), self.seq, x, r.encode(x)) for x in records)
        changes = self.sit.apply(Batch(reset, updates, self.seq, "e"), self.now)
        return self.engine.evaluate(self.sit, changes, self.now).raised

    def delete(self, key: str) -> list[str]:
        self.seq += 1
        changes = self.sit.apply(Batch(False, (Update(key, self.seq, None, b""),), self.seq, "e"), self.now)
        return self.engine.evaluate(self.sit, changes, self.now).raised

    def at(self, when: datetime) -> list[str]:
        """Time moves on with no update."""
        self.now = when.timestamp()
        out = self.engine.evaluate(self.sit, self.sit.tick(self.now), self.now)
        out.merge(self.engine.tick(self.now))
        return out.raised

    def state(self, rule: Rule, subject: str) -> AlarmState:
        a = self.engine.alarms.get(alarm_id(rule, subject))
        return AlarmState.NORMAL if a is None else a.state(self.now)

    def ack(self, rule: Rule, subject: str, by: str = "值班员") -> None:
        ident = alarm_id(rule, subject)
        self.engine.take_operator(ident, self.engine.acknowledge(ident, by, self.now), self.now)


def settings_with(tmp_path: Path, text: str) -> AlarmSettings:
    """The test rules with ``text``'s values over them, read from a file as a center's own."""
    merged = tomllib.loads(TEST_RULES)
    for table, values in tomllib.loads(text).items():
        for name, inner in values.items():
            if isinstance(inner, dict):
                merged.setdefault(table, {}).setdefault(name, {}).update(inner)
            else:
                merged.setdefault(table, {})[name] = inner
    lines = []
    for table, values in merged.items():
        flat = {f"{table}.{k}": v for k, v in values.items() if isinstance(v, dict)} or {table: values}
        for header, entries in flat.items():
            lines.append(f"[{header}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in entries.items()]
    path = tmp_path / "alarm_rules.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(path)


def test_an_emergency_case_not_yet_dispatched_alarms_until_it_is() -> None:
    w = World()
    emergency = case(1, FILED, urgency=r.Urgency.EMERGENCY)
    assert w.put(emergency, case(2, FILED, urgency=r.Urgency.URGENT)) == [alarm_id(Rule.URGENT_NEW, emergency.no)]
    assert w.state(Rule.URGENT_NEW, emergency.no) is AlarmState.UNACKNOWLEDGED
    assert w.engine.alarms[alarm_id(Rule.URGENT_NEW, emergency.no)].priority is Priority.HIGH
    assert w.put(case(1, DISPATCHED, urgency=r.Urgency.EMERGENCY)) == []
    assert w.state(Rule.URGENT_NEW, emergency.no) is AlarmState.NORMAL  # not latched: back to normal unseen


def test_an_on_delay_goes_with_its_condition(tmp_path: Path) -> None:
    """A case dispatched or gone within its on-delay leaves nothing to look at again: held on, its
    timer would wait for an instant months away when the backend's clock runs ahead of this one's."""
    w = World(settings_with(tmp_path, "[rules.urgent_new]\nafter_minutes = 45\n"))
    later = T0 + timedelta(days=200)  # the backend's clock, far ahead of the console's
    first, second = (
        case(1, FILED, at=later, urgency=r.Urgency.EMERGENCY),
        case(2, FILED, at=later, urgency=r.Urgency.EMERGENCY),
    )
    assert w.put(first, second) == []  # within the on-delay: nothing yet, two timers
    assert len(w.engine._timers) == 2
    w.put(case(1, DISPATCHED, at=later, urgency=r.Urgency.EMERGENCY))
    w.delete(r.key_of(second))
    assert len(w.engine._timers) == 0
    assert w.state(Rule.URGENT_NEW, first.no) is AlarmState.NORMAL


def test_operators_states_older_than_the_backend_keeps_them_are_let_go() -> None:
    w = World()
    emergency = case(1, FILED, urgency=r.Urgency.EMERGENCY)
    w.put(emergency)
    w.ack(Rule.URGENT_NEW, emergency.no)
    w.put(case(1, DISPATCHED, urgency=r.Urgency.EMERGENCY))  # not latched: back to normal, no longer held
    kept = alarm_id(Rule.URGENT_NEW, emergency.no)
    assert kept in w.engine.operator and kept not in w.engine.alarms
    w.at(T0 + timedelta(days=7))
    assert kept in w.engine.operator  # within the week and a day the backend keeps handlings
    w.at(T0 + timedelta(days=9))
    assert kept not in w.engine.operator


def test_an_urgent_case_turning_red_on_the_clock_alarms_and_clears_when_closed() -> None:
    w = World()
    urgent = case(3, DISPATCHED, urgency=r.Urgency.URGENT)
    w.put(urgent, case(4, DISPATCHED))  # the second is normal: the grid and department rules see it
    assert w.at(T0 + timedelta(hours=1)) == []
    assert w.at(T0 + timedelta(hours=2, minutes=1)) == [alarm_id(Rule.CASE_RED, urgent.no)]
    assert w.at(T0 + timedelta(hours=3)) == []  # still the same alarm
    w.put(case(3, CLOSED, urgency=r.Urgency.URGENT, at=T0 + timedelta(hours=3)))
    assert w.state(Rule.CASE_RED, urgent.no) is AlarmState.NORMAL


def test_red_cases_gathering_in_a_grid_alarm_and_latch_until_acknowledged() -> None:
    w = World()
    grid = GRIDS[10]
    w.put(*[case(10 + i, DISPATCHED, grid=grid) for i in range(4)])
    assert w.at(T0 + timedelta(hours=2, minutes=1)) == [alarm_id(Rule.GRID_RED, grid)]
    alarm = w.engine.alarms[alarm_id(Rule.GRID_RED, grid)]
    assert (alarm.figure, alarm.street) == (4, DISTRICT.unit_grids[grid].street)
    w.put(case(10, CLOSED, grid=grid, at=T0 + timedelta(hours=3)))
    assert w.state(Rule.GRID_RED, grid) is AlarmState.RETURNED_UNACKNOWLEDGED  # latched
    w.ack(Rule.GRID_RED, grid)
    assert w.state(Rule.GRID_RED, grid) is AlarmState.NORMAL
    assert alarm_id(Rule.GRID_RED, grid) not in w.engine.alarms


def test_buck_passing_and_hard_cases_alarm() -> None:
    w = World()
    bounced = [*DISPATCHED, (S.FILED, A.RETURN, "d-a"), (S.DISPATCHED, A.DISPATCH, "d-b"), (S.FILED, A.RETURN, "d-b")]
    raised = w.put(case(20, bounced))
    assert raised == [alarm_id(Rule.BUCK_PASSING, case(20, bounced).no)]
    thrice = [*bounced, (S.DISPATCHED, A.DISPATCH, "d-c"), (S.FILED, A.RETURN, "d-c")]
    assert w.put(case(20, thrice)) == []  # hard too, but consequential: buck-passing already calls for it
    same_dept = [*DISPATCHED, *[(S.FILED, A.RETURN, "d-a"), (S.DISPATCHED, A.DISPATCH, "d-a")] * 3]
    assert w.put(case(21, same_dept)) == [alarm_id(Rule.HARD, case(21, FILED).no)]  # returned thrice by one
    assert w.engine.alarms[alarm_id(Rule.HARD, case(21, FILED).no)].priority is Priority.LOW


def test_a_street_over_its_escalation_limit_alarms_once_it_has_enough_cases(tmp_path: Path) -> None:
    w = World(
        settings_with(tmp_path, "[rules.street_escalation]\nmin_cases = 5\n[rules.burst_grid]\nenabled = false\n")
    )
    grid = GRIDS[0]
    street = DISTRICT.unit_grids[grid].street
    held = [case(30 + i, DISPATCHED, grid=grid) for i in range(4)]
    assert w.put(*held, case(40, DISPATCHED, grid=grid, escalated=True, loop=r.Loop.BIG)) == [
        alarm_id(Rule.STREET_ESCALATION, street)
    ]  # 1 of 5 pushed up: 20 % over the district's 8 %
    w.put(*[case(50 + i, DISPATCHED, grid=grid) for i in range(10)])  # 1 of 15: under
    assert w.state(Rule.STREET_ESCALATION, street) is AlarmState.RETURNED_UNACKNOWLEDGED


def test_a_departments_overdue_load_alarms(tmp_path: Path) -> None:
    w = World(settings_with(tmp_path, "[rules.department_overdue]\ncases = 3\n[rules.grid_red]\nenabled = false\n"))
    w.put(*[case(60 + i, DISPATCHED, grid=GRIDS[i]) for i in range(3)])
    assert w.at(T0 + timedelta(hours=2, minutes=1)) == [alarm_id(Rule.DEPARTMENT_OVERDUE, "d-a")]
    assert w.engine.alarms[alarm_id(Rule.DEPARTMENT_OVERDUE, "d-a")].figure == 3


def test_a_burst_of_similar_reports_in_a_grid_alarms_and_returns_after_the_hour() -> None:
    w = World()
    grid = GRIDS[5]
    subject = f"{grid}:{CABLES}"
    raised = w.put(*[case(70 + i, FILED, grid=grid, at=T0 + timedelta(minutes=5 * i)) for i in range(3)])
    assert raised == []
    assert w.put(case(73, FILED, grid=grid, at=T0 + timedelta(minutes=20))) == [alarm_id(Rule.BURST_GRID, subject)]
    assert w.put(case(74, FILED, grid=GRIDS[6], at=T0 + timedelta(minutes=21))) == []  # another grid
    w.at(T0 + timedelta(minutes=61))  # the first report is no longer new
    assert w.state(Rule.BURST_GRID, subject) is AlarmState.RETURNED_UNACKNOWLEDGED


def test_a_burst_of_one_category_across_the_district(tmp_path: Path) -> None:
    w = World(settings_with(tmp_path, "[rules.burst_category]\nreports = 5\n"))
    raised = w.put(*[case(80 + i, FILED, grid=GRIDS[20 * i]) for i in range(5)])
    assert raised == [alarm_id(Rule.BURST_CATEGORY, CABLES)]


def test_the_link_alarms_after_its_seconds_and_per_case_alarms_wait_for_it() -> None:
    w = World()
    w.put(case(90, DISPATCHED, urgency=r.Urgency.URGENT))
    t = T0.timestamp()
    w.engine.observe_link(False, False, t + 60)
    assert w.engine.tick(t + 70).raised == []
    assert w.engine.tick(t + 75).raised == [alarm_id(Rule.LINK, "link")]
    assert w.at(T0 + timedelta(hours=3)) == []  # the case turned red meanwhile: suppressed while stale
    assert alarm_id(Rule.CASE_RED, case(90, FILED).no) not in w.engine.alarms
    out = w.engine.observe_link(True, False, w.now)
    assert out.changed == {alarm_id(Rule.LINK, "link")}
    assert w.state(Rule.LINK, "link") is AlarmState.RETURNED_UNACKNOWLEDGED
    assert w.put() == [alarm_id(Rule.CASE_RED, case(90, FILED).no)]  # evaluated once live again


def test_the_store_queue_filling_alarms() -> None:
    w = World()
    assert w.engine.observe_store(0.85, w.now).raised == [alarm_id(Rule.STORE, "store")]
    assert w.engine.observe_store(0.9, w.now).raised == []
    w.engine.observe_store(0.1, w.now)
    assert w.state(Rule.STORE, "store") is AlarmState.RETURNED_UNACKNOWLEDGED


def test_an_offline_camera_near_an_open_urgent_case_alarms() -> None:
    w = World()
    unit = DISTRICT.unit_grids[GRIDS[0]]
    far = DISTRICT.unit_grids[GRIDS[-1]]

    def camera(n: int, lon: float, lat: float, online: bool) -> r.Camera:
        return r.Camera(schema=1, id=f"{n:020d}", name=f"摄像头{n}", lon=lon, lat=lat, url="rtsp://10.0.0.1/x",
                        online=online)  # fmt: skip

    w.put(camera(1, unit.lon + 0.001, unit.lat, False), camera(2, far.lon, far.lat, False))
    assert w.engine.alarms == {}  # no urgent case yet
    assert w.put(case(100, DISPATCHED, urgency=r.Urgency.URGENT)) == [alarm_id(Rule.CAMERA_OFFLINE, f"{1:020d}")]
    w.put(camera(1, unit.lon + 0.001, unit.lat, True))
    assert w.state(Rule.CAMERA_OFFLINE, f"{1:020d}") is AlarmState.NORMAL


def test_a_resync_with_the_same_picture_raises_nothing_and_a_gone_case_clears() -> None:
    w = World()
    cases = [case(110, FILED, urgency=r.Urgency.EMERGENCY), case(111, FILED, urgency=r.Urgency.EMERGENCY)]
    assert len(w.put(*cases)) == 2
    w.ack(Rule.URGENT_NEW, cases[0].no)
    assert w.put(*cases, reset=True) == []
    assert w.state(Rule.URGENT_NEW, cases[0].no) is AlarmState.ACKNOWLEDGED  # kept through the re-sync
    w.put(cases[0], reset=True)  # the second is gone from the backend
    assert w.state(Rule.URGENT_NEW, cases[1].no) is AlarmState.NORMAL


def test_a_whole_picture_lists_what_it_finds_as_standing_not_as_raised() -> None:
    """The first picture (or a re-sync after the link was lost) raises nothing new: its alarms are on
    the list, unacknowledged, but neither blink nor count towards a flood or the alarm KPIs."""
    w = World()
    found = [case(170 + i, FILED, urgency=r.Urgency.EMERGENCY) for i in range(12)]
    assert w.put(*found, reset=True) == []
    assert sum(a.rule is Rule.URGENT_NEW for a in w.engine.alarms.values()) == 12  # and a burst in their grid
    assert not w.engine.in_flood(w.now) and not w.engine.log
    assert {a.state(w.now) for a in w.engine.alarms.values()} == {AlarmState.UNACKNOWLEDGED}
    assert w.put(case(182, FILED, urgency=r.Urgency.EMERGENCY)) == [alarm_id(Rule.URGENT_NEW, "DC0000000182")]


def test_a_restart_keeps_every_alarm_and_acknowledgement_and_raises_nothing_again() -> None:
    w = World()
    cases = [case(120, FILED, urgency=r.Urgency.EMERGENCY), case(121, FILED, urgency=r.Urgency.EMERGENCY)]
    w.put(*cases)
    w.ack(Rule.URGENT_NEW, cases[0].no)
    saved = json.loads(json.dumps(w.engine.saved()))  # as the store keeps it
    restarted = World()
    restarted.engine.restore(saved)
    assert restarted.put(*cases, reset=True) == []
    assert restarted.state(Rule.URGENT_NEW, cases[0].no) is AlarmState.ACKNOWLEDGED
    assert restarted.state(Rule.URGENT_NEW, cases[1].no) is AlarmState.UNACKNOWLEDGED
    assert list(restarted.engine.log) == list(w.engine.log) and len(w.engine.log) == 2  # the KPIs' history too

    ident = alarm_id(Rule.URGENT_NEW, cases[1].no)  # a shelving, with its reason, comes back whole
    w.engine.take_operator(ident, w.engine.shelve(ident, "值班员", "现场已处置", w.now + 600, w.now), w.now)
    again = World()
    again.engine.restore(json.loads(json.dumps(w.engine.saved())))
    assert again.engine.alarms == w.engine.alarms and again.engine.operator == w.engine.operator


def test_the_raises_kept_are_bounded_in_number_too() -> None:
    """A week of raises is kept for the alarm KPIs, but no more than ``LOG_MAX``: the newest."""
    w = World()
    raises = [
        [w.now - 3600 + i * 0.01, f"hard/DC{i:010d}", Rule.HARD.value, int(Priority.LOW)] for i in range(LOG_MAX + 5)
    ]
    w.engine.restore({"log": raises})  # as a book saved by an older build holds them (a list per raise)
    assert len(w.engine.log) == LOG_MAX and w.engine.log[0].alarm == raises[5][1]
    w.put(case(140, FILED, urgency=r.Urgency.EMERGENCY))  # a new one: still no more, the newest last
    assert len(w.engine.log) == LOG_MAX and w.engine.log[-1].alarm == alarm_id(Rule.URGENT_NEW, "DC0000000140")
    saved = w.engine.saved()["log_columns"]  # the columns the book saves follow the log, kept beside it
    assert saved["alarm"] == [x.alarm for x in w.engine.log] and saved["at"] == [x.at for x in w.engine.log]
    assert saved["rule"][-1] == Rule.URGENT_NEW.value and len(saved["priority"]) == LOG_MAX


def test_the_saved_raises_lose_what_the_log_lets_go_after_its_week() -> None:
    w = World()
    old = {"at": [w.now - LOG_SECONDS - 60], "alarm": ["hard/DC0000000001"], "rule": ["hard"], "priority": [3]}
    w.engine.restore({"log_columns": old})
    assert w.engine.saved()["log_columns"]["alarm"] == ["hard/DC0000000001"]
    w.put(case(140, FILED, urgency=r.Urgency.EMERGENCY))  # a raise now: the one older than the week goes
    saved = w.engine.saved()["log_columns"]
    assert saved["alarm"] == [alarm_id(Rule.URGENT_NEW, "DC0000000140")] == [x.alarm for x in w.engine.log]
    assert saved["at"] == [x.at for x in w.engine.log] and saved["priority"] == [int(x.priority) for x in w.engine.log]


def test_an_acknowledgement_from_another_console_counts_for_the_activation_under_way() -> None:
    here, there = World(), World()
    emergency = case(130, FILED, urgency=r.Urgency.EMERGENCY)
    ident = alarm_id(Rule.URGENT_NEW, emergency.no)
    here.put(emergency)
    there.put(emergency)
    op = there.engine.acknowledge(ident, "另一席位", there.now + 1)
    here.engine.take_operator(ident, op, here.now + 1)
    assert here.state(Rule.URGENT_NEW, emergency.no) is AlarmState.ACKNOWLEDGED
    older = there.engine.comment(ident, "x", "旧的", there.now - 10)
    here.engine.take_operator(ident, older, here.now + 2)  # older than what is held: ignored
    assert here.engine.alarms[ident].operator == op


def test_an_acknowledgement_travels_as_an_alarm_record_to_every_console() -> None:
    """What one console's operator did reaches another as the backend's ``/alarm/`` record."""
    here, there = World(), World()
    emergency = case(135, FILED, urgency=r.Urgency.EMERGENCY)
    ident = alarm_id(Rule.URGENT_NEW, emergency.no)
    here.put(emergency)
    there.put(emergency)
    op = there.engine.shelve(ident, "另一席位", "已派人核实", there.now + 3600, there.now + 5)
    key, body = handling_record(ident, op, by="另一席位", role="commander")
    assert key == f"/alarm/urgent_new/{emergency.no}"
    echoed = r.decode(key, body)
    here.now += 5
    assert here.put(echoed) == []
    assert here.state(Rule.URGENT_NEW, emergency.no) is AlarmState.SHELVED
    shelving = here.engine.alarms[ident].operator.shelving
    assert shelving is not None and (shelving.by, shelving.reason) == ("另一席位", "已派人核实")
    restarted = World()
    assert restarted.put(emergency, echoed, reset=True) == []  # a restart: the record arrives with the picture
    assert restarted.state(Rule.URGENT_NEW, emergency.no) is AlarmState.SHELVED


def test_a_shelved_alarm_comes_back_when_its_shelving_expires() -> None:
    w = World()
    emergency = case(140, FILED, urgency=r.Urgency.EMERGENCY)
    ident = alarm_id(Rule.URGENT_NEW, emergency.no)
    w.put(emergency)
    with pytest.raises(ValueError, match="why"):
        w.engine.shelve(ident, "值班员", " ", w.now + 600, w.now)
    w.engine.take_operator(ident, w.engine.shelve(ident, "值班员", "现场已处置", w.now + 600, w.now), w.now)
    assert w.state(Rule.URGENT_NEW, emergency.no) is AlarmState.SHELVED
    assert not w.engine.alarms[ident].annunciated(w.now)
    w.at(T0 + timedelta(minutes=9))
    assert w.state(Rule.URGENT_NEW, emergency.no) is AlarmState.SHELVED
    out = w.engine.tick((T0 + timedelta(minutes=11)).timestamp())
    w.now = (T0 + timedelta(minutes=11)).timestamp()
    assert ident in out.changed
    assert w.state(Rule.URGENT_NEW, emergency.no) is AlarmState.UNACKNOWLEDGED
    assert w.engine.alarms[ident].operator.shelving is None


def test_a_flood_is_flagged_and_grouped_by_rule_and_street(tmp_path: Path) -> None:
    w = World(settings_with(tmp_path, "[rules.burst_grid]\nenabled = false\n"))
    grid_a, grid_b = (
        GRIDS[0],
        next(g for g in GRIDS if DISTRICT.unit_grids[g].street != DISTRICT.unit_grids[GRIDS[0]].street),
    )
    for i in range(9):
        t = T0 + timedelta(minutes=i)
        w.put(case(150 + i, FILED, urgency=r.Urgency.EMERGENCY, grid=grid_a if i < 6 else grid_b, at=t), at=t)
    assert not w.engine.in_flood(w.now) and w.engine.flood_since is None
    t = T0 + timedelta(minutes=9)
    w.put(case(159, FILED, urgency=r.Urgency.EMERGENCY, grid=grid_b, at=t), at=t)
    assert w.engine.in_flood(w.now) and w.engine.flood_since == w.now
    lines = grouped(w.engine.on_list(w.now), flood=True)
    assert sorted(len(g.alarms) for g in lines) == [4, 6]
    assert {g.street for g in lines} == {DISTRICT.unit_grids[grid_a].street, DISTRICT.unit_grids[grid_b].street}
    assert len(grouped(w.engine.on_list(w.now), flood=False)) == 10
    w.engine.tick((T0 + timedelta(minutes=25)).timestamp())
    assert w.engine.flood_since is None


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('[rules.case_red]\npriority = "urgent"\n', 2, "priority must be"),
        ("# a comment\n\n[rules.grid_red]\nenabled = true\ncases = 0\n", 5, "at least 1"),
        ("[rules.grid_red]\ncells = 3\n", 2, "unknown key 'cells'"),
        ("[rules.no_such_rule]\nenabled = true\n", 1, "unknown rule"),
        ('[flood]\nalarms = "ten"\n', 2, "must be a number"),
        ('[rules.case_red]\nmin_urgency = "soon"\n', 2, "min_urgency"),
        ("[rules.link]\nseconds = 10\n[rules.link]\nseconds = 5\n", 3, "not valid TOML"),
        ("[rules.hard]\nlatch = yes\n", 2, "not valid TOML"),
        ("[sound]\nenabled = 1\n", 2, "true or false"),
        ("[sound]\nenabled = true\nrepeat_seconds = -5\n", 3, "0 or more"),
        ('[sound]\nvolume = "loud"\n', 2, "unknown key 'volume'"),
    ],
)
def test_a_bad_rules_file_is_refused_with_its_line_and_reason(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = tmp_path / "alarm_rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert err.value.where == f"{path}:{line}"
    assert reason in err.value.reason


def test_a_centers_file_changes_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "alarm_rules.toml"
    path.write_text('[flood]\nalarms = 20\n[rules.grid_red]\ncases = 6\npriority = "high"\n', encoding="utf-8")
    own = load_settings(path)
    defaults = default_settings()
    assert (own.flood_alarms, own.flood_minutes) == (20, defaults.flood_minutes)
    assert (own[Rule.GRID_RED].threshold("cases"), own[Rule.GRID_RED].priority) == (6, Priority.HIGH)
    assert own[Rule.CASE_RED] == defaults[Rule.CASE_RED]
    assert own.source == str(tmp_path / "alarm_rules.toml")
    assert load_settings(tmp_path / "missing.toml").source == "defaults"
    assert not defaults.sound.enabled  # the chime is off unless a center turns it on
    path.write_text('[sound]\nenabled = true\npriority = "medium"\nrepeat_seconds = 30\n', encoding="utf-8")
    assert load_settings(path).sound == SoundSettings(True, Priority.MEDIUM, 30.0)


def test_a_disabled_rule_raises_nothing(tmp_path: Path) -> None:
    w = World(settings_with(tmp_path, "[rules.urgent_new]\nenabled = false\n"))
    assert w.put(case(160, FILED, urgency=r.Urgency.EMERGENCY)) == []


def test_a_change_set_touching_nothing_alarm_worthy_costs_nothing() -> None:
    w = World()
    assert w.engine.evaluate(w.sit, ChangeSet(), w.now).changed == set()
