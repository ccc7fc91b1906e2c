"""The simulated district's records after a few days, for the daily figures' tests (built once a session)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from server_link.district import District, load_district
from server_link.sim.engine import Simulation

AS_OF = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday
NEXT = AS_OF + timedelta(days=1)


@functools.cache
def district() -> District:
    return load_district()


@functools.cache
def _pictures(days: int, seed: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    sim = Simulation(district(), seed=seed, start=AS_OF - timedelta(days=days))
    out = []
    bodies = dict(sim.reference())
    for until in (AS_OF, NEXT):
        sim.run(until=until)
        for key, body in sim.drain():
            if body:
                bodies[key] = body
            else:
                bodies.pop(key, None)
        out.append(dict(bodies))
    return out[0], out[1]


def picture(days: int = 5, seed: int = 7, *, next_day: bool = False) -> dict[str, bytes]:
    """Every record the simulator, started ``days`` before ``AS_OF``, holds at ``AS_OF`` (or at
    ``NEXT``, a day later), key → body: a copy of one run made once a session."""
    return dict(_pictures(days, seed)[next_day])
