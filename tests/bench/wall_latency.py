"""Benchmark: the wall's GUI event-loop latency while the backend publishes 10,000 updates/s.

Run: ``.venv/bin/python tests/bench/wall_latency.py [--rate N] [--seconds S] [--warmup S] [--backend-nice N]
[--stalls]``

The simulated backend runs in another process in load mode (``grid-backend-sim --rate N``); this
process runs the whole console (``console.shell.app.build``: link, store, situation, every panel,
the map page) offscreen, as the wall would. Once the link is LIVE and ``--warmup`` seconds have passed
(the snapshot is built and taken over), a precise 20 ms ``QTimer`` ticks on the GUI thread and each
tick's lateness (actual gap minus 20 ms) is a sample of how long the event loop was busy. References
in the same run: the same measurement with the console idle (link stopped), so the figure shows what
the load added; and this machine's speed, the simulation's updates/s on one core with nothing else
running (``sim_rate.simulation_alone``), since the same aim is easy on one two-core machine and out
of reach on another half as fast (``load`` = asked rate / that speed). Aim: p99 ≤ 50 ms at 10,000
updates/s. Also printed: the CPU the console, its helper processes (the store, the map's web engine) and the backend
used — they all share this machine's cores; ``--backend-nice`` lowers the backend's priority, as a
stand-in for a server that in the center runs on another machine — and what the store journalled.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{os.environ.get('QTWEBENGINE_CHROMIUM_FLAGS', '')} --no-sandbox"

import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sim_rate import simulation_alone  # this folder's sibling (the script's folder is on sys.path)
from stalls import StallSampler

from console.shell.app import parse_args
from console.shell.composition import build
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState


class CollectorPauses:
    """The cycle collector's passes while on (``gc.callbacks``): per generation, how many and the longest, in ms.

    A pass holds the interpreter lock, whichever thread runs it, so the GUI thread waits it out.
    """

    def __init__(self) -> None:
        self.passes: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._start = 0.0

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self._on_pass)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._on_pass)

    def _on_pass(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.passes[info["generation"]].append((time.perf_counter() - self._start) * 1000)

    def summary(self) -> str:
        return ", ".join(f"gen{g} {len(d)}× longest {max(d, default=0):.0f} ms" for g, d in self.passes.items())


def sample_latency(seconds: float) -> list[float]:
    """Lateness of a 20 ms precise timer on the GUI thread, in ms, for ``seconds``."""
    late: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(20)

    def on_tick() -> None:
        now = clock.nsecsElapsed()
        late.append(max(0.0, (now - last[0]) / 1e6 - 20.0))
        last[0] = now

    timer.timeout.connect(on_tick)
    timer.start()
    loop = QEventLoop()  # not app.exec()/quit(): quitting the application tears QtWebEngine's profile down
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    return late


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the store's process, the map's web engine processes), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cpu_by_name(pids: list[int], names: dict[int | None, str]) -> dict[str, float]:
    """CPU seconds so far by process name (``names``, else comm), for processes still running."""
    out: dict[str, float] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as f:
                name = names.get(pid) or f.read().strip()
            out[name] = out.get(name, 0.0) + cpu_seconds(pid)
        except OSError:
            continue
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=10_000)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=3.0, help="seconds after LIVE before measuring (the snapshot)")
    p.add_argument(
        "--backend-nice", type=int, default=0,
        help="run the simulated backend at this niceness (it stands for a server on another machine)",
    )  # fmt: skip
    p.add_argument(
        "--stalls", action="store_true",
        help="also sample the GUI thread's Python stack while it is more than 30 ms late, and print where it was "
        "(the sampler runs a 5 ms timer of its own on the GUI thread: the latencies of such a run do not count)",
    )  # fmt: skip
    args = p.parse_args()
    machine = simulation_alone(3.0)
    gc.collect()  # the reference's simulation leaves ~100,000 objects in cycles: not the console's to collect
    app = QApplication(sys.argv[:1])  # noqa: F841  (kept alive for the run)
    idle = sample_latency(5.0)
    endpoints = Endpoints.free_loopback()
    backend = subprocess.Popen(
        [sys.executable, "-m", "server_link.sim.cli", "--endpoint", str(endpoints), "--rate", f"{args.rate:g}",
         "--history", "1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.setpriority(os.PRIO_PROCESS, backend.pid, args.backend_nice)
    try:
        assert backend.stdout is not None and backend.stdout.readline().startswith("serving")
        with tempfile.TemporaryDirectory() as tmp:
            console = build(parse_args(["--endpoint", str(endpoints), "--db", f"{tmp}/wall.db"]))
            console.window.resize(1920, 1080)
            console.window.show()
            deadline = time.monotonic() + 60
            while console.window.health.state is not LinkState.LIVE and time.monotonic() < deadline:
                sample_latency(0.5)
            sample_latency(args.warmup)
            held0, seq0, t0 = console.link.stats().updates_total, console.situation.sequence, time.monotonic()
            helpers = [p for p in descendants(os.getpid()) if p != backend.pid]
            names = {console.store.pid: "store"}
            cpu0, backend_cpu0, helpers0 = time.process_time(), cpu_seconds(backend.pid), cpu_by_name(helpers, names)
            sampler = StallSampler() if args.stalls else None
            with CollectorPauses() as collector, sampler or contextlib.nullcontext():
                busy = sample_latency(args.seconds)
            elapsed = time.monotonic() - t0
            cpu = (time.process_time() - cpu0) / elapsed
            backend_cpu = (cpu_seconds(backend.pid) - backend_cpu0) / elapsed
            helpers_cpu = {n: (s - helpers0.get(n, 0.0)) / elapsed for n, s in cpu_by_name(helpers, names).items()}
            journal = console.store.stats()
            applied = (console.link.stats().updates_total - held0) / elapsed
            shown = (console.situation.sequence - seq0) / elapsed
            backlog = console.ingest.backlog
            stats = console.link.stats()
            console.close()
    finally:
        backend.terminate()
        backend.wait(10)
    print(f"this machine: the simulation alone makes {machine:,.0f} updates/s on one core")
    print(f"idle:   p50 {pct(idle, 50):6.1f} ms  p95 {pct(idle, 95):6.1f} ms  p99 {pct(idle, 99):6.1f} ms")
    print(
        f"loaded: p50 {pct(busy, 50):6.1f} ms  p95 {pct(busy, 95):6.1f} ms  p99 {pct(busy, 99):6.1f} ms "
        f"max {max(busy):.0f} ms  ({len(busy)} ticks)"
    )
    print(
        f"link delivered {applied:,.0f} updates/s to the GUI thread (asked {args.rate:,.0f}), the situation "
        f"applied {shown:,.0f}/s, {backlog:,} waiting at the end; gaps {stats.gaps} resyncs {stats.resyncs}"
    )
    print(f"cycle collector passes while measured: {collector.summary()}")
    if sampler is not None:
        print(sampler.report())
    others = ", ".join(f"{name} {share:.0%}" for name, share in sorted(helpers_cpu.items()) if share >= 0.005)
    print(
        f"CPU: the console {cpu:.0%} of a core (all its threads), its helper processes: {others or 'none'}; "
        f"the simulated backend {backend_cpu:.0%}; this machine has {os.cpu_count()} cores"
    )
    print(
        f"store (its own process): {journal.written_updates:,} updates journalled in {journal.transactions:,} "
        f"transactions, {journal.queued_updates:,} waiting at the end, alarms {journal.alarms}"
    )
    print(
        f"RESULT wall_latency p99_ms={pct(busy, 99):.0f} p95_ms={pct(busy, 95):.0f} idle_p99_ms={pct(idle, 99):.0f} "
        f"delivered_per_s={applied:.0f} applied_per_s={shown:.0f} sim_alone_per_s={machine:.0f} "
        f"load={args.rate / machine:.2f}"
    )


if __name__ == "__main__":
    main()
