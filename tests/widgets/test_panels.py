"""The wall's smaller panels on a real situation: KPI strip, streets, department heat, case detail."""

from __future__ import annotations

import math
from collections import Counter
from importlib import resources
from typing import Literal

import msgspec
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from console.core.aggregates import DepartmentFigures
from console.core.situation import Situation
from console.core.untrusted import ZWSP, block, one_line
from server_link import records as r
from server_link.link_state import Batch
from tests.core.test_situation import DISTRICT, GRIDS, A, S, bj, make_case, upd
from widgets.case_detail import CaseDetail
from widgets.department_heat import DepartmentHeat
from widgets.fading_figure import FadingFigure
from widgets.kpi_strip import KpiStrip
from widgets.streets_panel import StreetsPanel

PAYLOAD = '<b>粗体</b><img src=x onerror="window.pwned=1"><script>alert(1)</script>'


def two_cases(title: str | None = None) -> Situation:
    """A situation of two cases (one plain, one returned, escalated and in the big loop) three days
    on; ``title`` replaces the first case's title and text."""
    t = bj(2026, 11, 27, 9, 0)
    s = Situation(DISTRICT)
    cases = [
        make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")], grid=GRIDS[0]),
        make_case(2, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-cgw"),
                      (t, S.FILED, A.RETURN, "d-cgw"), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")],
                  grid=GRIDS[-1], escalated=True, loop=r.Loop.BIG),
    ]  # fmt: skip
    if title is not None:
        cases[0] = msgspec.structs.replace(cases[0], title=title, text=title)
    s.apply(Batch(True, tuple(upd(c, i) for i, c in enumerate(cases, 1)), 2, "e"), t.timestamp() + 86400 * 3)
    return s


@pytest.fixture
def sit() -> Situation:
    return two_cases(PAYLOAD)


def test_case_detail_shows_public_text_literally(qtbot: QtBot, sit: Situation) -> None:
    detail = CaseDetail()
    qtbot.addWidget(detail)
    detail.show_case(sit, "DC0000000001")
    # as given, only with break opportunities (U+200B) in its long run (console.core.untrusted)
    assert one_line(PAYLOAD) in detail.heading.text() and detail.report.text() == block(PAYLOAD)
    assert detail.report.text().replace(ZWSP, "") == PAYLOAD
    assert (
        detail.heading.textFormat() is Qt.TextFormat.PlainText and detail.report.textFormat() is Qt.TextFormat.PlainText
    )
    assert detail.fields["light"].text() == "■ 红" and detail.fields["deadline"].text().startswith("超 ")
    assert detail.timeline.rowCount() == 2 and detail.timeline.item(1, 2).text() == "派遣"
    detail.show_case(sit, "DC0000000002")
    assert "退回 1 次" in detail.fields["returns"].text() and "已上报区级" in detail.fields["flags"].text()
    detail.show_case(sit, "NOPE")
    assert "已不在当前态势中" in detail.heading.text()


def test_kpi_strip_reads_the_district_figures(qtbot: QtBot, sit: Situation) -> None:
    strip = KpiStrip()
    qtbot.addWidget(strip)
    strip.show_situation(sit)
    assert strip.figures["open"].text() == "2"
    assert strip.figures["overdue"].text() == "2" and strip.figures["overdue"].property("level") == "alarm"


def test_a_changed_kpi_glows_softly_and_fades(qtbot: QtBot, sit: Situation) -> None:
    strip = KpiStrip()
    qtbot.addWidget(strip)
    strip.show()
    qtbot.waitExposed(strip)
    strip.show_situation(sit)
    assert all(f.glow == 0.0 for f in strip.figures.values())  # the first figures are no change anyone saw
    before = {name: f.text() for name, f in strip.figures.items()}
    t = bj(2026, 11, 27, 9, 0)
    third = make_case(3, [(t, S.COLLECTED, A.COLLECT, None)], grid=GRIDS[1])
    sit.apply(Batch(False, (upd(third, 3),), 3, "e"), sit.now)
    strip.show_situation(sit)
    figure = strip.figures["open"]
    assert figure.text() == "3" and figure.glow == 1.0
    unchanged = [name for name, f in strip.figures.items() if f.text() == before[name]]
    assert "hard" in unchanged and all(strip.figures[name].glow == 0.0 for name in unchanged)
    glowing = figure.grab().toImage()
    qtbot.waitUntil(lambda: figure.glow == 0.0, timeout=3000)  # it fades within FADE_MS
    assert figure.grab().toImage() != glowing  # the same figure, without the glow: it was drawn
    strip.show_situation(sit)  # nothing changed: no glow
    assert figure.glow == 0.0


def test_streets_panel_puts_streets_over_the_limit_first_and_clicks(qtbot: QtBot, sit: Situation) -> None:
    panel = StreetsPanel()
    qtbot.addWidget(panel)
    panel.show_situation(sit)
    over = GRIDS[-1][:9]  # its only small-loop-origin case was escalated: 100 % > the 8 % limit
    assert panel.table.item(0, 0).text() == DISTRICT.streets[over].name.removesuffix("街道")  # the column says 街道
    assert panel.table.item(0, 3).text().startswith("▲")
    with qtbot.waitSignal(panel.street_clicked) as signal:
        panel.table.cellClicked.emit(0, 2)
    assert signal.args == [over]


def test_department_heat_ranks_and_clicks(qtbot: QtBot, sit: Situation) -> None:
    heat = DepartmentHeat()
    qtbot.addWidget(heat)
    heat.show_situation(sit)
    assert len(heat.order) == len(DISTRICT.departments) == 85
    assert heat.order.index("d-hwzx") < heat.order.index("u-water")  # overdue cases rank it higher
    row = heat.order.index("d-hwzx")

    class Click:  # the part of a pyqtgraph mouse event the handler reads
        def pos(self) -> QPointF:
            return QPointF(1.5, row + 0.5)

        def button(self) -> Qt.MouseButton:
            return Qt.MouseButton.LeftButton

        def accept(self) -> None:
            pass

    with qtbot.waitSignal(heat.department_clicked) as signal:
        heat._on_image_clicked(Click())
    assert signal.args == ["d-hwzx"]


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 … 21; 4.5 is the floor for body text)."""

    def luminance(c: QColor) -> float:
        channels = [v / 255 for v in (c.red(), c.green(), c.blue())]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_department_names_stand_out_from_the_panel_in_either_theme(
    qtbot: QtBot, sit: Situation, theme: Literal["dark", "light"]
) -> None:
    box = QWidget()  # the panel as the wall shows it: the theme's style sheet, the heat inside
    box.setStyleSheet((resources.files("resources.styles") / f"{theme}.qss").read_text(encoding="utf-8"))
    qtbot.addWidget(box)
    heat = DepartmentHeat(theme=theme)
    QVBoxLayout(box).addWidget(heat)
    box.resize(700, 420)
    box.show()
    qtbot.waitExposed(box)
    heat.show_situation(sit)
    image = heat.grab().toImage()
    names = [image.pixelColor(x, y) for x in range(4, 140) for y in range(40, image.height() - 10)]  # the name axis
    ground = QColor.fromRgba(Counter(c.rgba() for c in names).most_common(1)[0][0])
    text = max(names, key=lambda c: contrast(c, ground))
    assert contrast(text, ground) >= 4.5, (theme, ground.name(), text.name())


def test_department_heat_hands_pyqtgraph_only_what_changed(qtbot: QtBot, sit: Situation) -> None:
    heat = DepartmentHeat()
    qtbot.addWidget(heat)
    heat.show_situation(sit)
    image, ticks = heat.image.image, heat.plot.getAxis("left")._tickLevels
    curve = heat.curve.getData()
    heat.show_situation(sit)  # the same figures a second later
    assert heat.image.image is image and heat.plot.getAxis("left")._tickLevels is ticks
    assert all(a is b for a, b in zip(heat.curve.getData(), curve, strict=True))
    sit.aggregates.departments["u-water"] = DepartmentFigures(open=3, overdue=3)  # the image follows
    heat.show_situation(sit)
    assert heat.image.image is not image


def test_a_trickle_of_small_changes_glows_only_once_it_adds_up(qtbot: QtBot) -> None:
    """WALL.md: a highlight marks a change worth seeing; the backlog moving by one case at a time
    all day would otherwise keep the glow on for ever (issue 14, item 8)."""
    figure = FadingFigure("—", significant=(20, 0.05))  # as the strip's backlog: 20 cases, or 5 %
    qtbot.addWidget(figure)
    figure.show_value("300", 300)
    glows = 0
    for value in range(301, 340):  # one case more each time
        figure.show_value(f"{value}", value)
        glows += figure.glow == 1.0
        figure._glow = 0.0  # (as if faded: only the new marks are counted)
    assert glows == 2  # at about 315 (5 % of 300) and 331 (5 % of that): not 39 times
    figure.show_value("339", 339)  # unchanged: nothing
    assert figure.glow == 0.0
    figure.show_value("300", 300)  # a drop as large: marked too
    assert figure.glow == 1.0
    rate = FadingFigure("—", significant=(0.01, 0.0))
    qtbot.addWidget(rate)
    rate.show_value("—", math.nan)
    rate.show_value("97.0%", 0.970)  # the first rate after nothing: no change anyone saw
    rate.show_value("97.4%", 0.974)
    assert rate.glow == 0.0
    rate.show_value("98.5%", 0.985)  # more than a point since it was first shown
    assert rate.glow == 1.0


def test_a_channel_the_backend_names_stays_text_in_the_intake_tooltip(qtbot: QtBot) -> None:
    """The narrow strip puts intake by channel in its caption's tooltip, and a tooltip may be rich
    text: an unknown channel code from the wire is shown as it was sent, never applied as markup."""
    t = bj(2026, 11, 27, 9, 0)
    hostile = "<b>粗</b><img src=x>"
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None)], channel=hostile)
    sit = Situation(DISTRICT)
    sit.apply(Batch(True, (upd(case, 1),), 1, "e"), t.timestamp() + 60)
    strip = KpiStrip()
    qtbot.addWidget(strip)
    strip.show_situation(sit)
    tip = strip.captions["intake"].toolTip()
    shown = QTextDocument()
    shown.setHtml(tip)
    assert hostile in shown.toPlainText() and "<img" not in tip
