"""A case's stills in its detail: before and after the feedback side by side, captions as plain text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QImageWriter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from console.core.evidence import Still
from widgets.evidence_strip import EvidenceStrip

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def jpeg(colour: str) -> bytes:
    image = QImage(480, 270, QImage.Format.Format_RGB888)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert QImageWriter(buffer, QByteArray(b"jpeg")).write(image)
    return bytes(data.data())


def still(minutes: int, name: str = "东四路口") -> Still:
    return Still("DC1", "11010100001320000001", name, "李值班", "commander", T0 + timedelta(minutes=minutes + 1),
                 T0 + timedelta(minutes=minutes), 480, 270, jpeg("#804020"))  # fmt: skip


def texts(strip: EvidenceStrip) -> list[str]:
    return [label.text() for label in strip.findChildren(QLabel) if label.text()]


def test_stills_before_and_after_the_feedback_sit_side_by_side(qtbot: QtBot) -> None:
    strip = EvidenceStrip()
    qtbot.addWidget(strip)
    strip.show_stills([still(0), still(10), still(40, "北门\u202e<b>x</b>\n假")], T0 + timedelta(minutes=30))
    assert not strip.isHidden()
    assert [s.frame_at.minute for s in strip.before] == [0, 10] and [s.frame_at.minute for s in strip.after] == [40]
    shown = texts(strip)
    assert "处理反馈前（2 张）" in shown and "处理反馈后（1 张）" in shown
    after_caption = next(t for t in shown if t.startswith("12-03 10:40:00"))
    assert "\u202e" not in after_caption and "\n" not in after_caption and "<b>x</b>" in after_caption
    pictures = [label for label in strip.findChildren(QLabel) if not label.pixmap().isNull()]
    assert len(pictures) == 3 and pictures[0].pixmap().width() == 200
    view = strip.open(strip.after[0])
    qtbot.addWidget(view)
    assert view.windowTitle() == "现场画面 · 案件 DC1"


def test_no_feedback_yet_one_column_and_no_stills_no_strip(qtbot: QtBot) -> None:
    strip = EvidenceStrip()
    qtbot.addWidget(strip)
    strip.show_stills([still(0)], None)
    assert "处理反馈前（1 张）" in texts(strip) and not any("处理反馈后" in t for t in texts(strip))
    strip.show_stills([], None)
    assert strip.isHidden()
