"""Benchmark: the situation's apply throughput against the decode throughput, in one run.

Run: ``.venv/bin/python tests/bench/situation_apply.py [--days D]``

A realistic stream: the simulated district over ``D`` days (default 3), every change as the
backend publishes it (whole case records with their timelines, cameras, decisions). Reference:
``records.decode`` of the same bodies (what the link does per update). Measured: ``Situation.apply``
of the decoded updates in batches of 500, as the GUI thread receives them — deriving each case,
re-indexing it, updating the columnar table (written once per batch, as the queue reads it)
and every indicator, and the timers.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.calibrate import START
from server_link.sim.engine import Simulation


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=3.0)
    args = p.parse_args()
    district = load_district()
    sim = Simulation(district, seed=1, start=START)
    stream: list[tuple[str, bytes]] = [*sim.reference()]
    t = START
    while t < START + timedelta(days=args.days):
        t += timedelta(minutes=5)
        sim.run(until=t)
        stream += sim.drain()
    print(f"stream: {len(stream):,} updates over {args.days:g} simulated days")

    t0 = time.perf_counter()
    updates = [Update(k, i, r.decode(k, b) if b else None, b) for i, (k, b) in enumerate(stream, start=1)]
    decode_s = time.perf_counter() - t0
    decode_per_s = len(stream) / decode_s
    print(f"decode: {decode_per_s:,.0f} updates/s")

    sit = Situation(district)
    now = START.timestamp()
    step = (t.timestamp() - now) / max(1, len(updates) // 500)
    t0 = time.perf_counter()
    for i in range(0, len(updates), 500):
        chunk = tuple(updates[i : i + 500])
        now += step
        sit.apply(Batch(False, chunk, chunk[-1].sequence, "e"), now)
        sit.table.flush()  # as the queue's read after each batch does
    apply_s = time.perf_counter() - t0
    apply_per_s = len(updates) / apply_s
    print(f"apply:  {apply_per_s:,.0f} updates/s ({len(sit.cases):,} cases held at the end)")
    print(
        f"RESULT situation_apply apply_per_s={apply_per_s:.0f} decode_per_s={decode_per_s:.0f} "
        f"ratio={apply_per_s / decode_per_s:.2f}"
    )


if __name__ == "__main__":
    main()
