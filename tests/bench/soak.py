"""Benchmark: a day of load through the whole console — memory, the store's file and the GUI thread
minute by minute, and at the end the picture equal to the backend's.

Run: ``.venv/bin/python tests/bench/soak.py [--updates N] [--rate R] [--every S] [--acknowledge-after M] [--stalls]``
(the full run: ``--updates 10000000`` at 10,000/s, about 17 minutes; a quick one: ``--updates 1000000``).

The simulated backend runs in another process in load mode (``grid-backend-sim --rate R --updates N``:
it publishes N updates after its initial picture, then only serves); this process runs the whole
console (``console.shell.app.build``: link, store in its process, situation, every panel, the map
page) offscreen, as the wall would. Every ``--every`` seconds (a minute by default) it prints the
console's and the store's resident memory, the store's file size, the updates taken, the GUI
thread's p99 lateness over that stretch (a precise 20 ms timer, as ``wall_latency.py``), the cases and
updates waiting, and the duty alarms held and how many of them are latched (cleared, waiting for an
acknowledgement: by default nobody acknowledges them; ``--acknowledge-after MINUTES`` acknowledges
them as a commander on duty does, through the alarm list's own path). Aim: growth of each resident
memory after the first 10 % of the run ≤ 5 %. At the end, once the backend has
settled, it compares the console's cases (digest over ``/case/``) and the store's journalled state
(digest over every key) with a fresh snapshot of the backend. The reference, measured in the same
run: the simulation's updates/s on one core with nothing else running (``sim_rate.simulation_alone``).
The last line is ``RESULT …``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{os.environ.get('QTWEBENGINE_CHROMIUM_FLAGS', '')} --no-sandbox"

import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sim_rate import simulation_alone  # this folder's siblings (the script's folder is on sys.path)
from stalls import StallSampler
from wall_latency import pct, sample_latency

from console.core.alarms.states import Alarm, AlarmState
from console.shell.app import parse_args
from console.shell.composition import Console, build
from server_link import chp
from server_link.agent import LinkConfig, fetch_snapshot
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState

MiB = 1024 * 1024


def latched(alarms: Iterable[Alarm]) -> int:
    """How many of the alarms held cleared and wait for an acknowledgement."""
    now = time.time()
    return sum(a.state(now) is AlarmState.RETURNED_UNACKNOWLEDGED for a in alarms)


class DutyCommander:
    """Acknowledges, every few seconds inside the console's event loop, the alarms waiting for an
    acknowledgement longer than ``after`` seconds: through the alarm list's own path (each
    acknowledgement stored, sent and confirmed by the backend's echo), as a commander who selects
    them and presses Space. Counts them and times each such press."""

    def __init__(self, console: Console, after: float, every_ms: int = 5000) -> None:
        self.console, self.after = console, after
        self.acknowledged = 0
        self.presses: list[float] = []  # seconds each press held the GUI thread
        self._timer = QTimer()
        self._timer.timeout.connect(self._press)
        self._timer.start(every_ms)

    def _press(self) -> None:
        now = time.time()
        waiting = [a.id for a in self.console.alarms.engine.alarms.values()
                   if a.state(now) in (AlarmState.UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED)
                   and now - a.raised_at >= self.after]  # fmt: skip
        if waiting:
            began = time.perf_counter()
            self.console.handle_alarms(self.console.alarms.acknowledge, waiting)
            self.presses.append(time.perf_counter() - began)
            self.acknowledged += len(waiting)

    def taken(self) -> str:
        """What was acknowledged since the last call, and how long the presses took."""
        presses, self.presses = self.presses, []
        longest = max(presses, default=0.0)
        return f"acknowledged {self.acknowledged:,} in all; presses {len(presses)}, longest {longest * 1000:.0f} ms"


def rss(pid: int | None) -> int:
    """Resident memory of a process, in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status") as f:
            line = next(x for x in f if x.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def file_size(db: Path) -> int:
    """The store's SQLite file with its write-ahead log."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def settled(endpoints: Endpoints, timeout: float = 120.0) -> tuple[int, dict[str, bytes]]:
    """A snapshot of the backend once it has stopped publishing (the same sequence twice, 2 s apart)."""
    last, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        seq, _epoch, bodies = fetch_snapshot(LinkConfig(endpoints), timeout=60)
        if seq == last:
            return seq, bodies
        last = seq
        sample_latency(2.0)  # the console's loop runs meanwhile
    raise TimeoutError("the backend never settled")


def grown(first: tracemalloc.Snapshot | None) -> tracemalloc.Snapshot:
    """Print where Python memory grew most since ``first`` (by the allocating line and its callers)."""
    now = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    if first is None:
        return now
    for stat in now.compare_to(first, "traceback")[:6]:
        print(f"  +{stat.size_diff / MiB:7.1f} MiB {stat.count_diff:+9,} blocks at", flush=True)
        for line in stat.traceback.format(limit=4, most_recent_first=True):
            print(f"      {line.strip()}", flush=True)
    return first


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]  # fmt: skip


def heap(before: Counter[str] | None) -> Counter[str]:
    """Print where the console's memory is: Python's live objects, the C heap in use and free (glibc's
    ``mallinfo2``, every thread's arena), and the object types whose count grew most since ``before``."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _Mallinfo2
    m = libc.mallinfo2()
    gc.collect()
    kinds = Counter(type(o).__qualname__ for o in gc.get_objects())
    arenas = pymalloc()
    print(f"  heap: python blocks {sys.getallocatedblocks():,} in {arenas.get('arenas allocated current', 0):,} "
          f"arenas of 1 MiB ({arenas.get('bytes in allocated blocks', 0) / MiB:,.0f} MiB in blocks, "
          f"{arenas.get('bytes in available blocks', 0) / MiB:,.0f} MiB free in them); "
          f"C heap in use {m.uordblks / MiB:,.0f} MiB, free in it {m.fordblks / MiB:,.0f} MiB, "
          f"mapped {m.hblkhd / MiB:,.0f} MiB in {m.hblks:,} chunks", flush=True)  # fmt: skip
    if before is not None:
        grew = sorted(((n - before.get(k, 0), k) for k, n in kinds.items()), reverse=True)[:6]
        print("  grew: " + ", ".join(f"{k} {d:+,}" for d, k in grew), flush=True)
    return kinds if before is None else before


def pymalloc() -> dict[str, int]:
    """Python's small-object allocator's own figures (``sys._debugmallocstats``, which writes to the
    process's standard error: read back through a temporary file)."""
    with tempfile.TemporaryFile("w+") as out:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        figures = {}
        for line in out:
            name, eq, value = line.lstrip("# ").partition("=")
            if eq and value.strip().replace(",", "").isdigit():
                figures[name.strip()] = int(value.strip().replace(",", ""))
        return figures


def growth(series: list[int], skip: float = 0.1) -> float:
    """How much the last value exceeds the first after the first ``skip`` of the run (a fraction)."""
    kept = series[int(len(series) * skip) :] or series
    return (kept[-1] - kept[0]) / kept[0] if kept and kept[0] else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=10_000_000)
    p.add_argument("--rate", type=float, default=10_000)
    p.add_argument("--every", type=float, default=60.0, help="seconds between the printed samples")
    p.add_argument(
        "--trace", action="store_true",
        help="also print, each time, where the console's Python memory grew most since the first sample "
        "(tracemalloc: slows the console down, so the rates and latencies of such a run do not count)",
    )  # fmt: skip
    p.add_argument(
        "--heap", action="store_true",
        help="also print, each time, Python's live blocks, the C heap in use and free, and the object types "
        "grown most since the first sample (a full collection each time: the p99 of such a run does not count)",
    )  # fmt: skip
    p.add_argument(
        "--stalls", action="store_true",
        help="also print, each time, where the GUI thread was while it was more than 30 ms late (stalls.py; "
        "its 5 ms timer and watcher thread cost a little: such a run's p99 is indicative)",
    )  # fmt: skip
    p.add_argument(
        "--acknowledge-after", type=float, default=None, metavar="MINUTES",
        help="acknowledge, every 5 s, the alarms that waited for it longer than this, as a commander on duty "
        "does (by default nobody acknowledges: the alarms held grow all run long)",
    )  # fmt: skip
    p.add_argument(
        "--console", nargs=argparse.REMAINDER, default=[],
        help="the rest is passed to the console (e.g. --wall FILE, to leave a panel out and see what it holds)",
    )  # fmt: skip
    args = p.parse_args()
    machine = simulation_alone(3.0)
    gc.collect()
    app = QApplication(sys.argv[:1])  # noqa: F841  (kept alive for the run)
    endpoints = Endpoints.free_loopback()
    backend = subprocess.Popen(
        [sys.executable, "-m", "server_link.sim.cli", "--endpoint", str(endpoints), "--rate", f"{args.rate:g}",
         "--history", "1", "--updates", str(args.updates)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    rows: list[tuple[float, int, int, int, float, float]] = []
    try:
        assert backend.stdout is not None and backend.stdout.readline().startswith("serving")
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "soak.db"
            console = build(parse_args(["--endpoint", str(endpoints), "--db", str(db), *args.console]))
            console.window.resize(1920, 1080)
            console.window.show()
            duty = DutyCommander(console, args.acknowledge_after * 60) if args.acknowledge_after is not None else None
            deadline = time.monotonic() + 120
            while console.window.health.state is not LinkState.LIVE and time.monotonic() < deadline:
                sample_latency(0.5)
            start, taken0 = time.monotonic(), console.link.stats().updates_total
            print(f"{'min':>6} {'console MiB':>12} {'store MiB':>10} {'file MiB':>9} {'taken':>11} {'rate/s':>8} "
                  f"{'p99 ms':>7} {'max ms':>7} {'cases':>7} {'waiting':>8} {'alarms':>7} {'latched':>8}",
                  flush=True)  # fmt: skip
            last_taken, last_at = taken0, start
            first, kinds = None, None
            if args.trace:
                tracemalloc.start(8)
            sampler = StallSampler().start() if args.stalls else None
            while True:
                late = sample_latency(args.every)
                now, stats = time.monotonic(), console.link.stats()
                taken = stats.updates_total - taken0
                rate = (stats.updates_total - last_taken) / (now - last_at)
                last_taken, last_at = stats.updates_total, now
                row = ((now - start) / 60, rss(None), rss(console.store.pid), file_size(db), pct(late, 99), max(late))
                rows.append(row)
                print(f"{row[0]:6.1f} {row[1] / MiB:12.0f} {row[2] / MiB:10.0f} {row[3] / MiB:9.1f} {taken:11,} "
                      f"{rate:8,.0f} {row[4]:7.1f} {row[5]:7.0f} {len(console.situation.cases):7,} "
                      f"{console.ingest.backlog:8,} {len(console.alarms.engine.alarms):7,} "
                      f"{latched(console.alarms.engine.alarms.values()):8,}", flush=True)  # fmt: skip
                if duty is not None:
                    print(f"  {duty.taken()}", flush=True)
                if sampler is not None:
                    print(sampler.report(6), flush=True)
                    sampler.samples.clear()
                    sampler.others.clear()
                if args.trace:
                    first = grown(first)
                if args.heap:
                    kinds = heap(kinds)
                if taken >= args.updates or (rate < 1 and taken > 0):
                    break
            if sampler is not None:
                sampler.stop()
            seq, bodies = settled(endpoints)
            deadline = time.monotonic() + 60
            while console.situation.sequence < seq and time.monotonic() < deadline:
                sample_latency(0.5)
            console.store.flush()
            cases = chp.map_digest((k, v) for k, v in bodies.items() if k.startswith("/case/"))
            shown = chp.map_digest((f"/case/{no}", body) for no, body in console.situation.bodies.items())
            with sqlite3.connect(db) as conn:
                journal = chp.map_digest(conn.execute("SELECT key, body FROM state"))
            stats = console.link.stats()
            console.close()
    finally:
        backend.terminate()
        backend.wait(30)
    whole = chp.map_digest(bodies.items())
    console_growth, store_growth = growth([r[1] for r in rows]), growth([r[2] for r in rows])
    worst = max(r[4] for r in rows)
    print(f"this machine: the simulation alone makes {machine:,.0f} updates/s on one core")
    print(f"backend settled at sequence {seq:,}; the console at {console.situation.sequence:,}; "
          f"gaps {stats.gaps} resyncs {stats.resyncs} rejects {stats.rejects_total}")  # fmt: skip
    print(
        f"RESULT soak updates={args.updates} rate={args.rate:g} minutes={rows[-1][0]:.1f} "
        f"console_rss_growth={console_growth:.3f} store_rss_growth={store_growth:.3f} "
        f"file_mib={rows[-1][3] / MiB:.0f} worst_minute_p99_ms={worst:.0f} "
        f"cases_equal={shown == cases} journal_equal={journal == whole} sim_alone={machine:.0f}"
        f"{'' if args.acknowledge_after is None else f' acknowledge_after_min={args.acknowledge_after:g}'}"
    )


if __name__ == "__main__":
    main()
