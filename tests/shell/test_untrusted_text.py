"""Text that lies (issue 12, finding 5): what the backend sends cannot reorder, fake or push away the
console's own text.

One core helper (``console.core.untrusted``) neutralises bidi controls, isolates right-to-left text,
keeps one-line fields on one line, drops control characters and breaks endless words; every view
draws its result. The helper is tested on its own (by example, and by property over any string),
then Qt's rendering is checked to honour the isolation (laid-out glyph positions, not just strings),
then the widgets (queue cells and tooltip, the detail, the map page's DOM) and the whole wall.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6 import QtGui
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from console.core.case_state import Light
from console.core.situation import Situation
from console.core.untrusted import (
    BIDI_CONTROLS,
    ELLIPSIS,
    FSI,
    LINE_BREAKS,
    LINE_MARK,
    LRM,
    PDI,
    RUN,
    ZWSP,
    block,
    has_rtl,
    one_line,
    rich,
    tooltip,
)
from console.shell.style import style_sheet
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.link_state import Batch
from server_link.server import ChpServer
from tests.core.test_situation import DISTRICT, GRIDS, A, S, bj, make_case, upd
from tests.shell.test_wall import GRID, WAIT_MS, case, click_page, publish, wall
from tests.widgets.test_grid_map import make_map, read, wait_page  # noqa: F401 - make_map is a fixture
from widgets.case_detail import REPORT_LINES, CaseDetail
from widgets.case_queue_model import CaseQueueModel, Column
from widgets.grid_map import CaseMarker, GridMap
from widgets.map_page import page_texts

# Messages of headless Chromium/Qt about the missing GPU, not about the text.
pytestmark = pytest.mark.qt_log_ignore(
    "QRhiGles2", "Failed to create RHI", "createPlatformVulkanInstance", "QVulkanInstance", "GBM is not supported",
    "GPUInfo not initialized",
)  # fmt: skip

RLO = "\u202e"
ARABIC = "مرحبا بكم 12"  # Arabic letters, then digits: Arabic letters turn the digits after them around
HEBREW = "שלום"
FAKE_ROWS = "井盖丢失\n位置：东四北大街 8 号\r\n时限 已结案"  # lines that look like the console's own fields
ADDED = frozenset({LRM, FSI, PDI, ZWSP})  # what the helper may add


# ---------------------------------------------------------------------- the helper, by example
def test_plain_text_is_returned_as_it_is() -> None:
    for text in ("案件12 井盖破损", "东华门街道 · 网格", "cam-01.dc.intranet", "路口02 <b>朝东</b>", ""):
        assert one_line(text) == text and block(text) == text


def test_bidi_controls_are_removed_and_right_to_left_text_isolated() -> None:
    assert one_line(f"占道{RLO}经营") == "占道经营"  # an override never survives, whatever follows it
    for control in sorted(BIDI_CONTROLS):
        assert one_line(f"a{control}b") == "ab"
    # right-to-left text: LRM (the paragraph stays left-to-right in Qt), then FSI … PDI around it
    assert one_line(ARABIC) == f"{LRM}{FSI}{ARABIC}{PDI}"
    assert one_line(f"{RLO}{HEBREW}\u2069\u2069") == f"{LRM}{FSI}{HEBREW}{PDI}"  # stray PDIs cannot close ours
    assert one_line("\u0661\u0662") == f"{LRM}{FSI}\u0661\u0662{PDI}"  # Arabic-Indic digits (AN) too
    assert not has_rtl(one_line("案件 abc 123"))


@pytest.mark.parametrize("br", sorted(LINE_BREAKS | {"\r\n"}))
def test_every_kind_of_line_break_is_one_visible_mark(br: str) -> None:
    assert one_line(f"标题{br}位置：东四") == f"标题{LINE_MARK}位置：东四"
    assert block(f"标题{br}位置：东四") == "标题\n位置：东四"


def test_one_line_fields_show_where_the_sender_broke_the_line() -> None:
    assert one_line(FAKE_ROWS) == f"井盖丢失{LINE_MARK}位置：东四北大街 8 号{LINE_MARK}时限 已结案"
    assert one_line("a\n\n \r\n\u2028b\n") == f"a{LINE_MARK}b"  # a run of breaks is one mark; none at the ends


def test_control_characters_are_dropped_and_a_tab_is_a_space() -> None:
    assert one_line("a\x00b\x07c\x1bd\x7fe\x9bf") == "abcdef"
    assert one_line("a\tb") == "a b" and block("a\t\tb") == "a b"
    assert one_line("a\u2060b\ufeffc\U000e0041d\u206ae") == "abcde"  # invisible joiners, BOM, tags, …
    assert one_line("a\u200db") == "a\u200db"  # ZWJ stays (emoji, scripts need it)
    assert one_line("x\ud800y") == "x\ufffdy"  # a lone surrogate (Qt could not even hold it)


def test_spaces_collapse_and_combining_floods_are_capped() -> None:
    assert one_line("  井盖      丢失\u3000\u3000\u3000了 ") == "井盖 丢失\u3000了"
    zalgo = "a" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307" * 10 + "b"
    assert one_line(zalgo) == "a\u0301\u0302\u0303\u0304b"


def test_long_runs_get_break_opportunities_and_ideographs_need_none() -> None:
    word = "W" * (3 * RUN + 5)
    assert one_line(word).split(ZWSP) == ["W" * RUN] * 3 + ["W" * 5]
    assert one_line(word, wrap=False) == word  # the map page breaks long words in CSS
    assert one_line("井" * 400) == "井" * 400  # Qt breaks between any two ideographs
    assert ZWSP not in one_line("a" * RUN + " " + "b" * RUN)
    marked = one_line("e\u0301" * RUN)  # never a break between a letter and its accent
    assert all(not unicodedata.combining(part[0]) for part in marked.split(ZWSP) if part)


def test_truncation_marks_the_cut_and_keeps_the_isolation_whole() -> None:
    assert one_line("一二三四五六", 4) == "一二三" + ELLIPSIS
    assert one_line("一二三四", 4) == "一二三四"
    assert one_line(ARABIC, 5) == f"{LRM}{FSI}مرحب{ELLIPSIS}{PDI}"
    assert block("1\n2\n3\n4", max_lines=2) == f"1\n{ELLIPSIS}"


def test_block_keeps_lines_isolates_each_and_collapses_blank_ones() -> None:
    text = f"第一行\r\n\n\n\n{ARABIC}\u2028第三行\x00\n"
    assert block(text) == f"第一行\n\n{LRM}{FSI}{ARABIC}{PDI}\n第三行"


def test_tooltips_are_always_rich_text_and_escaped() -> None:
    tip = tooltip("<b>粗体</b>\n<script>alert(1)</script>&amp;")
    assert QtGui.Qt.mightBeRichText(tip)  # so Qt never takes the sender's text itself for markup or not
    doc = QTextDocument()
    doc.setHtml(tip)
    assert doc.toPlainText().splitlines() == ["<b>粗体</b>", "<script>alert(1)</script>&amp;"]
    assert rich("a<b>\nc") == "a&lt;b&gt;<br>c"


def test_the_right_to_left_blocks_hold_every_right_to_left_code_point() -> None:
    missed = [
        hex(c)
        for c in range(0x110000)
        if unicodedata.bidirectional(chr(c)) in ("R", "AL", "AN")
        and not has_rtl(chr(c))
        and chr(c) not in BIDI_CONTROLS
    ]
    assert missed == []


# ---------------------------------------------------------------------- the helper, by property
SPECIALS = sorted(BIDI_CONTROLS | LINE_BREAKS | {"\t", "\x00", "\x1b", "\x9b", "\u2060", "\ufeff", "\u0301", " "})
TEXTS = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(SPECIALS), st.sampled_from("Wש井 ")), max_size=300)


BREAKABLE = re.compile("[\\s\u200b\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _glued(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in "\u200c\u200d" or "\ufe00" <= ch <= "\ufe0f"


def _well_formed(out: str) -> None:
    """No control, no bidi control but the isolation the helper adds (LRM FSI … PDI, whole), no more
    than ``RUN`` characters (and their marks) without a break opportunity."""
    assert not any(unicodedata.category(ch) == "Cc" for ch in out if ch != "\n")
    inner = out
    if out.startswith(LRM + FSI):
        assert out.endswith(PDI)
        inner = out[2:-1]
    assert not (BIDI_CONTROLS & set(inner)), repr(out)
    assert has_rtl(inner) == (inner is not out)
    for run in BREAKABLE.split(inner):
        assert sum(not _glued(ch) for ch in run) <= RUN, repr(run)


@given(TEXTS, st.one_of(st.none(), st.integers(min_value=1, max_value=50)))
def test_one_line_gives_one_well_formed_line_for_any_text(text: str, max_chars: int | None) -> None:
    out = one_line(text, max_chars)
    assert len(out.splitlines()) <= 1 and not (LINE_BREAKS & set(out))
    _well_formed(out)
    if max_chars is not None:
        assert len([ch for ch in out if ch not in ADDED]) <= max_chars
    else:
        assert one_line(out) == out  # nothing left to do: the helper is idempotent


@given(TEXTS)
def test_block_gives_well_formed_lines_for_any_text(text: str) -> None:
    out = block(text)
    assert not (LINE_BREAKS - {"\n"}) & set(out)
    for line in out.split("\n"):
        _well_formed(line)
    assert block(out) == out


# ---------------------------------------------------------------------- Qt honours the isolation
def own_text_intact(doc: QTextDocument, own: str) -> bool:
    """Whether the console's own text ``own`` is laid out left to right, in logical order, on one line,
    and right of everything logically before it on that line (read from the glyph positions Qt laid out)."""
    doc.size()  # lays the document out
    cursor = doc.find(own)
    assert not cursor.isNull(), f"{own!r} is not in {doc.toPlainText()!r}"
    block_ = cursor.block()
    layout = block_.layout()
    start = cursor.selectionStart() - block_.position()
    end = start + len(own)
    line = layout.lineForTextPosition(start)
    if layout.lineForTextPosition(end - 1).lineNumber() != line.lineNumber():
        return False
    x = [line.cursorToX(p)[0] for p in range(line.textStart(), end + 1)]
    own_x = x[start - line.textStart() :]
    before = x[: start - line.textStart()]
    in_order = all(a < b for a, b in itertools.pairwise(own_x))
    return in_order and all(b <= own_x[0] + 0.5 for b in before)


def laid_out(text: str, html: bool = False, width: float = 100_000) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont("Noto Sans CJK SC", 12))
    doc.setTextWidth(width)
    if html:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)  # what a selectable QLabel lays out
    return doc


OWN = "　处置时限：12-30 13:50"


@pytest.mark.parametrize(
    ("title", "own"),
    [(f"占道经营{RLO}乱摆摊", OWN), (ARABIC, OWN), (f"12 {HEBREW}", OWN), ("井盖 مرحبا", " 12-30 13:50")],
)
def test_qt_keeps_the_consoles_text_intact_after_an_isolated_title(qapp: QApplication, title: str, own: str) -> None:
    assert not own_text_intact(laid_out(title + own), own)  # as the backend sent it: reordered (the check works)
    assert own_text_intact(laid_out(one_line(title) + own), own)


def test_qt_needs_the_lrm_before_the_isolate(qapp: QApplication) -> None:
    """Qt picks a paragraph's direction from its first strong character without skipping isolates: FSI…PDI
    alone leaves a paragraph that starts with Arabic right-to-left, and the digits after it reordered."""
    assert not own_text_intact(laid_out(f"{FSI}{ARABIC}{PDI}{OWN}"), OWN)
    assert laid_out(f"{FSI}{ARABIC}{PDI}{OWN}").firstBlock().textDirection() is Qt.LayoutDirection.RightToLeft
    assert own_text_intact(laid_out(f"{LRM}{FSI}{ARABIC}{PDI}{OWN}"), OWN)


# ---------------------------------------------------------------------- the views
def situation(title: str, **fields: object) -> Situation:
    """One open case (DC0000000001), with ``title`` and other fields replaced, an hour after it came in."""
    t = bj(2026, 11, 27, 9, 0)
    c = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], grid=GRIDS[0])
    c = msgspec.structs.replace(c, title=title, **fields)
    s = Situation(DISTRICT)
    s.apply(Batch(True, (upd(c, 1),), 1, "e"), t.timestamp() + 3600)
    return s


def queue_tip_lines(model: CaseQueueModel) -> tuple[QTextDocument, list[str]]:
    tip = model.index(0, Column.TITLE).data(Qt.ItemDataRole.ToolTipRole)
    assert QtGui.Qt.mightBeRichText(tip)
    doc = laid_out(tip, html=True, width=600)
    return doc, doc.toPlainText().splitlines()


@pytest.mark.parametrize(
    ("title", "no"),
    [(f"占道经营{RLO}乱摆摊", "DC0000000001"), (ARABIC, "20261127001"), (f"{HEBREW}{RLO} 12", "DC0000000001")],
)  # a number of digits only: the tooltip's first strong character is the title's
def test_the_queue_keeps_its_own_text_intact_after_a_lying_title(qapp: QApplication, title: str, no: str) -> None:
    sit = situation(title, no=no)
    model = CaseQueueModel(sit, clock=lambda: sit.now, coalesce_ms=0)
    shown = model.index(0, Column.TITLE).data(Qt.ItemDataRole.DisplayRole)
    assert shown == one_line(title) and RLO not in shown
    doc, lines = queue_tip_lines(model)
    deadline = next(line for line in lines if line.startswith("处置时限："))
    assert len(lines) == 4 and lines[1] == shown  # number, title, step, deadline: no more rows
    assert own_text_intact(doc, deadline) and own_text_intact(doc, lines[2])  # not "13:50 30-21：限时置处"


def test_newlines_in_a_title_draw_no_rows_of_their_own(qtbot: QtBot) -> None:
    sit = situation(FAKE_ROWS, address=FAKE_ROWS, text=FAKE_ROWS)
    model = CaseQueueModel(sit, clock=lambda: sit.now, coalesce_ms=0)
    doc, lines = queue_tip_lines(model)
    assert len(lines) == 4 and lines[1] == one_line(FAKE_ROWS) and LINE_MARK in lines[1]
    assert not any(line.startswith(("位置", "时限")) for line in lines)
    # where the title wraps, it wraps indented: no line of it can pass for one of the tooltip's own
    margins = [doc.findBlockByNumber(n).blockFormat().leftMargin() for n in range(doc.blockCount())]
    assert len(margins) == 4 and margins[1] > 0 and margins[0] == margins[2] == margins[3] == 0
    assert "\n" not in model.index(0, Column.TITLE).data()

    detail = CaseDetail()
    qtbot.addWidget(detail)
    detail.show_case(sit, "DC0000000001")
    assert detail.heading.text() == f"DC0000000001　{one_line(FAKE_ROWS)}"
    assert detail.fields["where"].text().endswith(one_line(FAKE_ROWS))
    assert all("\n" not in label.text() for label in (detail.heading, *detail.fields.values()))
    form = detail.findChild(QFormLayout)
    assert form is not None and form.rowCount() == 9  # the console's rows, and only those
    captions = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget() for row in range(form.rowCount())]
    assert [c.text() for c in captions if isinstance(c, QLabel)].count("位置") == 1
    assert detail.report.text() == "井盖丢失\n位置：东四北大街 8 号\n时限 已结案"  # free text keeps its lines


def test_the_detail_keeps_its_own_text_intact_after_an_untrusted_code(qtbot: QtBot) -> None:
    # an unknown channel is shown by its code, as sent; the console's " · 受理 <time>" follows it
    code = f"ch-{ARABIC}{RLO}"
    sit = situation(f"{ARABIC}{RLO}", channel=code, text=f"{RLO}{ARABIC}")
    detail = CaseDetail()
    qtbot.addWidget(detail)
    detail.resize(600, 800)
    detail.show_case(sit, "DC0000000001")
    text = detail.fields["channel"].text()
    assert text.startswith(one_line(code) + " · 受理 ") and RLO not in text
    own = text[len(one_line(code)) :]
    doc = laid_out(text, width=detail.fields["channel"].width())
    doc.setDefaultFont(detail.fields["channel"].font())
    assert own_text_intact(doc, own)
    assert own_text_intact(laid_out(detail.heading.text()), "DC0000000001")
    assert RLO not in detail.heading.text() + detail.report.text()


def test_control_characters_are_gone_from_what_the_views_draw(qtbot: QtBot) -> None:
    sit = situation("井盖\x00丢\x07失\x1b[31m", text="a\x00b", address="东四\x08北")
    model = CaseQueueModel(sit, clock=lambda: sit.now, coalesce_ms=0)
    detail = CaseDetail()
    qtbot.addWidget(detail)
    detail.show_case(sit, "DC0000000001")
    drawn = [model.index(0, c).data() for c in Column] + [
        model.index(0, Column.TITLE).data(Qt.ItemDataRole.ToolTipRole)
    ]
    drawn += [detail.heading.text(), detail.report.text(), *(label.text() for label in detail.fields.values())]
    assert not [t for t in drawn if any(unicodedata.category(ch) == "Cc" for ch in t if ch != "\n")]
    assert model.index(0, Column.TITLE).data() == "井盖丢失[31m" and detail.fields["where"].text().endswith("东四北")


def test_a_4000_character_word_leaves_the_details_fields_within_its_panel(qtbot: QtBot, qapp: QApplication) -> None:
    word, short = "W" * 4000, "W" * 200  # the schema's longest text, and its longest title/address/actor
    t = bj(2026, 11, 27, 9, 0)
    sit = situation(short, address=short, text=word)
    c = sit.case_record("DC0000000001")
    assert c is not None
    events = [msgspec.structs.replace(e, note=word, actor=short) for e in c.timeline]
    sit.apply(Batch(False, (upd(msgspec.structs.replace(c, timeline=events), 2),), 2, "e"), t.timestamp() + 3600)
    before = qapp.styleSheet()
    qapp.setStyleSheet(style_sheet("dark", 1.0))  # the wall's type: a 24 px bold heading
    try:
        detail = CaseDetail()
        area = QScrollArea()  # as the wall holds the detail (console/shell/wall_window.py)
        area.setWidget(detail)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        qtbot.addWidget(area)
        area.resize(480, 900)
        detail.show_case(sit, "DC0000000001")
        area.show()
        qtbot.waitExposed(area)
        qtbot.waitUntil(lambda: detail.width() <= area.viewport().width())
        assert area.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
        for label in (detail.heading, detail.report_area, *detail.fields.values()):
            right = label.mapTo(area.viewport(), QPoint(label.width(), 0)).x()
            assert 0 < right <= area.viewport().width(), label.objectName() or label.text()[:20]
        assert detail.fields["where"].height() > 2 * detail.fields["where"].fontMetrics().height()  # it wrapped
        assert detail.report_area.height() <= REPORT_LINES * detail.report.fontMetrics().lineSpacing() + 2
        assert detail.report_area.verticalScrollBar().maximum() > 0  # the rest of the text scrolls
        assert detail.timeline.geometry().right() <= area.viewport().width()
    finally:
        qapp.setStyleSheet(before)


def test_the_map_shows_case_text_isolated_on_one_line(
    qtbot: QtBot,
    make_map: Callable[..., GridMap],  # noqa: F811 - the fixture imported from test_grid_map
) -> None:
    grid_map = make_map()
    no, title = f"DC{RLO}0001", f"{FAKE_ROWS}{RLO} {ARABIC}"
    g = load_district().unit_grids[GRIDS[200]]
    grid_map.set_cases([CaseMarker(no, g.lon, g.lat, Light.RED, title)])
    grid_map.select_case(no, reveal=True)
    wait_page(qtbot, grid_map, f"gridMap.caseMarkers.has({no!r})", True)
    with qtbot.waitSignal(grid_map.case_clicked, timeout=WAIT_MS) as clicked:
        grid_map.read_page(f"(gridMap.caseMarkers.get({no!r}).fire('click'), true)", lambda _: None)
    assert clicked.args == [no]  # the raw number stays the marker's key
    popup = read(qtbot, grid_map, "gridMap.popupText()")
    shown_no, shown_title = one_line(no, wrap=False), one_line(title, wrap=False)
    assert popup["text"] == "红灯" + shown_no + shown_title and set(popup["elements"]) <= {"DIV", "SPAN"}
    assert RLO not in popup["text"] and "\n" not in popup["text"] and shown_title.count(LINE_MARK) == 2
    styles = read(
        qtbot,
        grid_map,
        "Array.from(document.querySelectorAll('.leaflet-popup-content .case-no, .leaflet-popup-content .case-title'))"
        ".map((e) => [e.className, e.textContent, getComputedStyle(e).unicodeBidi])",
    )
    assert styles == [["case-no", shown_no, "isolate"], ["case-title", shown_title, "isolate"]]
    tip = read(
        qtbot,
        grid_map,
        f"(function () {{ const m = gridMap.caseMarkers.get({no!r}); m.openTooltip();"
        " return m.getTooltip().getElement().textContent; })()",
    )
    assert tip == "红灯" + shown_no + shown_title


# ---------------------------------------------------------------------- the wall
def test_on_the_wall_a_lying_title_reorders_and_fakes_nothing(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    title = f"井盖丢失{RLO}请速处理\n位置：东四北大街 8 号\n时限 已结案 {ARABIC}"
    liar = case(7, GRID, title=title, address=f"{RLO}东四", due_in=timedelta(hours=3))
    publish(server, [liar, case(8, GRID)])
    with wall(qtbot, tmp_path, endpoints) as console:
        m = console.queue.model
        qtbot.waitUntil(lambda: m.position_of(liar.no) is not None, timeout=WAIT_MS)
        p = m.position_of(liar.no)
        assert p is not None
        shown = one_line(title)
        assert m.index(p, Column.TITLE).data() == shown and RLO not in shown and "\n" not in shown
        doc = QTextDocument()
        doc.setHtml(m.index(p, Column.TITLE).data(Qt.ItemDataRole.ToolTipRole))
        lines = doc.toPlainText().splitlines()
        assert lines[:2] == [liar.no, shown] and len(lines) == 4
        assert lines[3].startswith("处置时限：") and own_text_intact(doc, lines[3])

        console.map.select_case(liar.no, reveal=True)
        wait_page(qtbot, console.map, f"gridMap.caseMarkers.has('{liar.no}') && !gridMap._reclusterPending", True)
        x, y = read(
            qtbot,
            console.map,
            f"(function () {{ const r = gridMap.caseMarkers.get('{liar.no}').getElement().getBoundingClientRect();"
            " return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)]; })()",
        )
        with qtbot.waitSignal(console.map.case_clicked, timeout=WAIT_MS):
            click_page(console, x, y)
        popup = read(qtbot, console.map, "gridMap.popupText()")
        light = page_texts()["lights"][console.situation.cases[liar.no].light]
        assert popup["text"] == light + liar.no + one_line(title, wrap=False)

        qtbot.waitUntil(lambda: console.detail.case_no == liar.no, timeout=WAIT_MS)
        d = console.detail
        assert d.heading.text() == f"{liar.no}　{shown}"
        assert d.fields["where"].text().endswith(" · 东四") and RLO not in d.fields["where"].text()
        assert own_text_intact(laid_out(d.heading.text()), liar.no)
