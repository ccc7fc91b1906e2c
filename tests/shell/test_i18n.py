"""The wall's language: Chinese source strings, English from the maintained Qt catalogue.

The catalogue must be complete and compiled (a string added without a translation fails here), and
with the English translator installed the panels show no Chinese UI text.
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QTableView,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from console.core.alarms.settings import Priority, Rule
from console.core.alarms.states import Alarm, SubjectKind
from console.core.case_table import CaseFilter
from console.core.situation import Situation
from console.shell.i18n import install_translators
from console.shell.panels import caption
from console.shell.wall_window import Docked, WallWindow
from server_link import records as r
from server_link.link_state import Batch, LinkState, LinkStats, Update
from tests.core.test_backend_records import DISTRICT, A, apply, page_case
from tests.core.test_situation import S, bj, make_case
from tests.widgets.test_panels import two_cases
from widgets import labels
from widgets.alarm_list import AlarmList, AlarmSummary, AlarmView
from widgets.case_detail import CaseDetail
from widgets.case_queue import WALL_COLUMNS, CaseQueue
from widgets.case_queue_model import Column
from widgets.department_heat import DepartmentHeat
from widgets.kpi_strip import KpiStrip
from widgets.labels import channel_name
from widgets.link_health import LinkHealthBar, format_age
from widgets.map_page import page_texts
from widgets.streets_panel import StreetsPanel

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "resources" / "i18n" / "console_en.ts"
COMPILED = CATALOGUE.with_suffix(".qm")
BIN = Path(sys.executable).parent
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")  # ideographs, CJK and full-width marks

Key = tuple[str, str, str]  # context, source, disambiguation


def messages(ts: Path) -> dict[Key, ET.Element]:
    """Every message of a catalogue by (context, source, disambiguation): its <translation> element."""
    out: dict[Key, ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for m in context.iter("message"):
            key = (name, m.findtext("source") or "", m.findtext("comment") or "")
            assert key not in out, f"message twice in {ts.name}: {key}"
            translation = m.find("translation")
            assert translation is not None, key
            out[key] = translation
    return out


def fields(template: str) -> list[str]:
    """The ``str.format`` replacement fields of a template, with their format specs, in order of appearance."""
    return sorted(f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(template) if name is not None)


# ---------------------------------------------------------------------- the catalogue
def test_the_compiled_catalogue_is_what_lrelease_makes_of_the_committed_one(tmp_path: Path) -> None:
    out = tmp_path / "console_en.qm"
    # the same options as scripts/translations
    subprocess.run(
        [BIN / "pyside6-lrelease", "-silent", "-removeidentical", CATALOGUE, "-qm", out], check=True, timeout=120
    )
    assert out.read_bytes() == COMPILED.read_bytes(), "run scripts/translations and commit resources/i18n/*.qm"


def test_the_catalogue_holds_every_string_of_the_sources_translated(tmp_path: Path) -> None:
    """lupdate over the sources (through scripts/translations) finds nothing new and nothing unfinished."""
    committed = messages(CATALOGUE)
    copy = tmp_path / CATALOGUE.name
    shutil.copyfile(CATALOGUE, copy)
    subprocess.run(["bash", ROOT / "scripts" / "translations", copy], check=True, timeout=300, capture_output=True)
    updated = messages(copy)
    assert updated.keys() - committed.keys() == set(), "new strings: run scripts/translations and translate them"
    assert committed.keys() - updated.keys() == set(), "strings no source has any more: run scripts/translations"
    assert len(updated) > 150
    for key, translation in updated.items():
        # tr() outside a class is filed under no context, and looked up at run time under another:
        # it is never translated (the alarm list's words stayed Chinese in English that way)
        assert key[0], f"{key} has no context: use self.tr in a class or QCoreApplication.translate"
        assert translation.get("type") is None, f"{translation.get('type')} message {key}"
        text = translation.text or ""
        assert text.strip(), f"empty translation of {key}"
        assert not CJK.search(text), f"Chinese left in the English of {key}: {text!r}"
        assert fields(text) == fields(key[1]), f"placeholders differ in {key}: {text!r}"
    assert copy.with_suffix(".qm").read_bytes() == COMPILED.read_bytes()


# ---------------------------------------------------------------------- the widgets
@pytest.fixture
def english(qapp: QApplication) -> Iterator[list[QTranslator]]:
    """The English translators installed for one test, then removed (other tests stay Chinese)."""
    locale = QLocale()
    installed = install_translators(qapp, "en")
    try:
        yield installed
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(locale)


@pytest.fixture
def sit() -> Situation:
    return two_cases()


def ui_texts(root: QWidget) -> list[str]:
    """The UI words of a widget tree: labels, buttons, placeholders, column headers, dock titles."""
    out: list[str] = []
    for w in (root, *root.findChildren(QWidget)):
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QAbstractButton):
            out += [w.text(), w.toolTip()]
        elif isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        elif isinstance(w, QDockWidget):
            out.append(w.windowTitle())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTreeWidget):
            header = w.headerItem()
            out += [header.text(c) for c in range(w.columnCount())]
            items = [w.topLevelItem(i) for i in range(w.topLevelItemCount())]
            out += [item.text(c) for item in items if item is not None for c in (0, 1, 4)]  # not the subject
        if isinstance(w, QTableView) and w.model() is not None:
            model = w.model()
            out += [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
    return [t for t in out if t]


def build_panels(qtbot: QtBot, sit: Situation) -> dict[str, QWidget]:
    kpis, queue, detail, streets = KpiStrip(), CaseQueue(sit), CaseDetail(), StreetsPanel()
    health, alarms, summary = LinkHealthBar(), AlarmList(), AlarmSummary()
    for w in (kpis, queue, detail, streets, health, alarms, summary):
        qtbot.addWidget(w)
    now = time.time()
    held = [
        Alarm(Rule.CASE_RED, f"DC{i:010d}", SubjectKind.CASE, Priority.MEDIUM, False, street="110101001",
              active=True, raised_at=now - i)
        for i in range(3)
    ]  # fmt: skip
    alarms.show_alarms(AlarmView(held, now, now - 60, lambda _i: False), sit)  # in a flood: one grouped line
    summary.show_alarms(held, now, now - 60)
    kpis.show_situation(sit)
    streets.show_situation(sit)
    health.show_stats(LinkStats(LinkState.LIVE, "tcp://127.0.0.1:1", last_sequence=6522, updates_per_s=6.0))
    queue.set_filter(CaseFilter(overdue_only=True, hard_only=True, text="x"))
    return {
        "kpis": kpis, "queue": queue, "detail": detail, "streets": streets, "health": health, "alarms": alarms,
        "summary": summary,
    }  # fmt: skip


def test_with_the_english_translator_the_panels_show_no_chinese(
    qtbot: QtBot, sit: Situation, english: list[QTranslator]
) -> None:
    panels = build_panels(qtbot, sit)
    texts = [t for w in panels.values() for t in ui_texts(w)]
    chinese = [t for t in texts if CJK.search(t)]
    assert not chinese, chinese
    kpis, queue, health = panels["kpis"], panels["queue"], panels["health"]
    assert isinstance(kpis, KpiStrip) and isinstance(queue, CaseQueue) and isinstance(health, LinkHealthBar)
    assert {"Intake today", "Open", "Overdue", "Closure"} <= set(texts)
    assert kpis.details["open"].text().startswith("By step: Collect 0 · File 0 · Dispatch 2 ")
    assert health.state_label.text() == "Live" and "records/s" in health.detail_label.text()
    assert queue.model.headerData(0, Qt.Orientation.Horizontal) == "Case no."
    assert queue.breadcrumb.text() == "Hard › Overdue › Search: “x”"
    assert queue.count_label.text() == f"0 / {queue.model.total} cases"
    assert channel_name(sit.district, "ch-12345") == "12345 citizen service hotline"  # the KPIs' channels

    detail = panels["detail"]
    assert isinstance(detail, CaseDetail)
    assert detail.heading.text() == "No case selected"
    detail.show_case(sit, "DC0000000002")
    assert detail.fields["light"].text() == "■ red" and detail.fields["deadline"].text().endswith(" late")
    assert detail.fields["step"].text().startswith("Dispatch · Big loop · since ")
    assert detail.fields["flags"].text() == "Escalated to district"
    assert [detail.timeline.item(row, 2).text() for row in range(detail.timeline.rowCount())] == [
        "Intake", "Dispatch", "Return", "Dispatch",
    ]  # fmt: skip

    window = WallWindow("wall", QWidget(), [Docked("streets", caption("streets"), "bottom", QWidget())])
    qtbot.addWidget(window)
    assert window.docks["streets"].windowTitle() == "Streets"
    assert labels.step_name(r.Step.HANDLING) == "Handle" and labels.countdown(0.0, 3900.0) == "1h05m late"
    assert format_age(None) == "no data" and format_age(30) == "30 s ago"
    page = page_texts()
    assert page["lights"][3] == "Red" and not CJK.search(str(page))


def test_in_english_departments_have_the_district_datas_english_names_in_the_heat_and_the_queue(
    qtbot: QtBot, english: list[QTranslator]
) -> None:
    shipped = DISTRICT.departments["d-hwzx"]
    sit = Situation(DISTRICT)
    apply(
        sit,
        [
            r.Department(schema=1, id="d-hwzx", name=shipped.name, type=r.DepartmentKind.DISTRICT),  # as shipped
            r.Department(schema=1, id="d-cgw", name="城市管理委员会", type=r.DepartmentKind.DISTRICT),  # renamed
            page_case(1, until=A.DISPATCH, dept="d-hwzx"),
            page_case(2, until=A.DISPATCH, dept="d-cgw"),
        ],
    )
    heat, queue, detail = DepartmentHeat(), CaseQueue(sit), CaseDetail()
    for w in (heat, queue, detail):
        qtbot.addWidget(w)
    heat.show_situation(sit)
    # the English name the district data ships; a name the backend changed stays the backend's (no guessing)
    assert heat.names == {"d-hwzx": "District Sanitation Service Centre", "d-cgw": "城市管理委员会"}
    model = queue.model
    column = {model.data(model.index(row, Column.DEPT)) for row in range(model.rowCount())}
    assert column == {"Sanitation Service Centre", "城市管理委员会"}  # the "District " of a narrow column left off
    queue.filter_to_department("d-hwzx")
    assert "District Sanitation Service Centre" in queue.breadcrumb.text()
    detail.show_case(sit, model.case_no(0) or "")
    assert detail.fields["dept"].text() == "District Sanitation Service Centre"
    assert detail.fields["channel"].text().startswith("12345 citizen service hotline")


def three_streets() -> tuple[Situation, list[str]]:
    """A case in each of three streets: the backend names the first as shipped (its full name), has
    renamed the second, and publishes no record of the third."""
    codes = sorted(DISTRICT.streets)[:3]
    grids = [min(g for g in DISTRICT.unit_grids if g.startswith(code)) for code in codes]
    t = bj(2026, 11, 27, 9, 0)
    cases = [
        make_case(n, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], grid=grid)
        for n, grid in enumerate(grids, 1)
    ]
    shipped = DISTRICT.streets[codes[0]]
    streets = [
        r.Street(schema=1, code=codes[0], name=shipped.name, area_km2=shipped.area_km2, escalation_limit=0.08),
        r.Street(schema=1, code=codes[1], name="新命名街道", area_km2=1.0, escalation_limit=0.08),
    ]
    sit = Situation(DISTRICT)
    records: list[r.Record] = [*streets, *cases]
    updates = tuple(Update(r.key_of(x), i, x, r.encode(x)) for i, x in enumerate(records, 1))
    sit.apply(Batch(True, updates, len(updates), "e"), t.timestamp() + 3600)
    return sit, codes


def test_in_english_streets_have_the_district_datas_english_names_wherever_they_are_shown(
    qtbot: QtBot, english: list[QTranslator]
) -> None:
    sit, (first, renamed, unpublished) = three_streets()
    en = {code: DISTRICT.streets[code].name_en for code in (first, renamed, unpublished)}
    panel, queue, detail = StreetsPanel(), CaseQueue(sit), CaseDetail()
    for w in (panel, queue, detail):
        qtbot.addWidget(w)
    panel.show_situation(sit)
    shown = {panel.table.item(row, 0).text() for row in range(panel.table.rowCount())}
    # the shipped English name; a name the backend changed stays the backend's (no guessing)
    assert {en[first], "新命名街道", en[unpublished]} <= shown
    assert [name for name in shown if CJK.search(name)] == ["新命名街道"]
    names = labels.street_names(sit)
    assert [names[code] for code in (first, renamed, unpublished)] == [en[first], "新命名街道", en[unpublished]]
    assert names == {code: s.name_en for code, s in DISTRICT.streets.items()} | {renamed: "新命名街道"}

    model = queue.model
    column = {model.data(model.index(row, Column.STREET)) for row in range(model.rowCount())}
    assert column == set(en.values())  # the queue names streets by the shipped data (as before), in English
    queue.set_visible_columns(WALL_COLUMNS)  # the street's column among them, as wide as an English name
    widest = queue.view.fontMetrics().horizontalAdvance(DISTRICT.streets["110101007"].name_en)  # Chaoyangmen
    assert queue.view.columnWidth(Column.STREET) > widest
    row = next(row for row in range(model.rowCount()) if model.data(model.index(row, Column.STREET)) == en[first])
    detail.show_case(sit, model.case_no(row) or "")
    assert detail.fields["where"].text().startswith(f"{en[first]} · grid {en[first]} · ")
    queue.filter_to_street(first)
    assert queue.breadcrumb.text() == f"Street: {en[first]}"
    base = min(b for b in DISTRICT.base_grids if b.startswith(first))
    queue.set_filter(CaseFilter(base_grids=frozenset({base})))
    assert queue.breadcrumb.text() == f"Base grid: {en[first]} base grid {base[-3:]}"
    assert labels.street_name(DISTRICT, "110101999") == "110101999"  # an unknown code as is


def test_without_a_translator_streets_keep_their_chinese_names() -> None:
    sit, (first, renamed, unpublished) = three_streets()
    shipped = DISTRICT.streets
    names = labels.street_names(sit)  # the shipped short name where the backend uses the shipped name
    assert [names[code] for code in (first, renamed, unpublished)] == [
        shipped[first].short_name, "新命名街道", shipped[unpublished].short_name,
    ]  # fmt: skip
    assert labels.street_name(DISTRICT, first) == shipped[first].short_name
    assert labels.street_name(DISTRICT, first, full=True) == shipped[first].name
    base = min(b for b in DISTRICT.base_grids if b.startswith(first))
    assert labels.base_grid_name(DISTRICT, base) == DISTRICT.base_grids[base].name


def test_without_a_translator_the_panels_speak_chinese(qtbot: QtBot, sit: Situation) -> None:
    panels = build_panels(qtbot, sit)
    texts = [t for w in panels.values() for t in ui_texts(w)]
    assert {"今日受理", "在办", "超期", "结案率", "仅疑难", "清除筛选", "上报比例"} <= set(texts)
    kpis, queue, health = panels["kpis"], panels["queue"], panels["health"]
    assert isinstance(kpis, KpiStrip) and isinstance(queue, CaseQueue) and isinstance(health, LinkHealthBar)
    assert kpis.details["open"].text().startswith("在办环节：收集 0 · 立案 0 · 派遣 2 ")
    assert channel_name(sit.district, "ch-12345") == "12345市民服务热线"
    assert health.state_label.text() == "实时"
    assert queue.model.headerData(0, Qt.Orientation.Horizontal) == "案件编号"
    assert queue.breadcrumb.text() == "疑难 › 超期 › 搜索：“x”"
    assert labels.countdown(0.0, 3900.0) == "超 1时05分" and page_texts()["lights"][3] == "红灯"


def test_the_translator_keeps_its_catalogue_in_memory(english: list[QTranslator]) -> None:
    """QTranslator.load(bytes) reads the caller's buffer later: freed bytes must not be reused under it."""
    size = COMPILED.stat().st_size
    junk = [bytes([i % 251]) * size for i in range(2000)]  # reuses any freed block of the catalogue's size
    assert QCoreApplication.translate("KpiStrip", "待会商") == "to council"
    assert QCoreApplication.translate("labels", "核查未通过（返工）") == "Failed check (rework)"
    del junk


def test_an_unknown_language_is_refused(qapp: QApplication) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        install_translators(qapp, "fr")
    with pytest.raises(ValueError):
        install_translators(qapp, "zh_TW")
