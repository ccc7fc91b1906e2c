"""The map as a commander drives it: a whole-district button brings the district back, and a click
on a cluster shows just its cases in the queue (real console, real map page, real clicks)."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import (  # noqa: F401
    DISTRICT,
    GRID,
    OTHER,
    WAIT_MS,
    applied,
    case,
    click_page,
    publish,
    pytestmark,
    wall,
)  # fmt: skip
from tests.widgets.test_grid_map import read, wait_page

CENTRE_OF = """(function (selector) {
  const r = document.querySelector(selector).getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
})"""


def test_the_whole_district_button_brings_the_district_back(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    seq = publish(server, [case(1, GRID)])
    with wall(qtbot, tmp_path, endpoints) as console:
        applied(qtbot, console, seq)
        whole = "gridMap.map.getBounds().pad(0.05).contains(gridMap.cfg.outline.getBounds())"
        console.map.fit_street(GRID[:9])
        wait_page(qtbot, console.map, whole, False)
        assert read(qtbot, console.map, "document.querySelector('.whole-district a').textContent") == "全区"
        click_page(console, *read(qtbot, console.map, f"{CENTRE_OF}('.whole-district a')"))
        wait_page(qtbot, console.map, whole, True)


def test_a_click_on_a_cluster_shows_just_its_cases_in_the_queue(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    north = [case(n, GRID) for n in (1, 2, 3)]  # one grid: one cluster at the district's zoom
    far = max(g for g in DISTRICT.unit_grids if g[:9] == "110101017")  # the far south: a cluster of its own
    south = [case(10 + n, far) for n in (1, 2)]
    seq = publish(server, north + south)
    with wall(qtbot, tmp_path, endpoints) as console:
        applied(qtbot, console, seq)
        console.map.fit_district()
        wait_page(qtbot, console.map, "document.querySelectorAll('.case-cluster:not(.legend-sym)').length", 2)
        g = DISTRICT.unit_grids[GRID]
        point = read(
            qtbot, console.map,
            f"(function () {{ const m = gridMap.caseLayer.getLayers().filter((m) => m.getIcon().options.className"
            f".startsWith('case-cluster')).sort((a, b) => Math.abs(a.getLatLng().lat - {g.lat})"
            f" - Math.abs(b.getLatLng().lat - {g.lat}))[0];"
            " const p = gridMap.map.latLngToContainerPoint(m.getLatLng());"
            " return [Math.round(p.x), Math.round(p.y)]; })()",
        )  # fmt: skip
        with qtbot.waitSignal(console.map.cluster_clicked, timeout=WAIT_MS) as clicked:
            click_page(console, *point)
        assert clicked.args == [frozenset(c.no for c in north)]
        qtbot.waitUntil(lambda: console.queue.filter.nos == {c.no for c in north}, timeout=WAIT_MS)
        assert sorted(console.queue.model.case_nos()) == sorted(c.no for c in north)
        assert [chip.text() for chip in console.queue.breadcrumb.chips] == ["地图上点选的 3 件  ✕"]


def test_what_the_page_says_of_a_cluster_is_checked(qtbot: QtBot) -> None:
    from widgets.grid_map import MAX_CLUSTER_CASES, CaseMarker, GridMap

    grid_map = GridMap(district=DISTRICT)
    qtbot.addWidget(grid_map)
    grid_map.set_cases([CaseMarker("DC0000000001", 116.4, 39.9, 1, "t")])
    got: list[object] = []
    grid_map.cluster_clicked.connect(got.append)
    for junk in ("{", '{"a": 1}', "[1, 2]", '["DC9999999999"]', json.dumps(["x"] * (MAX_CLUSTER_CASES + 1))):
        grid_map._bridge.clusterClicked(junk)
    assert got == []
    grid_map._bridge.clusterClicked('["DC0000000001", "DC9999999999", 7]')
    assert got == [frozenset({"DC0000000001"})]
