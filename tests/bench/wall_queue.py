"""Benchmark: the case queue under a live stream — re-order and notify cost on the GUI thread.

Run: ``.venv/bin/python tests/bench/wall_queue.py [--cases 10000] [--rate 10000] [--batch 500]
[--seconds 10] [--coalesce 200]``

A ``Situation`` holding ``--cases`` open cases (spread over the district's streets, grids,
departments, channels and categories) is shown by a ``CaseQueue`` (1,280×720, sorted by deadline,
one case selected, scrolled into the middle) on the offscreen platform. A ``QTimer`` then applies
batches of ``--batch`` pre-built updates every ``batch/rate`` seconds (500 every 50 ms =
10,000/s), each moving a case's deadline, exactly as the shell does: ``situation.apply`` then
``queue.on_changes``. The event loop runs for ``--seconds``.

Measured on the GUI thread: ``Situation.apply`` per batch (the core's share, for reference),
the queue's recompute per flush (select + order in numpy, then the layout change with persistent
indexes remapped and the view re-anchored), a full synchronous repaint of the view's viewport, and
the share of the wall-clock time all of it took. The stream's achieved rate shows whether the GUI
thread kept up. The selection is checked to still be on the same case at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView

from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import BEIJING
from widgets.case_queue import CaseQueue
from widgets.case_queue_model import CASE_NO_ROLE

T0 = datetime(2026, 11, 24, 11, 0, tzinfo=BEIJING)
S, A = r.Step, r.Action


def build_case(n: int, rnd: random.Random, d: Pools, left_min: int) -> r.Case:
    grid = rnd.choice(d.grids)
    dept = rnd.choice(d.depts)
    received = T0 - timedelta(minutes=rnd.randrange(60, 3000))
    dispatched = received + timedelta(minutes=5)
    step = rnd.choice((S.DISPATCHED, S.HANDLING, S.FEEDBACK))
    events = [
        r.Event(at=received, step=S.COLLECTED, action=A.COLLECT),
        r.Event(at=received + timedelta(minutes=1), step=S.FILED, action=A.FILE),
        r.Event(at=dispatched, step=S.DISPATCHED, action=A.DISPATCH, dept=dept),
    ]
    if step is not S.DISPATCHED:
        action = A.HANDLE if step is S.HANDLING else A.FEEDBACK
        events.append(r.Event(at=dispatched + timedelta(minutes=30), step=step, action=action, dept=dept))
    return r.Case(
        schema=1, no=f"DC{2026_1124_00000 + n}", channel=rnd.choice(d.channels), category=rnd.choice(d.categories),
        title=f"案件{n} {rnd.choice(('井盖破损', '占道经营', '垃圾满溢', '路灯不亮', '违规广告'))}",
        lon=116.41, lat=39.92, unit_grid=grid, street=grid[:9], step=step, loop=rnd.choice(list(r.Loop)),
        dept=dept, received_at=received, step_at=events[-1].at, deadline=T0 + timedelta(minutes=left_min),
        hard=rnd.random() < 0.01, timeline=events,
    )  # fmt: skip


class Pools:
    def __init__(self) -> None:
        d = load_district()
        self.grids = sorted(d.unit_grids)
        self.depts = sorted(d.departments)
        self.channels = sorted(d.channels)
        self.categories = sorted(d.categories)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--rate", type=int, default=10_000, help="updates per second")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--coalesce", type=int, default=200, help="the queue's coalescing interval, ms")
    p.add_argument("--pool", type=int, default=20_000, help="distinct pre-built updates, cycled")
    args = p.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rnd = random.Random(1)
    pools = Pools()
    now = T0.timestamp()

    t0 = time.perf_counter()
    cases = [build_case(n, rnd, pools, rnd.randrange(-600, 3000)) for n in range(args.cases)]
    sit = Situation(load_district())
    sit.apply(Batch(True, tuple(Update(r.key_of(c), 1, c, r.encode(c)) for c in cases), 1, "e"), now)
    pool = []
    for i in range(args.pool):
        n = rnd.randrange(args.cases)
        c = build_case(n, random.Random(n), pools, rnd.randrange(-600, 3000))
        pool.append(Update(r.key_of(c), i + 2, c, r.encode(c)))
    print(f"built {args.cases:,} cases and {len(pool):,} updates in {time.perf_counter() - t0:.1f} s")

    queue = CaseQueue(sit, clock=lambda: now, coalesce_ms=args.coalesce)
    queue.resize(1280, 720)
    queue.show()
    app.processEvents()  # benchmark set-up only: let the offscreen window lay itself out
    model = queue.model
    print(f"queue shows {model.rowCount():,} of {model.total:,}")
    target = model.case_no(model.rowCount() // 2)
    assert target is not None
    queue.select_case(target)
    queue.view.verticalScrollBar().setValue(model.rowCount() // 2 - 5)
    announced: list[str] = []
    queue.case_selected.connect(announced.append)

    flush_ms: list[float] = []
    numpy_ms: list[float] = []
    original = model._recompute
    original_order = model._order

    def timed_recompute() -> None:
        t = time.perf_counter()
        original()
        flush_ms.append((time.perf_counter() - t) * 1000)

    def timed_order(table, rows, when):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = original_order(table, rows, when)
        numpy_ms.append((time.perf_counter() - t) * 1000)
        return out

    model._recompute = timed_recompute  # type: ignore[method-assign]
    model._order = timed_order  # type: ignore[method-assign]

    apply_ms: list[float] = []
    notify_ms: list[float] = []
    state = {"i": 0, "sent": 0, "seq": len(pool) + 10}
    interval_ms = max(1, round(1000 * args.batch / args.rate))

    def send() -> None:
        i = state["i"]
        chunk = tuple(pool[(i + k) % len(pool)] for k in range(args.batch))
        state["i"] = (i + args.batch) % len(pool)
        state["seq"] += 1
        t = time.perf_counter()
        changes = sit.apply(Batch(False, chunk, state["seq"], "e"), now)
        t1 = time.perf_counter()
        queue.on_changes(changes, now)
        t2 = time.perf_counter()
        apply_ms.append((t1 - t) * 1000)
        notify_ms.append((t2 - t1) * 1000)
        state["sent"] += len(chunk)

    feeder = QTimer()
    feeder.setInterval(interval_ms)
    feeder.timeout.connect(send)
    stop = QTimer()
    stop.setSingleShot(True)
    stop.timeout.connect(app.quit)
    started = time.perf_counter()
    feeder.start()
    stop.start(int(args.seconds * 1000))
    app.exec()
    feeder.stop()
    wall = time.perf_counter() - started

    paint_ms = []
    viewport = queue.view.viewport()
    for _ in range(10):
        t = time.perf_counter()
        viewport.grab()  # a synchronous paint of every visible cell (data() for each role)
        paint_ms.append((time.perf_counter() - t) * 1000)

    # Reference in the same run: the same visible cells, as strings in a QStandardItemModel, in a plain
    # QTableView of the same size and font (what painting costs with no Python in the loop).
    reference = QStandardItemModel(model.rowCount(), model.columnCount())
    top = max(0, queue.view.rowAt(0))
    for row in range(top, min(model.rowCount(), top + 80)):
        for col in range(model.columnCount()):
            reference.setItem(row, col, QStandardItem(model.data(model.index(row, col)) or ""))
    plain = QTableView()
    plain.setModel(reference)
    plain.setFont(queue.view.font())
    plain.verticalHeader().hide()
    plain.resize(queue.view.size())
    plain.show()
    plain.scrollTo(reference.index(top, 0), QTableView.ScrollHint.PositionAtTop)
    for col in range(model.columnCount()):
        plain.setColumnWidth(col, queue.view.columnWidth(col))
    app.processEvents()  # benchmark only: lay out the reference view
    reference_ms = []
    for _ in range(10):
        t = time.perf_counter()
        plain.viewport().grab()
        reference_ms.append((time.perf_counter() - t) * 1000)
    plain.close()

    same = queue.selected_case == target and model.data(queue.view.currentIndex(), CASE_NO_ROLE) == target
    achieved = state["sent"] / wall
    busy = (sum(apply_ms) + sum(notify_ms) + sum(flush_ms)) / 1000
    queue_share = (sum(notify_ms) + sum(flush_ms)) / 1000 / wall
    paint_share = statistics.median(paint_ms) * len(flush_ms) / 1000 / wall  # one full repaint per flush
    flushes_per_s = len(flush_ms) / wall
    print(f"stream: {state['sent']:,} updates in {wall:.1f} s = {achieved:,.0f}/s (target {args.rate:,}/s)")
    print(
        f"situation.apply per batch of {args.batch}: median {statistics.median(apply_ms):.1f} ms, "
        f"p95 {pct(apply_ms, 0.95):.1f} ms"
    )
    print(f"queue.on_changes per batch: median {statistics.median(notify_ms) * 1000:.0f} µs")
    print(
        f"queue recompute per flush ({len(flush_ms)} flushes, {flushes_per_s:.1f}/s): median "
        f"{statistics.median(flush_ms):.1f} ms, p95 {pct(flush_ms, 0.95):.1f} ms, max {max(flush_ms):.1f} ms"
        f" (the first, at start: {flush_ms[0]:.1f} ms)"
    )
    print(f"  of which select+order in numpy: median {statistics.median(numpy_ms):.1f} ms")
    paint_ratio = statistics.median(paint_ms) / statistics.median(reference_ms)
    print(
        f"full viewport repaint: median {statistics.median(paint_ms):.1f} ms; the same cells from a "
        f"QStandardItemModel: {statistics.median(reference_ms):.1f} ms (ratio {paint_ratio:.1f})"
    )
    print(f"GUI thread busy (apply + notify + recompute, paints excluded): {100 * busy / wall:.0f} % of wall time")
    print(
        f"the queue's share: notify + recompute {100 * queue_share:.1f} %, "
        f"+ about {100 * paint_share:.1f} % repainting after each flush"
    )
    print(f"selection still on {target}: {same}; case_selected emitted {len(announced)} times during the stream")
    print(
        f"RESULT wall_queue cases={args.cases} rate={achieved:.0f} flush_ms={statistics.median(flush_ms):.1f} "
        f"flush_p95_ms={pct(flush_ms, 0.95):.1f} numpy_ms={statistics.median(numpy_ms):.1f} "
        f"apply_ms={statistics.median(apply_ms):.1f} paint_ms={statistics.median(paint_ms):.1f} "
        f"paint_ratio={paint_ratio:.2f} "
        f"busy={busy / wall:.2f} queue_share={queue_share:.3f} paint_share={paint_share:.3f} selection_kept={same}"
    )
    queue.close()
    queue.deleteLater()


if __name__ == "__main__":
    main()
