"""Benchmark: scrubbing the replay slider over seven days of history, on the whole wall.

Run: ``.venv/bin/python tests/bench/replay_scrub.py [--days 7] [--factors 1,10] [--moves 50] [--stalls]``

For each rate factor (1: the district simulator's calibrated rate, the demo's; 10: ten times its
intake), ``--days`` of history (after a week of warm-up) are written into a fresh SQLite store
exactly as the console writes them (``tests/bench/time_travel.build``). Then the real console is
built on that store (``console.shell.composition.build``, offscreen, 1920×1080, no backend: the
link keeps trying, the wall shows the last known state), and ``--moves`` random slider releases are
made, one after another, through the replay bar's own signal. For each: the time from the release
to the past painted (the replay's ``instant_shown`` and the next turn of the event loop after every
panel has repainted it, the map's turn of its own included); and, while scrubbing, the GUI thread's
event-loop lateness (a 10 ms timer's delays, p99).

The reference, measured in the same run on the same store: the store's own build of the same
instants in this process (``Store.situation_at``: a checkpoint's derived columns and the journal's
rows after it), the work the replay moves to the store's process. Printed beside it: the same
instants from bodies alone (``state_at`` and ``past_situation``, the way before checkpoints kept
their cases derived). A store filled by an older build has its checkpoints' cases derived first
(``Store.warm_past``, timed). ``ratio`` = painted p50 / reference p50.
Then, from the middle of the window, ``STEPS`` steps of 150 s forward, as playing at 600× makes them
(by the journal's rows between two instants, applied to the past on show).
The last line per factor:
``RESULT replay_scrub factor=F p50_ms=… p95_ms=… loop_p99_ms=… ref_p50_ms=… ratio=… play_p95_ms=…``.
Aims: p95 ≤ 500 ms; loop p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox"

import PySide6.QtWebEngineWidgets  # noqa: F401 - before the QApplication
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from stalls import StallSampler
from time_travel import build as fill

from console.shell.app import parse_args
from console.shell.composition import build as build_console
from console.shell.panels import MapShows
from console.store import Store, StoreConfig, past_picture
from console.store.time_travel import past_situation
from server_link.district import load_district
from server_link.endpoints import Endpoints

STEPS = 20  # steps of playing at 600× after the random moves


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(
    factor: float, days: int, moves: int, seed: int, app: QApplication, keep: Path | None, settle: float, stalls: bool
) -> str:
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-replay-"))
    db = folder / f"replay-f{factor:g}-d{days}-s{seed}.db"
    config = StoreConfig(max_queue_batches=100_000, max_queue_updates=10_000_000)
    filled = db.exists()
    store = Store(db, config).open()
    try:
        if filled:
            print(f"history: the store kept in {db} (filled by an earlier run)")
        else:
            fill(store, days, 7, seed, rate_factor=factor)
        district = load_district()
        # A store filled by an older build keeps checkpoints without their cases derived: the store's
        # process derives them while idle (``warm_past``); here at once, timed.
        started = time.perf_counter()
        while store.warm_past(district, time.monotonic() + 1.0):
            pass
        print(f"checkpoints' cases derived where missing: {time.perf_counter() - started:.1f} s")
        window = store.time_window()
        assert window is not None
        rng = random.Random(seed)
        lo, hi = window.oldest.timestamp() + 60, window.newest.timestamp() - 60
        instants = [rng.uniform(lo, hi) for _ in range(moves)]
        reference, parts = [], []
        for t in instants[:10]:
            at = datetime.fromtimestamp(t, UTC)
            started = time.perf_counter()
            sit = store.situation_at(at, district)  # what the store's process builds: columns and the journal after
            built = time.perf_counter()
            blob = list(past_picture.parts(sit))  # sent in parts,
            pickled = time.perf_counter()
            past_picture.unpack(blob, district, pause=0)  # and taken in where they arrive
            unpacked = time.perf_counter()
            state = store.state_at(at)  # the same instant from bodies alone, as before checkpoints kept columns
            past_situation(state, district)
            reference.append(built - started)
            parts.append((built - started, pickled - built, unpacked - pickled, time.perf_counter() - unpacked))
            parts[-1] += (sum(map(len, blob)),)
        med = [statistics.median(p[i] for p in parts) for i in range(5)]
        print(
            f"factor {factor:g} reference split (median of 10): situation_at {med[0] * 1000:.0f} ms, pack "
            f"{med[1] * 1000:.0f} ms ({med[4] / 1e6:.1f} MB), unpack {med[2] * 1000:.0f} ms; from bodies alone "
            f"(state_at and past_situation) {med[3] * 1000:.0f} ms"
        )
    finally:
        store.close()

    console = build_console(parse_args(["--endpoint", str(Endpoints.free_loopback()), "--db", str(db)]))
    console.window.resize(1920, 1080)
    console.window.show()
    painted: list[float] = []
    stepped: list[float] = []  # playing: steps of 150 s, 600× a quarter of a second
    lateness: list[float] = []
    base = instants[len(instants) // 2]
    plan = [(t, painted) for t in instants] + [(base, [])] + [(base + 150.0 * k, stepped) for k in range(1, STEPS + 1)]
    state = {"i": -1, "asked": 0.0, "probing": False, "last": time.perf_counter(), "cases": 0}
    probe = QTimer()
    probe.setInterval(10)

    def on_probe() -> None:
        now = time.perf_counter()
        if state["probing"]:
            lateness.append(max(0.0, (now - state["last"]) * 1000 - 10))
        state["last"] = now

    probe.timeout.connect(on_probe)

    def next_move() -> None:
        state["i"] += 1
        if state["i"] >= len(plan):
            finish()
            return
        state["asked"] = time.perf_counter()
        console.replay_bar.instant_requested.emit(plan[state["i"]][0])

    map_shows = console.panels["map"].show if "map" in console.panels else None

    def on_shown(instant: object) -> None:
        if instant is None:
            return
        QTimer.singleShot(0, all_painted)

    def all_painted() -> None:  # the map puts a whole new picture on in a turn of its own
        if isinstance(map_shows, MapShows) and map_shows.pending:
            QTimer.singleShot(0, all_painted)
            return
        done()

    def done() -> None:
        plan[state["i"]][1].append(time.perf_counter() - state["asked"])
        QTimer.singleShot(100, next_move)  # the operator's hand between two releases

    sampler = StallSampler() if stalls else None

    def finish() -> None:
        """Close the console and delete its windows (the map's page before its web profile) while
        the event loop still runs, then end it: deleted after it, the page crashed QtWebEngine."""
        probe.stop()
        if sampler is not None:
            sampler.stop()
        state["cases"] = len(console.showing.situation.cases)
        console.close()
        for w in console.windows:
            w.close()
            w.deleteLater()
        QTimer.singleShot(500, app.quit)

    def start() -> None:
        if sampler is not None:
            sampler.start()
        state["probing"] = True
        state["last"] = time.perf_counter()
        probe.start()
        next_move()

    console.replay.instant_shown.connect(on_shown)
    console.replay.failed.connect(lambda why: print(f"replay failed: {why}", file=sys.stderr))
    # The last known state painted first, and the console left alone for ``settle`` seconds, as
    # a wall runs for a while before anyone scrubs.
    QTimer.singleShot(int(settle * 1000), start)
    app.exec()
    cases = state["cases"]
    if sampler is not None:
        print(sampler.report())
    p50, p95 = statistics.median(painted) * 1000, percentile(painted, 0.95) * 1000
    first, rest = painted[:10], painted[10:]
    if rest:
        print(
            f"factor {factor:g}: the first 10 moves p50 {statistics.median(first) * 1000:.0f} ms max "
            f"{max(first) * 1000:.0f} ms; the other {len(rest)} p50 {statistics.median(rest) * 1000:.0f} ms p95 "
            f"{percentile(rest, 0.95) * 1000:.0f} ms"
        )
    loop99 = percentile(lateness, 0.99) if lateness else 0.0
    ref = statistics.median(reference) * 1000
    print(
        f"factor {factor:g}: {len(painted)} moves, release→painted p50 {p50:.0f} ms p95 {p95:.0f} ms max "
        f"{max(painted) * 1000:.0f} ms; event loop p99 lateness {loop99:.0f} ms; reference (the store's "
        f"situation_at in this process) p50 {ref:.0f} ms; cases in the past on show {cases}"
    )
    play50, play95 = statistics.median(stepped) * 1000, percentile(stepped, 0.95) * 1000
    print(
        f"factor {factor:g}: playing, {len(stepped)} steps of 150 s forward (600×, by the journal's rows): "
        f"p50 {play50:.0f} ms p95 {play95:.0f} ms max {max(stepped) * 1000:.0f} ms"
    )
    return (
        f"RESULT replay_scrub factor={factor:g} p50_ms={p50:.0f} p95_ms={p95:.0f} loop_p99_ms={loop99:.0f} "
        f"ref_p50_ms={ref:.0f} ratio={p50 / ref:.2f} play_p95_ms={play95:.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--factors", default="1,10")
    ap.add_argument("--moves", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--settle", type=float, default=20.0, help="seconds the console runs before the first move (default 20)"
    )
    ap.add_argument(
        "--keep",
        type=Path,
        help="a folder to keep the filled stores in and reuse them from (ten times the "
        "rate takes about 20 minutes to fill); its history ends when it was filled, so the window shrinks with age",
    )
    ap.add_argument(
        "--stalls", action="store_true",
        help="sample the GUI thread's stack while it is over 30 ms late (tests/bench/stalls.py), printed at the end",
    )  # fmt: skip
    args = ap.parse_args(argv)
    factors = args.factors.split(",")
    if len(factors) > 1:
        # One process per factor: a second console's web engine in the same process crashed in
        # QtWebEngineCore once the first one's profile was released (2026-12-03).
        results = []
        for factor in factors:
            again = [sys.executable, __file__, "--factors", factor, "--days", str(args.days)]
            again += ["--moves", str(args.moves), "--seed", str(args.seed), "--settle", str(args.settle)]
            again += ["--keep", str(args.keep)] if args.keep else []
            again += ["--stalls"] if args.stalls else []
            out = subprocess.run(again, capture_output=True, text=True, check=False)
            print(out.stdout, end="", flush=True)
            results += [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
            if out.returncode:
                results.append(f"factor {factor}: the run ended with exit code {out.returncode}")
        for line in results:
            print(line)
        return 0
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    print(run(float(factors[0]), args.days, args.moves, args.seed, app, args.keep, args.settle, args.stalls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
