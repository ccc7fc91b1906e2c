"""Faults through real processes (issue 18, item 1): the console (``tests/support/console_child.py``,
the real composition root, offscreen) in a process of its own with its store in a child of that, the
backend ``grid-link serve`` in another, all on 127.0.0.1 and a real SQLite file. Each fault ends with
the console's picture equal to the backend's (the digest of the cases) and the operator actions it had
confirmed kept in the store's file (read here with plain sqlite3)."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server_link import chp
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, NEIGHBOUR, OTHER, case
from tests.store_support.child import LineChild
from tests.support.link import backend, item, settled_snapshot

pytestmark = pytest.mark.slow

WAIT_S = 60.0  # generous: a loaded two-core machine; every wait ends on the outcome, not on the time
LIVE = LinkState.LIVE.value


class ConsoleChild(LineChild):
    """The console's process and what it said (``tests/support/console_child.py``)."""

    def __init__(self, endpoints: Endpoints, db: Path, log: Path) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        super().__init__("tests.support.console_child", ["--endpoint", str(endpoints), "--db", str(db)], log, env)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def state(self) -> dict[str, Any]:
        self.send("STATE")
        found: dict[str, Any] = json.loads(self.expect("STATE ", WAIT_S)[6:])
        return found

    def wait_state(self, ok: Callable[[dict[str, Any]], bool], timeout: float = WAIT_S) -> dict[str, Any]:
        """The console's state once ``ok`` holds (asked four times a second)."""
        deadline = time.monotonic() + timeout
        while True:
            now = self.state()
            if ok(now):
                return now
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s; last state {now}\n{self.stderr()}")
            time.sleep(0.25)

    def note(self) -> int | None:
        """A note on an open case, as an operator types one: its action id once stored, or None if refused."""
        self.send("NOTE")
        line = self.expect("NOTE", WAIT_S)
        return int(line.split()[1]) if line.startswith("NOTED ") else None

    def confirmed(self) -> set[int]:
        return {int(line.split()[1]) for line in self.lines if line.startswith("CONFIRMED ")}

    def wait_confirmed(self, ids: set[int], timeout: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout
        while not ids <= self.confirmed():
            if time.monotonic() > deadline:
                said = [line for line in self.lines if not line.startswith("STATE ")]
                raise AssertionError(f"not confirmed within {timeout} s: {sorted(ids - self.confirmed())}; {said}")
            time.sleep(0.1)

    def cases(self, numbers: list[str]) -> dict[str, Any]:
        """Each case's [light, overdue, open] as the console derived them (None: not held)."""
        self.send("CASES " + ",".join(numbers))
        found: dict[str, Any] = json.loads(self.expect("CASES ", WAIT_S)[6:])
        return found

    def store_alarms(self) -> list[str]:
        return [line for line in self.lines if line.startswith("STORE_ALARM ")]


@contextmanager
def console_process(endpoints: Endpoints, db: Path, log: Path) -> Iterator[ConsoleChild]:
    """The console started (``READY``); on exit closed as the program closes (its store too), or killed."""
    child = ConsoleChild(endpoints, db, log)
    try:
        child.expect("READY ", WAIT_S)
        yield child
        child.send("QUIT")
        child.expect("BYE", WAIT_S)
        assert child.proc.wait(WAIT_S) == 0, child.stderr()
    finally:
        if child.proc.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
        child.close()


def cases_digest(bodies: dict[str, bytes]) -> str:
    """The digest the console reports: its cases, keyed as the backend keys them."""
    return chp.map_digest((k, v) for k, v in bodies.items() if k.startswith("/case/"))


def streaming(past: int) -> Callable[[dict[str, Any]], bool]:
    """The console live, past sequence ``past``, with the snapshot's picture taken in."""
    return lambda s: s["link"] == LIVE and s["link_sequence"] > past and s["cases"] > 0


def lost(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Updates the link did not take between two states (a re-sync's snapshot stands in for them)."""
    return (after["link_sequence"] - before["link_sequence"]) - (after["link_updates"] - before["link_updates"])


def caught_up(sequence: int, epoch: str) -> Callable[[dict[str, Any]], bool]:
    """The console live on the backend's epoch, its picture at ``sequence`` and nothing left to apply."""
    return lambda s: (
        s["link"] == LIVE and s["epoch"] == epoch and s["situation_epoch"] == epoch and s["sequence"] == sequence
        and s["backlog"] == 0
    )  # fmt: skip


def actions_in(db: Path) -> dict[int, str]:
    """The operator actions kept in the store's file: id → status (read independently of the console)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(conn.execute("SELECT id, status FROM operator_actions"))
    finally:
        conn.close()


def notes(console: ConsoleChild, n: int) -> set[int]:
    """``n`` notes stored and sent (every one of them must be taken: the store is healthy)."""
    ids = {console.note() for _ in range(n)}
    assert None not in ids, console.lines[-20:]
    return {i for i in ids if i is not None}


# ---------------------------------------------------------------------- the backend
def test_backend_killed_and_restarted_at_10000_per_s(endpoints: Endpoints, tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    with console_process(endpoints, db, tmp_path / "console.log") as console:
        with backend(endpoints, "--rate", "10000", "--seed", "1") as first:
            before = console.wait_state(streaming(20_000))
            kept = notes(console, 3)
            console.wait_confirmed(kept)
            first.kill()  # SIGKILL, mid-stream
            first.wait(10)
        with backend(endpoints, "--rate", "10000", "--count", "30000", "--seed", "2"):
            sequence, epoch, bodies = settled_snapshot(endpoints, WAIT_S)
            after = console.wait_state(caught_up(sequence, epoch))
            later = notes(console, 1)  # the new backend takes the console's commands
            console.wait_confirmed(later)
    assert epoch != before["epoch"]
    assert after["digest"] == cases_digest(bodies)
    assert after["resyncs"] > before["resyncs"] and after["rejects"] == 0
    assert actions_in(db) == dict.fromkeys(kept | later, "confirmed")


def test_console_frozen_10_s_under_load_detects_the_gap_and_resyncs(endpoints: Endpoints, tmp_path: Path) -> None:
    """SIGSTOP on the console's process (its link, its GUI): the backend's send queue (HWM 5,000) and the
    sockets' buffers overflow while it sleeps; at SIGCONT the loss is seen and re-synced."""
    db = tmp_path / "console.db"
    with console_process(endpoints, db, tmp_path / "console.log") as console:
        # 50 s of stream: still publishing when the freeze begins even if getting there took a slow
        # machine half a minute (with 25 s it had sometimes ended by then, and nothing was lost)
        args = ("--rate", "10000", "--count", "500000", "--hwm", "5000", "--seed", "3")
        with backend(endpoints, *args):
            before = console.wait_state(streaming(10_000))
            kept = notes(console, 2)
            console.wait_confirmed(kept)
            os.kill(console.pid, signal.SIGSTOP)
            try:
                time.sleep(10)  # the fault itself: ten seconds of a frozen console
            finally:
                os.kill(console.pid, signal.SIGCONT)
            sequence, epoch, bodies = settled_snapshot(endpoints, WAIT_S)
            after = console.wait_state(caught_up(sequence, epoch))
    assert epoch == before["epoch"] and lost(before, after) > 0
    # The loss is seen one of three ways, whichever comes first after SIGCONT: the sequence jumps (a
    # gap); the flood of what the sockets held outruns the GUI thread, and the link drops updates
    # until it has caught up, then re-syncs; or the link's clock says it heard nothing for longer
    # than the heartbeat allows, and it reconnects (it was frozen: it did hear nothing). Any way: a
    # re-sync, and the picture equal.
    assert after["resyncs"] > before["resyncs"]
    assert after["gaps"] > before["gaps"] or any(
        why in after["last_resync"] for why in ("fell behind", "silent for")
    ), after["last_resync"]
    assert after["digest"] == cases_digest(bodies) and after["rejects"] == 0
    assert actions_in(db) == dict.fromkeys(kept, "confirmed")


# ---------------------------------------------------------------------- the store
def store_digest(db: Path) -> str:
    """The digest of the state the store's file holds (every key: cases, streets, decisions)."""
    conn = sqlite3.connect(db)
    try:
        return chp.map_digest(conn.execute("SELECT key, body FROM state"))
    finally:
        conn.close()


def test_the_stores_process_killed_is_restarted_with_its_alarm_and_every_confirmed_action(
    endpoints: Endpoints, tmp_path: Path
) -> None:
    db = tmp_path / "console.db"
    with (
        console_process(endpoints, db, tmp_path / "console.log") as console,
        backend(endpoints, "--rate", "2000", "--count", "60000", "--seed", "4"),
    ):
        before = console.wait_state(streaming(5_000))
        kept = notes(console, 3)
        console.wait_confirmed(kept)
        os.kill(before["store_pid"], signal.SIGKILL)
        restarted = console.wait_state(lambda s: s["store_pid"] != before["store_pid"] and not s["store_alarm"])
        later = notes(console, 2)  # the new store takes the operator's actions again
        console.wait_confirmed(later)
        sequence, epoch, bodies = settled_snapshot(endpoints, WAIT_S)
        after = console.wait_state(caught_up(sequence, epoch))
    (alarm,) = console.store_alarms()  # the wall said it at once: the store ended and is being started again
    assert alarm.startswith("STORE_ALARM ended False ⚠ 本地存储告警：存储进程已退出"), alarm
    assert restarted["store_pid"] is not None and after["resyncs"] > before["resyncs"]
    assert after["digest"] == cases_digest(bodies) and after["rejects"] == 0
    assert actions_in(db) == dict.fromkeys(kept | later, "confirmed")
    assert store_digest(db) == chp.map_digest(bodies.items())  # the snapshot after the restart filled the hole


def test_the_stores_disk_full_is_an_alarm_the_live_view_goes_on_nothing_confirmed_is_lost_and_it_recovers(
    endpoints: Endpoints, tmp_path: Path
) -> None:
    """The store's process may write no byte past 4 KiB of any file (RLIMIT_FSIZE: its writes fail with
    EFBIG, as on a full disk), then the limit is lifted again: space has returned."""
    db = tmp_path / "console.db"
    with (
        console_process(endpoints, db, tmp_path / "console.log") as console,
        backend(endpoints, "--rate", "2000", "--count", "80000", "--seed", "5"),
    ):
        before = console.wait_state(streaming(5_000))
        kept = notes(console, 2)
        console.wait_confirmed(kept)
        pid = before["store_pid"]
        soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (4096, hard))
        try:
            full = console.wait_state(lambda s: "写入失败" in s["store_alarm"])
            refused = console.note()  # it cannot be stored: so it is not sent either
            going_on = console.wait_state(
                lambda s: s["link"] == LIVE and s["sequence"] > full["sequence"] + 2_000 and s["rejects"] == 0
            )
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))
        later = notes(console, 2)  # space is back: actions are stored again
        console.wait_confirmed(later)
        sequence, epoch, bodies = settled_snapshot(endpoints, WAIT_S)
        after = console.wait_state(lambda s: caught_up(sequence, epoch)(s) and not s["store_alarm"])
    assert refused is None and any(line.startswith("NOTE_FAILED 批注未发出") for line in console.lines)
    assert going_on["store_pid"] == after["store_pid"] == pid  # nothing was killed
    assert any(line.startswith("STORE_ALARM write_failed True") for line in console.store_alarms())
    assert after["digest"] == cases_digest(bodies)
    assert actions_in(db) == dict.fromkeys(kept | later, "confirmed")
    assert store_digest(db) == chp.map_digest(bodies.items())  # journalling resumed and the hole was filled


# ---------------------------------------------------------------------- the backend's clock
def shifted(c: r.Case, by: timedelta) -> r.Case:
    """``c`` as a backend whose clock is ``by`` off writes it: every instant of it moved by ``by``."""
    timeline = [msgspec.structs.replace(e, at=e.at + by) for e in c.timeline]
    deadline = None if c.deadline is None else c.deadline + by
    return msgspec.structs.replace(
        c, received_at=c.received_at + by, step_at=c.step_at + by, deadline=deadline, timeline=timeline
    )


def handled(c: r.Case, at: datetime) -> r.Case:
    """``c`` with one more note of progress, written at ``at`` by the backend's clock."""
    event = r.Event(at=at, step=r.Step.HANDLING, action=r.Action.HANDLE, dept=c.dept)
    return msgspec.structs.replace(c, step=r.Step.HANDLING, step_at=at, timeline=[*c.timeline, event])


def backend_clock(at: datetime) -> tuple[str, bytes]:
    meta = r.ServerMeta(schema=1, name="backend", district="110101", clock=at)
    return r.key_of(meta), r.encode(meta)


def test_the_backends_clock_jumping_hours_misleads_nothing(
    endpoints: Endpoints, server: ChpServer, tmp_path: Path
) -> None:
    """docs/protocol.md §18 and §11.7: the console reads no backend clock; it applies every record within
    the bounds of §18.1 whatever instants it carries (a timeline out of time order included: §11.3, the
    console computes with what the record says), and ages cases by the workstation's own clock. So a
    backend clock five hours fast, then three hours slow, changes the link nothing (live, no gap, no
    re-sync, no reject, the newest message's age measured on arrival) and a case is overdue exactly when
    its deadline has passed by the workstation's clock, not by the backend's."""
    hour = timedelta(hours=1)
    server.publish_many([backend_clock(datetime.now(UTC)), *(item(c) for c in (case(1, GRID), case(2, NEIGHBOUR)))])
    with console_process(endpoints, tmp_path / "console.db", tmp_path / "console.log") as console:
        before = console.wait_state(lambda s: s["link"] == LIVE and s["cases"] == 2 and s["backlog"] == 0)
        # Five hours fast: a case due (by the backend's clock) in four hours; case 1 handled "now".
        fast = datetime.now(UTC) + 5 * hour
        one = handled(case(1, GRID), fast)
        server.publish_many([backend_clock(fast), item(shifted(case(3, GRID), 5 * hour)), item(one)])
        # Then three hours slow: a case due an hour after the backend's "now" (two hours ago, truly); case 1
        # handled again, eight hours before the event before it; case 2 due in ten hours by the backend.
        slow = datetime.now(UTC) - 3 * hour
        server.publish_many(
            [backend_clock(slow), item(shifted(case(4, OTHER, due_in=hour), -3 * hour)), item(handled(one, slow)),
             item(shifted(case(2, NEIGHBOUR, due_in=10 * hour), -3 * hour))]
        )  # fmt: skip
        sequence = int(server.call(lambda s: s.sequence))
        after = console.wait_state(caught_up(sequence, server.epoch))
        shown = console.cases([f"DC{n:010d}" for n in range(1, 5)])
    assert after["digest"] == server.digest("/case/")
    assert after["rejects"] == after["link_rejects"] == 0
    assert after["resyncs"] == before["resyncs"] and after["gaps"] == 0
    assert after["newest_age"] is not None and after["newest_age"] < WAIT_S  # by arrival, not by the records
    # Overdue by the workstation's clock: only case 4 (due two hours ago); case 3, "received" four hours
    # ahead, is due in nine; case 1 (due in four) and case 2 (due in seven) are not.
    assert {no: overdue for no, (_light, overdue, is_open) in shown.items() if is_open} == {
        "DC0000000001": False, "DC0000000002": False, "DC0000000003": False, "DC0000000004": True,
    }  # fmt: skip
    assert shown["DC0000000004"][0] == "red" and shown["DC0000000003"][0] == "green"
