"""Helpers for link tests: start a client with a mirror, run ``grid-link serve`` in a child process,
build records."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from server_link import records as r
from server_link.agent import LinkClient, LinkConfig, fetch_snapshot
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from server_link.mirror import Mirror

T0 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


class _Startable(Protocol):
    def start(self) -> object: ...


S = TypeVar("S", bound=_Startable)


def started(make: Callable[[], S]) -> S:
    """``make()`` started, again for a few seconds if the ports are not free yet: a client that keeps
    reconnecting to a port of the ephemeral range can hold it for a moment (a TCP self-connect)."""
    deadline = time.monotonic() + 5
    while True:
        made = make()
        try:
            made.start()
            return made
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def following(endpoints: Endpoints, **config: object) -> Iterator[tuple[LinkClient, Mirror]]:
    """A running LinkClient with a Mirror sink, stopped on exit."""
    mirror = Mirror()
    client = LinkClient(LinkConfig(endpoints, **config), mirror).start()  # type: ignore[arg-type]
    try:
        yield client, mirror
    finally:
        client.stop()


def is_live(m: Mirror) -> bool:
    return m.state is LinkState.LIVE


def is_subscribed(m: Mirror) -> bool:
    """LIVE and a heartbeat seen: updates published from now on reach this client."""
    return is_live(m) and m.stats is not None and m.stats.heartbeats > 0


def case(n: int, step: r.Step = r.Step.FILED, title: str = "井盖破损", minutes: int = 0) -> r.Case:
    at = T0 + timedelta(minutes=minutes)
    return r.Case(
        schema=1,
        no=f"DC{n:010d}",
        channel="12345",
        category="c.01.01.01",
        title=title,
        text="市民反映：人行道井盖破损，存在安全隐患。",
        lon=116.4111,
        lat=39.9231,
        unit_grid="110101006002017",
        street="110101006",
        step=step,
        loop=r.Loop.SMALL,
        dept="d-cgw",
        received_at=T0,
        step_at=at,
        timeline=[r.Event(at=T0, step=r.Step.COLLECTED, action=r.Action.COLLECT, actor="12345")],
    )


def item(rec: r.Record) -> tuple[str, bytes]:
    return r.key_of(rec), r.encode(rec)


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


def settled_snapshot(endpoints: Endpoints, timeout: float = 30) -> tuple[int, str, dict[str, bytes]]:
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
