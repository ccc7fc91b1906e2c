"""Benchmark aid: ``soak.py`` with the GUI thread's main tasks timed, to see which of them hold it.

Run: ``.venv/bin/python tests/bench/soak_slots.py --updates 1500000 --every 30`` (any ``soak.py``
options). The console's main slots on the GUI thread (the ingest's step, the repainters, the alarm
engine's turn, the alarm list, the ranked tables, the link's hand-over) are wrapped with a clock;
after soak's own report, each slot's calls, total and mean time, and the calls of 30 ms or more
(count, p50, max). A wrapper costs ~1 µs a call: the soak's own figures stay comparable.
"""

from __future__ import annotations

import atexit
import collections
import functools
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import soak  # first: it sets up the environment Qt and its web engine read

from console.shell.alarm_service import AlarmService
from console.shell.composition import Console
from console.shell.ingest import Ingest
from console.shell.link_bridge import LinkBridge
from console.shell.repaint import Repainter

LONG_MS = 30.0
SLOTS: dict[type, tuple[str, ...]] = {
    Ingest: ("_run",),
    Repainter: ("_on_timeout",),
    AlarmService: ("_turn", "save"),
    Console: ("paint", "paint_rankings", "show_alarms"),
    LinkBridge: ("_on_crossed",),
}
calls: collections.Counter[str] = collections.Counter()
total_ms: collections.Counter[str] = collections.Counter()
long_ms: dict[str, list[float]] = collections.defaultdict(list)


def timed(cls: type, name: str) -> None:
    slot: Callable[..., Any] = getattr(cls, name)
    key, gui = f"{cls.__name__}.{name}", threading.main_thread()

    @functools.wraps(slot)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not gui:
            return slot(*args, **kwargs)
        start = time.perf_counter()
        try:
            return slot(*args, **kwargs)
        finally:
            ms = (time.perf_counter() - start) * 1000
            calls[key] += 1
            total_ms[key] += ms
            if ms >= LONG_MS:
                long_ms[key].append(ms)

    setattr(cls, name, wrapper)


def report() -> None:
    print("GUI thread's slots: calls, total ms, mean ms; calls of 30 ms or more: count, p50, max")
    for key, ms in total_ms.most_common():
        slow = sorted(long_ms.get(key, []))
        tail = f"{len(slow):6d} {slow[len(slow) // 2]:7.0f} {slow[-1]:7.0f}" if slow else f"{0:6d}"
        print(f"{calls[key]:7d} {ms:9.0f} {ms / calls[key]:7.2f}   {tail}   {key}")


if __name__ == "__main__":
    for cls, names in SLOTS.items():
        for name in names:
            timed(cls, name)
    atexit.register(report)
    sys.argv = ["soak.py", *sys.argv[1:]]
    soak.main()
