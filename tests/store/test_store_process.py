"""The store in its own process, on real SQLite files and real pipes: what it writes, the errors
it passes back, its alarms (the child's store behind, the child not reading, the child gone), and
that it finishes its work when the console goes away."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.store import ActionKind, ActionStatus, AlarmKind, LinkEvent, LinkEventKind, StoreConfig, StoreStats
from console.store.process import READER_THREAD, SENDER_THREAD, StoreProcess, StoreProcessError
from server_link.link_state import Batch, Update
from tests.store.test_store import wait_until
from tests.store_support.batches import Feed, body

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    yield
    left = [t.name for t in threading.enumerate() if t.name in (SENDER_THREAD, READER_THREAD) and t.is_alive()]
    assert not left, f"threads left running: {left}"


class Alarms:
    """Collects the store's callbacks (called from its threads)."""

    def __init__(self) -> None:
        self.alarms: list[StoreStats] = []
        self.resyncs = 0

    def alarm(self, stats: StoreStats) -> None:
        self.alarms.append(stats)

    def resync(self) -> None:
        self.resyncs += 1


def open_process(db: Path, alarms: Alarms | None = None, config: StoreConfig | None = None, **kw: int) -> StoreProcess:
    a = alarms or Alarms()
    return StoreProcess(db, config, on_alarm=a.alarm, on_resync_needed=a.resync, **kw).open()


def test_batches_are_written_by_the_child_and_found_again_after_a_restart(tmp_path: Path) -> None:
    db, feed = tmp_path / "c.db", Feed()
    store = open_process(db)
    try:
        assert store.pid is not None and store.pid != os.getpid()
        assert not store.resumed
        assert store.submit(feed.reset([body(n) for n in range(50)]))
        for v in range(1, 4):
            assert store.submit(feed.batch([body(n, v) for n in range(0, 50, v + 1)] + [(body(49 - v)[0], b"")]))
        assert store.flush(20)
        stats = store.stats()
        assert stats.written_updates == 50 + sum(len(range(0, 50, v + 1)) + 1 for v in range(1, 4))
        assert stats.sequence == feed.sequence and stats.running
        assert store.last_known().bodies == feed.bodies
    finally:
        store.close(30)
    again = open_process(db)
    try:
        assert again.resumed
        known = again.last_known()
        assert known.bodies == feed.bodies and known.sequence == feed.sequence
    finally:
        again.close(30)


def test_an_error_in_the_child_is_raised_in_the_caller_and_the_store_goes_on(tmp_path: Path) -> None:
    store = open_process(tmp_path / "c.db")
    try:
        with pytest.raises(ValueError, match="ActionKind"):
            store.record_action("no-such-kind", "张三", "commander")
        with pytest.raises(KeyError):
            store.set_action_status(12345, ActionStatus.SENT)
        done = store.record_action(ActionKind.NOTE, "张三", "commander", "<b>会商</b>", case_no="DC1")
        assert [a.id for a in store.actions(case_no="DC1")] == [done.id]
        assert store.actions(case_no="DC1")[0].text == "<b>会商</b>"
    finally:
        store.close(30)


def test_link_events_are_recorded_and_read_through_the_child(tmp_path: Path) -> None:
    db, t0, feed = tmp_path / "c.db", datetime(2026, 11, 20, 8, 0, tzinfo=UTC), Feed()
    store = open_process(db)
    try:
        store.record_link_event(LinkEventKind.STARTED, at=t0)
        assert store.submit(feed.reset([body(n) for n in range(20)]), t0)  # calls travel behind batches
        store.record_link_event("resync", "新快照：纪元变更", at=t0 + timedelta(seconds=1))
        store.record_link_event(LinkEventKind.STALE, at=t0 + timedelta(seconds=30))
        assert store.link_events(t0, t0 + timedelta(seconds=1)) == [
            LinkEvent(t0, LinkEventKind.STARTED),
            LinkEvent(t0 + timedelta(seconds=1), LinkEventKind.RESYNC, "新快照：纪元变更"),
        ]
        with pytest.raises(ValueError, match="longer than 300"):  # raised in the child, again here
            store.record_link_event(LinkEventKind.RESYNC, "x" * 301)
        with pytest.raises(ValueError, match="LinkEventKind"):
            store.record_link_event("flapping")
        before = datetime.now(UTC)
        store.record_link_event(LinkEventKind.STOPPED)  # at the child's clock
        assert [e.kind for e in store.link_events(before)] == [LinkEventKind.STOPPED]
    finally:
        store.close(30)
    conn = sqlite3.connect(db)  # committed to the file, not held in the child
    try:
        rows = conn.execute("SELECT kind, detail FROM link_events ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows == [("started", ""), ("resync", "新快照：纪元变更"), ("stale", ""), ("stopped", "")]


def test_a_database_the_child_cannot_open_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-database.db"
    bad.write_bytes(b"this is no SQLite file, " * 100)
    with pytest.raises(StoreProcessError, match=r"DatabaseError|not a database"):
        open_process(bad)
    assert bad.read_bytes() == b"this is no SQLite file, " * 100  # nothing of it was lost


def test_the_childs_own_alarm_and_resync_request_reach_the_parent(tmp_path: Path) -> None:
    db, feed, alarms = tmp_path / "c.db", Feed(), Alarms()
    store = open_process(db, alarms, StoreConfig(max_queue_batches=2))
    assert store.submit(feed.reset([body(n) for n in range(5)]))
    assert store.flush(20)
    blocker = sqlite3.connect(db, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")  # the child's writer now waits for the database
    try:
        for v in range(1, 7):
            assert store.submit(feed.batch([body(v, v)]))  # handed on: the child decides
        assert wait_until(lambda: alarms.resyncs == 1 and bool(alarms.alarms))
        assert "store queue full" in alarms.alarms[0].last_alarm and alarms.alarms[0].alarm_kind is AlarmKind.BEHIND
    finally:
        blocker.rollback()
        blocker.close()
    snapshot = feed.reset([body(n, 9) for n in range(5)], sequence=feed.sequence + 10)
    assert store.submit(snapshot)
    assert store.flush(30)
    assert store.last_known().bodies == feed.bodies
    store.close(30)


def big_batch(feed: Feed) -> Batch:
    """Three updates of 200 kB each (the store does not decode bodies): a few of these fill the pipe."""
    ups = []
    for n in range(3):
        feed.sequence += 1
        ups.append(Update(f"/case/DC{n}", feed.sequence, None, b"x" * 200_000))
    return Batch(False, tuple(ups), feed.sequence, feed.epoch)


def test_a_child_that_stops_reading_fills_the_parents_queue_and_a_snapshot_recovers(tmp_path: Path) -> None:
    db, feed, alarms = tmp_path / "c.db", Feed(), Alarms()
    store = open_process(db, alarms, max_waiting_batches=2)
    assert store.pid is not None
    os.kill(store.pid, signal.SIGSTOP)
    try:
        results = [store.submit(big_batch(feed)) for _ in range(8)]
        assert results[0] and not results[-1]
        assert alarms.resyncs == 1 and "not taking batches" in alarms.alarms[-1].last_alarm
        assert alarms.alarms[-1].alarm_kind is AlarmKind.BEHIND
        assert store.needs_resync
        snapshot = feed.reset([body(n, 5) for n in range(4)], sequence=feed.sequence + 1)
        assert store.submit(snapshot) and not store.needs_resync
    finally:
        os.kill(store.pid, signal.SIGCONT)
    assert store.flush(30)
    assert store.last_known().bodies == feed.bodies
    store.close(30)


def test_a_child_that_dies_raises_the_alarm_and_nothing_more_is_taken(tmp_path: Path) -> None:
    feed, alarms = Feed(), Alarms()
    store = open_process(tmp_path / "c.db", alarms)
    assert store.pid is not None
    os.kill(store.pid, signal.SIGKILL)
    assert wait_until(lambda: bool(alarms.alarms))
    last = alarms.alarms[-1]
    assert "exit code -9" in last.last_alarm and not last.running and last.error
    assert last.alarm_kind is AlarmKind.ENDED
    assert not store.submit(feed.batch([body(1)]))
    assert not store.flush(5)
    assert not store.stats().running
    with pytest.raises(StoreProcessError, match="ended"):
        store.last_known()
    store.close(10)


def test_when_the_console_dies_the_child_writes_what_it_holds_and_ends(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    script = textwrap.dedent(f"""
        import os
        from console.store.process import StoreProcess
        from tests.store_support.batches import Feed, body
        feed = Feed()
        store = StoreProcess({str(db)!r}).open()
        store.submit(feed.reset([body(n) for n in range(300)]))
        for v in range(1, 20):
            store.submit(feed.batch([body(n, v) for n in range(300)]))
        while store.stats().queued_batches:  # handed to the child (not necessarily written)
            pass
        print(store.pid, flush=True)
        os._exit(0)  # no close(): the console crashed
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    child = int(run.stdout.split()[-1])
    assert wait_until(lambda: not Path(f"/proc/{child}").exists() or _zombie(child), 60)
    store = open_process(db)
    try:
        known = store.last_known()
        assert len(known.bodies) == 300 and known.sequence == 19 * 300  # the snapshot came at sequence 0
        assert known.bodies == dict(body(n, 19) for n in range(300))
    finally:
        store.close(30)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
