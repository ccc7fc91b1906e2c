"""The link survives a backend killed, restarted or frozen, and says STALE while it is silent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from server_link import chp
from server_link.agent import LinkConfig, fetch_snapshot
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from tests.support.link import following, is_live


@contextmanager
def backend(endpoints: Endpoints, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``grid-link serve`` in a child process (killed on exit, whatever happened)."""
    cmd = [sys.executable, "-m", "server_link.cli", "serve", "--endpoint", str(endpoints), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("serving"), line
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        proc.wait(10)


def _settled_snapshot(endpoints: Endpoints, timeout: float = 30) -> tuple[int, str, dict[str, bytes]]:
    """A snapshot taken once the backend has stopped publishing (same sequence twice)."""
    cfg = LinkConfig(endpoints)
    last = -1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seq, epoch, bodies = fetch_snapshot(cfg)
        if seq == last:
            return seq, epoch, bodies
        last = seq
        time.sleep(0.5)
    raise AssertionError("the backend never settled")


def test_backend_killed_and_restarted_mid_stream(endpoints: Endpoints) -> None:
    with following(endpoints) as (_client, mirror):
        with backend(endpoints, "--rate", "4000", "--seed", "1") as first:
            assert mirror.wait_for(lambda m: is_live(m) and m.sequence > 2000, 20)
            first_epoch = mirror.epoch
            first.kill()  # SIGKILL, mid-stream
            first.wait(5)
        with backend(endpoints, "--rate", "4000", "--count", "6000", "--seed", "2"):
            seq, epoch, bodies = _settled_snapshot(endpoints)
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
        seq, _epoch, bodies = _settled_snapshot(endpoints)
        assert mirror.wait_for(lambda m: m.sequence == seq, 15)
        assert mirror.digest() == chp.map_digest(bodies.items())


def test_no_backend_at_all_stays_connecting_and_joins_when_it_appears(endpoints: Endpoints) -> None:
    with following(endpoints, snapshot_timeout=0.5) as (_client, mirror):
        time.sleep(1.5)
        assert mirror.state is None  # still CONNECTING: no state change, no batch
        assert mirror.batches == 0
        with backend(endpoints, "--rate", "100", "--count", "50"):
            assert mirror.wait_for(lambda m: is_live(m) and len(m.bodies) >= 17, 15)
