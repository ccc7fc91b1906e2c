"""The link's health, always visible: LIVE / BEHIND / STALE with the age of the newest data, how far
behind the server the wall is, rate, sequence, and the diagnostics (rejects by reason, re-syncs,
restarts, buffers) in its tooltip."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from console.core.untrusted import one_line, rich
from server_link.link_state import LinkState, LinkStats
from widgets.i18n import QT_TRANSLATE_NOOP

_STATE_TEXT = {
    LinkState.CONNECTING: QT_TRANSLATE_NOOP("LinkHealthBar", "连接中"),
    LinkState.SYNCING: QT_TRANSLATE_NOOP("LinkHealthBar", "同步中"),
    LinkState.LIVE: QT_TRANSLATE_NOOP("LinkHealthBar", "实时"),
    LinkState.STALE: QT_TRANSLATE_NOOP("LinkHealthBar", "数据过时"),
    LinkState.STOPPED: QT_TRANSLATE_NOOP("LinkHealthBar", "已停止"),
}
GAP = "   "  # between the figures of the status line
BEHIND_AFTER_S = 5.0  # the wall is "behind", not live, once what it shows is this much older than what arrived
CAUGHT_UP_S = 2.0  # … and live again once it is within this


def state_text(state: LinkState) -> str:
    """The state's word in the installed language."""
    return QCoreApplication.translate("LinkHealthBar", _STATE_TEXT[state])


def format_age(seconds: float | None) -> str:
    """Relative age: 刚刚, 12秒前, 3分钟前, 2小时前 (in the installed language)."""
    if seconds is None:
        return QCoreApplication.translate("format_age", "无数据")
    if seconds < 1.5:
        return QCoreApplication.translate("format_age", "刚刚")
    if seconds < 90:
        return QCoreApplication.translate("format_age", "{0:.0f}秒前").format(seconds)
    if seconds < 5400:
        return QCoreApplication.translate("format_age", "{0:.0f}分钟前").format(seconds / 60)
    return QCoreApplication.translate("format_age", "{0:.0f}小时前").format(seconds / 3600)


class LinkHealthBar(QWidget):
    """A one-line strip: state word, newest-data age, updates/s, last sequence, re-syncs, rejects.

    It refreshes the age on its own timer, so a silent link visibly ages between statistics.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkHealth")
        self._stats: LinkStats | None = None
        self.waiting = 0  # updates received and not yet on show
        self.behind_s = 0.0  # how long the oldest of them has waited
        self.behind = False
        self.loading = False  # a snapshot is being built into a picture: not live yet
        self.shown_rejects: Mapping[str, int] = {}  # records the picture refused (the core's count)
        self.last_shown_reject = ""
        self.state_label = QLabel(state_text(LinkState.CONNECTING))
        self.state_label.setObjectName("linkState")
        self.detail_label = QLabel()
        self.detail_label.setObjectName("linkDetail")
        # The figures never widen the window (at 1280 px with a snapshot's progress they would): the
        # line wraps instead, between figures (``wrapped``).
        self.detail_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._detail = ""
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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_detail()

    def _place_detail(self) -> None:
        label = self.detail_label
        text = wrapped(self._detail, label.contentsRect().width(), label.fontMetrics())
        if text != label.text():
            label.setText(text)

    def add_status(self, widget: QWidget) -> None:
        """Another line of status at the bar's right end (the duty alarms' summary)."""
        layout = self.layout()
        assert layout is not None
        layout.addWidget(widget)

    def show_stats(self, stats: LinkStats) -> None:
        self._stats = stats
        self._refresh()

    def show_loading(self, loading: bool) -> None:
        """A snapshot is being built into the picture (the link is live, the wall not yet)."""
        self.loading = loading
        self._refresh()

    def show_refused(self, rejects: Mapping[str, int], last: str) -> None:
        """Records that passed the link but the picture refused (counted with the link's rejects)."""
        self.shown_rejects, self.last_shown_reject = dict(rejects), last

    def show_lag(self, waiting: int, behind_s: float) -> bool:
        """How far the wall is behind what the link received; True when that makes it "behind"
        (over ``BEHIND_AFTER_S``, until it is back within ``CAUGHT_UP_S``)."""
        self.waiting, self.behind_s = waiting, behind_s
        self.behind = behind_s > (CAUGHT_UP_S if self.behind else BEHIND_AFTER_S)
        self._refresh()
        return self.behind

    @property
    def state(self) -> LinkState:
        return self._stats.state if self._stats else LinkState.CONNECTING

    def _refresh(self) -> None:
        s = self._stats
        if s is None:
            return
        age = s.newest_age(time.time())
        behind = self.behind and s.state is LinkState.LIVE
        loading = self.loading and s.state is LinkState.LIVE
        word = self.tr("载入中") if loading else self.tr("落后") if behind else state_text(s.state)
        self.state_label.setText(word)
        self.setProperty("linkState", "SYNCING" if loading else "BEHIND" if behind else s.state.value)
        self.style().unpolish(self)
        self.style().polish(self)
        progress = ""
        if s.state in (LinkState.CONNECTING, LinkState.SYNCING, LinkState.STALE) and s.syncing_records:
            # long work shows how far it got
            progress = self.tr("   正在接收快照：已收 {0:,} 条").format(s.syncing_records)
        detail = self.tr(
            "最新数据 {age}   {rate:,.0f} 条/秒   序号 {seq:,}   重新同步 {resyncs}   丢失 {gaps}   拒收 {rejects:,}"
        ).format(
            age=format_age(age), rate=s.updates_per_s, seq=s.last_sequence, resyncs=s.resyncs, gaps=s.gaps,
            rejects=s.rejects_total + sum(self.shown_rejects.values()),
        )  # fmt: skip
        lag = ""
        if self.waiting or self.behind_s >= 1:
            lag = self.tr("   待显示 {0:,} 条 · 落后 {1:.0f} 秒").format(self.waiting, self.behind_s)
        trouble = ""
        if s.crashes:
            trouble += self.tr("   链路重启 {0}").format(s.crashes)
        if s.disconnects:
            trouble += self.tr("   断开 {0}").format(s.disconnects)
        if s.retry_in is not None:
            trouble += self.tr("   {0:.0f} 秒后重新请求快照").format(s.retry_in)
        self._detail = detail + lag + trouble + progress
        self._place_detail()
        self.setToolTip(diagnostics(s, self.shown_rejects, self.last_shown_reject))


def wrapped(line: str, width: int, metrics: QFontMetrics) -> str:
    """A status line's figures (separated by three spaces) on as many lines as ``width`` needs, each
    figure kept whole: Unicode's line breaking would part "拒收 0" anywhere, even between 拒 and 收."""
    out: list[str] = []
    for part in (p.strip() for p in line.split(GAP)):
        if not part:
            continue
        joined = f"{out[-1]}{GAP}{part}" if out else part
        if out and metrics.horizontalAdvance(joined) <= width:
            out[-1] = joined
        else:
            out.append(part)
    return "\n".join(out)


def diagnostics(s: LinkStats, shown: Mapping[str, int] | None = None, last_shown: str = "") -> str:
    """The link's diagnostics as a tooltip (WALL.md level 4): every reject by reason (the link's, and
    the records the picture itself refused), re-syncs, restarts, disconnections, and the buffers
    against their budgets. Text from the wire in it (keys in the last reject) passes the core's
    helper for untrusted text; the whole is rich text with everything escaped."""
    mib = 1024 * 1024
    own = [
        QCoreApplication.translate("LinkHealthBar", "端点 {0}").format(s.endpoint),
        QCoreApplication.translate("LinkHealthBar", "序号 {0:,}（后端 {1:,}）").format(
            s.last_sequence, s.server_sequence
        ),
        QCoreApplication.translate("LinkHealthBar", "拒收 {0:,}").format(s.rejects_total),
        *(f"    {reason}: {n:,}" for reason, n in sorted(s.rejects.items())),
        *(f"    {reason}: {n:,}" for reason, n in sorted((shown or {}).items())),
        QCoreApplication.translate(
            "LinkHealthBar", "重新同步 {0} · 链路重启 {1} · 连接断开 {2}（后端离线，或一帧超过上限）"
        ).format(s.resyncs, s.crashes, s.disconnects),
        QCoreApplication.translate("LinkHealthBar", "快照接收中 {0:,} 条 {1:.1f} MiB").format(
            s.syncing_records, s.snapshot_bytes / mib
        ),
        QCoreApplication.translate("LinkHealthBar", "同步期间暂存 {0:,} 条 {1:.1f} MiB").format(
            s.buffered_updates, s.buffered_bytes / mib
        ),
        QCoreApplication.translate("LinkHealthBar", "已交付待显示 {0:.1f} MiB").format(s.backlog_bytes / mib),
    ]
    lines = [html.escape(line) for line in own]
    wire = (
        (QCoreApplication.translate("LinkHealthBar", "最近拒收"), s.last_reject),
        (QCoreApplication.translate("LinkHealthBar", "画面最近拒收"), last_shown),
        (QCoreApplication.translate("LinkHealthBar", "最近重新同步"), s.last_resync),
        (QCoreApplication.translate("LinkHealthBar", "最近链路重启"), s.last_crash),
        (QCoreApplication.translate("LinkHealthBar", "最近断开"), s.last_disconnect),
    )
    lines += [f"{html.escape(caption)}：{rich(one_line(text, 160))}" for caption, text in wire if text]
    return "<qt>" + "<br>".join(lines) + "</qt>"
