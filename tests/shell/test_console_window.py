"""The console window: live demo data, and the last known state painted first on restart."""

from __future__ import annotations

import threading
import time
from importlib import resources
from pathlib import Path

from pytestqt.qtbot import QtBot

from console.core.situation import Provenance
from console.shell.app import parse_args
from console.shell.composition import build
from console.store import AlarmKind, Store, StoreStats
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState, LinkStats
from tests.core.test_situation import A, S, bj, make_case, upd
from tests.support.consoles import dispose


def test_demo_window_shows_live_counts(qtbot: QtBot, tmp_path: Path) -> None:
    console = build(parse_args(["--demo", "--demo-history", "0.5", "--db", str(tmp_path / "c.db")]))
    try:
        console.window.show()
        qtbot.waitUntil(lambda: console.window.health.state is LinkState.LIVE, timeout=10_000)
        qtbot.waitUntil(lambda: console.streets.table.rowCount() == 17, timeout=10_000)

        def open_cases() -> int:  # "—" until the first picture is in
            return int(console.kpis.figures["open"].text().replace(",", "").replace("—", "0") or 0)

        qtbot.waitUntil(lambda: open_cases() > 20, timeout=10_000)
        assert console.window.health.state_label.text() == "实时"
        assert "条/秒" in console.window.health.detail_label.text()
        assert console.situation.provenance is Provenance.LIVE and console.window.banner.isHidden()
        assert len(console.heat.order) == 85

        # the sparklines are drawn as soon as the snapshot is in, from the cases' timelines
        def sparklines() -> int:
            xs = console.heat.curve.getData()[0]
            return 0 if xs is None else len(xs)

        qtbot.waitUntil(lambda: sparklines() > 145, timeout=5_000)
        assert console.store.flush(10)
        assert len(console.store.last_known().bodies) > 100  # the store keeps what arrives
    finally:
        dispose(qtbot, console)


def test_a_restart_paints_the_last_known_state_first(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    t = bj(2026, 11, 27, 10, 0)
    case = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    store = Store(str(db)).open()
    store.submit(Batch(True, (upd(case),), 7, "e1"))
    assert store.flush(10)
    store.close()
    nobody = Endpoints.free_loopback()  # no backend runs there: only the store can paint
    console = build(parse_args(["--endpoint", str(nobody), "--db", str(db)]))
    try:
        with qtbot.waitSignal(console.ingest.progressed, timeout=5_000) as loaded:
            pass  # built beside the empty picture, in slices, then taken over whole
        assert loaded.args == ["last_known", 1, 1]
        assert console.situation.provenance is Provenance.LAST_KNOWN
        assert set(console.situation.cases) == {case.no}
        console.repainter.flush()
        assert console.kpis.figures["open"].text() == "1"
        assert "上次已知状态" in console.window.banner.text() and not console.window.banner.isHidden()
    finally:
        dispose(qtbot, console)


def test_a_store_alarm_from_another_thread_is_shown(qtbot: QtBot, tmp_path: Path) -> None:
    console = build(parse_args(["--endpoint", str(Endpoints.free_loopback()), "--db", str(tmp_path / "c.db")]))
    try:
        stats = StoreStats(
            alarm=True, alarms=1, last_alarm="store queue full (20000 batches)", alarm_kind=AlarmKind.BEHIND,
            needs_resync=True,
        )  # fmt: skip
        worker = threading.Thread(target=console.store._alarm, args=(stats,))  # as the writer thread would
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: not console.window.alarm.isHidden(), timeout=5_000)
        # In the wall's language (the store's English words are for the log).
        assert console.window.alarm.text() == "⚠ 本地存储告警：写入落后，暂停记录更新 — 正在重新同步"
        ended = StoreStats(
            alarm=True, alarms=2, last_alarm="the store process ended (exit code -9)", alarm_kind=AlarmKind.ENDED,
            running=False,
        )  # fmt: skip
        console.window.show_store_alarm(ended)  # the console starts another store process: the banner says so
        assert console.window.alarm.text() == "⚠ 本地存储告警：存储进程已退出，正在重新启动（其间不记录更新）"
        failed = StoreStats(
            alarm=True, alarms=3, alarm_kind=AlarmKind.WRITE_FAILED, error="OperationalError: disk I/O error",
            needs_resync=True,
        )  # fmt: skip
        console.window.show_store_alarm(failed)
        assert "写入失败（OperationalError: disk I/O error）" in console.window.alarm.text()
        # A long link line (a big re-sync under way on a stale link) and long banners wrap; they never
        # make the window wider than a 1280 px screen.
        stale = LinkStats(
            LinkState.STALE, "tcp://10.20.30.40:5556", last_sequence=9_876_543_210, updates_total=9_876_543_210,
            updates_per_s=12_345.0, newest_at=time.time() - 7200, gaps=12_345, resyncs=1_234,
            rejects={"schema": 123_456}, syncing_records=1_234_567,
        )  # fmt: skip
        console.window.setStyleSheet((resources.files("resources.styles") / "dark.qss").read_text(encoding="utf-8"))
        console.window.show_link(stale)  # with the wall's type sizes, as grid-console sets them
        console.window.show_progress("snapshot", 123_456, 1_234_567)
        assert not console.window.stale.isHidden() and "1,234,567" in console.window.health.detail_label.text()
        assert console.window.minimumSizeHint().width() <= 1280
    finally:
        dispose(qtbot, console)
