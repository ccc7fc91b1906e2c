"""The link survives a backend killed, restarted or frozen, and says STALE while it is silent."""

from __future__ import annotations

import os
import signal
import time

from server_link import chp
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from tests.support.link import backend, following, is_live, settled_snapshot


def test_backend_killed_and_restarted_mid_stream(endpoints: Endpoints) -> None:
    with following(endpoints) as (_client, mirror):
        with backend(endpoints, "--rate", "4000", "--seed", "1") as first:
            assert mirror.wait_for(lambda m: is_live(m) and m.sequence > 2000, 20)
            first_epoch = mirror.epoch
            first.kill()  # SIGKILL, mid-stream
            first.wait(5)
        with backend(endpoints, "--rate", "4000", "--count", "6000", "--seed", "2"):
            seq, epoch, bodies = settled_snapshot(endpoints)
            assert epoch != first_epoch
            assert mirror.wait_for(lambda m: is_live(m) and m.epoch == epoch and m.sequence == seq, 20)
            assert mirror.digest() == chp.map_digest(bodies.items())
            assert mirror.wait_for(lambda m: m.stats is not None and m.stats.resyncs >= 1, 2)


def test_frozen_backend_goes_stale_within_the_bound_then_recovers(endpoints: Endpoints) -> None:
    timeout = 3.0  # the default HUGZ silence bound
    with (
        following(endpoints, hugz_timeout=timeout) as (_client, mirror),
        backend(endpoints, "--rate", "500", "--count", "3000") as proc,
    ):
        assert mirror.wait_for(lambda m: is_live(m) and m.sequence > 200, 20)
        os.kill(proc.pid, signal.SIGSTOP)  # silent, sockets still open
        frozen_at = time.monotonic()
        assert mirror.wait_for(lambda m: m.state is LinkState.STALE, timeout + 2)
        took = time.monotonic() - frozen_at
        assert took <= timeout + 0.5, f"STALE after {took:.2f} s"
        os.kill(proc.pid, signal.SIGCONT)
        assert mirror.wait_for(is_live, 15)
        seq, _epoch, bodies = settled_snapshot(endpoints)
        assert mirror.wait_for(lambda m: m.sequence == seq, 15)
        assert mirror.digest() == chp.map_digest(bodies.items())


def test_no_backend_at_all_stays_connecting_and_joins_when_it_appears(endpoints: Endpoints) -> None:
    with following(endpoints, snapshot_timeout=0.5) as (_client, mirror):
        time.sleep(1.5)
        assert mirror.state is None  # still CONNECTING: no state change, no batch
        assert mirror.batches == 0
        with backend(endpoints, "--rate", "100", "--count", "50"):
            assert mirror.wait_for(lambda m: is_live(m) and len(m.bodies) >= 17, 15)
