"""Coalesced repaints and the throttle: what changes after a quiet spell is shown on the next turn;
a stream is shown at a bounded rate."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from console.core.situation import ChangeSet
from console.shell.repaint import Repainter, Throttle


def test_the_repainter_paints_a_lone_change_at_once_and_a_stream_at_its_rate(qtbot: QtBot) -> None:
    painted: list[ChangeSet] = []
    repainter = Repainter(painted.append, interval_ms=300)
    repainter.add(ChangeSet(kpis=True))
    qtbot.waitUntil(lambda: len(painted) == 1, timeout=100)  # after a quiet spell: the next turn
    for i in range(5):
        repainter.add(ChangeSet(cases={str(i)}))
    assert len(painted) == 1  # within the interval: held and merged
    qtbot.waitUntil(lambda: len(painted) == 2, timeout=1_000)
    assert painted[1].cases == {"0", "1", "2", "3", "4"}


def test_the_throttle_calls_at_once_after_a_quiet_spell_then_once_a_gap(qtbot: QtBot) -> None:
    calls: list[float] = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=300)
    throttle.poke()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=100)  # after a quiet spell: the next turn
    for _ in range(5):
        throttle.poke()
    qtbot.wait(100)
    assert len(calls) == 1  # within the gap: one call waits for all of them
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1_000)
    assert calls[1] - calls[0] >= 0.28  # a coarse timer may fire up to 5 % early
    qtbot.wait(400)
    assert len(calls) == 2  # nothing poked since: nothing called


def test_a_costly_action_is_called_less_often_so_it_takes_its_share_at_most(qtbot: QtBot) -> None:
    calls: list[float] = []

    def costly() -> None:
        calls.append(time.monotonic())
        time.sleep(0.05)  # 50 ms of the GUI thread each time

    throttle = Throttle(costly, interval_ms=100, busy_share=0.1)
    throttle.poke()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=200)
    assert throttle.gap_ms >= 500  # 50 ms at most a tenth of the time: every half second at most
    throttle.poke()
    qtbot.wait(300)
    assert len(calls) == 1
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1_000)
    assert calls[1] - calls[0] >= 0.47  # a coarse timer may fire up to 5 % early
    throttle.now()  # an operator's action: at once, whatever the gap
    assert len(calls) == 3
