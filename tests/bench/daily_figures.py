"""Benchmark: what the daily figures cost — computing a week of days from the simulated district's
cases, and reading 30 days back from the store.

Run: ``.venv/bin/python tests/bench/daily_figures.py [--days 14] [--seed 1] [--repeat 5]``

1. **Compute.** The district simulator (its calibrated rate) runs ``--days`` so that the cases it holds
   are at their steady state (evaluated cases stay a week): the picture the console takes at start.
   Timed, each the best of ``--repeat``: the situation taking that picture in (``Situation.apply`` of
   one snapshot batch: the reference, measured in the same run), reading the cases' facts from the
   situation (``facts_of_situation``) and from the stored bodies as the store's process does
   (``facts_of_bodies``: decoding and deriving again), and the rows of every complete day since the
   oldest case held (``day_figures``; the store's refresh writes the last week's of them).
2. **Refresh.** A fresh SQLite store takes the picture; ``Store.refresh_daily`` (flush, read the
   state, compute, write the covered days): the first start's rebuild, end to end.
3. **Read.** The store then holds 400 days of rows (the days' rows again under earlier dates):
   reading the last 30 days, every scope (30 × 103 rows), in process and through the store's child
   process (``StoreProcess.daily``: the pipe included); and one department's 30-day trend.

Prints ``RESULT daily_figures cases=… days=… rows=… apply_s=… facts_s=… facts_stored_s=… figures_s=…
compute_vs_apply=… refresh_s=… read30_ms=… read30_process_ms=… trend30_ms=…`` (compute = facts from the
situation + figures).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from console.core import daily
from console.core.daily import Scope
from console.core.situation import Situation
from console.store import Store
from console.store.process import StoreProcess
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.engine import Simulation

T = TypeVar("T")
AS_OF = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def best(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """The shortest of ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    assert result is not None
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    district = load_district()
    sim = Simulation(district, seed=args.seed, start=AS_OF - timedelta(days=args.days))
    t = time.perf_counter()
    sim.run(until=AS_OF)
    bodies = dict(sim.reference())
    for key, body in sim.drain():
        if body:
            bodies[key] = body
        else:
            bodies.pop(key, None)
    picture = sorted(bodies.items())
    updates = tuple(Update(k, i, r.decode(k, b), b) for i, (k, b) in enumerate(picture, 1))
    print(f"simulated {args.days:g} days in {time.perf_counter() - t:.1f} s: {len(bodies)} records held")

    def take_in() -> Situation:
        sit = Situation(district)
        sit.apply(Batch(True, updates, len(updates), "bench"), AS_OF.timestamp())
        return sit

    apply_s, sit = best(args.repeat, take_in)
    facts_s, facts = best(args.repeat, lambda: daily.facts_of_situation(sit))
    stored_s, (stored_facts, bad) = best(args.repeat, lambda: daily.facts_of_bodies(bodies, district))
    assert bad == 0 and len(stored_facts) == len(facts)
    # every complete day since the oldest case held (more than the week the store's refresh writes)
    days = daily.covered_days(facts, AS_OF.timestamp(), timedelta(days=args.days))
    figures_s, rows = best(
        args.repeat,
        lambda: daily.day_figures(facts, days, streets=district.streets, departments=district.departments),
    )
    received = sum(row.received for row in rows if row.scope is Scope.DISTRICT)
    print(f"{len(facts)} cases; {len(days)} days {days[0]} to {days[-1]}: {len(rows)} rows, {received} cases received")
    print(f"Situation.apply of the picture (reference): {apply_s:.3f} s")
    print(f"facts from the situation {facts_s:.3f} s, from stored bodies {stored_s:.3f} s; figures {figures_s:.3f} s")

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        with Store(db, clock=lambda: AS_OF) as store:
            assert store.submit(Batch(True, updates, len(updates), "bench"), AS_OF)
            assert store.flush(120)
            started = time.perf_counter()
            written = store.refresh_daily(AS_OF)
            refresh_s = time.perf_counter() - started
            assert written == daily.covered_days(facts, AS_OF.timestamp()), written
            print(f"Store.refresh_daily (first start: flush, read the state, compute, write): {refresh_s:.3f} s")
            by_day: dict[int, list[daily.DayFigures]] = {}
            for row in rows:
                by_day.setdefault(row.day.toordinal(), []).append(row)
            week = list(by_day.values())
            last = days[-1]
            for n in range(len(written), 400):  # 400 days in all: the days' rows again, under earlier dates
                day = last - timedelta(days=n)
                store.save_daily([replace(row, day=day) for row in week[n % len(week)]])
            assert len(store.daily_days()) == 400
            since = last - timedelta(days=29)
            read_s, got = best(args.repeat * 4, lambda: store.daily(since, last))
            assert len(got) == 30 * 103, len(got)
            trend_s, trend = best(args.repeat * 4, lambda: store.daily(since, last, Scope.DEPARTMENT, "d-cgw"))
            assert len(trend) == 30
        with StoreProcess(db) as process:
            process_s, got_there = best(args.repeat * 4, lambda: process.daily(since, last))
            assert got_there == got
    print(
        f"30 days of every scope ({len(got)} rows): {read_s * 1000:.1f} ms in process, "
        f"{process_s * 1000:.1f} ms through the store's process; one department's 30 days: {trend_s * 1000:.1f} ms"
    )
    compute_s = facts_s + figures_s
    print(
        f"RESULT daily_figures cases={len(facts)} days={len(days)} rows={len(rows)} apply_s={apply_s:.3f} "
        f"facts_s={facts_s:.3f} "
        f"facts_stored_s={stored_s:.3f} figures_s={figures_s:.3f} compute_vs_apply={compute_s / apply_s:.2f} "
        f"refresh_s={refresh_s:.3f} read30_ms={read_s * 1000:.1f} read30_process_ms={process_s * 1000:.1f} "
        f"trend30_ms={trend_s * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
