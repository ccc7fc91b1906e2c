"""The console's main window: a container of panels, wired by the composition root."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from console.core.situation import Provenance, Situation
from console.store import StoreStats
from server_link import records as r
from server_link.link_state import LinkStats
from server_link.workcal import BEIJING
from widgets.count_board import CountBoard
from widgets.link_health import LinkHealthBar

COUNT_CAPTIONS = (
    ("case", "在办案件"),
    ("camera", "摄像头"),
    ("department", "部门"),
    ("street", "街道"),
    ("COLLECTED", "信息收集"),
    ("FILED", "案件建立"),
    ("DISPATCHED", "任务派遣"),
    ("HANDLING", "任务处理"),
    ("FEEDBACK", "处理反馈"),
    ("CLOSED", "核查结案"),
    ("EVALUATED", "综合评价"),
    ("overdue", "超期"),
)


class MainWindow(QMainWindow):
    """Link health on top, the situation's counts below."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.health = LinkHealthBar()
        self.board = CountBoard(COUNT_CAPTIONS)
        self.banner = QLabel()
        self.banner.setObjectName("provenanceBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.hide()
        self.alarm = QLabel()
        self.alarm.setObjectName("storeAlarm")
        self.alarm.setTextFormat(Qt.TextFormat.PlainText)
        self.alarm.hide()
        heading = QLabel(title)
        heading.setObjectName("title")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.health)
        layout.addWidget(self.banner)
        layout.addWidget(self.alarm)
        layout.addWidget(heading)
        layout.addWidget(self.board, 1)
        self.setCentralWidget(central)

    def show_store_alarm(self, stats: StoreStats) -> None:
        """The store fell behind: say so until the next snapshot has been written."""
        self.alarm.setText(f"⚠ 本地存储告警：{stats.last_alarm or '写入落后'} — 正在重新同步")
        self.alarm.show()

    def clear_store_alarm(self) -> None:
        self.alarm.hide()

    def show_situation(self, sit: Situation) -> None:
        if sit.provenance is Provenance.LIVE:
            self.banner.hide()
        else:
            saved = datetime.fromtimestamp(sit.as_of or 0, BEIJING).strftime("%Y-%m-%d %H:%M")
            what = "上次已知状态" if sit.provenance is Provenance.LAST_KNOWN else "历史回放"
            self.banner.setText(f"{what} · 数据截至 {saved}（北京时间）· 非实时")
            self.banner.show()
        d = sit.aggregates.district
        counts = {
            "case": sum(d.backlog.values()),
            "camera": len(sit.of_kind(r.Camera)),
            "department": len(sit.of_kind(r.Department)),
            "street": len(sit.of_kind(r.Street)),
            "overdue": d.overdue,
            **{step.value: d.backlog[step.value] for step in r.Step},
        }
        self.board.show_counts(counts)

    def _on_link_stats(self, stats: LinkStats) -> None:
        self.health.show_stats(stats)
