"""Duty alarms on real parts: two consoles (each its store process on a SQLite file, its link and
alarm service) on the reference CHP server over loopback. An acknowledgement or a shelving made on
one reaches the other through the backend, and both survive a restart; the alarm list's keys."""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from console.core.alarms.engine import AlarmEngine
from console.core.alarms.settings import Priority, Rule, default_settings
from console.core.alarms.states import Alarm, AlarmState, SubjectKind, alarm_id
from console.core.situation import Situation
from console.shell.alarm_service import AlarmService
from console.shell.commands import CommandService
from console.shell.link_bridge import LinkBridge
from console.store import ActionKind, ActionStatus
from console.store.process import StoreProcess
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState
from server_link.server import ChpServer
from widgets import alarm_list
from widgets.alarm_list import AlarmList, AlarmSummary, AlarmView

WAIT_MS = 15_000
DISTRICT = load_district()


def emergency(n: int) -> r.Case:
    """An emergency case filed an hour ago and still not dispatched: the urgent_new rule's."""
    at = datetime.now(UTC) - timedelta(hours=1)
    grid = sorted(DISTRICT.unit_grids)[n]
    unit = DISTRICT.unit_grids[grid]
    events = [r.Event(at=at, step=r.Step.COLLECTED, action=r.Action.COLLECT),
              r.Event(at=at, step=r.Step.FILED, action=r.Action.FILE)]  # fmt: skip
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel="ch-patrol", category="C011102", title=f"案件 {n}", lon=unit.lon,
        lat=unit.lat, unit_grid=grid, street=unit.street, step=r.Step.FILED, loop=r.Loop.SMALL,
        urgency=r.Urgency.EMERGENCY, received_at=at, step_at=at, timeline=events,
    )  # fmt: skip


@dataclass
class Desk:
    """One console's alarm side, as the composition root wires it."""

    store: StoreProcess
    link: LinkBridge
    situation: Situation
    commands: CommandService
    alarms: AlarmService

    def state(self, ident: str) -> AlarmState:
        a = self.alarms.engine.alarms.get(ident)
        return AlarmState.NORMAL if a is None else a.state(time.time())

    def close(self) -> None:
        self.alarms.close()
        self.link.stop()
        self.store.close()


def open_desk(qtbot: QtBot, endpoints: Endpoints, db: Path, who: str) -> Desk:
    store = StoreProcess(str(db)).open()
    link = LinkBridge(LinkConfig(endpoints, batch_interval=0.02, role="commander"))
    sit = Situation(DISTRICT)
    commands = CommandService(
        store, link.send, who=who, role="commander", allowed={ActionKind.ACKNOWLEDGE, ActionKind.SHELVE}
    )
    alarms = AlarmService(AlarmEngine(default_settings()), sit, store, commands)
    alarms.restore()

    def on_batch(batch: Batch) -> None:
        alarms.add(sit.apply(batch, time.time()))
        commands.observe(batch)

    link.batch_received.connect(on_batch)
    link.state_changed.connect(alarms.on_link)
    states: list[LinkState] = []
    link.state_changed.connect(lambda s: states.append(s.state))
    link.start()
    qtbot.waitUntil(lambda: LinkState.LIVE in states, timeout=WAIT_MS)
    return Desk(store, link, sit, commands, alarms)


@pytest.fixture
def desks(qtbot: QtBot, endpoints: Endpoints, server: ChpServer, tmp_path: Path) -> Iterator[list[Desk]]:
    server.publish(r.key_of(emergency(1)), r.encode(emergency(1)))
    opened = [open_desk(qtbot, endpoints, tmp_path / f"{who}.db", who) for who in ("甲", "乙")]
    yield opened
    for desk in opened:
        desk.close()


def test_an_acknowledgement_and_a_shelving_reach_the_other_console_and_survive_a_restart(
    qtbot: QtBot, desks: list[Desk], endpoints: Endpoints, tmp_path: Path
) -> None:
    a, b = desks
    ident = alarm_id(Rule.URGENT_NEW, emergency(1).no)
    for desk in desks:  # the first picture: standing, unacknowledged
        qtbot.waitUntil(lambda d=desk: d.state(ident) is AlarmState.UNACKNOWLEDGED, timeout=WAIT_MS)  # type: ignore[misc]

    a.alarms.acknowledge([ident])
    assert a.state(ident) is AlarmState.ACKNOWLEDGED  # at once, here
    assert a.alarms.is_pending(ident)  # until the backend echoes it
    qtbot.waitUntil(lambda: b.state(ident) is AlarmState.ACKNOWLEDGED, timeout=WAIT_MS)  # there, through it
    qtbot.waitUntil(lambda: not a.alarms.is_pending(ident), timeout=WAIT_MS)
    stored = a.store.actions()
    assert [(x.kind, x.status, x.key) for x in stored] == [
        (ActionKind.ACKNOWLEDGE, ActionStatus.CONFIRMED, f"/alarm/urgent_new/{emergency(1).no}")
    ]

    b.alarms.shelve([ident], "现场已有民警处置", 60)
    qtbot.waitUntil(lambda: a.state(ident) is AlarmState.SHELVED, timeout=WAIT_MS)
    shelving = a.alarms.engine.alarms[ident].operator.shelving
    assert shelving is not None and (shelving.by, shelving.reason) == ("乙", "现场已有民警处置")

    a.close()  # a restart of the first console: its alarm book and the backend's record both hold it
    desks[0] = again = open_desk(qtbot, endpoints, tmp_path / "甲.db", "甲")
    raised: list[list[str]] = []
    again.alarms.raised.connect(raised.append)
    qtbot.waitUntil(lambda: again.state(ident) is AlarmState.SHELVED, timeout=WAIT_MS)
    assert raised == []  # nothing raised again
    assert again.alarms.engine.alarms[ident].raises == 1  # the same activation, from the alarm book


def _alarm(rule: Rule, subject: str, priority: Priority, raised_at: float, street: str = "110101001") -> Alarm:
    return Alarm(rule, subject, SubjectKind.CASE, priority, False, street=street, active=True, raised_at=raised_at)


def test_the_alarm_list_acknowledges_with_space_blinks_only_for_new_high_ones_and_filters(qtbot: QtBot) -> None:
    now = time.time()
    sit = Situation(DISTRICT)
    alarms = [
        _alarm(Rule.URGENT_NEW, "DC0000000001", Priority.HIGH, now - 60),
        _alarm(Rule.BUCK_PASSING, "DC0000000002", Priority.MEDIUM, now - 30),
        _alarm(Rule.HARD, "DC0000000003", Priority.LOW, now - 10),
    ]
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView(alarms, now, None, lambda _i: False), sit)
    assert view.tree.topLevelItemCount() == 3
    view.call_attention([a.id for a in alarms])
    assert view.blinking() == {alarms[0].id}  # only the high-priority one

    first = view.tree.topLevelItem(0)
    assert first is not None and first.text(1) == "紧急案件未派遣"
    view.tree.setCurrentItem(first)
    view.tree.setFocus()
    with qtbot.waitSignal(view.acknowledge_requested, timeout=2000) as got:
        QTest.keyClick(view.tree, Qt.Key.Key_Space)
    assert got.args == [[alarms[0].id]]
    assert view.blinking() == set()  # acknowledged: it stops

    view.priority.setCurrentIndex(view.priority.findData(Priority.LOW))
    assert [a.id for a in view.shown()] == [alarms[2].id]
    assert view.tree.topLevelItemCount() == 1


def painted(view: AlarmList) -> set[str]:
    """The alarms whose line is painted in the blink's colour now."""
    lines = (view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount()))
    brushes = ((x, x.background(0)) for x in lines if x is not None)
    return {i for x, b in brushes if b.style() != Qt.BrushStyle.NoBrush and b.color().alpha() for i in x.data(0, 256)}


def painted_during(qtbot: QtBot, view: AlarmList, ms: int) -> set[str]:
    seen: set[str] = set()
    timer = QTimer()
    timer.timeout.connect(lambda: seen.update(painted(view)))
    timer.start(40)
    qtbot.wait(ms)
    timer.stop()
    return seen


def test_only_the_blinking_line_is_painted_and_the_paint_follows_its_alarm(qtbot: QtBot) -> None:
    now = time.time()
    sit = Situation(DISTRICT)
    high = _alarm(Rule.URGENT_NEW, "DC0000000001", Priority.HIGH, now - 60)
    others = [_alarm(Rule.HARD, f"DC{i:010d}", Priority.LOW, now - 60 - i) for i in range(2, 5)]
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView([high, *others], now, None, lambda _i: False), sit)
    view.call_attention([high.id])
    assert painted_during(qtbot, view, 1500) == {high.id}

    newer = _alarm(Rule.URGENT_NEW, "DC0000000009", Priority.HIGH, now)  # a line above it, not called out
    view.show_alarms(AlarmView([newer, high, *others], now, None, lambda _i: False), sit)
    assert view.tree.topLevelItem(0).text(2).startswith(newer.subject)  # type: ignore[union-attr]
    assert painted_during(qtbot, view, 1500) == {high.id}

    line = view.tree.topLevelItem(1)
    assert line is not None and high.id in line.data(0, 256)
    view.tree.setCurrentItem(line)
    qtbot.waitUntil(lambda: painted(view) == {high.id}, timeout=2000)  # acknowledged while lit
    view.acknowledge_selected()
    qtbot.wait(700)  # the blink's next turn clears it, and stops
    assert painted_during(qtbot, view, 1500) == set()


def test_the_list_lists_the_first_lines_and_counts_the_rest(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alarm_list, "LINES_SHOWN", 3)
    now = time.time()
    sit = Situation(DISTRICT)
    alarms = [_alarm(Rule.CASE_RED, f"DC{i:010d}", Priority.MEDIUM, now - i) for i in range(4)]
    alarms.append(dataclasses.replace(_alarm(Rule.HARD, "DC0000000009", Priority.LOW, now - 9), acknowledged=True))
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView(alarms, now, None, lambda _i: False), sit)
    assert (
        [view.tree.topLevelItem(i).text(2)[:12] for i in range(view.tree.topLevelItemCount())]
        == [  # type: ignore[union-attr]
            a.subject for a in alarms[:3]
        ]
    )
    assert (
        view.more.isVisible()
        and view.more.text().startswith("另有 2 条告警未列出")
        and "其中 1 条待确认" in view.more.text()
    )

    view.priority.setCurrentIndex(view.priority.findData(Priority.LOW))  # the filters narrow it: all listed
    assert view.tree.topLevelItemCount() == 1 and not view.more.isVisible()

    view.priority.setCurrentIndex(0)  # in a flood: one line, three of its alarms below it, all five in it
    flood = [*alarms[:4], _alarm(Rule.CASE_RED, "DC0000000008", Priority.MEDIUM, now - 8)]
    view.show_alarms(AlarmView(flood, now, now - 300, lambda _i: False), sit)
    group = view.tree.topLevelItem(0)
    assert group is not None and group.text(1).endswith("×5") and group.childCount() == 0
    group.setExpanded(True)  # its alarms are made into lines when it is opened
    assert group.childCount() == 3
    view.tree.setCurrentItem(group)
    assert len(view.selected_ids()) == 5 and not view.more.isVisible()


def test_a_group_made_of_a_selected_alarm_is_not_selected_whole(qtbot: QtBot) -> None:
    """One alarm selected, then a flood groups it with others: the group's line is not selected, so
    Space cannot acknowledge alarms the commander never chose."""
    now = time.time()
    sit = Situation(DISTRICT)
    alarms = [_alarm(Rule.CASE_RED, f"DC{i:010d}", Priority.MEDIUM, now - i) for i in range(6)]
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView(alarms, now, None, lambda _i: False), sit)
    view.tree.setCurrentItem(view.tree.topLevelItem(0))
    assert view.selected_ids() == [alarms[0].id]
    view.show_alarms(AlarmView(alarms, now + 1, now - 300, lambda _i: False), sit)
    assert view.tree.topLevelItemCount() == 1 and view.selected_ids() == []


def test_lines_that_leave_the_list_are_let_go(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line pushed off the list by newer alarms is deleted, not kept: in a soak of alarms nobody
    acknowledged, every line that had left the list stayed in memory."""
    monkeypatch.setattr(alarm_list, "LINES_SHOWN", 3)
    now = time.time()
    sit = Situation(DISTRICT)
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    alarms = [_alarm(Rule.URGENT_NEW, "DC0000000000", Priority.HIGH, now)]
    view.show_alarms(AlarmView(alarms, now, None, lambda _i: False), sit)
    view.call_attention([alarms[0].id])  # blinking, and selected, when it is pushed off
    view.tree.setCurrentItem(view.tree.topLevelItem(0))
    qtbot.wait(700)
    items = _tree_items()
    for i in range(1, 60):
        alarms.insert(0, _alarm(Rule.URGENT_NEW, f"DC{i:010d}", Priority.HIGH, now + i))
        view.show_alarms(AlarmView(alarms, now + i, None, lambda _i: False), sit)
        view._paint_blink()  # as the blink's turn does, with the painted line gone
    assert view.tree.topLevelItemCount() == 3 and view.more.text().startswith("另有 57 条告警未列出")
    assert _tree_items() <= items + 3


def _tree_items() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, QTreeWidgetItem))


def test_in_a_flood_one_rule_in_one_street_is_one_line_with_a_count(qtbot: QtBot) -> None:
    now = time.time()
    alarms = [_alarm(Rule.CASE_RED, f"DC{i:010d}", Priority.MEDIUM, now - i) for i in range(6)]
    alarms.append(_alarm(Rule.CASE_RED, "DC0000000099", Priority.MEDIUM, now, street="110101002"))
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView(alarms, now, now - 300, lambda _i: False), Situation(DISTRICT))
    assert view.tree.topLevelItemCount() == 2
    group = view.tree.topLevelItem(0)
    assert group is not None and group.text(1) == "紧急案件超期 ×6" and group.childCount() == 0
    group.setExpanded(True)
    assert group.childCount() == 6
    group.setExpanded(False)
    assert group.childCount() == 0
    assert view.flood.isVisible() and "5 分钟" in view.flood.text()
    view.tree.setCurrentItem(group)
    assert len(view.selected_ids()) == 6  # acknowledging the line acknowledges all of it

    summary = AlarmSummary()
    qtbot.addWidget(summary)
    summary.show_alarms(alarms, now, now - 300)
    assert summary.text().startswith("告警待确认 高 0 · 中 7 · 低 0") and summary.property("level") == "warn"
    summary.show_alarms([], now, None)
    assert summary.property("level") == "normal"


def test_showing_the_list_again_replaces_only_the_rows_that_changed(qtbot: QtBot) -> None:
    now = time.time()
    sit = Situation(DISTRICT)
    alarms = [_alarm(Rule.CASE_RED, f"DC{i:010d}", Priority.MEDIUM, now - 60 * i) for i in range(1, 7)]
    flood = [_alarm(Rule.HARD, f"DC{i:010d}", Priority.LOW, now - i) for i in range(20, 26)]
    view = AlarmList()
    qtbot.addWidget(view)
    view.show()
    view.show_alarms(AlarmView(alarms, now, None, lambda _i: False), sit)
    before = [view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())]
    assert len(before) == 6
    view.tree.setCurrentItem(before[4])

    view.show_alarms(AlarmView(alarms, now + 1, None, lambda _i: False), sit)  # nothing shown changed
    assert [view.tree.topLevelItem(i) for i in range(6)] == before

    # the third acknowledged (its state changes) and a new one on top: the new one is a new row, the
    # others the very same items (the third's state updated in place), the selected one still selected
    acked = dataclasses.replace(alarms[2], acknowledged=True)
    newest = _alarm(Rule.CASE_RED, "DC0000000099", Priority.MEDIUM, now + 3)
    shown = [newest, *alarms[:2], acked, *alarms[3:]]
    view.show_alarms(AlarmView(shown, now + 3, None, lambda _i: False), sit)
    after = [view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())]
    assert [item.text(2) if item else "" for item in after] == [
        item.text(2) if item else "" for item in [after[0], *before[:2], after[3], *before[3:]]
    ]
    kept = [i for i, item in enumerate(after) if item in before]
    assert kept == [1, 2, 3, 4, 5, 6] and after[0] not in before and after[3] is before[2]
    assert after[3] is not None and after[3].text(4) == "已确认"
    assert view.selected_ids() == [alarms[4].id]

    # a flood groups them: the whole list is new, one line per rule and street
    view.show_alarms(AlarmView(shown + flood, now + 4, now - 300, lambda _i: False), sit)
    assert view.tree.topLevelItemCount() == 2
    assert {view.tree.topLevelItem(i).text(1)[-2:] for i in range(2)} == {"×6", "×7"}  # type: ignore[union-attr]

    # the commander opens a group and selects one of its alarms; another alarm joins the group: the
    # group is the same line, still open, its count grown, the alarm still selected
    group = next(x for i in range(2) if (x := view.tree.topLevelItem(i)) is not None and x.text(1).endswith("×6"))
    group.setExpanded(True)
    assert group.childCount() == 6
    view.tree.setCurrentItem(group.child(2))
    chosen = view.selected_ids()
    joins = _alarm(Rule.HARD, "DC0000000077", Priority.LOW, now + 5)
    view.show_alarms(AlarmView([joins, *shown, *flood], now + 5, now - 300, lambda _i: False), sit)
    assert group in [view.tree.topLevelItem(i) for i in range(2)]
    assert group.isExpanded() and group.childCount() == 7 and group.text(1).endswith("×7")
    assert group.child(0).text(2).startswith("DC0000000077")  # type: ignore[union-attr]
    assert view.selected_ids() == chosen


def test_the_alarm_figures_view_shows_both_spans_and_marks_what_misses_its_target(qtbot: QtBot) -> None:
    from console.core.alarms.engine import Raise
    from console.core.alarms.kpis import alarm_kpis
    from widgets.alarm_figures import AlarmFigures

    now = time.time()
    burst = [Raise(now - 3000 + i, f"case_red/DC{i:010d}", Rule.CASE_RED, Priority.MEDIUM) for i in range(15)]
    older = [Raise(now - 3 * 86400, "grid_red/110101001001001", Rule.GRID_RED, Priority.MEDIUM)]
    log = older + burst
    view = AlarmFigures()
    qtbot.addWidget(view)
    view.show_figures(alarm_kpis(log, now - 86400, now, [], 10), alarm_kpis(log, now - 7 * 86400, now, [], 10))
    rows = {view.table.item(i, 0).text(): i for i in range(view.table.rowCount())}  # type: ignore[union-attr]
    busiest = rows["最忙的一小时"]
    assert [view.table.item(busiest, c).text() for c in (1, 2)] == ["15", "15"]  # type: ignore[union-attr]
    assert view.table.item(busiest, 1).foreground().color() == Qt.GlobalColor.red  # type: ignore[union-attr]
    total = rows["告警总数"]
    assert [view.table.item(total, c).text() for c in (1, 2)] == ["15", "16"]  # type: ignore[union-attr]
