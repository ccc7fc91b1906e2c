"""The whole wall (``console.shell.app.build``) against a scripted backend on loopback.

Every part is real: a reference ``ChpServer`` publishes cases built here, the console's link,
store, situation, queue, detail and the QtWebEngine map page run as on the wall (offscreen). The
tests act as an operator would (a mouse click on a grid polygon, a case marker, a queue row) and
wait on what the wall shows. No sleeps: ``qtbot.waitUntil``/``waitSignal`` only.
"""

from __future__ import annotations

import gc
import html
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from PySide6 import QtGui
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel
from pytestqt.qtbot import QtBot

from console.core.situation import ChangeSet
from console.core.untrusted import ZWSP, block, one_line
from console.shell.app import parse_args
from console.shell.composition import Console, build
from server_link import records as r
from server_link.agent import LinkConfig
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from server_link.server import ChpServer
from server_link.workcal import BEIJING
from tests.support.consoles import dispose
from tests.widgets.test_grid_map import read, wait_page
from widgets.case_detail import CELL_CHARS
from widgets.case_queue_model import CASE_NO_ROLE, Column
from widgets.link_health import state_text
from widgets.map_page import page_texts

# Messages of headless Chromium/Qt about the missing GPU, not about the wall.
pytestmark = pytest.mark.qt_log_ignore(
    "QRhiGles2", "Failed to create RHI", "createPlatformVulkanInstance", "QVulkanInstance", "GBM is not supported",
    "GPUInfo not initialized",
)  # fmt: skip

S, A = r.Step, r.Action
DISTRICT = load_district()
LOAD_MS = 60_000  # the first page load on a slow two-core machine (as tests/widgets/test_grid_map.py)
WAIT_MS = 10_000
NOW = datetime.now(BEIJING).replace(microsecond=0)
# Two grids of one street (东华门) and one of another (景山): a grid filter must not be a street filter.
STREET_GRIDS = sorted(g for g in DISTRICT.unit_grids if g.startswith("110101001"))
GRID, NEIGHBOUR, OTHER = STREET_GRIDS[40], STREET_GRIDS[41], min(g for g in DISTRICT.unit_grids if g[:9] == "110101002")
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script><b>粗体</b>'
HOSTILE_TEXT = "<svg onload=\"window.__pwned='svg'\"></svg><a href='javascript:1'>点</a>\"'&amp;&lt;i&gt;"

# JavaScript: a point of unit grid ``code`` (client coordinates) where a click lands on the grid's
# canvas, away from its edges and from any marker or control, nearest the middle of the grid
# (``_containsPoint`` is the hit test Leaflet's canvas renderer itself runs on a click).
_CLICKABLE_POINT = """(function (code) {
  const m = gridMap.map, layer = gridMap.units.get(code), box = m.getContainer().getBoundingClientRect();
  const size = m.getSize(), b = layer.getBounds();
  const nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());
  const inside = (x, y) => [[0, 0], [5, 0], [-5, 0], [0, 5], [0, -5]].every(
    ([dx, dy]) => layer._containsPoint(m.containerPointToLayerPoint(L.point(x + dx, y + dy))));
  const cx = (nw.x + se.x) / 2, cy = (nw.y + se.y) / 2, points = [];
  for (let x = Math.max(8, Math.ceil(nw.x)); x < Math.min(size.x - 8, se.x); x += 3)
    for (let y = Math.max(8, Math.ceil(nw.y)); y < Math.min(size.y - 8, se.y); y += 3)
      if (inside(x, y)) points.push([(x - cx) ** 2 + (y - cy) ** 2, x, y]);
  points.sort((a, b) => a[0] - b[0]);
  for (const [, x, y] of points) {
    const e = document.elementFromPoint(box.left + x, box.top + y);
    if (e && e.tagName === 'CANVAS') return [Math.round(box.left + x), Math.round(box.top + y)];
  }
  return null;
})"""


def case(
    n: int,
    grid: str,
    *,
    due_in: timedelta = timedelta(hours=4),
    title: str | None = None,
    text: str = "",
    address: str = "",
    note: str = "",
    step: r.Step = S.DISPATCHED,
) -> r.Case:
    """An open case in ``grid`` (its marker on the grid's point), dispatched an hour ago, due ``due_in`` from now."""
    received = NOW - timedelta(hours=1)
    events = [
        r.Event(at=received, step=S.COLLECTED, action=A.COLLECT, actor="网格员", note=note),
        r.Event(at=received + timedelta(minutes=1), step=S.FILED, action=A.FILE),
        r.Event(at=received + timedelta(minutes=2), step=S.DISPATCHED, action=A.DISPATCH, dept="d-hwzx"),
    ]
    if step is S.HANDLING:
        events.append(r.Event(at=NOW - timedelta(minutes=5), step=S.HANDLING, action=A.HANDLE, dept="d-hwzx"))
    g = DISTRICT.unit_grids[grid]
    return r.Case(
        schema=1, no=f"DC{n:010d}", channel="ch-patrol", category="C030102", title=title or f"案件{n} 公厕保洁",
        text=text, address=address, lon=g.lon, lat=g.lat, unit_grid=grid, street=grid[:9], step=step,
        loop=r.Loop.SMALL, dept="d-hwzx", received_at=received, step_at=events[-1].at, deadline=NOW + due_in,
        timeline=events,
    )  # fmt: skip


def publish(server: ChpServer, cases: list[r.Case], gone: tuple[str, ...] = ()) -> int:
    """Publish cases (and delete ``gone`` case numbers) in one go; the server's sequence after them."""
    items = [(r.key_of(c), r.encode(c)) for c in cases] + [(f"/case/{no}", b"") for no in gone]
    server.publish_many(items)
    return int(server.call(lambda s: s.sequence))


def receiving(console: Console) -> bool:
    """LIVE with a heartbeat seen: the snapshot is in, and updates published from now on arrive."""
    stats = console.link.stats()
    return console.window.health.state is LinkState.LIVE and stats.state is LinkState.LIVE and stats.heartbeats > 0


@contextmanager
def wall(qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, *, map_page: bool = True) -> Iterator[Console]:
    """The wall on ``endpoints``, shown, receiving (and its map page loaded); closed on exit, whatever happened.

    The window is deleted here (``dispose``), not by pytest-qt at teardown.
    """
    console = build(parse_args(["--endpoint", str(endpoints), "--db", str(tmp_path / "wall.db")]))
    try:
        console.window.resize(1600, 1000)
        console.window.show()
        console.window.apply_default_sizes()
        qtbot.waitUntil(lambda: receiving(console), timeout=WAIT_MS)
        if map_page:
            qtbot.waitUntil(lambda: console.map.is_ready, timeout=LOAD_MS)
        yield console
    finally:
        dispose(qtbot, console)


def applied(qtbot: QtBot, console: Console, sequence: int) -> None:
    """Wait until the wall has applied everything up to ``sequence`` and repainted it."""
    qtbot.waitUntil(lambda: console.situation.sequence >= sequence and console.ingest.backlog == 0, timeout=WAIT_MS)
    console.repainter.flush()
    qtbot.waitUntil(lambda: not console.queue.model.pending, timeout=WAIT_MS)  # the queue's own coalescing


def click_page(console: Console, x: int, y: int) -> None:
    """A real left click at (x, y) of the map page, where Chromium takes its input."""
    view = console.map.findChild(QWebEngineView)
    assert view is not None
    target = view.focusProxy()  # the widget Chromium draws into and takes input from
    assert target is not None
    QTest.mouseMove(target, QPoint(x, y))
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))


def shown_cases(console: Console) -> dict[str, str]:
    """The queue's rows: case number → the grid its row shows."""
    m = console.queue.model
    return {m.index(p, Column.NO).data(CASE_NO_ROLE): m.index(p, Column.GRID).data() for p in range(m.rowCount())}


# ---------------------------------------------------------------------- the tests
def test_clicking_a_grid_on_the_map_filters_the_queue_to_it(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    ours = [case(n, GRID, due_in=timedelta(hours=n)) for n in (1, 2, 3)]
    decoys = [case(10 + n, g) for n, g in enumerate((NEIGHBOUR, NEIGHBOUR, OTHER, OTHER))]
    publish(server, ours + decoys)
    with wall(qtbot, tmp_path, endpoints) as console:
        qtbot.waitUntil(lambda: len(console.queue.model.case_nos()) == 7, timeout=WAIT_MS)
        # The operator zooms to the grid (as with the wheel), then clicks inside it, off any marker.
        console.map.read_page(
            f"(gridMap.map.fitBounds(gridMap.units.get('{GRID}').getBounds(), {{animate: false, padding: [60, 60]}}),"
            " true)",
            lambda _: None,
        )
        wait_page(qtbot, console.map, "gridMap.map.getZoom() >= 16 && !gridMap._reclusterPending", True)
        point = read(qtbot, console.map, f"{_CLICKABLE_POINT}('{GRID}')")
        assert point is not None, "no clickable pixel inside the grid"
        with qtbot.waitSignal(console.map.grid_clicked, timeout=WAIT_MS) as clicked:
            click_page(console, *point)
        assert clicked.args == [GRID]
        qtbot.waitUntil(lambda: console.queue.filter.unit_grids == {GRID}, timeout=WAIT_MS)
        assert shown_cases(console) == {c.no: GRID for c in ours}
        assert f"单元网格：东华门·{DISTRICT.communities[DISTRICT.unit_grids[GRID].community].name}" in (
            console.queue.breadcrumb.text()
        )
        assert console.queue.count_label.text() == "显示 3 / 7 件"
        wait_page(qtbot, console.map, "gridMap.selectionDrawn() && gridMap.selectionDrawn().grid", GRID)


def test_the_picture_taken_over_is_frozen_out_of_the_cycle_collectors_way(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    gc.unfreeze()
    publish(server, [case(1, GRID)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=WAIT_MS)
        assert not any(o is console.situation for o in gc.get_objects())  # frozen: full collections skip it


def test_the_queue_and_the_kpis_of_one_paint_show_the_same_instant(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(server, [case(1, GRID)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        shown: list[tuple[str, str]] = []  # (the KPI's open figure, the queue's count) right after each paint
        paint = console.paint

        def paint_and_read(changes: ChangeSet) -> None:
            paint(changes)
            shown.append((console.kpis.figures["open"].text(), console.queue.count_label.text()))

        monkeypatch.setattr(console, "paint", paint_and_read)
        for n in range(2, 8):
            last = publish(server, [case(n, STREET_GRIDS[n])])
            qtbot.waitUntil(lambda n=last: console.situation.sequence >= n, timeout=WAIT_MS)
        applied(qtbot, console, last)
        assert shown[-1] == ("7", "显示 7 / 7 件")
        assert all(label == f"显示 {open_} / {open_} 件" for open_, label in shown), shown


def test_the_selection_survives_live_updates(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    grids = STREET_GRIDS[:8]
    initial = [case(n, grids[n % 8], due_in=timedelta(hours=2, minutes=10 * n)) for n in range(1, 13)]
    target = initial[1]
    publish(server, initial)
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        q, m = console.queue, console.queue.model
        qtbot.waitUntil(lambda: len(m.case_nos()) == 12, timeout=WAIT_MS)
        before = m.position_of(target.no)
        assert before is not None
        rect = q.view.visualRect(m.index(before, Column.TITLE))
        assert q.view.viewport().rect().contains(rect.center())
        QTest.mouseClick(q.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
        assert q.selected_case == target.no and console.detail.case_no == target.no
        announced: list[str] = []
        q.case_selected.connect(announced.append)

        # 30 new cases due sooner (they sort above it), 9 changed, 2 gone, and one change to the selected case.
        new = [case(100 + n, grids[n % 8], due_in=timedelta(minutes=30 + n)) for n in range(30)]
        changed = [msgspec.structs.replace(c, title=f"{c.title}（已更新）") for c in initial[2:11]]
        renamed = case(
            2, target.unit_grid, due_in=timedelta(hours=2, minutes=20), step=S.HANDLING, title="案件2 处置中"
        )
        assert renamed.deadline == target.deadline
        last = publish(server, new[:15] + changed + [renamed] + new[15:], gone=(initial[0].no, initial[11].no))
        applied(qtbot, console, last)

        assert len(m.case_nos()) == 12 + 30 - 2
        after = m.position_of(target.no)
        assert after is not None and after != before  # it moved, and the selection went with it
        assert q.selected_case == target.no and announced == []
        rows = {i.row() for i in q.view.selectionModel().selectedIndexes()}
        assert rows == {after} and m.index(after, Column.NO).data(CASE_NO_ROLE) == target.no
        assert m.index(after, Column.TITLE).data() == renamed.title
        assert console.detail.case_no == target.no
        assert console.detail.heading.text() == f"{target.no}　{renamed.title}"
        assert console.detail.fields["step"].text().startswith("任务处理")

        q.view.clearSelection()  # nothing selected any more: the detail says so, with no stray case number
        assert console.detail.case_no is None and console.detail.heading.text() == "未选择案件"


def test_cutting_the_link_shows_stale_within_the_heartbeat_timeout(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints
) -> None:
    backend = ChpServer(endpoints).start()
    running = True
    try:
        publish(backend, [case(1, GRID)])
        with wall(qtbot, tmp_path, endpoints) as console:
            assert console.window.stale.isHidden()
            cut = time.monotonic()
            backend.stop()  # the backend goes silent: no updates, no HUGZ
            running = False
            qtbot.waitUntil(
                lambda: console.window.stale.isVisible() and console.window.health.state is LinkState.STALE,
                timeout=WAIT_MS,
            )
            took = time.monotonic() - cut
            # The link says STALE after hugz_timeout (LinkConfig default: 2.5 s) of silence since its
            # newest message, looked at every 0.1 s; that message came at or before the cut, so STALE
            # shows at most about 2.6 s after it, plus the hop to the GUI thread: within the 3 s asked.
            assert LinkConfig(endpoints).hugz_timeout == 2.5
            assert took <= 3.0, f"STALE shown {took:.2f} s after the cut"
            assert console.window.health.state_label.text() == state_text(LinkState.STALE) == "数据过时"
            assert "链路中断" in console.window.stale.text()
            # Stale is never shown as live: every panel dimmed, its title saying how old its data is,
            # and the map's grids and symbols dimmed too.
            newest = datetime.fromtimestamp(console.link.stats().newest_at or 0, BEIJING).strftime("%H:%M:%S")
            for name, dock in console.window.docks.items():
                effect = dock.widget().graphicsEffect()
                assert isinstance(effect, QGraphicsOpacityEffect) and effect.opacity() < 0.5, name
                assert dock.windowTitle().endswith(f" · 数据截至 {newest}（非实时）"), dock.windowTitle()
            dimmed = "gridMap.map.getContainer().classList.contains('stale')"
            wait_page(qtbot, console.map, dimmed, True)
            # The backend comes back: live again, nothing dimmed.
            backend = ChpServer(endpoints).start()
            running = True
            publish(backend, [case(1, GRID)])
            qtbot.waitUntil(lambda: receiving(console), timeout=WAIT_MS)
            assert console.window.stale.isHidden()
            assert all(d.widget().graphicsEffect() is None for d in console.window.docks.values())
            assert console.window.docks["kpis"].windowTitle() == "全区指标"
            wait_page(qtbot, console.map, dimmed, False)
    finally:
        if running:
            backend.stop()


def test_hostile_case_text_is_shown_literally_everywhere(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    hostile = case(7, GRID, title=HOSTILE_TITLE, text=HOSTILE_TEXT, address=HOSTILE_TITLE, note=HOSTILE_TEXT)
    publish(server, [hostile, case(8, NEIGHBOUR), case(9, OTHER)])
    with wall(qtbot, tmp_path, endpoints) as console:
        m = console.queue.model
        qtbot.waitUntil(lambda: m.position_of(hostile.no) is not None, timeout=WAIT_MS)

        # the queue: the title as given (its long run given break opportunities, nothing else changed);
        # its rich-text tooltip escapes it and reads back as the same text
        p = m.position_of(hostile.no)
        assert p is not None
        shown = m.index(p, Column.TITLE).data(Qt.ItemDataRole.DisplayRole)
        assert shown == one_line(HOSTILE_TITLE) and shown.replace(ZWSP, "") == HOSTILE_TITLE
        tip = m.index(p, Column.TITLE).data(Qt.ItemDataRole.ToolTipRole)
        assert QtGui.Qt.mightBeRichText(tip) and html.escape(shown) in tip and "<script" not in tip
        doc = QTextDocument()
        doc.setHtml(tip)
        assert shown in doc.toPlainText().splitlines()

        # the map: the operator clicks the case's marker; its popup holds only text nodes in plain elements
        console.map.select_case(hostile.no, reveal=True)
        wait_page(qtbot, console.map, f"gridMap.caseMarkers.has('{hostile.no}') && !gridMap._reclusterPending", True)
        x, y = read(
            qtbot,
            console.map,
            f"(function () {{ const r = gridMap.caseMarkers.get('{hostile.no}').getElement().getBoundingClientRect();"
            " return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)]; })()",
        )
        with qtbot.waitSignal(console.map.case_clicked, timeout=WAIT_MS) as clicked:
            click_page(console, x, y)
        assert clicked.args == [hostile.no]
        popup = read(qtbot, console.map, "gridMap.popupText()")
        light = page_texts()["lights"][console.situation.cases[hostile.no].light]
        assert popup is not None and popup["text"] == light + hostile.no + HOSTILE_TITLE
        assert set(popup["elements"]) <= {"DIV", "SPAN"}, popup["elements"]
        title = read(qtbot, console.map, "document.querySelector('.leaflet-popup-content .case-title').textContent")
        assert title == HOSTILE_TITLE
        assert read(qtbot, console.map, "document.querySelectorAll('img[src=\"x\"], svg[onload], b').length") == 0
        assert read(qtbot, console.map, "typeof window.__pwned") == "undefined"

        # the detail (the marker click selected the case in the queue, and so in the detail)
        qtbot.waitUntil(lambda: console.detail.case_no == hostile.no, timeout=WAIT_MS)
        assert console.queue.selected_case == hostile.no
        d = console.detail
        assert d.heading.text() == f"{hostile.no}　{shown}"
        assert d.report.text() == block(HOSTILE_TEXT) and d.report.text().replace(ZWSP, "") == HOSTILE_TEXT
        assert d.fields["where"].text().endswith(shown)
        labels = d.findChildren(QLabel)
        assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
        notes = [item for row in range(d.timeline.rowCount()) if (item := d.timeline.item(row, 5)) is not None]
        note = next(item for item in notes if item.text())
        assert note.text() == one_line(HOSTILE_TEXT, CELL_CHARS) and note.text().endswith("…")  # the cell: its start
        tip = QTextDocument()  # the whole note in the cell's tooltip, escaped
        tip.setHtml(note.toolTip())
        assert QtGui.Qt.mightBeRichText(note.toolTip()) and tip.toPlainText().replace(ZWSP, "") == HOSTILE_TEXT
