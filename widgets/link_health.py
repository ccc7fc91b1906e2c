"""The link's health, always visible: LIVE / STALE with the age of the newest data, rate, sequence."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from server_link.link_state import LinkState, LinkStats

_STATE_TEXT = {
    LinkState.CONNECTING: "连接中",
    LinkState.SYNCING: "同步中",
    LinkState.LIVE: "实时",
    LinkState.STALE: "数据过时",
    LinkState.STOPPED: "已停止",
}


def format_age(seconds: float | None) -> str:
    """Relative age in Chinese: 刚刚, 12秒前, 3分钟前, 2小时前."""
    if seconds is None:
        return "无数据"
    if seconds < 1.5:
        return "刚刚"
    if seconds < 90:
        return f"{seconds:.0f}秒前"
    if seconds < 5400:
        return f"{seconds / 60:.0f}分钟前"
    return f"{seconds / 3600:.0f}小时前"


class LinkHealthBar(QWidget):
    """A one-line strip: state word, newest-data age, updates/s, last sequence, re-syncs, rejects.

    It refreshes the age on its own timer, so a silent link visibly ages between statistics.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkHealth")
        self._stats: LinkStats | None = None
        self.state_label = QLabel(_STATE_TEXT[LinkState.CONNECTING])
        self.state_label.setObjectName("linkState")
        self.detail_label = QLabel()
        self.detail_label.setObjectName("linkDetail")
        for label in (self.state_label, self.detail_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.state_label)
        layout.addWidget(self.detail_label, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    def show_stats(self, stats: LinkStats) -> None:
        self._stats = stats
        self._refresh()

    @property
    def state(self) -> LinkState:
        return self._stats.state if self._stats else LinkState.CONNECTING

    def _refresh(self) -> None:
        s = self._stats
        if s is None:
            return
        age = s.newest_age(time.time())
        self.state_label.setText(_STATE_TEXT[s.state])
        self.setProperty("linkState", s.state.value)
        self.style().unpolish(self)
        self.style().polish(self)
        rejects = s.rejects_total
        progress = ""
        if s.state in (LinkState.CONNECTING, LinkState.SYNCING, LinkState.STALE) and s.syncing_records:
            progress = f"   正在接收快照：已收 {s.syncing_records:,} 条"  # long work shows how far it got
        self.detail_label.setText(
            f"最新数据 {format_age(age)}   {s.updates_per_s:,.0f} 条/秒   序号 {s.last_sequence:,}"
            f"   重新同步 {s.resyncs}   丢失 {s.gaps}   拒收 {rejects:,}{progress}"
        )
