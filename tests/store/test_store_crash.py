"""A console killed with SIGKILL during heavy ingest restarts to the backend's state and keeps every
operator action it had confirmed. Real sockets on 127.0.0.1, a real child process, a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from server_link import chp
from server_link.endpoints import Endpoints
from server_link.feed import FeedPump, ScriptedFeed
from server_link.server import ChpServer
from tests.store_support.child import IngestChild
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture

pytestmark = [pytest.mark.usefixtures("no_store_threads"), pytest.mark.slow]

RATE = 3000  # updates per second from the feed
RUN_BEFORE_KILL = 3.0  # seconds


def progress(child: IngestChild, at_least: int, timeout: float) -> int:
    """Wait for a PROGRESS line reporting at least ``at_least`` written updates; the count."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        written = int(child.expect("PROGRESS ", left).split()[1])
        if written >= at_least:
            return written
    raise AssertionError(f"fewer than {at_least} updates written within {timeout} s:\n{child.stderr()}")


def read_db(db: Path) -> tuple[str, str, set[int]]:
    """(integrity check, digest of the state table, operator action ids), read with plain sqlite3."""
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        digest = chp.map_digest(conn.execute("SELECT key, body FROM state"))
        ids = {row[0] for row in conn.execute("SELECT id FROM operator_actions")}
    finally:
        conn.close()
    return integrity, digest, ids


def test_sigkill_during_ingest_then_restart_matches_the_backend(
    server: ChpServer, endpoints: Endpoints, tmp_path: Path
) -> None:
    db = tmp_path / "console.db"
    log = tmp_path / "child.log"
    pump = FeedPump(server, ScriptedFeed(cases=3000, seed=11), rate=RATE).start()
    first = second = None
    try:
        first = IngestChild(endpoints.snapshot, db, log)
        assert first.expect("RESUMED ", 60) == "RESUMED 0 0 -"
        first.expect("READY", 30)
        progress(first, 2000, 60)  # snapshot taken, live updates being written
        started = time.monotonic()
        while time.monotonic() - started < RUN_BEFORE_KILL:  # heavy ingest for a while (a line every 0.5 s)
            written_before_kill = progress(first, 0, 10)
        first.kill()
        confirmed = first.confirmed()
        assert len(confirmed) >= 10, first.lines[-20:]
        assert first.proc.returncode == -9

        integrity, _, stored = read_db(db)
        assert integrity == "ok"
        assert set(confirmed) <= stored, f"confirmed but lost: {sorted(set(confirmed) - stored)}"

        second = IngestChild(endpoints.snapshot, db, log)
        resumed = second.expect("RESUMED ", 60).split()
        assert int(resumed[1]) > 0 and int(resumed[2]) > 0  # the last known situation, to paint at once
        assert resumed[3] == server.epoch
        second.expect("READY", 30)
        progress(second, 1000, 60)  # it re-synced and is writing live updates again
        pump.stop()
        target = int(server.call(lambda s: s.sequence))
        second.send(f"SYNC {target}")
        caught_up = second.expect("CAUGHT_UP ", 120).split()
        expected = server.digest()
        assert int(caught_up[1]) >= target
        assert caught_up[2] == expected
        assert second.quit() == 0
        assert written_before_kill > 0

        integrity, digest, stored = read_db(db)
        assert integrity == "ok"
        assert digest == expected  # read independently of the child
        assert set(confirmed) | set(second.confirmed()) <= stored
        print(
            f"\nkilled after {written_before_kill} updates written and {len(confirmed)} actions confirmed; "
            f"restarted with {resumed[1]} keys at sequence {resumed[2]}; caught up at {caught_up[1]} (server {target})"
        )
    finally:
        pump.stop()
        for child in (first, second):
            if child is not None:
                child.close()
