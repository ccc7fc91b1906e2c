"""The Qt adapter hands batches to the GUI thread, coalesced to at most one per 50 ms."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.shell.link_bridge import LinkBridge
from server_link.agent import LinkConfig
from server_link.endpoints import Endpoints
from server_link.feed import ScriptedFeed
from server_link.link_state import Batch, LinkState, LinkStats
from server_link.server import ChpServer


def test_batches_arrive_on_the_gui_thread_coalesced(qtbot: QtBot, server: ChpServer, endpoints: Endpoints) -> None:
    feed = ScriptedFeed(cases=1000, seed=2)
    server.publish_many(feed.reference())
    bridge = LinkBridge(LinkConfig(endpoints, batch_interval=0.05))
    batches: list[tuple[float, Batch]] = []
    threads: set[bool] = set()
    states: list[LinkState] = []

    def on_batch(batch: Batch) -> None:
        threads.add(QThread.currentThread() is QApplication.instance().thread())  # type: ignore[union-attr]
        batches.append((time.monotonic(), batch))

    def on_state(stats: LinkStats) -> None:
        states.append(stats.state)

    bridge.batch_received.connect(on_batch)
    bridge.state_changed.connect(on_state)
    with qtbot.waitSignal(bridge.state_changed, timeout=10_000):
        bridge.start()
    try:
        qtbot.waitUntil(lambda: LinkState.LIVE in states, timeout=10_000)
        stop = threading.Event()

        def publish() -> None:  # 8,000 updates, 40 every 10 ms: about 4,000/s on an idle machine
            for _ in range(200):
                server.publish_many([feed.next_update() for _ in range(40)])
                if stop.wait(0.01):
                    return

        t = threading.Thread(target=publish)
        started = time.monotonic()
        t.start()
        t.join(60)
        stop.set()
        spent = time.monotonic() - started
        target = server.call(lambda s: s.sequence)
        qtbot.waitUntil(lambda: batches[-1][1].sequence == target, timeout=10_000)
    finally:
        bridge.stop()
    assert threads == {True}
    live = [b for _, b in batches if not b.reset]
    updates = sum(len(b.updates) for b in live)
    assert updates == 8000  # all of them (a count, not a rate: a loaded machine publishes slower)
    # coalesced: batches of >= 50 ms over the time it took, not one signal per update
    assert len(live) <= (spent + 0.5) / 0.05 + 10, f"{len(live)} batches for {updates} updates in {spent:.1f} s"
    seqs = [u.sequence for b in live for u in b.updates]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
