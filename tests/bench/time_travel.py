"""Benchmark: time travel (``Store.state_at``) over seven days of Dongcheng-sized history.

Run: ``.venv/bin/python tests/bench/time_travel.py [--days 7] [--warmup-days 7] [--db PATH] [--keep]``

The history is the district simulator's (``server_link.sim.engine.Simulation`` over
``load_district()``): ``--warmup-days`` of simulated time first, handed to the store as one snapshot
(a reset batch) so the window starts with a realistic number of live keys, then ``--days`` of
simulated time drained every 10 simulated minutes into one batch each, received at that simulated
instant (the simulation is placed so that it ends now). Every batch goes through ``Store.submit``
and the writer thread exactly as in the console, checkpoints every ``--checkpoint-minutes`` of
received time; the ingest rate is printed too (it includes the writer's checkpoints).

Then ``state_at`` is timed, each call cold in the sense that counts (a new read transaction, the
checkpoint decompressed and decoded, the journal replayed), at: just after a checkpoint, just
before the next one (the longest replay), for checkpoints spread over the window, and the worst
case by construction (just before the checkpoint whose interval holds the most journal rows, in
the last day, where the map is largest). A sample of instants is checked against a plain model of
the map kept while generating. The last line is
``RESULT time_travel worst_s=<s> median_s=<s> journal_rows=<n>``. The target is worst ≤ 2 s.

Before it, ``--burst`` bodies from that journal are re-submitted as fast as possible into a fresh
store (batches of 200) and the writer's sustained ingest rate is printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from console.store import Store, StoreConfig
from console.store.journal_bodies import JournalBodies
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.sim.engine import Simulation
from server_link.sim.profiles import Surge

STEP = timedelta(minutes=10)
EPOCH = "bench-epoch"


def build(
    store: Store, days: int, warmup_days: int, seed: int, rate_factor: float = 1.0
) -> tuple[list[tuple[datetime, dict[str, bytes]]], int]:
    """Feed the store; return model snapshots (every 6 simulated hours) and the updates submitted.

    ``rate_factor`` multiplies the district's intake over the whole span (a surge across every major
    category), for a busier district than Dongcheng's published figures."""
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    window_start = end - timedelta(days=days)
    start = window_start - timedelta(days=warmup_days)
    district = load_district()
    surges = []
    if rate_factor != 1.0:
        majors = tuple(sorted({c.major for c in district.categories.values()}))
        surges = [Surge("bench", start, (days + warmup_days) * 24 + 1, rate_factor, majors)]
    sim = Simulation(district, seed=seed, start=start, surges=surges)
    t = time.perf_counter()
    sim.run(until=window_start)
    bodies = dict(sim.reference())
    for key, data in sim.drain():
        _apply(bodies, key, data)
    print(f"warm-up: {warmup_days} simulated days in {time.perf_counter() - t:.1f} s, {len(bodies)} live keys")
    sequence = 0
    ups = []
    for key, data in sorted(bodies.items()):
        sequence += 1
        ups.append(Update(key, sequence, None, data))
    snapshot = Batch(True, tuple(ups), sequence, EPOCH)
    model: list[tuple[datetime, dict[str, bytes]]] = []
    submitted = len(ups)
    t_gen = 0.0
    started = time.perf_counter()
    _submit(store, snapshot, window_start)
    model.append((window_start, dict(bodies)))
    now = window_start
    while now < end:
        now = min(now + STEP, end)
        g = time.perf_counter()
        sim.run(until=now)
        items = sim.drain()
        t_gen += time.perf_counter() - g
        if not items:
            continue
        batch_updates = []
        for key, data in items:
            sequence += 1
            batch_updates.append(Update(key, sequence, None, data))
            _apply(bodies, key, data)
        _submit(store, Batch(False, tuple(batch_updates), sequence, EPOCH), now)
        submitted += len(items)
        if (now - window_start) % timedelta(hours=6) == timedelta():
            model.append((now, dict(bodies)))
    model.append((end, dict(bodies)))
    if not store.flush(600 * max(1.0, rate_factor)):  # a busier history takes longer checkpoints
        raise RuntimeError(f"the store did not finish writing: {store.stats()}")
    elapsed = time.perf_counter() - started
    st = store.stats()
    print(
        f"history: {days} days, {submitted} updates ({(submitted - len(ups)) / days:.0f}/day live), "
        f"{len(bodies)} live keys at the end"
    )
    print(
        f"ingest: {elapsed:.1f} s wall ({t_gen:.1f} s of it simulating); writer: {st.write_s:.1f} s in "
        f"{st.transactions} transactions = {submitted / st.write_s:.0f} updates/s, "
        f"{st.checkpoint_s:.1f} s in {st.checkpoints} checkpoints "
        f"({st.checkpoint_s / max(1, st.checkpoints):.2f} s each)"
    )
    return model, submitted


def _apply(bodies: dict[str, bytes], key: str, data: bytes) -> None:
    if data:
        bodies[key] = data
    else:
        bodies.pop(key, None)


def _submit(store: Store, batch: Batch, at: datetime) -> None:
    while not store.submit(batch, at):  # a bench must not lose batches: wait for room instead
        if store.needs_resync:
            raise RuntimeError("the store fell behind; raise max_queue_* for the bench")
        time.sleep(0.01)


def timed(store: Store, instant: datetime, now: datetime) -> tuple[float, int, int]:
    t = time.perf_counter()
    past = store.state_at(instant, now=now)
    return time.perf_counter() - t, past.replayed, len(past.bodies)


def burst(db: Path, source: Path, count: int, per_batch: int = 200) -> None:
    """The writer's sustained rate: ``count`` journal bodies re-submitted as fast as possible."""
    engine = sa.create_engine(f"sqlite:///{source}")
    with engine.connect() as conn:
        open_body = JournalBodies().opener(conn)  # the source's bodies may be compressed
        rows = [
            (key, open_body(body))
            for key, body in conn.exec_driver_sql(
                "SELECT key, body FROM journal WHERE body != x'' ORDER BY id LIMIT ?", (count,)
            )
        ]
    engine.dispose()
    at = datetime.now(UTC)
    with Store(db, StoreConfig(max_queue_batches=100_000, max_queue_updates=10_000_000)) as store:
        started = time.perf_counter()
        for i in range(0, len(rows), per_batch):
            chunk = rows[i : i + per_batch]
            ups = tuple(Update(k, i + j + 1, None, b) for j, (k, b) in enumerate(chunk))
            _submit(store, Batch(False, ups, i + len(ups), EPOCH), at)
        if not store.flush(600):
            raise RuntimeError(f"the store did not finish writing: {store.stats()}")
        elapsed = time.perf_counter() - started
        st = store.stats()
    size = statistics.mean(len(b) for _, b in rows)
    print(
        f"burst ingest: {len(rows)} updates ({size:.0f}-byte bodies) in batches of {per_batch}: "
        f"{len(rows) / elapsed:.0f} updates/s wall, {len(rows) / st.write_s:.0f}/s in {st.transactions} transactions"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--warmup-days", type=int, default=7)
    ap.add_argument("--checkpoint-minutes", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", type=Path, help="database file (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    ap.add_argument("--burst", type=int, default=50_000, help="updates for the ingest-rate phase (0: skip)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-time-travel-"))
    db = args.db or tmp / "console.db"
    if db.exists():
        print(f"{db} exists; give a new path", file=sys.stderr)
        return 2
    config = StoreConfig(
        checkpoint_interval=timedelta(minutes=args.checkpoint_minutes),
        max_queue_batches=100_000,
        max_queue_updates=10_000_000,
    )
    store = Store(db, config).open()
    try:
        model, _ = build(store, args.days, args.warmup_days, args.seed)
        now = model[-1][0] + timedelta(minutes=1)

        t = time.perf_counter()
        known = store.last_known()
        print(f"last_known (restart paint): {time.perf_counter() - t:.3f} s for {len(known.bodies)} keys")

        engine = sa.create_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            cps = conn.exec_driver_sql(
                "SELECT taken_at, journal_id, keys, length(blob) FROM checkpoints ORDER BY id"
            ).all()
            journal_rows, journal_bytes = conn.exec_driver_sql("SELECT count(*), sum(length(body)) FROM journal").one()
            max_id = conn.exec_driver_sql("SELECT max(id) FROM journal").scalar() or 0
        engine.dispose()
        taken = [datetime.fromisoformat(str(c[0])).replace(tzinfo=UTC) for c in cps]
        print(
            f"store: {db.stat().st_size / 1e6:.0f} MB file (+WAL), {journal_rows} journal rows "
            f"({(journal_bytes or 0) / 1e6:.0f} MB of bodies), {len(cps)} checkpoints of "
            f"{statistics.mean(c[2] for c in cps):.0f} keys, {statistics.mean(c[3] for c in cps) / 1e6:.2f} MB each"
        )

        # Correctness first: the model's snapshots (every 6 simulated hours) against state_at.
        for at, expected in model:
            if store.state_at(at, now=now).bodies != expected:
                raise AssertionError(f"state_at({at}) differs from the model")
        print(f"verified: {len(model)} instants equal the model")

        # Timings.
        bounds = [*(c[1] for c in cps[1:]), max_id]
        rows_in = [b - c[1] for c, b in zip(cps, bounds, strict=True)]
        picks = sorted(set(range(0, len(cps), max(1, len(cps) // 12))) | {len(cps) - 1})
        timings: list[tuple[str, float, int, int]] = []
        for i in picks:
            after = taken[i] + timedelta(seconds=1)
            before = (taken[i + 1] if i + 1 < len(taken) else now) - timedelta(seconds=1)
            for label, instant in (("after", after), ("before next", before)):
                s, replayed, keys = timed(store, instant, now)
                timings.append((f"{label} checkpoint {i} ({taken[i]:%m-%d %H:%M})", s, replayed, keys))
        last_day = [i for i in range(len(cps)) if taken[i] >= now - timedelta(days=1)] or list(range(len(cps)))
        worst_i = max(last_day, key=lambda i: (rows_in[i], cps[i][2]))
        worst_instant = (taken[worst_i + 1] if worst_i + 1 < len(taken) else now) - timedelta(seconds=1)
        for _ in range(3):
            s, replayed, keys = timed(store, worst_instant, now)
            timings.append((f"worst case: before checkpoint {worst_i + 1}", s, replayed, keys))
        for label, s, replayed, keys in timings:
            print(f"  state_at {label:<44} {s * 1000:7.0f} ms  replayed {replayed:5d} rows, {keys} keys")
        secs = [s for _, s, _, _ in timings]
        worst, median = max(secs), statistics.median(secs)
        print(f"state_at: {len(secs)} calls, worst {worst:.3f} s, median {median:.3f} s (target: worst ≤ 2 s)")
        if args.burst:
            burst(tmp / "burst.db", db, args.burst)
        print(f"RESULT time_travel worst_s={worst:.3f} median_s={median:.3f} journal_rows={journal_rows}")
    finally:
        store.close()
        if args.keep:
            print(f"kept {db}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
