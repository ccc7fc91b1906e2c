"""The link-health strip's diagnostics: every reason counted, wire text made safe (pytest-qt)."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from server_link.link_state import LinkState, LinkStats
from widgets.link_health import LinkHealthBar


def test_the_diagnostics_count_every_reason_and_show_wire_text_as_text(qtbot: QtBot) -> None:
    bar = LinkHealthBar()
    qtbot.addWidget(bar)
    hostile = "/case/<b>X</b>\u202e\n位置：伪造"
    stats = LinkStats(
        LinkState.LIVE, "tcp://127.0.0.1:5556", rejects={"json": 2, "out_of_state": 1}, last_reject=hostile,
        crashes=1, last_crash="RuntimeError: boom", disconnects=3, last_disconnect="updates connection dropped",
    )  # fmt: skip
    bar.show_refused({"apply": 4}, "apply /case/DC1: OverflowError")
    bar.show_stats(stats)
    assert "拒收 7" in bar.detail_label.text()  # the link's 3 and the picture's 4
    doc = QTextDocument()
    doc.setHtml(bar.toolTip())
    text = doc.toPlainText()
    for reason in ("json: 2", "out_of_state: 1", "apply: 4", "链路重启 1", "连接断开 3"):
        assert reason in text, reason
    assert "<b>X</b>" in text  # the sender's markup is shown, not applied
    assert "\u202e" not in text and "⏎位置" in text  # no override; the line break is visible
    assert "RuntimeError: boom" in text and "updates connection dropped" in text


def test_a_narrow_bar_wraps_between_figures_never_inside_one(qtbot: QtBot) -> None:
    """At 1366 px the line wraps: "拒收" must not end a line with its count on the next one."""
    bar = LinkHealthBar()
    qtbot.addWidget(bar)
    bar.show_stats(LinkStats(LinkState.LIVE, "tcp://127.0.0.1:5556", last_sequence=6998))
    bar.resize(420, 120)
    bar.show()
    qtbot.waitExposed(bar)
    lines = bar.detail_label.text().split("\n")
    assert len(lines) >= 2  # it does wrap at this width
    for caption in ("序号", "重新同步", "丢失", "拒收"):
        line = next(x for x in lines if caption in x)
        assert not line.endswith(caption), lines
    metrics = bar.detail_label.fontMetrics()
    assert all(metrics.horizontalAdvance(x) <= bar.detail_label.contentsRect().width() for x in lines), lines
    bar.resize(1800, 120)  # wide again: one line
    qtbot.waitUntil(lambda: "\n" not in bar.detail_label.text())
