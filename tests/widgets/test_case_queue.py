"""The case queue: a real Situation under a real model and QTableView (pytest-qt, headless).

Filters and sorts are checked against plain Python over the situation's ``CaseState``s; live
updates are applied through ``Situation.apply`` exactly as the shell does, then handed to the
queue's ``on_changes``. No sleeps: ``qtbot.waitUntil``/``waitSignal`` only. No timings asserted.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import msgspec
import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from console.core.case_state import CaseState, Light
from console.core.case_table import CaseFilter
from console.core.situation import ChangeSet, Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING
from widgets.case_queue import CaseQueue
from widgets.case_queue_model import CASE_NO_ROLE, SORT_KEYS, CaseQueueModel, Column

S, A, L = r.Step, r.Action, r.Loop
DISTRICT = load_district()
T0 = datetime(2026, 11, 24, 11, 0, tzinfo=BEIJING)  # a Tuesday morning
NOW = T0.timestamp()
STREETS = ("110101001", "110101002", "110101003")  # 东华门, 景山, 交道口
GRIDS = {s: sorted(g for g in DISTRICT.unit_grids if g.startswith(s))[:3] for s in STREETS}
ALL_GRIDS = [g for s in STREETS for g in GRIDS[s]]
DEPTS = ("d-cgw", "d-cgzf", "d-fgw")
CHANNELS = ("ch-patrol", "ch-12345", "ch-wechat")
CATEGORIES = ("C011102", "C030102", "E0305")  # 电力线缆外露 (2 h), 公共厕所 保洁不到位 (2 working h), 无证掘路
ACTION = {
    S.COLLECTED: A.COLLECT, S.FILED: A.FILE, S.DISPATCHED: A.DISPATCH, S.HANDLING: A.HANDLE,
    S.FEEDBACK: A.FEEDBACK, S.CLOSED: A.CLOSE, S.EVALUATED: A.EVALUATE,
}  # fmt: skip
HOSTILE = "<b>粗体</b><script>alert(1)</script>"


def case(
    n: int,
    *,
    step: r.Step = S.DISPATCHED,
    left: timedelta | None = timedelta(hours=5),
    in_step: timedelta = timedelta(hours=1),
    dispatched_ago: timedelta | None = None,
    dept: str = "d-cgw",
    grid: str = ALL_GRIDS[0],
    channel: str = "ch-patrol",
    category: str = "C011102",
    loop: r.Loop = L.SMALL,
    hard: bool = False,
    returned_by: tuple[str, ...] = (),
    title: str | None = None,
) -> r.Case:
    """A case standing in ``step`` since ``in_step`` before NOW, due ``left`` after NOW."""
    step_at = T0 - in_step
    received = T0 - timedelta(hours=12)
    order = list(S)
    events: list[r.Event] = []
    if step is S.COLLECTED:
        received = step_at
    else:
        events += [r.Event(at=received, step=S.COLLECTED, action=A.COLLECT)]
        events += [r.Event(at=received + timedelta(minutes=1), step=S.FILED, action=A.FILE)]
    for i, d in enumerate(returned_by):
        at = received + timedelta(minutes=2 + 2 * i)
        events += [r.Event(at=at, step=S.DISPATCHED, action=A.DISPATCH, dept=d)]
        events += [r.Event(at=at + timedelta(minutes=1), step=S.FILED, action=A.RETURN, dept=d)]
    if order.index(step) > order.index(S.DISPATCHED):
        at = T0 - (dispatched_ago or in_step + timedelta(minutes=30))
        events += [r.Event(at=at, step=S.DISPATCHED, action=A.DISPATCH, dept=dept)]
    with_dept = order.index(step) >= order.index(S.DISPATCHED)
    events += [r.Event(at=step_at, step=step, action=ACTION[step], dept=dept if with_dept else None)]
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel=channel, category=category, title=title or f"案件{n} 井盖破损",
        lon=116.41, lat=39.92, unit_grid=grid, street=grid[:9], step=step, loop=loop,
        dept=next((e.dept for e in reversed(events) if e.dept), None), received_at=received, step_at=step_at,
        deadline=None if left is None else T0 + left, hard=hard, timeline=events,
    )  # fmt: skip


def upd(c: r.Case, seq: int = 1) -> Update:
    return Update(r.key_of(c), seq, c, r.encode(c))


def gone(no: str, seq: int = 1) -> Update:
    return Update(f"/case/{no}", seq, None, b"")


def varied_cases(count: int = 48, seed: int = 7) -> list[r.Case]:
    """A deterministic mix over every field the queue filters and sorts by."""
    rnd = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        step = rnd.choice([S.COLLECTED, S.FILED, S.DISPATCHED, S.DISPATCHED, S.HANDLING, S.FEEDBACK, S.CLOSED])
        step = S.HANDLING if n == 13 else step
        returns = rnd.choice([(), (), (), ("d-fgw",), ("d-fgw", "d-cgzf"), ("d-fgw", "d-cgzf", "d-fgw")])
        out.append(
            case(
                n,
                step=step,
                left=None if rnd.random() < 0.1 else timedelta(minutes=rnd.randrange(-600, 900)),
                in_step=timedelta(minutes=rnd.randrange(1, 600)),
                dept=rnd.choice(DEPTS),
                grid=rnd.choice(ALL_GRIDS),
                channel=rnd.choice(CHANNELS),
                category=rnd.choice(CATEGORIES),
                loop=L.SMALL if n == 1 else rnd.choice([L.SMALL, L.BIG]),  # small first: the loop vocabulary
                hard=rnd.random() < 0.15,
                returned_by=returns,
                title=HOSTILE if n == 13 else f"案件{n} {rnd.choice(['井盖破损', '占道经营', '垃圾满溢', '路灯不亮'])}",
            )
        )
    return out


def situation_with(cases: list[r.Case]) -> Situation:
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, tuple(upd(c) for c in cases), 1, "e"), NOW)
    return sit


class Clock:
    """The instant the queue shows (the tests move it by hand)."""

    def __init__(self, t: float = NOW) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def make_queue(qtbot: QtBot) -> Iterator[Callable[..., CaseQueue]]:
    def make(sit: Situation, *, coalesce_ms: int = 40, clock: Clock | None = None, height: int = 420) -> CaseQueue:
        q = CaseQueue(sit, clock=clock or Clock(), coalesce_ms=coalesce_ms)
        qtbot.addWidget(q)
        q.resize(1400, height)
        q.show()
        qtbot.waitExposed(q)
        return q

    yield make


def apply(sit: Situation, q: CaseQueue, qtbot: QtBot, updates: list[Update], now: float = NOW) -> ChangeSet:
    """What the shell does with a batch, then wait for the queue's coalesced recompute."""
    changes = sit.apply(Batch(False, tuple(updates), sit.sequence + 1, "e"), now)
    q.on_changes(changes, now)
    qtbot.waitUntil(lambda: not q.model.pending, timeout=5000)
    return changes


def shown(m: CaseQueueModel) -> list[str]:
    return [m.data(m.index(p, 0), CASE_NO_ROLE) for p in range(m.rowCount())]


def row_text(m: CaseQueueModel, no: str) -> list[str]:
    p = m.position_of(no)
    assert p is not None, no
    return [m.data(m.index(p, c)) for c in Column]


def selected_nos(q: CaseQueue) -> set[str]:
    return {q.model.data(i, CASE_NO_ROLE) for i in q.view.selectionModel().selectedIndexes()}


# ---------------------------------------------------------------------- what a row shows
def test_a_row_shows_names_countdowns_and_lights_in_chinese(make_queue: Callable[..., CaseQueue]) -> None:
    cases = [
        case(1, left=timedelta(hours=1, minutes=23), in_step=timedelta(hours=2, minutes=5), dept="d-cgw",
             grid=GRIDS["110101001"][0], channel="ch-12345", category="C011102"),
        case(2, step=S.HANDLING, left=-timedelta(hours=2, minutes=5), loop=L.BIG, hard=True,
             returned_by=("d-fgw",)),
        case(3, left=timedelta(minutes=10), in_step=timedelta(hours=2)),  # 80 % of its time gone: yellow
        case(4, step=S.FILED, left=None, in_step=timedelta(days=1, hours=3, minutes=10)),
    ]  # fmt: skip
    q = make_queue(situation_with(cases))
    m = q.model
    grid = GRIDS["110101001"][0]
    assert row_text(m, "DC0000000001") == [
        "DC0000000001", "案件1 井盖破损", "12345市民服务热线", "配电设施 电力线缆外露", "东华门", grid,
        "任务派遣", "小循环", "区城管委", "2时05分", "剩 1时23分", "● 绿", "0",
    ]  # fmt: skip
    assert row_text(m, "DC0000000002")[0] == "DC0000000002 ◆疑难"
    assert row_text(m, "DC0000000002")[6:] == ["任务处理", "大循环", "区城管委", "1时00分", "超 2时05分", "■ 红", "1"]
    assert row_text(m, "DC0000000003")[10:12] == ["剩 0时10分", "▲ 黄"]
    assert row_text(m, "DC0000000004")[6:12] == ["案件建立", "小循环", "未派遣", "1天3时", "—", "● 绿"]

    def fg(no: str, col: Column) -> str | None:
        brush = m.data(m.index(m.position_of(no) or 0, col), Qt.ItemDataRole.ForegroundRole)
        return None if brush is None else brush.color().name()

    red, amber = fg("DC0000000002", Column.DEADLINE), fg("DC0000000003", Column.DEADLINE)
    assert red and amber and red != amber
    assert fg("DC0000000002", Column.LIGHT) == red and fg("DC0000000003", Column.LIGHT) == amber
    assert fg("DC0000000002", Column.NO) == amber  # hard: marked by word and colour
    normal = [fg("DC0000000001", c) for c in Column]  # a normal case: no colour anywhere
    assert normal == [None] * len(Column)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    p = m.position_of("DC0000000001") or 0
    for col in (Column.TIME_IN_STEP, Column.DEADLINE, Column.RETURNS):
        assert m.data(m.index(p, col), Qt.ItemDataRole.TextAlignmentRole) == right
    assert m.data(m.index(p, Column.TITLE), Qt.ItemDataRole.TextAlignmentRole) != right
    assert all(m.data(m.index(p, c), CASE_NO_ROLE) == "DC0000000001" for c in Column)
    assert "案件1 井盖破损" in m.data(m.index(p, Column.STEP), Qt.ItemDataRole.ToolTipRole)


def test_the_count_and_the_default_order(make_queue: Callable[..., CaseQueue]) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    open_ = [s for s in sit.cases.values() if s.open]
    assert q.count_label.text() == f"显示 {len(open_)} / {len(open_)} 件"
    assert q.breadcrumb.text() == "全部在办案件"
    assert shown(q.model) == python_order(open_, "deadline", descending=False)  # most urgent first
    q._on_counts_changed(123, 4567)
    assert q.count_label.text() == "显示 123 / 4,567 件"


# ---------------------------------------------------------------------- filters
def _grid(g: str) -> Callable[[CaseState], bool]:
    return lambda s: s.unit_grid == g


BASE = DISTRICT.unit_grids[GRIDS["110101002"][1]].base_grid
COMMUNITY = DISTRICT.unit_grids[GRIDS["110101003"][0]].community
FILTERS: dict[str, tuple[CaseFilter, Callable[[CaseState], bool]]] = {
    "street": (CaseFilter(streets=frozenset({"110101002"})), lambda s: s.street == "110101002"),
    "unit_grid": (CaseFilter(unit_grids=frozenset({ALL_GRIDS[4]})), _grid(ALL_GRIDS[4])),
    "base_grid": (CaseFilter(base_grids=frozenset({BASE})), lambda s: s.base_grid == BASE),
    "community": (CaseFilter(communities=frozenset({COMMUNITY})), lambda s: s.community == COMMUNITY),
    "dept": (CaseFilter(depts=frozenset({"d-cgzf"})), lambda s: s.dept == "d-cgzf"),
    "two depts": (CaseFilter(depts=frozenset({"d-cgzf", "d-fgw"})), lambda s: s.dept in ("d-cgzf", "d-fgw")),
    "step": (CaseFilter(steps=frozenset({S.HANDLING})), lambda s: s.step is S.HANDLING),
    "loop": (CaseFilter(loops=frozenset({L.BIG})), lambda s: s.loop is L.BIG),
    "channel": (CaseFilter(channels=frozenset({"ch-wechat"})), lambda s: s.channel == "ch-wechat"),
    "category": (CaseFilter(categories=frozenset({"E0305"})), lambda s: s.category == "E0305"),
    "major": (CaseFilter(majors=frozenset({"C01"})), lambda s: s.major == "C01"),
    "light": (CaseFilter(lights=frozenset({Light.YELLOW})), lambda s: s.light is Light.YELLOW),
    "hard only": (CaseFilter(hard_only=True), lambda s: s.hard),
    "overdue only": (CaseFilter(overdue_only=True), lambda s: s.overdue),
    "buck-passing only": (CaseFilter(buck_passing_only=True), lambda s: s.buck_passing),
    "text in title": (CaseFilter(text="占道"), lambda s: "占道" in s.title),
    "text in number": (CaseFilter(text="dc000000001"), lambda s: s.no.startswith("DC000000001")),
    "closed too": (CaseFilter(open_only=False), lambda s: True),
    "street, dept and overdue": (
        CaseFilter(streets=frozenset({"110101001"}), depts=frozenset({"d-cgw"}), overdue_only=True),
        lambda s: s.street == "110101001" and s.dept == "d-cgw" and s.overdue,
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filtering_by_each_field(make_queue: Callable[..., CaseQueue], name: str) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    f, keep = FILTERS[name]
    q.set_filter(f)
    want = [s for s in sit.cases.values() if (s.open or not f.open_only) and keep(s)]
    assert want, f"the data set has no case for {name!r}"
    assert {s.no for s in want} != {s.no for s in sit.cases.values() if s.open}, "the filter should change the queue"
    assert set(shown(q.model)) == {s.no for s in want}
    assert shown(q.model) == python_order(want, "deadline", descending=False)
    assert q.count_label.text().startswith(f"显示 {len(want)} / ")
    assert q.breadcrumb.text() != "全部在办案件"


def test_the_filter_bar_search_box_and_toggles(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    q.focus_search()
    assert q.focusWidget() is q.search_box
    qtbot.keyClicks(q.search_box, "dc000000002")  # typed: the search waits for a pause in typing
    qtbot.waitUntil(lambda: q.model.filter.text == "dc000000002")
    assert set(shown(q.model)) == {s.no for s in sit.cases.values() if s.open and s.no.startswith("DC000000002")}
    q.search_box.setText("垃圾")  # as an input method commits Chinese text (QTest types ASCII only)
    qtbot.waitUntil(lambda: q.model.filter.text == "垃圾")
    assert set(shown(q.model)) == {s.no for s in sit.cases.values() if s.open and "垃圾" in s.title}
    qtbot.mouseClick(q.overdue_toggle, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(q.hard_toggle, Qt.MouseButton.LeftButton)
    assert q.model.filter == CaseFilter(text="垃圾", overdue_only=True, hard_only=True)
    assert q.breadcrumb.text() == "疑难 › 超期 › 搜索：“垃圾”"
    q.set_filter(CaseFilter(overdue_only=True))  # set from outside: the bar follows
    assert (q.search_box.text(), q.overdue_toggle.isChecked(), q.hard_toggle.isChecked()) == ("", True, False)
    qtbot.mouseClick(q.clear_button, Qt.MouseButton.LeftButton)
    assert q.model.filter == CaseFilter() and not q.overdue_toggle.isChecked()


def test_breadcrumb_names_the_active_filters_in_chinese(make_queue: Callable[..., CaseQueue]) -> None:
    q = make_queue(situation_with(varied_cases()))
    q.filter_to_street("110101001")
    q.filter_to_department("d-cgw")
    q.overdue_toggle.setChecked(True)
    assert q.breadcrumb.text() == "街道：东华门 › 部门：区城管委 › 超期"
    inside = GRIDS["110101001"][1]
    q.filter_to_grid(inside)  # a grid inside the street keeps the street; it is named by where it is
    community = DISTRICT.communities[DISTRICT.unit_grids[inside].community].name
    grid_name = f"东华门·{community} {inside[-3:]}号"
    assert q.breadcrumb.text() == f"街道：东华门 › 单元网格：{grid_name} › 部门：区城管委 › 超期"
    assert inside not in q.breadcrumb.text()  # never its 15 digits
    elsewhere = GRIDS["110101002"][0]
    q.filter_to_grid(elsewhere)  # a grid elsewhere replaces the street
    assert q.breadcrumb.text().startswith("单元网格：景山·")
    q.set_filter(CaseFilter(steps=frozenset({S.HANDLING, S.DISPATCHED}), loops=frozenset({L.BIG}),
                            lights=frozenset({Light.RED, Light.YELLOW}), channels=frozenset(CHANNELS)))  # fmt: skip
    assert q.breadcrumb.text() == (
        "渠道：12345市民服务热线、网格监督员巡查上报（城管通）、微信公众号"
        " › 环节：任务派遣、任务处理 › 大循环 › 灯：■ 红、▲ 黄"
    )


def test_an_empty_result_names_the_filters_that_emptied_it(make_queue: Callable[..., CaseQueue]) -> None:
    q = make_queue(situation_with(varied_cases()))
    assert q.empty_note.isHidden()
    q.filter_to_street("110101001")
    q.filter_to_department("d-no-such-department")  # nothing of it in that street
    assert q.model.rowCount() == 0
    assert q.empty_note.isVisible() or not q.empty_note.isHidden()
    text = q.empty_note.text()
    assert "街道：东华门" in text and "部门：d-no-such-department" in text and "Esc" in text
    q.clear_filters()
    assert q.empty_note.isHidden()


def test_filter_to_grid_then_clear_filters_restores_the_queue(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    everything = shown(q.model)
    grid = ALL_GRIDS[2]
    q.filter_to_grid(grid)
    assert shown(q.model) and all(sit.cases[no].unit_grid == grid for no in shown(q.model))
    u = DISTRICT.unit_grids[grid]
    where = f"{DISTRICT.streets[u.street].short_name}·{DISTRICT.communities[u.community].name} {grid[-3:]}号"
    assert q.breadcrumb.text() == f"单元网格：{where}"
    q.clear_filters()
    assert shown(q.model) == everything
    assert q.breadcrumb.text() == "全部在办案件"
    # Esc does the same, from the table or from the search box
    for target in (q.view, q.search_box):
        q.filter_to_department("d-fgw")
        target.setFocus()
        qtbot.keyClick(target, Qt.Key.Key_Escape)
        assert shown(q.model) == everything and q.model.filter == CaseFilter()


def test_a_base_grid_picked_on_the_overview_filters_to_its_cases(make_queue: Callable[..., CaseQueue]) -> None:
    """At the overview zoom the map shades and picks base grids: the queue takes a base grid's id too,
    keeps its street as the path and drops the narrower unit grid."""
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    grid = ALL_GRIDS[2]
    base = DISTRICT.unit_grids[grid].base_grid
    q.filter_to_street(DISTRICT.unit_grids[grid].street)
    q.filter_to_grid(grid)
    q.filter_to_grid(base)
    f = q.model.filter
    assert (f.base_grids, f.unit_grids, f.streets) == (frozenset({base}), frozenset(), frozenset({grid[:9]}))
    expected = {s.no for s in sit.cases.values() if s.open and DISTRICT.unit_grids[s.unit_grid].base_grid == base}
    assert expected and set(shown(q.model)) == expected
    assert DISTRICT.base_grids[base].name in q.breadcrumb.text() or base[-4:] in q.breadcrumb.text()


# ---------------------------------------------------------------------- sorting
def python_order(states: list[CaseState], key: str, descending: bool) -> list[str]:
    """Plain Python: the key's order, ties (and the key's absence) in case-number order."""
    step_index = list(S)
    loop_index = {L.SMALL: 0, L.BIG: 1}  # the table ranks loops as they first appeared (small first here)

    def light(s: CaseState) -> int:
        return int(s.light) if s.open else 0

    keys: dict[str, Callable[[CaseState], object]] = {
        "no": lambda s: int(s.no[2:]),
        "title": lambda s: s.title,
        "channel": lambda s: s.channel,
        "category": lambda s: s.category,
        "street": lambda s: s.street,
        "unit_grid": lambda s: s.unit_grid,
        "step": lambda s: step_index.index(s.step),
        "loop": lambda s: loop_index[s.loop],
        "dept": lambda s: s.dept or "",
        "time_in_step": lambda s: NOW - s.step_at,
        "deadline": lambda s: math.inf if math.isnan(s.deadline) else s.deadline,
        "light": light,
        "returns": lambda s: s.returns,
    }
    by_no = sorted(states, key=lambda s: int(s.no[2:]))
    return [s.no for s in sorted(by_no, key=keys[key], reverse=descending)]  # type: ignore[arg-type]


@pytest.mark.parametrize("column", list(Column), ids=[c.name.lower() for c in Column])
def test_sorting_by_each_column_matches_python(make_queue: Callable[..., CaseQueue], column: Column) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    open_ = [s for s in sit.cases.values() if s.open]
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        q.view.sortByColumn(column, order)
        assert (q.model.sort_column, q.model.sort_order) == (column, order)
        want = python_order(open_, SORT_KEYS[column], descending=order == Qt.SortOrder.DescendingOrder)
        assert shown(q.model) == want, f"{column.name} {order.name}"


def test_clicking_a_header_sorts_and_clicking_again_reverses(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    sit = situation_with(varied_cases())
    q = make_queue(sit)
    open_ = [s for s in sit.cases.values() if s.open]
    header = q.view.horizontalHeader()
    orders = []
    for _ in range(2):
        x = header.sectionViewportPosition(Column.DEPT) + header.sectionSize(Column.DEPT) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        assert q.model.sort_column == Column.DEPT
        assert header.sortIndicatorSection() == Column.DEPT
        descending = q.model.sort_order == Qt.SortOrder.DescendingOrder
        assert shown(q.model) == python_order(open_, "dept", descending)
        orders.append(descending)
    assert orders[0] != orders[1]


# ---------------------------------------------------------------------- live updates
def test_selection_follows_its_case_through_reordering_updates(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    cases = [case(n, left=timedelta(minutes=30 * n), grid=ALL_GRIDS[n % 9]) for n in range(1, 61)]
    sit = situation_with(cases)
    q = make_queue(sit)
    announced: list[str] = []
    q.case_selected.connect(announced.append)
    target = "DC0000000030"
    assert q.select_case(target)
    assert announced == [target]
    rnd = random.Random(3)
    positions = {q.model.position_of(target)}
    layouts: list[int] = []
    q.model.layoutChanged.connect(lambda: layouts.append(1))
    for k in range(12):
        others = rnd.sample([n for n in range(1, 61) if n != 30], 8)
        batch = [case(n, left=timedelta(minutes=rnd.randrange(-300, 2000)), grid=ALL_GRIDS[n % 9]) for n in others]
        apply(sit, q, qtbot, [upd(c, k) for c in batch])
        p = q.model.position_of(target)
        positions.add(p)
        current = q.view.currentIndex()
        assert current.isValid() and current.row() == p
        assert q.model.data(current, CASE_NO_ROLE) == target
        assert selected_nos(q) == {target}
        assert {i.row() for i in q.view.selectionModel().selectedIndexes()} == {p}
        assert shown(q.model) == python_order([s for s in sit.cases.values() if s.open], "deadline", False)
    assert len(positions) > 3, "the updates should have moved the selected case around"
    assert layouts, "re-ordering updates are told to the view as layout changes"
    assert announced == [target], "no case_selected for a case that only moved"
    assert q.selected_case == target


def test_a_case_leaving_the_filter_leaves_the_selection_cleanly(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    cases = [case(n, dept=DEPTS[n % 2], left=timedelta(hours=n)) for n in range(1, 21)]
    sit = situation_with(cases)
    q = make_queue(sit)
    q.filter_to_department(DEPTS[0])
    announced: list[str] = []
    q.case_selected.connect(announced.append)
    assert q.select_case("DC0000000010")
    moved = case(10, dept=DEPTS[1], left=timedelta(hours=10))  # re-dispatched elsewhere: out of the filter
    apply(sit, q, qtbot, [upd(moved, 2)])
    assert q.model.position_of("DC0000000010") is None
    assert selected_nos(q) == set()
    assert not q.view.currentIndex().isValid()
    assert announced == ["DC0000000010", ""]
    assert q.selected_case == ""
    apply(sit, q, qtbot, [upd(case(4, dept=DEPTS[0], left=timedelta(minutes=5)), 3)])  # reorders the rest
    assert announced == ["DC0000000010", ""] and selected_nos(q) == set()
    # a case that goes from the backend altogether behaves the same
    assert q.select_case("DC0000000004")
    apply(sit, q, qtbot, [gone("DC0000000004", 4)])
    assert selected_nos(q) == set() and announced[-1] == ""


def test_unchanged_order_repaints_only_changed_rows(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    cases = [case(n, left=timedelta(hours=n)) for n in range(1, 101)]
    sit = situation_with(cases)
    q = make_queue(sit)
    layouts: list[int] = []
    spans: list[tuple[int, int, int, int]] = []
    q.model.layoutChanged.connect(lambda: layouts.append(1))

    def changed(a: QModelIndex, b: QModelIndex, roles: object = ()) -> None:
        spans.append((a.row(), b.row(), a.column(), b.column()))

    q.model.dataChanged.connect(changed)
    visible = q.view.visible_rows()
    assert visible is not None and visible[1] < 50
    renamed = [
        msgspec.structs.replace(cases[1], title="已改标题"),
        msgspec.structs.replace(cases[70], title="看不见的行"),
    ]
    apply(sit, q, qtbot, [upd(c, 2) for c in renamed])
    assert layouts == []
    assert spans == [(1, 1, 0, len(Column) - 1)], "only the visible changed row, not row 70"
    assert row_text(q.model, "DC0000000002")[Column.TITLE] == "已改标题"


def test_updates_are_coalesced(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    cases = [case(n, left=timedelta(hours=n)) for n in range(1, 41)]
    sit = situation_with(cases)
    q = make_queue(sit, coalesce_ms=200)
    recomputed: list[int] = []
    q.model.rows_recomputed.connect(lambda: recomputed.append(1))
    for k in range(5):  # five batches in one go, each reordering
        changes = sit.apply(Batch(False, (upd(case(40 - k, left=timedelta(minutes=k)), k),), k + 2, "e"), NOW)
        q.on_changes(changes, NOW)
    assert q.model.pending and recomputed == []
    qtbot.waitUntil(lambda: not q.model.pending, timeout=5000)
    assert recomputed == [1]
    assert shown(q.model)[:5] == ["DC0000000040", "DC0000000039", "DC0000000038", "DC0000000037", "DC0000000036"]


def test_time_columns_tick_for_visible_rows_only(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    clock = Clock()
    cases = [case(n, left=timedelta(hours=1, minutes=n)) for n in range(1, 101)]
    q = make_queue(situation_with(cases), clock=clock)
    m = q.model
    assert row_text(m, "DC0000000001")[Column.DEADLINE] == "剩 1时01分"
    clock.t += 2 * 3600

    def time_columns(a: QModelIndex, b: QModelIndex, roles: object = ()) -> bool:
        return (a.column(), b.column()) == (Column.TIME_IN_STEP, Column.LIGHT)

    with qtbot.waitSignal(m.dataChanged, timeout=3000, check_params_cb=time_columns) as blocker:
        pass
    first, last = blocker.args[0].row(), blocker.args[1].row()
    visible = q.view.visible_rows()
    assert visible is not None and (first, last) == visible and last < m.rowCount() - 1
    assert row_text(m, "DC0000000001")[Column.TIME_IN_STEP : Column.RETURNS] == ["3时00分", "超 0时59分", "■ 红"]


def test_the_top_visible_case_stays_put_unless_at_the_top(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    cases = [case(n, left=timedelta(minutes=10 * n)) for n in range(1, 201)]
    sit = situation_with(cases)
    q = make_queue(sit)
    bar = q.view.verticalScrollBar()
    bar.setValue(80)
    top = q.model.case_no(q.view.rowAt(0))
    assert top is not None
    urgent = [case(n, left=timedelta(minutes=-n)) for n in range(300, 310)]  # ten new cases above it
    apply(sit, q, qtbot, [upd(c, 2) for c in urgent] + [gone("DC0000000003", 2)])
    assert q.model.position_of(top) == 80 - 1 + 10
    assert q.model.case_no(q.view.rowAt(0)) == top
    bar.setValue(0)  # at the top, new urgent cases flow in above
    apply(sit, q, qtbot, [upd(case(400, left=-timedelta(days=1)), 3)])
    assert bar.value() == 0 and q.model.case_no(q.view.rowAt(0)) == "DC0000000400"
    # the top case leaving: the other visible cases keep their places on the screen
    bar.setValue(50)
    visible = [q.model.case_no(p) or "" for p in range(q.view.rowAt(0), q.view.rowAt(0) + 3)]
    apply(sit, q, qtbot, [gone(visible[0], 4)])
    assert [q.model.case_no(q.view.rowAt(0) + i) for i in (1, 2)] == visible[1:]


def test_a_snapshot_reset_keeps_the_selection_on_the_same_case(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    cases = [case(n, left=timedelta(hours=n)) for n in range(1, 31)]
    sit = situation_with(cases)
    q = make_queue(sit)
    announced: list[str] = []
    q.case_selected.connect(announced.append)
    q.select_case("DC0000000020")
    old_table = sit.table
    fresh = [case(n, left=timedelta(hours=40 - n)) for n in range(5, 35)]  # a new snapshot, new rows
    changes = sit.apply(Batch(True, tuple(upd(c) for c in fresh), 50, "e2"), NOW)
    assert sit.table is not old_table
    q.on_changes(changes, NOW)
    qtbot.waitUntil(lambda: not q.model.pending)
    assert sorted(shown(q.model)) == sorted(c.no for c in fresh)
    assert selected_nos(q) == {"DC0000000020"}
    assert q.model.data(q.view.currentIndex(), CASE_NO_ROLE) == "DC0000000020"
    assert row_text(q.model, "DC0000000020")[Column.DEADLINE] == "剩 20时00分"
    assert announced == ["DC0000000020"]


def test_select_case_reveals_a_filtered_out_case(make_queue: Callable[..., CaseQueue]) -> None:
    cases = [case(n, dept=DEPTS[n % 3], left=timedelta(hours=n)) for n in range(1, 301)]
    q = make_queue(situation_with(cases))
    q.filter_to_department(DEPTS[0])
    assert not q.select_case("DC0000000250", reveal=False)
    assert q.select_case("DC0000000250")
    assert q.model.filter == CaseFilter()
    p = q.model.position_of("DC0000000250")
    assert p is not None and q.view.rowAt(0) <= p <= q.view.rowAt(q.view.viewport().height() - 1)
    assert not q.select_case("DC9999999999")


# ---------------------------------------------------------------------- untrusted text
def test_titles_are_shown_as_plain_text(make_queue: Callable[..., CaseQueue]) -> None:
    q = make_queue(situation_with(varied_cases()))
    m = q.model
    p = m.position_of("DC0000000013")
    assert p is not None
    index = m.index(p, Column.TITLE)
    assert m.data(index) == HOSTILE
    # what the view paints: its delegate is a plain QStyledItemDelegate, handed the literal string
    delegate = q.view.itemDelegate()
    assert type(delegate) is QStyledItemDelegate
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, index)
    assert option.text == HOSTILE
    q.view.scrollTo(index)
    texts = _accessible_texts(q)
    assert HOSTILE in texts
    assert not any("粗体" in t and "<b>" not in t for t in texts), "never rendered as markup"
    tip = m.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;粗体&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in tip and "<script>" not in tip
    q.search_box.setText("<script>")
    q._apply_search()
    assert shown(m) == ["DC0000000013"]
    assert [chip.text() for chip in q.breadcrumb.chips] == ["搜索：“<script>”  ✕"]  # a button: plain text


def _accessible_texts(q: CaseQueue) -> list[str]:
    """The cell texts the view exposes to assistive technology (what it renders, as text)."""
    iface = QAccessible.queryAccessibleInterface(q.view)
    assert iface is not None
    return [iface.child(i).text(QAccessible.Text.Name) for i in range(iface.childCount())]


def test_large_type_makes_rows_taller(make_queue: Callable[..., CaseQueue]) -> None:
    q = make_queue(situation_with(varied_cases(12)))
    normal = q.view.verticalHeader().defaultSectionSize()
    q.set_large_type(True)
    assert q.large_type and q.view.verticalHeader().defaultSectionSize() > normal * 1.3
    q.set_large_type(False)
    assert q.view.verticalHeader().defaultSectionSize() == normal


def test_the_queue_shows_the_columns_to_act_on_and_the_rest_on_request(
    make_queue: Callable[..., CaseQueue],
) -> None:
    from widgets.case_queue import DEFAULT_COLUMNS

    q = make_queue(situation_with(varied_cases()))
    shown = {c for c in Column if not q.view.isColumnHidden(c)}
    assert shown == set(DEFAULT_COLUMNS) and Column.NO in shown and Column.GRID not in shown
    menu = q.column_menu()
    actions = {a.text(): a for a in menu.actions()}
    assert len(actions) == len(Column) and not actions["案件编号"].isEnabled()  # the number always shows
    actions["单元网格"].setChecked(True)
    assert not q.view.isColumnHidden(Column.GRID)
    actions["单元网格"].setChecked(False)
    assert q.view.isColumnHidden(Column.GRID)


def test_each_filter_is_a_chip_with_its_own_cross(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    q = make_queue(situation_with(varied_cases()))
    assert q.breadcrumb.chips == [] and q.breadcrumb.none_label.text() == "全部在办案件"
    q.filter_to_street("110101001")
    q.filter_to_department("d-cgw")
    q.overdue_toggle.setChecked(True)
    chips = q.breadcrumb.chips
    assert [c.text() for c in chips] == ["街道：东华门  ✕", "部门：区城管委  ✕", "超期  ✕"]
    assert q.breadcrumb.none_label.isHidden()
    qtbot.mouseClick(chips[1], Qt.MouseButton.LeftButton)  # the department's ✕: the others stay
    assert q.model.filter == CaseFilter(streets=frozenset({"110101001"}), overdue_only=True)
    assert [c.text() for c in q.breadcrumb.chips] == ["街道：东华门  ✕", "超期  ✕"]
    qtbot.mouseClick(q.breadcrumb.chips[1], Qt.MouseButton.LeftButton)
    assert not q.overdue_toggle.isChecked()  # the toggle follows its chip
    q.breadcrumb.chips[0].setFocus()
    qtbot.keyClick(q.breadcrumb.chips[0], Qt.Key.Key_Space)  # by keyboard too
    assert q.model.filter == CaseFilter() and q.breadcrumb.text() == "全部在办案件"


def test_a_search_that_finds_nothing_here_offers_everything_and_enter_takes_it(
    make_queue: Callable[..., CaseQueue], qtbot: QtBot
) -> None:
    cases = varied_cases()
    sit = situation_with(cases)
    q = make_queue(sit)
    target = next(s for s in sit.cases.values() if s.street == "110101002")  # in 景山, maybe closed
    q.filter_to_street("110101001")
    q.search_box.setText(target.no)
    q._apply_search()
    assert q.model.rowCount() == 0
    assert "街道：东华门" in q.empty_note.text() and target.no in q.empty_note.text()
    assert q.widen_button.isVisible() and "找到 1 件" in q.widen_button.text()
    q.search_box.setFocus()
    qtbot.keyClick(q.search_box, Qt.Key.Key_Return)  # Enter: nothing here, so everywhere, and opened
    assert q.model.filter == CaseFilter(open_only=False, text=target.no)
    assert shown(q.model) == [target.no]
    assert q.selected_case == target.no and q.focusWidget() is q.view
    assert not q.widen_button.isVisible()


def test_down_in_the_search_box_goes_into_the_results(make_queue: Callable[..., CaseQueue], qtbot: QtBot) -> None:
    q = make_queue(situation_with(varied_cases()))
    q.search_box.setFocus()
    q.search_box.setText("DC00000000")  # as typed; the debounce has not run yet
    qtbot.keyClick(q.search_box, Qt.Key.Key_Down)
    assert q.model.filter.text == "DC00000000" and q.model.rowCount() > 1
    first = q.model.case_no(0)
    assert q.selected_case == first and q.focusWidget() is q.view
    qtbot.keyClick(q.view, Qt.Key.Key_Down)  # on down the list
    assert q.selected_case == q.model.case_no(1)
