"""Benchmark: resident memory of the situation holding 1,000,000 cases.

Run: ``.venv/bin/python tests/bench/situation_memory.py [--cases N] [--keep-bodies]``

Applies N realistic case records (a few timeline events each, spread over the district's grids,
departments and steps) in batches, as the link would deliver them, then reports the process's
resident set size (``/proc/self/status`` VmRSS) before and after, and per case. By default the
situation does not keep each case's JSON body (the console's store holds it and the detail view
fetches it); ``--keep-bodies`` measures the other choice. Aim: ≤ 1.5 GB for 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import timedelta

import numpy as np

from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.calibrate import START


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--keep-bodies", action="store_true")
    args = p.parse_args()
    d = load_district()
    grids, depts, cats = list(d.unit_grids.values()), list(d.departments), list(d.categories)
    rng = np.random.default_rng(1)
    steps = list(r.Step)
    sit = Situation(d, keep_bodies=args.keep_bodies)
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    batch: list[Update] = []
    for n in range(args.cases):
        g = grids[int(rng.integers(len(grids)))]
        dept = depts[int(rng.integers(len(depts)))]
        at = START + timedelta(seconds=int(rng.integers(0, 7 * 86400)))
        step = steps[int(rng.integers(0, 7))]
        case = r.Case(
            schema=1, no=f"DC{n:013d}", channel="ch-12345", category=cats[int(rng.integers(len(cats)))],
            title="井盖破损", text="市民来电反映：人行道井盖破损。", lon=g.lon, lat=g.lat, unit_grid=g.code,
            street=g.street, step=step, loop=r.Loop.SMALL, dept=dept, received_at=at, step_at=at,
            timeline=[
                r.Event(at=at, step=r.Step.COLLECTED, action=r.Action.COLLECT),
                r.Event(at=at, step=r.Step.DISPATCHED, action=r.Action.DISPATCH, dept=dept),
                r.Event(at=at, step=step, action=r.Action.HANDLE, dept=dept),
            ],
        )  # fmt: skip
        batch.append(Update(r.key_of(case), n + 1, case, r.encode(case)))
        if len(batch) == 1000:
            sit.apply(Batch(False, tuple(batch), n + 1, "e"), (START + timedelta(days=7)).timestamp())
            batch = []
    if batch:
        sit.apply(Batch(False, tuple(batch), args.cases, "e"), (START + timedelta(days=7)).timestamp())
    del batch
    gc.collect()
    after = rss_mb()
    per_case = (after - before) * 1024 / max(1, len(sit.cases))
    print(f"applied {len(sit.cases):,} cases in {time.perf_counter() - t0:.0f} s")
    print(f"RSS before {before:,.0f} MB, after {after:,.0f} MB: {per_case:.2f} KB per case")
    print(
        f"RESULT situation_memory cases={len(sit.cases)} rss_mb={after:.0f} kb_per_case={per_case:.2f} "
        f"keep_bodies={args.keep_bodies}"
    )


if __name__ == "__main__":
    main()
