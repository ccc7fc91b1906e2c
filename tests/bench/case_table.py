"""Benchmark: sorting and filtering 1,000,000 cases in the columnar case table.

Run: ``.venv/bin/python tests/bench/case_table.py [--rows N]``

The table's columns are filled with N synthetic cases spread like the district's (17 streets,
2,322 grids, 85 departments, the seven steps, deadlines hours to days away), through the same
vocabularies the situation uses. Then each query the case queue makes is timed (median of 5):
the filters a commander uses, sorts by each kind of column, and a text search. Reference in the
same run: a bare ``numpy.argsort`` of N float64 values. Aim: every sort and filter ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from console.core.case_table import CaseFilter, CaseTable
from console.core.rules import OPEN_STEPS, STEP_ORDER, Light
from server_link.district import load_district


def fill(table: CaseTable, n: int, now: float, rng: np.random.Generator) -> None:
    d = load_district()
    grids = list(d.unit_grids.values())
    table.capacity = n
    table.__post_init__()
    c, v = table.cols, table.vocab
    g = rng.integers(0, len(grids), n)
    for name, values in (
        ("unit_grid", [x.code for x in grids]), ("street", [x.street for x in grids]),
        ("base_grid", [x.base_grid for x in grids]), ("community", [x.community for x in grids]),
    ):  # fmt: skip
        codes = np.array([v[name].code(x) for x in values], dtype=np.int32)
        c[name][:] = codes[g]
    depts = [v["dept"].code(x) for x in d.departments]
    c["dept"][:] = np.array(depts, dtype=np.int32)[rng.integers(0, len(depts), n)]
    channels = [v["channel"].code(x) for x in d.channels]
    c["channel"][:] = np.array(channels, dtype=np.int32)[rng.integers(0, len(channels), n)]
    cats = [v["category"].code(x) for x in d.categories]
    c["category"][:] = np.array(cats, dtype=np.int32)[rng.integers(0, len(cats), n)]
    c["step"][:] = rng.integers(0, 7, n)
    c["loop"][:] = rng.integers(0, 2, n)
    v["loop"].code("small"), v["loop"].code("big")
    c["received_at"][:] = now - rng.uniform(0, 7 * 86400, n)
    c["step_at"][:] = c["received_at"] + rng.uniform(0, 3600, n)
    c["deadline"][:] = c["step_at"] + rng.uniform(-86400, 5 * 86400, n)
    c["yellow_at"][:] = c["deadline"] - rng.uniform(0, 7200, n)
    c["returns"][:] = rng.poisson(0.1, n)
    c["valid"][:] = True
    c["open"][:] = np.isin(c["step"], [STEP_ORDER[s] for s in OPEN_STEPS])
    c["hard"][:] = rng.random(n) < 0.005
    c["no_key"][:] = np.arange(n) + 2026_1100_00000
    table.nos[:] = [f"DC{k}" for k in c["no_key"]]
    table.titles[:] = [
        f"{x.title} {k % 997}" for x, k in zip(rng.choice(list(d.categories.values()), n), range(n), strict=True)
    ]
    table._next = n


def timed(fn: Callable[[], object]) -> float:
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    args = p.parse_args()
    rng = np.random.default_rng(1)
    now = time.time()
    table = CaseTable()
    t0 = time.perf_counter()
    fill(table, args.rows, now, rng)
    print(f"filled {args.rows:,} rows in {time.perf_counter() - t0:.1f} s")
    reference = timed(lambda: np.argsort(rng.random(args.rows)))
    print(f"reference numpy.argsort of {args.rows:,} float64: {reference:.0f} ms")
    everything = table.select(CaseFilter(open_only=False), now)
    street = next(iter(load_district().streets))
    cases: dict[str, Callable[[], object]] = {
        "filter open": lambda: table.select(CaseFilter(), now),
        "filter street+open": lambda: table.select(CaseFilter(streets=frozenset({street})), now),
        "filter red lights": lambda: table.select(CaseFilter(lights=frozenset({Light.RED})), now),
        "filter hard": lambda: table.select(CaseFilter(hard_only=True), now),
        "filter text": lambda: table.select(CaseFilter(text="破损 5"), now),
        "sort deadline": lambda: table.order(everything, "deadline", False, now),
        "sort street": lambda: table.order(everything, "street", False, now),
        "sort light": lambda: table.order(everything, "light", True, now),
        "sort case no": lambda: table.order(everything, "no", True, now),
    }
    worst = 0.0
    for name, fn in cases.items():
        ms = timed(fn)
        worst = max(worst, ms)
        print(f"{name:<20}{ms:8.0f} ms  ({ms / reference:.1f}× argsort)")
    print(f"RESULT case_table rows={args.rows} worst_ms={worst:.0f} argsort_ms={reference:.0f}")


if __name__ == "__main__":
    main()
