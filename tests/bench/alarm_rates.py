"""Benchmark: how often the default alarm rules call the duty commander, and what the engine costs.

Run: ``.venv/bin/python tests/bench/alarm_rates.py [--days 7] [--warmup-days 7] [--seed 1] [--rules FILE]
[--surge rainstorm@2026-11-25T14:00]`` (a surge of the simulator's profiles during the measured days: how
the defaults hold when the district has a bad afternoon, and whether the flood handling engages)

1. **Rates.** The district simulator (its calibrated, real rate) runs ``--warmup-days`` so the district
   holds a realistic backlog; the console's situation takes that picture, and the alarm engine
   evaluates it (what it finds is standing, not raised: the console's start). Then ``--days`` simulated
   days are fed minute by minute, as the link delivers them, through ``Situation.apply``/``tick`` and
   ``AlarmEngine.evaluate``/``tick``. The alarm KPIs (``console.core.alarms.kpis``) over those days:
   alarms per hour on average, the busiest hour, the largest rule's share, the share of 10-minute
   periods in flood. Aims (ISA-18.2, EEMUA 191): ≤ 6 an hour on average, ≤ 12 in the busiest hour,
   no rule above 25 %.
2. **Cost at 10,000 updates/s.** The same days' updates again, from the same start, in batches of
   500 (10,000 updates/s delivered at 20 Hz, the link's batching): the engine's time as a share of the
   situation's apply time for the same batches, measured in the same run. Aim: ≤ 10 %.

Prints ``RESULT alarm_rates per_hour=… busiest_hour=… largest_rule=… largest_share=… flood_share=…
engine_share=… apply_ms_per_batch=…``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.core.alarms.engine import AlarmEngine
from console.core.alarms.kpis import alarm_kpis
from console.core.alarms.settings import AlarmSettings, default_settings, load_settings
from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.engine import Simulation
from server_link.sim.profiles import parse_surge

STEP = timedelta(minutes=1)
LOAD_BATCH = 500


def updates(items: list[tuple[str, bytes]], sequence: int) -> tuple[list[Update], int]:
    out = []
    for key, body in items:
        sequence += 1
        out.append(Update(key, sequence, r.decode(key, body) if body else None, body))
    return out, sequence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--warmup-days", type=float, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rules", type=Path, help="a rules file over the defaults (as a center's own)")
    parser.add_argument("--surge", action="append", default=[], help="KIND@TIME (Beijing): rainstorm@2026-11-25T14:00")
    args = parser.parse_args()
    settings = load_settings(args.rules) if args.rules else default_settings()
    district = load_district()
    end = datetime(2026, 11, 30, tzinfo=UTC)
    start = end - timedelta(days=args.days)
    surges = [parse_surge(x) for x in args.surge]
    sim = Simulation(district, seed=args.seed, start=start - timedelta(days=args.warmup_days), surges=surges)
    t = time.perf_counter()
    sim.run(until=start)
    bodies = dict(sim.reference())
    for key, data in sim.drain():
        if data:
            bodies[key] = data
        else:
            bodies.pop(key, None)
    picture, sequence = updates(sorted(bodies.items()), 0)
    print(f"warm-up: {args.warmup_days:g} simulated days in {time.perf_counter() - t:.1f} s, {len(bodies)} keys")

    sit, engine = Situation(district), AlarmEngine(settings)
    now = start.timestamp()
    engine.observe_link(True, False, now)
    engine.evaluate(sit, sit.apply(Batch(True, tuple(picture), sequence, "bench"), now), now)
    print(f"the first picture holds {len(engine.alarms)} standing alarms (the console's start: not raises)")
    stream: list[tuple[float, list[tuple[str, bytes]]]] = []
    at = start
    t = time.perf_counter()
    while at < end:
        at = min(at + STEP, end)
        sim.run(until=at)
        items = sim.drain()
        now = at.timestamp()
        if items:
            stream.append((now, items))
            ups, sequence = updates(items, sequence)
            engine.evaluate(sit, sit.apply(Batch(False, tuple(ups), sequence, "bench"), now), now)
        else:
            engine.evaluate(sit, sit.tick(now), now)
        engine.tick(now)
    fed = sum(len(items) for _, items in stream)
    print(f"{args.days:g} simulated days: {fed} updates fed in {time.perf_counter() - t:.1f} s")
    since = start.timestamp() + 1  # after the first picture's raises
    k = alarm_kpis(list(engine.log), since, end.timestamp(), engine.alarms.values(), settings.flood_alarms)
    by_rule = Counter({rule.value: n for rule, n in k.by_rule.items()})
    for rule, n in by_rule.most_common():
        print(f"  {rule:<20} {n:6d}  {n / max(1, k.total):6.1%}")
    print(f"alarms: {k.total} in {(k.until - k.since) / 3600:.0f} h; chattering: {len(k.chattering)}; stale: {k.stale}")
    largest = by_rule.most_common(1)[0][0] if by_rule else "-"
    hours = Counter(int((x.at - since) // 3600) for x in engine.log if x.at >= since)
    if hours:
        busiest = hours.most_common(1)[0][0]
        in_it = Counter(x.rule.value for x in engine.log if int((x.at - since) // 3600) == busiest and x.at >= since)
        when = datetime.fromtimestamp(since + busiest * 3600, UTC) + timedelta(hours=8)
        print(f"the busiest hour, from {when:%a %H:%M} Beijing: {dict(in_it.most_common())}")

    engine_share, apply_ms = cost(district, settings, picture, sequence, stream, start.timestamp())
    print(
        f"RESULT alarm_rates per_hour={k.per_hour:.2f} busiest_hour={k.busiest_hour} largest_rule={largest} "
        f"largest_share={k.largest_rule_share:.3f} flood_share={k.flood_share:.3f} "
        f"engine_share={engine_share:.3f} apply_ms_per_batch={apply_ms:.2f}"
    )


def cost(
    district: object,
    settings: AlarmSettings,
    picture: list[Update],
    sequence: int,
    stream: list[tuple[float, list[tuple[str, bytes]]]],
    start: float,
) -> tuple[float, float]:
    """The same updates in batches of LOAD_BATCH: the engine's time / the situation's apply time."""
    sit, engine = Situation(district), AlarmEngine(settings)  # type: ignore[arg-type]
    engine.observe_link(True, False, start)
    engine.evaluate(sit, sit.apply(Batch(True, tuple(picture), sequence, "bench"), start), start)
    flat = [(now, key, body) for now, items in stream for key, body in items]
    decoded, _ = updates([(k, b) for _, k, b in flat], sequence)
    applying = evaluating = 0.0
    batches = 0
    for i in range(0, len(decoded), LOAD_BATCH):
        chunk = decoded[i : i + LOAD_BATCH]
        now = flat[i + len(chunk) - 1][0]
        t0 = time.perf_counter()
        changes = sit.apply(Batch(False, tuple(chunk), chunk[-1].sequence, "bench"), now)
        t1 = time.perf_counter()
        engine.evaluate(sit, changes, now)
        engine.tick(now)
        t2 = time.perf_counter()
        applying += t1 - t0
        evaluating += t2 - t1
        batches += 1
    print(
        f"at {LOAD_BATCH}-update batches: apply {applying:.2f} s, engine {evaluating:.2f} s over {batches} batches "
        f"({len(decoded) / (applying + evaluating):,.0f} updates/s through both)"
    )
    return evaluating / applying, applying / batches * 1000


if __name__ == "__main__":
    main()
