"""The grid map: local-only page, choropleth restyles and diffs, clicks, selection, safe case text."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import folium
import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWebEngineWidgets import QWebEngineView
from pytestqt.qtbot import QtBot

from console.core.case_state import Light
from server_link.district import load_district
from widgets import grid_map as grid_map_module
from widgets.grid_map import (
    RAMP,
    STORM_CHANGES,
    STORM_INTERVAL_MS,
    ZERO_COLOUR,
    Binning,
    CameraMarker,
    CaseMarker,
    GridMap,
    LocalOnlyInterceptor,
    PageReadError,
)
from widgets.map_page import THEMES, PageOptions, build_page, tile_origins

# Messages of headless Chromium/Qt about the missing GPU, not about the map.
pytestmark = pytest.mark.qt_log_ignore(
    "QRhiGles2", "Failed to create RHI", "createPlatformVulkanInstance", "QVulkanInstance", "GBM is not supported",
    "GPUInfo not initialized",
)  # fmt: skip

LOAD_MS = 60_000  # the first page load on a slow two-core machine
WAIT_MS = 10_000
UNIT_GRIDS = 2322
CODES = sorted(load_district().unit_grids)


def read(qtbot: QtBot, m: GridMap, expression: str) -> Any:
    """The JSON value of ``expression`` in the page (fails the test on a page error or time-out)."""
    box: list[Any] = []
    m.read_page(expression, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=WAIT_MS)
    assert not isinstance(box[0], PageReadError), box[0]
    return box[0]


def wait_page(qtbot: QtBot, m: GridMap, expression: str, expected: Any) -> None:
    """Wait until ``expression`` evaluates to ``expected`` in the page."""
    seen: list[Any] = []

    def check() -> None:
        value = read(qtbot, m, expression)
        seen.append(value)
        assert value == expected

    try:
        qtbot.waitUntil(check, timeout=WAIT_MS)
    except AssertionError:
        raise AssertionError(f"{expression}: expected {expected!r}, last saw {seen[-1:]!r}") from None


@pytest.fixture
def make_map(qtbot: QtBot) -> Iterator[Callable[..., GridMap]]:
    """Build loaded, shown maps. When the test ends (before pytest-qt closes them) check that nothing
    tried to leave the machine and the page logged no error; then wait until every map is deleted."""
    destroyed: list[bool] = []
    made = 0

    def make(*, expect_blocked: bool = False, **kw: Any) -> GridMap:
        nonlocal made

        def check(m: GridMap) -> None:
            if not expect_blocked:  # (a test that provokes blocked requests also gets console errors)
                assert m.blocked_requests == (), f"the page tried to reach {m.blocked_requests}"
                assert m.console_errors == (), m.console_errors

        m = GridMap(**kw)
        qtbot.addWidget(m, before_close_func=check)  # pytest-qt closes and deletes it
        m.destroyed.connect(lambda: destroyed.append(True))
        made += 1
        m.resize(900, 800)
        with qtbot.waitSignal(m.page_loaded, timeout=LOAD_MS):
            m.show()
        return m

    yield make
    qtbot.waitUntil(lambda: len(destroyed) == made, timeout=WAIT_MS)


@pytest.fixture
def grid_map(make_map: Callable[..., GridMap]) -> GridMap:
    """A map that colours unit grids at every zoom (the overview's base-grid shading has its own test)."""
    return make_map(unit_from_zoom=0)


# ---------------------------------------------------------------------- no Qt needed
def test_page_html_has_only_local_assets() -> None:
    html = build_page()
    assert not re.search(r"(?:https?|ftp)://", html), re.findall(r"(?:https?|ftp)://[^\"' ]+", html)[:5]
    sources = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"([^\"]+)\"", html)
    assert sources and all(s.startswith(("file:///", "qrc:///")) for s in sources), sources
    assert "preferCanvas" in html
    # folium's own class-level lists were replaced on the instance, not edited in place
    assert any(url.startswith("https://") for _, url in folium.Map.default_js)


def test_binning_classes_labels_and_ramp() -> None:
    b = Binning((3.0, 6.0, 10.0), integer=True)
    values = (0, -1, float("nan"), 1, 2, 3, 5, 6, 9, 10, 500)
    assert [b.class_of(v) for v in values] == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert b.labels == ("0", "1–2", "3–5", "6–9", "≥ 10")
    assert b.colours[0] == ZERO_COLOUR["dark"] and b.colours[-1] == RAMP[-1] and len(set(b.colours)) == 5
    assert Binning.from_values([0, 1, 2, 3]).labels == ("0", "1", "2", "≥ 3")
    auto = Binning.from_values([float(v) for v in range(1, 101)])
    assert len(auto.edges) == 4 and auto.colours[1:] == RAMP
    assert Binning.from_values([0.5, 1.25, 2.0]).integer is False
    with pytest.raises(ValueError):
        Binning((5.0, 3.0), integer=True)


def test_interceptor_allow_list_is_explicit() -> None:
    tiles = LocalOnlyInterceptor(tile_origins(PageOptions(tile_url="http://{s}.tiles.intra:8080/{z}/{x}/{y}.png")))
    plain = LocalOnlyInterceptor()
    local = ("file:///work/x.js", "qrc:///qtwebchannel/qwebchannel.js", "data:image/png;base64,AAAA")
    for url in local:
        assert plain.allows(QUrl(url)) and tiles.allows(QUrl(url)), url
    assert tiles.allows(QUrl("http://a.tiles.intra:8080/13/6744/3104.png"))
    for url in (
        "http://tiles.intra:8080/13/6744/3104.png",  # no subdomain: not in the template
        "http://a.tiles.intra/13/6744/3104.png",  # other port
        "https://a.tiles.intra:8080/1.png",  # other scheme
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "file://fileserver/share/x.js",  # a file URL with a host is not local
        "ws://127.0.0.1:9000/",
        "blob:file:///abc",
    ):
        assert not tiles.allows(QUrl(url)), url
        assert not plain.allows(QUrl(url)), url


# ---------------------------------------------------------------------- the page
def test_page_loads_locally_and_renders_every_grid(qtbot: QtBot, grid_map: GridMap) -> None:
    s = read(qtbot, grid_map, "gridMap.summary()")
    assert s["units"] == UNIT_GRIDS
    assert s["unitLayersOnMap"] == UNIT_GRIDS
    assert (s["baseGrids"], s["streets"], s["streetLabels"]) == (592, 17, 17)
    assert s["renderer"] == "canvas"
    assert read(qtbot, grid_map, "document.querySelectorAll('canvas').length") >= 1
    labels = read(qtbot, grid_map, "Array.from(document.querySelectorAll('.street-label-text'), e => e.textContent)")
    assert "东华门" in labels and "永定门外" in labels  # short names: the 街道 every one ends with is left off
    names = read(qtbot, grid_map, "gridMap.labelOverlaps()")  # each on its street's label point, inside it
    assert (names["shown"], names["outside"], names["overlaps"]) == (17, 0, 0), names
    # every script and style came from a local file or Qt's resources
    sources = read(qtbot, grid_map, "performance.getEntriesByType('resource').map(e => e.name).concat([location.href])")
    assert sources and all(s.startswith(("file:///", "qrc:///")) for s in sources), sources

    # and the canvas really drew the district: plenty of pixels differ from the background
    def drawn() -> None:
        img = grid_map.grab().toImage()
        bg = img.pixelColor(2, img.height() // 2).rgb()
        step = 10
        pixels = [img.pixelColor(x, y).rgb() for x in range(0, img.width(), step) for y in range(0, img.height(), step)]
        assert sum(p != bg for p in pixels) > len(pixels) // 5

    qtbot.waitUntil(drawn, timeout=WAIT_MS)
    assert grid_map.blocked_requests == ()


def test_only_the_tile_server_is_reachable(qtbot: QtBot, make_map: Callable[..., GridMap]) -> None:
    # A tile server on loopback (nothing listens on port 9): its requests are allowed, anything else
    # the page tries is blocked by the interceptor and recorded. (Without a tile server Chromium
    # already refuses remote URLs to a file:// page; the interceptor is the second line.)
    m = make_map(expect_blocked=True, tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    wait_page(qtbot, m, "document.querySelectorAll('img.leaflet-tile').length > 0", True)
    with qtbot.waitSignal(m.request_blocked, timeout=WAIT_MS) as blocker:
        m.read_page(
            "(function () { const i = document.createElement('img');"
            " i.src = 'https://tiles.example.com/1/2/3.png'; document.body.appendChild(i); return 1; })()",
            lambda _: None,
        )
    assert blocker.args == ["https://tiles.example.com/1/2/3.png"]
    assert m.blocked_requests == ("https://tiles.example.com/1/2/3.png",)


def test_set_metric_restyles_every_grid_with_the_ramp(qtbot: QtBot, grid_map: GridMap) -> None:
    values = {code: float(i % 12) for i, code in enumerate(CODES)}
    grid_map.set_metric("open", values, "在办案件数", bins=[3, 6, 10])
    probe = {CODES[0]: 0.0, CODES[1]: 1.0, CODES[4]: 4.0, CODES[7]: 7.0, CODES[11]: 11.0}
    assert {v: grid_map.colour_for(v) for v in probe.values()} == {
        0.0: ZERO_COLOUR["dark"], 1.0: RAMP[0], 4.0: RAMP[1], 7.0: RAMP[3], 11.0: RAMP[4]
    }  # fmt: skip
    codes = list(probe)
    wait_page(qtbot, grid_map, f"{codes}.map(c => gridMap.fillOf(c))", [grid_map.colour_for(v) for v in probe.values()])
    s = read(qtbot, grid_map, "gridMap.summary()")
    assert s["legendTitle"] == "在办案件数"
    assert [label for label, _ in s["legendRows"]] == ["≥ 10", "6–9", "3–5", "1–2", "0"]
    counts = [int(n.split()[0].replace(",", "")) for _, n in s["legendRows"]]
    assert sum(counts) == UNIT_GRIDS


def test_the_overview_shades_base_grids_and_a_closer_look_unit_grids(
    qtbot: QtBot, make_map: Callable[..., GridMap]
) -> None:
    """Issue 14, item 8: at the whole-district zoom most unit grids are a few pixels and zero; there
    each base grid is shaded by the sum of its unit grids (its own classes), its units' lines hidden,
    and a click picks the base grid. Zoomed in, every unit grid has its own colour again."""
    grid_map = make_map()
    district = load_district()
    base = "110101001J002"
    units = sorted(c for c, g in district.unit_grids.items() if g.base_grid == base)
    assert len(units) >= 2
    values = {units[0]: 1.0, units[1]: 2.0}  # alone, each is small; together, the district's worst patch
    others = {district.unit_grids[c].base_grid: c for c in reversed(CODES) if district.unit_grids[c].base_grid != base}
    values |= {code: 1.0 for code in list(others.values())[:40]}  # one unit grid each in 40 other base grids
    grid_map.set_metric("open", values, "在办案件数")
    assert grid_map.base_sums()[base] == 3.0
    top = grid_map.base_binning.colours[-1]
    wait_page(qtbot, grid_map, "gridMap.summary().level", "base")
    wait_page(qtbot, grid_map, f"{units}.map(c => gridMap.fillOf(c))", [top] * len(units))
    s = read(qtbot, grid_map, "gridMap.summary()")
    assert (s["legendTitle"], s["legendLevel"]) == ("在办案件数", "按基础网格")
    counts = [int(n.split()[0].replace(",", "")) for _, n in s["legendRows"]]
    assert sum(counts) == len(district.base_grids)  # the legend counts what is coloured
    assert read(qtbot, grid_map, f"gridMap.units.get('{units[0]}').options.opacity") == 0
    with qtbot.waitSignal(grid_map.grid_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap.units.get('{units[0]}').fire('click'), true)", lambda _: None)
    assert clicked.args == [base]
    grid_map.select_grid(base)  # as the console does with what the map sent
    wait_page(qtbot, grid_map, "gridMap.selectionDrawn() && gridMap.selectionDrawn().sameShape", True)
    grid_map.update_values({units[1]: 0.0})  # live: the sum falls to 1, and the whole patch with it
    lower = grid_map.base_binning.colour_of(1.0)
    assert lower != top
    wait_page(qtbot, grid_map, f"{units}.map(c => gridMap.fillOf(c))", [lower] * len(units))
    grid_map.read_page("gridMap.map.setZoom(16, {animate: false})", lambda _: None)
    wait_page(qtbot, grid_map, "gridMap.summary().level", "unit")
    wait_page(qtbot, grid_map, f"gridMap.fillOf('{units[1]}')", ZERO_COLOUR["dark"])
    assert read(qtbot, grid_map, f"gridMap.units.get('{units[1]}').options.opacity") == 1
    assert read(qtbot, grid_map, "gridMap.summary().legendLevel") == "按单元网格"


def test_update_values_sends_only_the_changed_grids_in_one_flush(qtbot: QtBot, grid_map: GridMap) -> None:
    values = {code: 1.0 for code in CODES}
    grid_map.set_metric("open", values, "在办案件数", bins=[3, 6, 10])
    wait_page(qtbot, grid_map, f"gridMap.fillOf('{CODES[-1]}')", RAMP[0])
    sent: list[tuple[int, tuple[str, ...]]] = []
    grid_map.values_sent.connect(lambda fid, codes: sent.append((fid, codes)))
    changed = {CODES[10]: 12.0, CODES[20]: 0.0, CODES[30]: 4.0}
    # several calls in one turn of the event loop, with unchanged and unknown grids among them
    grid_map.update_values({CODES[10]: 5.0})
    grid_map.update_values({CODES[40]: 1.0, CODES[50]: 1.0})  # same as the page has: not sent
    grid_map.update_values({"110101999999999": 3.0})  # not a grid of the district: dropped
    grid_map.update_values(changed)
    with qtbot.waitSignal(grid_map.values_applied, timeout=WAIT_MS) as applied:
        pass
    assert len(sent) == 1
    flush_id, codes = sent[0]
    assert applied.args == [flush_id]
    assert sorted(codes) == sorted(changed)
    assert grid_map.last_flush_size == 3
    assert grid_map.unknown_codes == 1
    stats = read(qtbot, grid_map, "gridMap.stats")
    assert (stats["lastFlushId"], stats["lastValues"], stats["unknownCodes"]) == (flush_id, 3, 0)
    fills = read(qtbot, grid_map, f"{list(changed)}.map(c => gridMap.fillOf(c))")
    assert fills == [grid_map.colour_for(v) for v in changed.values()] == [RAMP[-1], ZERO_COLOUR["dark"], RAMP[1]]
    # a second burst right after is held back and coalesced into the next flush
    grid_map.update_values({CODES[60]: 7.0})
    grid_map.update_values({CODES[61]: 8.0})
    with qtbot.waitSignal(grid_map.values_applied, timeout=WAIT_MS):
        pass
    assert len(sent) == 2 and sorted(sent[1][1]) == sorted([CODES[60], CODES[61]])


def test_clicking_a_grid_emits_its_code(qtbot: QtBot, grid_map: GridMap) -> None:
    code = CODES[123]
    with qtbot.waitSignal(grid_map.grid_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap.units.get('{code}').fire('click'), true)", lambda _: None)
    assert clicked.args == [code]


def test_a_real_mouse_click_reaches_the_grid_under_the_lines(qtbot: QtBot, grid_map: GridMap) -> None:
    # the base-grid and street lines lie on a canvas above the grids: a click must go through them
    code, x, y = read(
        qtbot,
        grid_map,
        "(function () { const m = gridMap.map, c = m.getSize().divideBy(2); let best = null;"
        " for (const [code, layer] of gridMap.units) { const p = m.latLngToContainerPoint(layer.getCenter());"
        " const d = p.distanceTo(c); if (!best || d < best[0]) best = [d, code, Math.round(p.x), Math.round(p.y)]; }"
        " return best.slice(1); })()",
    )
    view = grid_map.findChild(QWebEngineView)
    assert view is not None
    target = view.focusProxy()  # the widget Chromium draws into and takes input from
    assert target is not None
    with qtbot.waitSignal(grid_map.grid_clicked, timeout=WAIT_MS) as clicked:
        QTest.mouseMove(target, QPoint(x, y))
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    assert clicked.args == [code]


def test_selection_and_layers(qtbot: QtBot, grid_map: GridMap) -> None:
    code = CODES[5]
    grid_map.select_grid(code)
    blue = THEMES["dark"]["selection"]
    drawn = {"grid": code, "sameShape": True, "color": blue, "pane": "gridSelection", "onMap": True}
    wait_page(qtbot, grid_map, "gridMap.selectionDrawn()", drawn)
    grid_map.select_grid(None)
    wait_page(qtbot, grid_map, "gridMap.selectionDrawn()", None)
    grid_map.set_layer_visible("base_grids", False)
    grid_map.set_layer_visible("streets", False)
    wait_page(qtbot, grid_map, "gridMap.summary().layers", {"base_grids": False, "streets": False})
    assert read(qtbot, grid_map, "document.querySelectorAll('.street-label-text').length") == 0
    grid_map.set_layer_visible("streets", True)
    wait_page(qtbot, grid_map, "gridMap.summary().layers", {"base_grids": False, "streets": True})
    grid_map.fit_street("110101011")
    wait_page(qtbot, grid_map, "gridMap.map.getZoom() > 14", True)
    with pytest.raises(KeyError):
        grid_map.select_grid("nope")


def test_a_laptops_small_map_keeps_the_district_in_view_and_most_street_names(
    qtbot: QtBot, make_map: Callable[..., GridMap]
) -> None:
    """At 1366×768 the map gets about 800×400 px: its legend is set smaller (it covered a third of the
    map) and so are the street names, so that more of them find a free spot among the clusters."""
    grid_map = make_map()
    grid_map.resize(800, 400)
    d = load_district()
    grid_map.set_metric("open", {c: 1.0 for c in CODES[::5]}, "在办案件数")
    grid_map.set_cases(
        CaseMarker(f"C{i:04d}", g.lon, g.lat, Light(1 + i % 3), f"案件 {i}")
        for i, g in enumerate(d.unit_grids[c] for c in CODES[::4])
    )
    wait_page(qtbot, grid_map, "[window.innerWidth, window.innerHeight]", [800, 400])
    wait_page(qtbot, grid_map, "gridMap.caseLayer.getLayers().length > 0", True)
    legend = read(qtbot, grid_map, "(() => { const r = document.querySelector('.map-legend').getBoundingClientRect();"
                                   " return [r.width, r.height]; })()")  # fmt: skip
    assert legend[0] <= 150 and legend[1] <= 0.6 * 400, legend  # it was 200 × 294 px: three quarters of the height
    # (the names are placed after the clusters of the new size are drawn, in a later frame)
    wait_page(qtbot, grid_map, "(o => o.overlaps + o.outside)(gridMap.labelOverlaps())", 0)
    names = read(qtbot, grid_map, "gridMap.labelOverlaps()")
    assert names["shown"] >= 5, names  # two of 17 before


def test_cases_cluster_update_and_click(qtbot: QtBot, grid_map: GridMap) -> None:
    d = load_district()
    cases = [
        CaseMarker(f"C{i:04d}", g.lon, g.lat, Light(1 + i % 3), f"案件 {i}")
        for i, g in enumerate(d.unit_grids[c] for c in CODES[:600:3])
    ]
    grid_map.set_cases(cases)
    wait_page(qtbot, grid_map, "gridMap.cases.size", len(cases))
    wait_page(qtbot, grid_map, "gridMap.caseLayer.getLayers().length > 0", True)  # drawn in the next frame
    s = read(qtbot, grid_map, "gridMap.summary()")
    assert s["clusters"] > 0 and s["caseMarkers"] + s["clusters"] < len(cases)  # clustered when zoomed out
    names = read(qtbot, grid_map, "gridMap.labelOverlaps()")  # street names moved clear of the clusters
    assert names["overlaps"] == 0 and names["outside"] == 0 and names["shown"] >= 12, names  # within their streets
    before = read(qtbot, grid_map, "(gridMap._labelNodes().forEach((n) => { n.style.setProperty('--dy', '0px'); "
                                   "n.style.visibility = ''; }), gridMap.labelOverlaps().overlaps)")  # fmt: skip
    assert before > 0  # every one shown where its street puts it, they would collide
    grid_map.update_cases([CaseMarker("C9999", cases[0].lon, cases[0].lat, Light.RED, "新案件")], ["C0001", "C0002"])
    wait_page(qtbot, grid_map, "[gridMap.cases.size, gridMap.cases.has('C9999'), gridMap.cases.has('C0001')]",
              [len(cases) - 1, True, False])  # fmt: skip
    moved = CaseMarker(cases[3].no, cases[3].lon, cases[3].lat, Light.RED, cases[3].title)
    grid_map.update_cases([cases[4], cases[5], moved])  # two of them exactly as shown already
    grid_map.flush()
    wait_page(qtbot, grid_map, f"gridMap.cases.get('{moved.no}').light", int(Light.RED))
    assert read(qtbot, grid_map, "gridMap.stats.lastUpserts") == 1  # only what changes on the map is sent
    target = cases[10]
    grid_map.select_case(target.no, reveal=True)
    wait_page(qtbot, grid_map, f"gridMap.caseMarkers.has('{target.no}')", True)  # zoomed in: its own marker
    assert read(qtbot, grid_map, f"gridMap.caseMarkers.get('{target.no}').getElement().classList.contains('selected')")
    with qtbot.waitSignal(grid_map.case_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap.caseMarkers.get('{target.no}').fire('click'), true)", lambda _: None)
    assert clicked.args == [target.no]
    popup = read(qtbot, grid_map, "gridMap.popupText()")
    assert target.no in popup["text"] and target.title in popup["text"]


def test_a_whole_new_set_of_mostly_the_same_cases_sends_only_the_difference(qtbot: QtBot, grid_map: GridMap) -> None:
    d = load_district()
    cases = [
        CaseMarker(f"C{i:04d}", g.lon, g.lat, Light(1 + i % 3), f"案件 {i}")
        for i, g in enumerate(d.unit_grids[c] for c in CODES[:300:3])
    ]
    grid_map.set_cases(cases)
    wait_page(qtbot, grid_map, "gridMap.cases.size", len(cases))
    sent: list[str] = []
    grid_map._page.runJavaScript = lambda script, *_: sent.append(script)  # type: ignore[method-assign]
    reddened = CaseMarker(cases[7].no, cases[7].lon, cases[7].lat, Light.RED, cases[7].title)
    again = [*cases[:7], reddened, *cases[8:-1]]  # the replay's next instant: one turned red, one gone
    grid_map.set_cases(again)
    assert len(sent) == 1 and sent[0].startswith("gridMap.apply(") and '"removals":["C0099"]' in sent[0]
    assert sent[0].count('"C0') == 3  # the reddened one (its number and its shown number), the gone one
    assert grid_map._cases == {c.no: c for c in again}
    grid_map.set_cases(cases[50:])  # mostly others: the whole set again
    assert len(sent) == 2 and sent[1].startswith("gridMap.setCases(")


def test_a_large_new_set_reaches_the_page_a_chunk_a_turn(
    qtbot: QtBot, grid_map: GridMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_map_module, "FILL_CHUNK", 40)
    d = load_district()
    cases = [
        CaseMarker(f"C{i:04d}", g.lon, g.lat, Light(1 + i % 3), f"案件 {i}")
        for i, g in enumerate(d.unit_grids[c] for c in CODES[:300:3])
    ]
    page = grid_map._page
    sent: list[str] = []
    run = page.runJavaScript

    def spy(script: str, *rest: object) -> None:
        sent.append(script[: script.index("(")])
        run(script, *rest)

    page.runJavaScript = spy  # type: ignore[method-assign]
    grid_map.set_cases(cases)
    assert sent == ["gridMap.setCases"] and grid_map.filling  # the first 40 at once
    # Meanwhile a case not sent yet goes, and another one turns red: the page ends as the map holds it.
    reddened = CaseMarker(cases[70].no, cases[70].lon, cases[70].lat, Light.RED, cases[70].title)
    grid_map.update_cases([reddened], [cases[90].no])
    wait_page(qtbot, grid_map, "gridMap.cases.size", len(cases) - 1)
    qtbot.waitUntil(lambda: not grid_map.filling, timeout=WAIT_MS)
    assert sent.count("gridMap.apply") >= 2 and read(qtbot, grid_map, f"gridMap.cases.has('{cases[90].no}')") is False
    assert read(qtbot, grid_map, f"gridMap.cases.get('{reddened.no}').light") == int(Light.RED)


def test_case_text_is_shown_literally(qtbot: QtBot, grid_map: GridMap) -> None:
    payload = (
        "<img src=x onerror=\"window.__pwned='img'\"><script>window.__pwned='script'</script>"
        "<b>粗</b><svg onload=\"window.__pwned='svg'\"></svg>\"'&amp;"
    )
    no = "<i>X1</i>"
    g = load_district().unit_grids[CODES[200]]
    grid_map.set_cases([CaseMarker(no, g.lon, g.lat, Light.RED, payload)])
    grid_map.select_case(no, reveal=True)
    wait_page(qtbot, grid_map, f"gridMap.caseMarkers.has({no!r})", True)
    with qtbot.waitSignal(grid_map.case_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap.caseMarkers.get({no!r}).fire('click'), true)", lambda _: None)
    assert clicked.args == [no]
    popup = read(qtbot, grid_map, "gridMap.popupText()")
    assert popup["text"] == "红灯" + no + payload
    assert set(popup["elements"]) <= {"DIV", "SPAN"}, popup["elements"]
    tooltip = read(
        qtbot,
        grid_map,
        f"(function () {{ const m = gridMap.caseMarkers.get({no!r}); m.openTooltip();"
        " const e = m.getTooltip().getElement();"
        " return [e.textContent, Array.from(e.querySelectorAll('*')).map(n => n.tagName)]; })()",
    )
    assert tooltip[0] == "红灯" + no + payload
    assert set(tooltip[1]) <= {"DIV", "SPAN"}, tooltip[1]
    assert read(qtbot, grid_map, "document.querySelectorAll('img[src=\"x\"], svg[onload], b, i').length") == 0
    assert read(qtbot, grid_map, "typeof window.__pwned") == "undefined"


def test_in_a_storm_the_page_redraws_at_most_twice_a_second(qtbot: QtBot, grid_map: GridMap) -> None:
    grid_map.set_metric("open", {}, "在办案件数", bins=[1, 2, 3, 5])
    sent: list[float] = []
    grid_map.values_sent.connect(lambda _id, _codes: sent.append(time.monotonic()))
    grid_map.update_values({c: 2.0 for c in CODES[: STORM_CHANGES + 1]})
    grid_map.flush()
    assert len(sent) == 1  # a storm's first flush goes at once
    grid_map.update_values({CODES[0]: 7.0})
    grid_map.flush()
    assert len(sent) == 1  # the next waits for the storm interval
    qtbot.waitUntil(lambda: len(sent) == 2, timeout=WAIT_MS)
    assert sent[1] - sent[0] >= 0.94 * STORM_INTERVAL_MS / 1000  # a coarse timer may fire 5 % early
    wait_page(qtbot, grid_map, f"gridMap.values.get('{CODES[0]}')", 7)
    time.sleep(STORM_INTERVAL_MS / 1000)  # that flush was small: no pacing after it
    grid_map.update_values({CODES[1]: 9.0})
    grid_map.flush()
    assert len(sent) == 3


def test_cameras_are_off_at_the_overview_clustered_closer_and_a_click_or_a_point_reaches_the_console(
    qtbot: QtBot, grid_map: GridMap
) -> None:
    d = load_district()
    cameras = [
        CameraMarker(f"{n:020d}", g.lon, g.lat, n % 5 != 0, f"路口{n}<b>x</b>", g.code)
        for n, g in enumerate((d.unit_grids[c] for c in CODES[:400:2]), start=1)
    ]
    grid_map.set_cameras(cameras)
    wait_page(qtbot, grid_map, "gridMap.cameras.size", len(cameras))
    s = read(qtbot, grid_map, "gridMap.cameraSummary()")
    assert read(qtbot, grid_map, "gridMap.map.getZoom() < 15") and s["shown"] is False  # the overview: off
    grid_map.show_cameras(True)
    wait_page(qtbot, grid_map, "gridMap.cameraSummary().shown", True)
    s = read(qtbot, grid_map, "gridMap.cameraSummary()")
    assert s["clusters"] > 0 and s["markers"] + s["clusters"] < len(cameras)
    assert read(qtbot, grid_map, f"gridMap.camerasInGrid.get('{cameras[0].unit_grid}')") == 1
    # a camera goes offline: its symbol follows with the next flush
    grid_map.update_cameras([CameraMarker(cameras[1].id, cameras[1].lon, cameras[1].lat, False, cameras[1].name)])
    grid_map.flush()
    wait_page(qtbot, grid_map, f"gridMap.cameras.get('{cameras[1].id}').online", False)
    with qtbot.waitSignal(grid_map.camera_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap._send('cameraClicked', '{cameras[2].id}'), true)", lambda _: None)
    assert clicked.args == [cameras[2].id]
    with qtbot.assertNotEmitted(grid_map.camera_clicked, wait=300):  # a camera the map does not hold
        grid_map.read_page("(gridMap._send('cameraClicked', '99999999999999999999'), true)", lambda _: None)
    with qtbot.assertNotEmitted(grid_map.point_picked, wait=300):  # not a point
        grid_map.read_page("(gridMap._send('pointPicked', '[1e999, \"x\"]'), true)", lambda _: None)
    with qtbot.waitSignal(grid_map.point_picked, timeout=WAIT_MS) as picked:
        grid_map.read_page("(gridMap.map.fire('contextmenu', {latlng: L.latLng(39.92, 116.41)}), true)", lambda _: None)
    assert picked.args == [116.41, 39.92]
    grid_map.mark_wall_cameras([cameras[3].id, "", cameras[7].id])  # the wall's tiles 1 and 3: numbered, apart
    wait_page(qtbot, grid_map, "gridMap.cameraSummary().onWall", ["1", "3"])
    grid_map.show_cameras(None)  # back to following the zoom: the overview again hides them
    wait_page(qtbot, grid_map, "gridMap.cameraSummary().shown", False)
