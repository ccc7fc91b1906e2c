"""A window of the wall: dockable panels around a central one, with the link always in view.

A container only: the composition root builds the panels and wires them; the window places them,
shows the banners (stale link, last known or past data, store alarm), and saves and restores its own
layout (a wall of several windows keeps each window's in its wall file, ``console.shell.wall_file``).
"""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QByteArray, QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QGraphicsOpacityEffect,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.core.situation import Provenance, Situation
from console.store import AlarmKind, StoreStats
from console.store.paths import data_folder
from server_link.link_state import LinkState, LinkStats
from server_link.workcal import BEIJING
from widgets.link_health import LinkHealthBar, format_age

LAYOUT_SCHEMA = 1
NOTICE_MS = 5000  # how long a notice (layout saved) stays up
SETTLE_MS = 300  # after the window becomes normal, the window manager's moves are done by then
STALE_OPACITY = 0.45  # panels' values while the link is STALE: dimmed, still readable
_AREAS = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "top": Qt.DockWidgetArea.TopDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}


@dataclass(frozen=True)
class Docked:
    """A panel as the window places it: its id, caption (translated), default area, widget."""

    id: str
    caption: str
    area: str  # "right", "bottom", "left" ("central" panels that are not the centre dock left)
    widget: QWidget
    scrolled: bool = False


@runtime_checkable
class RestorableView(Protocol):
    """A panel with an arrangement of its own (the queue's columns) kept in the wall's layout."""

    def view_state(self) -> str: ...

    def restore_view_state(self, data: str) -> bool: ...


def default_wall_path() -> Path:
    """Where the wall keeps its wall file when no ``--wall`` is given (beside the default store)."""
    return data_folder() / "wall-layout.json"


LAPTOP_PX = 1600  # a window narrower than this lays its bottom row out for a laptop


class WallWindow(QMainWindow):
    """The map in the middle, panels docked around it, the link's health and banners on top.

    Signals:
        stale_changed(bool): the link went STALE (True) or came back (False): the map dims with the
            panels (the composition root wires it to the map).
    """

    stale_changed = Signal(bool)
    save_requested = Signal()

    def __init__(
        self, title: str, centre: QWidget, docked: Sequence[Docked], *, top: QWidget | None = None,
        dim_centre: bool = False, panel_ids: Sequence[str] = (), screen_number: int | None = None,
        scroll_centre: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        self.setWindowTitle(title)
        self.setObjectName("wall")
        self.health = LinkHealthBar()
        self.banner = _banner("provenanceBanner")
        self.stale = _banner("staleBanner")
        self.alarm = _banner("storeAlarm")
        self.progress = _banner("progressBanner")
        self.notice = _banner("noticeBanner")
        self.keys_help = _banner("keysHelp")
        self.keys_help.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.panels = {d.id: d.widget for d in docked}
        self.panel_ids = tuple(panel_ids)  # every panel it holds, the centre first (for the wall file)
        self.screen_number = screen_number  # the screen it was asked for (None: wherever it opened)
        self.centre = centre
        self._dim_centre = dim_centre  # the map dims itself (its page); another centre is dimmed here
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        for w in (self.health, self.stale, self.progress, self.banner, self.alarm, self.notice, self.keys_help):
            column.addWidget(w)
        if top is not None:
            column.addWidget(top)
        column.addWidget(_scrollable(centre) if scroll_centre else centre, 1)  # (a tall centre on a laptop)
        self.setCentralWidget(body)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks)
        self.docks: dict[str, QDockWidget] = {}
        self._captions: dict[str, str] = {}
        self._areas: dict[str, str] = {}
        self._stale = False
        self._stale_at = ""
        self._was_maximised = False
        self._past: str | None = None  # the instant on show when it is the past ("MM-DD HH:MM:SS")
        for d in docked:
            self._captions[d.id] = d.caption
            self._areas[d.id] = d.area if d.area in _AREAS else "left"
            dock = QDockWidget(d.caption, self)
            dock.setObjectName(f"dock-{d.id}")
            dock.setWidget(_scrollable(d.widget) if d.scrolled else d.widget)
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            )
            self.docks[d.id] = dock
        self._place_docks()
        self._stats: LinkStats | None = None
        self._shortcut(QKeySequence(Qt.Key.Key_F11), self.toggle_full_screen)
        self._shortcut(QKeySequence("Ctrl+Tab"), self.focus_next_panel)
        self._shortcut(QKeySequence(QKeySequence.StandardKey.Save), self.save_requested.emit)
        self._shortcut(QKeySequence("Ctrl+0"), self.reset_layout)

    def _place_docks(self) -> None:
        """Every panel docked in its default area. The right column runs the full height (KPIs, a
        queue long enough to work, the detail); the alarms, the heat and the streets sit under the centre only."""
        for name, dock in self.docks.items():
            self.addDockWidget(_AREAS[self._areas[name]], dock)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        row = [self.docks[n] for n in ("alarms", "heat", "streets") if n in self.docks and self._areas[n] == "bottom"]
        for left, right in itertools.pairwise(row):
            self.splitDockWidget(left, right, Qt.Orientation.Horizontal)
        cameras = self.docks.get("cameras")
        behind = row[min(1, len(row) - 1)] if row else self.docks.get("detail")
        if cameras is not None and behind is not None and self._areas["cameras"] == "bottom":
            # the camera wall waits behind the heat, or the detail (raised when cameras are sent to
            # it; it can be dragged out to a screen of its own, and a wall file can give it a window)
            self.tabifyDockWidget(behind, cameras)
            behind.raise_()

    def reset_layout(self) -> None:
        """Back to the default layout (Ctrl+0): every panel shown, docked in its place, default sizes.

        The way back for a panel closed or floated away; the saved layout file is left as it is.
        """
        for dock in self.docks.values():
            dock.setFloating(False)
        self._place_docks()
        for dock in self.docks.values():
            dock.show()
        self.apply_default_sizes()

    def apply_default_sizes(self) -> None:
        """WALL.md's default: the map about 60 % wide; KPIs, queue and detail in a full-height column
        on the right; the duty alarms, the department heat and the streets along the bottom, under the map."""
        w, h = max(self.width(), 800), max(self.height(), 600)
        meeting = bool(self.panel_ids) and self.panel_ids[0] == "council"  # the board is what the room reads
        right = [self.docks[n] for n in ("kpis", "queue", "detail") if n in self.docks]
        if right:
            self.resizeDocks(right[:1], [int(w * (0.26 if meeting else 0.40))], Qt.Orientation.Horizontal)
            shares = {"kpis": 0.31, "queue": 0.41, "detail": 0.28}
            self.resizeDocks(
                right, [int(h * shares[n]) for n in ("kpis", "queue", "detail") if n in self.docks],
                Qt.Orientation.Vertical,
            )  # fmt: skip
        left = [dock for n, dock in self.docks.items() if self._areas[n] == "left"]
        if left:  # a second central panel (the leaders' map beside their board): a third of the width
            share = 0.22 if meeting else 0.32 if w >= LAPTOP_PX else 0.26
            self.resizeDocks(left[:1], [int(w * share)], Qt.Orientation.Horizontal)
        names = [n for n in ("alarms", "heat", "streets") if n in self.docks and self._areas[n] == "bottom"]
        if w < LAPTOP_PX and {"alarms", "heat", "streets"} <= set(names):
            # A laptop's bottom row has no room for three panels (the heat's columns and the streets'
            # figures were cut): the streets go behind the heat as a tab.
            if self.docks["streets"] not in self.tabifiedDockWidgets(self.docks["heat"]):
                self.tabifyDockWidget(self.docks["heat"], self.docks["streets"])
            self.docks["heat"].raise_()
            names.remove("streets")
            along = {"alarms": 0.22, "heat": 0.38}
        elif "alarms" in self.docks:
            along = {"alarms": 0.22, "heat": 0.18, "streets": 0.20}  # the streets table needs ~380 px
        else:
            along = {"heat": 0.33, "streets": 0.27}
        bottom = [self.docks[n] for n in names]
        if bottom:
            self.resizeDocks(bottom[:1], [int(h * 0.30)], Qt.Orientation.Vertical)
            self.resizeDocks(bottom, [int(w * along.get(n, 0.2)) for n in names], Qt.Orientation.Horizontal)

    # ------------------------------------------------------------------ banners
    def show_link(self, stats: LinkStats) -> None:
        self._stats = stats
        self.health.show_stats(stats)
        self._show_freshness()

    def show_lag(self, waiting: int, behind_s: float) -> None:
        """How far the picture is behind what the link received (updates waiting, seconds)."""
        self.health.show_lag(waiting, behind_s)
        self._show_freshness()

    def _show_freshness(self) -> None:
        """STALE, or live but behind: a banner says so and every panel dims (WALL.md)."""
        stats = self._stats
        if stats is None:
            return
        behind = self.health.behind and stats.state is LinkState.LIVE
        if stats.state in (LinkState.STALE, LinkState.STOPPED):
            age = format_age(stats.newest_age())
            if stats.state is LinkState.STOPPED:
                text = self.tr("链路已停止 · 数据已过时 · 最新数据 {0}").format(age)
            else:
                text = self.tr("链路中断 · 数据已过时 · 最新数据 {0} · 正在重连").format(age)
            if stats.crashes:
                text += self.tr(" · 链路已自动重启 {0} 次").format(stats.crashes)
            if stats.disconnects:
                text += self.tr(" · 连接断开 {0} 次（后端离线，或一帧超过上限）").format(stats.disconnects)
            self.stale.setText(text)
            self.stale.show()
        elif behind:
            text = self.tr("画面落后于后端 {0:.0f} 秒 · 待显示 {1:,} 条 · 正在追赶")
            self.stale.setText(text.format(self.health.behind_s, self.health.waiting))
            self.stale.show()
        else:
            self.stale.hide()
        self._dim(stats, behind)

    def _dim(self, stats: LinkStats, behind: bool) -> None:
        """While STALE or behind: every panel dimmed and its title saying how old its data is (WALL.md)."""
        stale = stats.state in (LinkState.STALE, LinkState.STOPPED) or behind
        if stale:
            if behind:
                newest = time.time() - self.health.behind_s
            else:
                newest = stats.newest_at if stats.newest_at is not None else time.time()
            self._stale_at = datetime.fromtimestamp(newest, BEIJING).strftime("%H:%M:%S")
        changed = stale != self._stale
        self._stale = stale
        self._retitle()
        if not changed:
            return
        targets = [dock.widget() for dock in self.docks.values()]
        if self._dim_centre:
            targets.append(self.centre)
        for widget in targets:
            if stale:
                widget.setGraphicsEffect(QGraphicsOpacityEffect(widget, opacity=STALE_OPACITY))
            else:
                widget.setGraphicsEffect(None)  # type: ignore[arg-type]  # Qt takes None: no effect
        self.stale_changed.emit(stale)

    def _retitle(self) -> None:
        """Every panel's title says when its data is not live: the past and its instant, or how old."""
        for name, dock in self.docks.items():
            if self._past is not None:
                title = self.tr("{0} · 历史回放 {1}（非实时）").format(self._captions[name], self._past)
            elif self._stale:
                title = self.tr("{0} · 数据截至 {1}（非实时）").format(self._captions[name], self._stale_at)
            else:
                title = self._captions[name]
            dock.setWindowTitle(title)

    def show_provenance(self, sit: Situation) -> None:
        past = None
        if sit.provenance is Provenance.PAST:
            past = datetime.fromtimestamp(sit.now, BEIJING).strftime("%m-%d %H:%M:%S")
        if past != self._past:
            self._past = past
            self._retitle()
        if sit.provenance is Provenance.LIVE:
            self.banner.hide()
            return
        if sit.provenance is Provenance.PAST:
            at = datetime.fromtimestamp(sit.now, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
            text = self.tr("历史回放 · {0}（北京时间）· 非实时 · 按 Esc 回到实时").format(at)
        else:
            saved = datetime.fromtimestamp(sit.as_of or 0, BEIJING).strftime("%Y-%m-%d %H:%M")
            text = self.tr("{0} · 数据截至 {1}（北京时间）· 非实时").format(self.tr("上次已知状态"), saved)
        self.banner.setText(text)
        self.banner.show()

    def show_progress(self, what: str, done: int, total: int) -> None:
        """Long work in the open: what is being loaded and how far along (hidden when done)."""
        self.health.show_loading(what == "snapshot" and done < total)
        if done >= total:
            self.progress.hide()
            return
        name = self.tr("正在载入链路快照") if what == "snapshot" else self.tr("正在载入上次已知状态")
        self.progress.setText(self.tr("{0}：{1:,} / {2:,} 条（{3:.0%}）").format(name, done, total, done / total))
        self.progress.show()

    def show_store_alarm(self, stats: StoreStats) -> None:
        alarm = self._alarm_text(stats)
        if stats.needs_resync:
            self.alarm.setText(self.tr("⚠ 本地存储告警：{0} — 正在重新同步").format(alarm))
        else:  # e.g. the store's process ended: a re-sync would not help, and the banner must not say so
            self.alarm.setText(self.tr("⚠ 本地存储告警：{0}").format(alarm))
        self.alarm.show()

    def _alarm_text(self, stats: StoreStats) -> str:
        """The alarm in the wall's language (``last_alarm`` is the store's English, for the log)."""
        match stats.alarm_kind:
            case AlarmKind.SUPERSEDED:
                return self.tr("写入落后，待写的更新已由快照取代（其明细未记入日志）")
            case AlarmKind.WRITE_FAILED:
                return self.tr("写入失败（{0}），暂停记录更新").format(stats.error)
            case AlarmKind.ENDED:
                return self.tr("存储进程已退出，正在重新启动（其间不记录更新）")
            case _:
                return self.tr("写入落后，暂停记录更新")

    def clear_store_alarm(self) -> None:
        self.alarm.hide()

    # ------------------------------------------------------------------ moves
    def toggle_full_screen(self) -> None:
        """F11: full screen, and back to how the window was before (maximised stays maximised, a
        normal window comes back to its place, on its screen)."""
        if self.isFullScreen():
            self.showMaximized() if self._was_maximised else self.showNormal()
        else:
            self._was_maximised = self.isMaximized()
            self.showFullScreen()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange and self._normal():
            QTimer.singleShot(SETTLE_MS, self, self.keep_on_screen)  # once the window manager has placed it

    def keep_on_screen(self) -> None:
        """A normal window's frame inside its screen's available area: moved in, shrunk if larger.

        A window maximised before its frame was known (the first start) or restored from another
        desk's layout can come back with its title bar or its bottom off the screen; this brings it
        back, frame included, when it becomes normal (F11 back, or the window manager un-maximising).
        """
        if not self._normal():
            return
        area = self.screen().availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        if area.contains(frame):
            return
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        width, height = min(inner.width(), area.width() - extra_w), min(inner.height(), area.height() - extra_h)
        self.resize(width, height)
        x = min(max(frame.x(), area.x()), area.x() + area.width() - width - extra_w)
        y = min(max(frame.y(), area.y()), area.y() + area.height() - height - extra_h)
        self.move(x, y)  # a window's position is its frame's

    def _normal(self) -> bool:
        full = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen | Qt.WindowState.WindowMinimized
        return not self.windowState() & full

    def show_keys(self) -> None:
        """F1: the keys of the wall, shown under the banners until F1 is pressed again."""
        if not self.keys_help.isHidden():
            self.keys_help.hide()
            return
        keys = (
            ("F1", self.tr("显示或隐藏本帮助")), ("Ctrl+F", self.tr("搜索案件")), ("M", self.tr("切换地图指标")),
            ("V", self.tr("选中案件附近的摄像头上墙")), ("Esc", self.tr("回到实时（回放时），否则清除筛选")),
            ("Ctrl+Tab", self.tr("下一个面板")),
            ("F11", self.tr("全屏")), ("Ctrl+S", self.tr("保存布局（所有窗口）")),
            ("Ctrl+0", self.tr("恢复默认布局")), ("Ctrl+Q", self.tr("退出")),
        )  # fmt: skip
        self.keys_help.setText("    ".join(f"{k}  {what}" for k, what in keys))
        self.keys_help.show()

    def focus_next_panel(self) -> None:
        visible = [d for d in self.docks.values() if d.isVisible()]
        if not visible:
            return
        current = next((i for i, d in enumerate(visible) if d.isAncestorOf(self.focusWidget())), -1)
        nxt = visible[(current + 1) % len(visible)]
        nxt.raise_()
        nxt.widget().setFocus(Qt.FocusReason.TabFocusReason)

    def _shortcut(self, keys: QKeySequence, slot: Callable[[], None]) -> None:
        QShortcut(keys, self).activated.connect(slot)

    # ------------------------------------------------------------------ layouts
    def layout_state(self) -> dict[str, Any]:
        """A plain, versioned description of the layout (what ``restore_layout`` reads)."""
        return {
            "schema": LAYOUT_SCHEMA,
            "panels": {
                name: {"visible": not d.isHidden(), "floating": d.isFloating()} for name, d in self.docks.items()
            },
            "qt_state": base64.b64encode(bytes(self.saveState(LAYOUT_SCHEMA).data())).decode("ascii"),
            "window": self.window_geometry(),
            "views": {name: p.view_state() for name, p in self.panels.items() if isinstance(p, RestorableView)},
        }

    def window_geometry(self) -> dict[str, Any]:
        """Where the window is: its normal place (inside the frame, as when it is neither maximised nor
        full screen) and whether it is maximised or full screen (full screen: maximised before it)."""
        normal = self.geometry() if self._normal() else self.normalGeometry()
        full = self.isFullScreen()
        return {
            "x": normal.x(), "y": normal.y(), "width": normal.width(), "height": normal.height(),
            "maximised": self._was_maximised if full else self.isMaximized(), "full_screen": full,
        }  # fmt: skip

    def restore_window_geometry(self, state: Mapping[str, Any]) -> list[str]:
        """Before the window is shown: put it where a layout saved it, exactly, and show it as it was
        (maximised, full screen or normal). Return what could not be applied (then nothing is).

        Qt's ``restoreGeometry`` is not used: it moves a window whose title bar it guesses to be off
        the screen (about 25 px lower on a window saved at the top). A place on no screen of this
        machine (a layout from another desk) is refused and the default placement kept.
        """
        spec = state.get("window")
        if not isinstance(spec, dict):
            return ["the layout keeps no window geometry: the window opens maximised"]
        try:
            place = QRect(*(int(spec[k]) for k in ("x", "y", "width", "height")))
        except (KeyError, TypeError, ValueError) as exc:
            return [f"the window geometry is damaged ({exc!r}): the window opens maximised"]
        if place.width() < 1 or place.height() < 1 or QGuiApplication.screenAt(place.center()) is None:
            return [f"the window geometry {place.getRect()} is on no screen here: the window opens maximised"]
        self.setGeometry(place)  # the area inside the frame, where it was saved
        self._was_maximised = bool(spec.get("maximised"))
        if spec.get("full_screen"):
            self.setWindowState(Qt.WindowState.WindowFullScreen)
        elif self._was_maximised:
            self.setWindowState(Qt.WindowState.WindowMaximized)
        return []

    def show_notice(self, text: str) -> None:
        """A passing word (informational, not an alarm): shown for a few seconds."""
        self.notice.setText(text)
        self.notice.show()
        self._notice_timer.start()

    def restore_layout(self, state: Mapping[str, Any]) -> list[str]:
        """Apply a saved layout; return what could not be applied (never raises on a bad file).

        Policy: a panel the file does not know keeps its default place; a panel the file names that
        this build does not have is ignored; a different schema version keeps the defaults; a panel's
        own arrangement (the queue's columns) that cannot be applied keeps that panel's default. The
        window's own place is ``restore_window_geometry``'s, before the window is shown.
        """
        problems: list[str] = []
        if state.get("schema") != LAYOUT_SCHEMA:
            return [f"layout schema {state.get('schema')!r} is not {LAYOUT_SCHEMA}: defaults kept"]
        try:
            if not self.restoreState(QByteArray(base64.b64decode(state.get("qt_state", ""))), LAYOUT_SCHEMA):
                problems.append("the dock arrangement could not be restored: defaults kept")
        except (ValueError, TypeError) as exc:
            problems.append(f"layout data is damaged ({exc}): defaults kept")
        panels = state.get("panels", {})
        for name, spec in panels.items() if isinstance(panels, dict) else ():
            dock = self.docks.get(name)
            if dock is None:
                problems.append(f"panel {name!r} is not in this console: ignored")
            elif isinstance(spec, dict):
                dock.setVisible(bool(spec.get("visible", True)))
        for name in self.docks.keys() - set(panels if isinstance(panels, dict) else ()):
            problems.append(f"panel {name!r} is not in the layout: shown in its default place")
        views = state.get("views", {})
        for name, data in views.items() if isinstance(views, dict) else ():
            view = self.panels.get(name)
            if isinstance(view, RestorableView) and not (isinstance(data, str) and view.restore_view_state(data)):
                problems.append(f"the arrangement inside panel {name!r} could not be restored: its default kept")
        return problems


def _scrollable(panel: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _banner(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)  # a long banner wraps; it never makes the window wider than its screen
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.hide()
    return label
