"""Benchmark: how many updates per second the simulated backend publishes in load mode.

Run: ``.venv/bin/python tests/bench/sim_rate.py [--rate N] [--seconds S]``

Starts the reference server driven by the simulation (``make_backend(..., rate=N)``) on a free
loopback port with one day of pre-generated history, lets it run, and counts what the server
published (no client is connected: this measures the backend alone). Reference in the same run:
the simulation alone (events + record encoding, no server) for the same number of seconds.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from server_link.endpoints import Endpoints
from server_link.sim.backend import make_backend, start_backend
from server_link.sim.calibrate import START

NOW = START + timedelta(days=1)


def simulation_alone(seconds: float) -> float:
    """Updates/s the simulation makes on one core with no server: a measure of this machine's speed.

    Also the reference of ``wall_latency.py``, where it tells machines apart (the two-core machines
    this project runs on have differed by 2x from one day to the next).
    """
    _, alone = make_backend(Endpoints.free_loopback(), seed=1, rate=1e9, history_days=1, now=NOW)
    alone.initial()
    t0, made = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        made += len(alone.produce())
    return made / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=20_000)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    sim_per_s = simulation_alone(args.seconds)
    print(f"simulation alone: {sim_per_s:,.0f} updates/s")

    server, backend = make_backend(Endpoints.free_loopback(), seed=1, rate=args.rate, history_days=1, now=NOW)
    start_backend(server, backend)
    try:
        p0, t0 = server.call(lambda s: s.published), time.monotonic()
        time.sleep(args.seconds)
        published = (server.call(lambda s: s.published) - p0) / (time.monotonic() - t0)
    finally:
        server.stop()
    print(f"backend at --rate {args.rate:,.0f}: {published:,.0f} updates/s published")
    print(
        f"RESULT sim_rate asked={args.rate:.0f} published_per_s={published:.0f} sim_alone_per_s={sim_per_s:.0f} "
        f"ratio={published / sim_per_s:.2f}"
    )


if __name__ == "__main__":
    main()
