"""The store on real databases: round trip, restart, the full-queue alarm, operator actions, link
events, time travel across checkpoints, retention — each on a SQLite file and on PostgreSQL (a throw-away server,
tests/store_support/postgres.py) — and the SQLite file's settings and default location."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.store import (
    ActionKind,
    ActionStatus,
    AlarmKind,
    LinkEvent,
    LinkEventKind,
    NewAction,
    OutsideWindow,
    Store,
    StoreConfig,
)
from console.store.engines import Role, make_engine
from console.store.paths import database_url, default_db_path
from console.store.schema import Base, LinkEventRow
from tests.store.conftest import Db
from tests.store_support.batches import Feed, body
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_store_threads")

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=3)  # "now" for time travel, so results never depend on the real clock


def open_store(db: Db, config: StoreConfig | None = None, **kw: object) -> Store:
    return Store(db, config, clock=lambda: LATER, **kw).open()  # type: ignore[arg-type]


def url_of(db: Db) -> str:
    return db if isinstance(db, str) else f"sqlite:///{db}"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    return tmp_path / "console.db"


@pytest.fixture
def store(db: Db) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def journal(db: Db) -> list[tuple[int, str, str, bytes]]:
    """The journal as (sequence, epoch, key, body) in write order, read with a separate engine."""
    engine = sa.create_engine(url_of(db))
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT sequence, epoch, key, body FROM journal ORDER BY id")
            return [(r[0], r[1], r[2], r[3]) for r in rows]
    finally:
        engine.dispose()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll a condition that has no event to wait on (another thread's counter)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


# ---------------------------------------------------------------------- round trip and restart
def test_round_trip_keeps_every_update_and_the_materialised_map(store: Store, db: Db) -> None:
    feed = Feed()
    first = feed.batch([body(n) for n in range(1, 6)])
    second = feed.batch([body(2, version=1), ("/case/DC0000000003", b""), body(6)])
    third = feed.batch([("/case/DC0000000006", b""), body(3, version=2)])
    for b in (first, second, third):
        assert store.submit(b, T0)
    assert store.flush(10)

    known = store.last_known()
    assert known.bodies == feed.bodies
    assert (known.sequence, known.epoch, known.saved_at) == (feed.sequence, "epoch-a", T0)
    expected = [(u.sequence, "epoch-a", u.key, u.body) for b in (first, second, third) for u in b.updates]
    assert journal(db) == expected  # every update, deletes as empty bodies, in order
    stats = store.stats()
    assert (stats.written_batches, stats.written_updates, stats.journal_rows) == (3, 10, 10)
    assert not stats.alarm and stats.error == ""


def test_a_snapshot_replaces_the_map_and_journals_only_what_changed(store: Store, db: Db) -> None:
    feed = Feed()
    assert store.submit(feed.batch([body(n) for n in range(1, 5)]), T0)
    assert store.flush(10)
    before = len(journal(db))
    # The new epoch's snapshot: 1 unchanged, 2 changed, 3 and 4 gone, 7 new.
    snapshot = feed.reset([body(1), body(2, version=5), body(7)], epoch="epoch-b", sequence=100)
    assert store.submit(snapshot, T0 + timedelta(minutes=1))
    assert store.flush(10)

    known = store.last_known()
    assert known.bodies == feed.bodies
    assert (known.sequence, known.epoch) == (100, "epoch-b")
    rows = journal(db)[before:]
    assert sorted((key, bool(data)) for _, _, key, data in rows) == [
        ("/case/DC0000000002", True),
        ("/case/DC0000000003", False),
        ("/case/DC0000000004", False),
        ("/case/DC0000000007", True),
    ]
    assert {epoch for _, epoch, _, _ in rows} == {"epoch-b"}


def test_restart_resumes_from_the_last_known_state(db: Db) -> None:
    feed = Feed()
    with open_store(db) as s:
        assert not s.resumed and s.last_known().empty
        assert s.submit(feed.batch([body(n) for n in range(1, 40)]), T0)
        assert s.submit(feed.batch([("/case/DC0000000005", b""), body(8, version=3)]), T0 + timedelta(seconds=5))
        assert s.flush(10)
        before = s.last_known()

    with open_store(db) as s:
        known = s.last_known()
        assert s.resumed and not known.empty
        assert known == before
        assert known.bodies == feed.bodies
        assert (known.sequence, known.epoch, known.saved_at) == (feed.sequence, "epoch-a", T0 + timedelta(seconds=5))
        assert (s.stats().sequence, s.stats().epoch) == (feed.sequence, "epoch-a")
        # It carries on: a snapshot after the restart reconciles against what was kept.
        assert s.submit(feed.reset(sorted(feed.bodies.items())), T0 + timedelta(minutes=1))
        assert s.flush(10)
        assert s.last_known().bodies == feed.bodies
    assert len(journal(db)) == 39 + 2  # the identical snapshot changed nothing, so journalled nothing


def test_close_writes_what_is_queued_and_stops_the_writer(db: Db) -> None:
    feed = Feed()
    s = open_store(db, StoreConfig(max_transaction_updates=3))
    for n in range(30):
        assert s.submit(feed.batch([body(n)]), T0)
    s.close()
    assert not s.stats().running
    with pytest.raises(RuntimeError, match="closed"):
        s.submit(feed.batch([body(99)]), T0)
    with open_store(db) as again:
        assert again.last_known().bodies == {k: v for k, v in feed.bodies.items() if k != "/case/DC0000000099"}


# ---------------------------------------------------------------------- a full queue
def test_a_full_queue_raises_the_alarm_refuses_updates_and_recovers_with_a_snapshot(db: Db) -> None:
    entered, release = threading.Event(), threading.Event()

    def stall(n_tx: int) -> None:
        if n_tx == 1:
            entered.set()
            release.wait(30)

    alarms: list[object] = []
    resyncs: list[int] = []
    s = open_store(
        db, StoreConfig(max_queue_batches=3), on_alarm=alarms.append, on_resync_needed=lambda: resyncs.append(1),
        before_write=stall,
    )  # fmt: skip
    try:
        feed = Feed()
        assert s.submit(feed.batch([body(1)]), T0)
        assert entered.wait(10)  # the writer holds batch 1 and is stuck
        assert [s.submit(feed.batch([body(n)]), T0) for n in (2, 3, 4)] == [True, True, True]
        started = time.monotonic()
        assert s.submit(feed.batch([body(5), body(6)]), T0) is False  # full: refused at once
        assert time.monotonic() - started < 1.0
        stats = s.stats()
        assert stats.alarm and stats.needs_resync and s.needs_resync
        assert (stats.alarms, stats.refused_batches, stats.refused_updates) == (1, 1, 2)
        assert "queue full" in stats.last_alarm and stats.alarm_kind is AlarmKind.BEHIND
        assert len(alarms) == 1 and resyncs == [1]

        release.set()
        assert s.flush(10)
        # Behind: an update batch would sit on a hole, so it is refused even with room in the queue.
        assert s.submit(feed.batch([body(7)]), T0) is False
        assert s.stats().refused_batches == 2
        assert set(s.last_known().bodies) == {body(n)[0] for n in (1, 2, 3, 4)}

        # The owner re-syncs; the snapshot holds everything, the refused updates included.
        assert s.submit(feed.reset(sorted(feed.bodies.items())), T0 + timedelta(seconds=1))
        assert not s.needs_resync and not s.stats().alarm
        assert s.flush(10)
        assert s.last_known().bodies == feed.bodies
        assert {body(n)[0] for n in (5, 6, 7)} <= set(s.last_known().bodies)
        assert [key for _, _, key, _ in journal(db)[4:]] == sorted(body(n)[0] for n in (5, 6, 7))
        assert s.stats().alarms == 1  # the episode is remembered
    finally:
        release.set()
        s.close()


def test_a_snapshot_into_a_full_queue_supersedes_the_waiting_batches(db: Db) -> None:
    entered, release = threading.Event(), threading.Event()

    def stall(n_tx: int) -> None:
        if n_tx == 1:
            entered.set()
            release.wait(30)

    s = open_store(db, StoreConfig(max_queue_batches=3), before_write=stall)
    try:
        feed = Feed()
        assert s.submit(feed.batch([body(1)]), T0)
        assert entered.wait(10)
        assert all(s.submit(feed.batch([body(n)]), T0) for n in (2, 3, 4))
        assert not s.submit(feed.batch([body(5)]), T0) and s.needs_resync
        # The re-sync's snapshot arrives while the writer is still stuck: it is taken all the same.
        assert s.submit(feed.reset(sorted(feed.bodies.items())), T0 + timedelta(seconds=1))
        stats = s.stats()
        assert not stats.needs_resync and stats.queued_batches == 1  # memory stays bounded
        assert (stats.superseded_batches, stats.superseded_updates, stats.alarms) == (3, 3, 2)
        assert stats.alarm_kind is AlarmKind.SUPERSEDED
        release.set()
        assert s.flush(10)
        assert s.last_known().bodies == feed.bodies
        assert [key for _, _, key, _ in journal(db)] == [body(n)[0] for n in (1, 2, 3, 4, 5)]
    finally:
        release.set()
        s.close()


def test_a_failed_write_raises_the_alarm_and_the_next_snapshot_repairs_the_state(db: Db) -> None:
    def fail_second(n_tx: int) -> None:
        if n_tx == 2:
            raise OSError("disk full (simulated)")

    resyncs: list[int] = []
    s = open_store(db, before_write=fail_second, on_resync_needed=lambda: resyncs.append(1))
    try:
        feed = Feed()
        assert s.submit(feed.batch([body(1), body(2)]), T0)
        assert s.flush(10)
        assert s.submit(feed.batch([body(3), ("/case/DC0000000001", b"")]), T0)  # lost in transaction 2
        assert s.flush(10)
        # The writer thread calls back after counting the lost batch as done, so flush() may return first.
        assert wait_until(lambda: resyncs == [1])
        stats = s.stats()
        assert "disk full" in stats.error and stats.needs_resync
        assert stats.alarm_kind is AlarmKind.WRITE_FAILED
        assert s.last_known().bodies == {k: v for k, v in [body(1), body(2)]}
        assert s.submit(feed.reset(sorted(feed.bodies.items())), T0 + timedelta(seconds=1))
        assert s.flush(10)
        assert s.last_known().bodies == feed.bodies  # 1 deleted, 3 added, though transaction 2 was lost
    finally:
        s.close()


# ---------------------------------------------------------------------- operator actions
def test_actions_are_committed_before_they_are_returned(store: Store, db: Db) -> None:
    a = store.record_action(ActionKind.ACKNOWLEDGE, "王敏", "operator", "已查看", case_no="DC0000000001")
    b = store.record_action("decision", "李强", "council", "派单至区城管委", case_no="DC0000000001",
                            key="/decision/DC0000000001/1", payload={"action": "assign", "dept": "d-cgw"},
                            status=ActionStatus.SENT)  # fmt: skip
    assert b.id > a.id and a.at == LATER
    engine = sa.create_engine(url_of(db))  # another connection sees both at once
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, who, kind, status FROM operator_actions ORDER BY id").all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(a.id, "王敏", "acknowledge", "recorded"), (b.id, "李强", "decision", "sent")]
    store.set_action_status(b.id, ActionStatus.CONFIRMED, at=LATER + timedelta(seconds=2))
    listed = store.actions(case_no="DC0000000001")
    assert [x.id for x in listed] == [b.id, a.id]
    assert listed[0].status is ActionStatus.CONFIRMED and listed[0].status_at == LATER + timedelta(seconds=2)
    assert listed[0].payload == {"action": "assign", "dept": "d-cgw"}
    assert listed[1] == a
    with pytest.raises(ValueError):
        store.record_action("shrug", "王敏", "operator")
    with pytest.raises(ValueError, match="naive"):
        store.record_action("note", "王敏", "operator", at=datetime(2026, 11, 20, 8, 0))
    with pytest.raises(ValueError, match="who"):
        store.record_action("note", " ", "operator")
    with pytest.raises(KeyError):
        store.set_action_status(10_000, ActionStatus.SENT)


def test_actions_recorded_together_are_committed_in_one_transaction_all_or_none(store: Store) -> None:
    group = [NewAction(ActionKind.ACKNOWLEDGE, "确认", key=f"/alarm/grid_red/G{i}", payload={"n": i}) for i in range(3)]
    done = store.record_actions("王敏", "commander", group)
    assert [(x.key, x.payload, x.who, x.status) for x in done] == [
        (f"/alarm/grid_red/G{i}", {"n": i}, "王敏", ActionStatus.RECORDED) for i in range(3)
    ]
    assert sorted(x.id for x in store.actions()) == [x.id for x in done]
    store.set_actions_status([x.id for x in done], ActionStatus.SENT)
    assert {x.status for x in store.actions()} == {ActionStatus.SENT}
    with pytest.raises(ValueError):  # one not valid: none of them is stored
        store.record_actions("王敏", "commander", [NewAction("note", "甲"), NewAction("note", key="x" * 300)])
    with pytest.raises(KeyError):  # one not held: none of them changes
        store.set_actions_status([done[0].id, 10_000], ActionStatus.CONFIRMED)
    assert len(store.actions()) == 3 and {x.status for x in store.actions()} == {ActionStatus.SENT}


def test_an_action_waits_for_at_most_the_journal_transaction_under_way(db: Db) -> None:
    in_tx, release = threading.Event(), threading.Event()
    seen_before_tx2: list[int] = []
    s: Store | None = None

    def hook(n_tx: int) -> None:
        if n_tx == 1:
            in_tx.set()
            release.wait(30)
        elif n_tx == 2 and s is not None:
            seen_before_tx2.append(len(s.actions()))

    s = open_store(db, StoreConfig(max_transaction_updates=1), before_write=hook)
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(s.record_action("note", "op", "operator").id), name="action")
    try:
        feed = Feed()
        for n in range(20):  # a backlog of 20 one-update transactions
            assert s.submit(feed.batch([body(n)]), T0)
        assert in_tx.wait(10)
        worker.start()
        assert wait_until(lambda: s.stats().actions_waiting == 1)
        assert not done  # it waits for transaction 1 ...
        release.set()
        worker.join(10)
        assert done  # ... and no longer than that:
        assert s.flush(10)
        assert seen_before_tx2 == [1]  # it was committed before journal transaction 2 began
    finally:
        release.set()
        if worker.is_alive():
            worker.join(10)
        s.close()


# ---------------------------------------------------------------------- link events
def link_event_rows(db: Db) -> list[tuple[str, str]]:
    """(kind, detail) of every stored link event in insertion order, read with a separate engine."""
    engine = sa.create_engine(url_of(db))
    try:
        with engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.exec_driver_sql("SELECT kind, detail FROM link_events ORDER BY id")]
    finally:
        engine.dispose()


def test_link_events_are_committed_and_read_back_in_time_order(store: Store, db: Db) -> None:
    m = timedelta(minutes=1)
    store.record_link_event(LinkEventKind.STARTED, at=T0)
    store.record_link_event("stale", "no HUGZ for 3 s", at=T0 + 5 * m)
    store.record_link_event(LinkEventKind.RESYNC, "序列跳号：期望 101，收到 140", at=T0 + 3 * m)  # recorded late
    store.record_link_event(LinkEventKind.LIVE, at=T0 + 5 * m)  # same instant as "stale": recording order
    store.record_link_event(LinkEventKind.STOPPED)  # at the store's clock
    assert len(link_event_rows(db)) == 5  # committed: another connection sees them at once

    events = store.link_events(T0)
    assert events == [
        LinkEvent(T0, LinkEventKind.STARTED, ""),
        LinkEvent(T0 + 3 * m, LinkEventKind.RESYNC, "序列跳号：期望 101，收到 140"),
        LinkEvent(T0 + 5 * m, LinkEventKind.STALE, "no HUGZ for 3 s"),
        LinkEvent(T0 + 5 * m, LinkEventKind.LIVE, ""),
        LinkEvent(LATER, LinkEventKind.STOPPED, ""),
    ]
    assert all(type(e.kind) is LinkEventKind for e in events)
    assert all(e.at.tzinfo is not None and e.at.utcoffset() == timedelta() for e in events)

    # since and until are both inclusive; without until, everything from since on.
    def kinds(since: datetime, until: datetime | None = None) -> list[LinkEventKind | str]:
        return [e.kind for e in store.link_events(since, until)]

    us = timedelta(microseconds=1)
    assert kinds(T0 + 3 * m) == ["resync", "stale", "live", "stopped"]
    assert kinds(T0 + 3 * m, T0 + 5 * m) == ["resync", "stale", "live"]
    assert kinds(T0 + m, T0 + 4 * m) == ["resync"]
    assert kinds(T0 + 3 * m + us, T0 + 5 * m - us) == []
    assert kinds(LATER + us) == []
    beijing = timezone(timedelta(hours=8))  # any time zone in, UTC out
    assert kinds((T0 + 5 * m).astimezone(beijing), (T0 + 5 * m).astimezone(beijing)) == ["stale", "live"]


def test_the_alarm_book_is_kept_whole_and_replaced(store: Store, db: Db) -> None:
    """What the alarm engine saves comes back as it was (JSON: text, numbers, nulls, nesting), and a
    later save replaces it; on both databases."""
    assert store.saved_alarms() is None
    first = {
        "alarms": [{"rule": "grid_red", "subject": "110101001001001", "raised_at": 1.5e9, "cleared_at": None}],
        "operator": {"grid_red/110101001001001": {"comment": "已派人核实", "shelving": None}},
        "log": [[1.5e9, "x", "grid_red", 2]],
    }
    store.save_alarms(first, at=T0)
    assert store.saved_alarms() == first
    store.save_alarms({"alarms": [], "operator": {}, "log": []})
    assert store.saved_alarms() == {"alarms": [], "operator": {}, "log": []}


def test_a_link_event_detail_is_limited_to_300_characters_and_bad_events_are_refused(store: Store, db: Db) -> None:
    longest = "网" * 300  # characters, not bytes: 900 bytes in UTF-8
    store.record_link_event(LinkEventKind.RESYNC, longest, at=T0)
    with pytest.raises(ValueError, match="detail is longer than 300"):
        store.record_link_event(LinkEventKind.RESYNC, longest + "x", at=T0)
    with pytest.raises(ValueError, match="LinkEventKind"):
        store.record_link_event("flapping", at=T0)
    with pytest.raises(ValueError, match="naive"):
        store.record_link_event(LinkEventKind.STALE, at=datetime(2026, 11, 20, 8, 0))
    with pytest.raises(ValueError, match="naive"):
        store.link_events(datetime(2026, 11, 20, 8, 0))
    assert link_event_rows(db) == [("resync", longest)]  # nothing of the refused ones was written
    assert store.link_events(T0) == [LinkEvent(T0, LinkEventKind.RESYNC, longest)]


def test_a_link_event_kind_this_build_does_not_know_is_read_back_as_its_string(store: Store, db: Db) -> None:
    store.record_link_event(LinkEventKind.STALE, at=T0)
    engine = sa.create_engine(url_of(db))  # what a newer console, with a kind of its own, wrote
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(Base.metadata.tables[LinkEventRow.__tablename__]),
                {"at": T0 + timedelta(seconds=1), "kind": "failover", "detail": "backup backend"},
            )
    finally:
        engine.dispose()
    stale, failover = store.link_events(T0)
    assert stale.kind is LinkEventKind.STALE
    assert failover == LinkEvent(T0 + timedelta(seconds=1), "failover", "backup backend")
    assert type(failover.kind) is str


def test_retention_removes_old_link_events_and_keeps_new_ones(db: Db) -> None:
    cfg = StoreConfig(retention=timedelta(hours=2), retention_margin=timedelta(hours=1))
    s = open_store(db, cfg)
    try:
        for i in range(8):  # one an hour; nothing journalled, so no checkpoint either
            kind = LinkEventKind.STALE if i % 2 else LinkEventKind.LIVE
            s.record_link_event(kind, f"#{i}", at=T0 + timedelta(hours=i))
        now = T0 + timedelta(hours=7)  # cutoff: 3 hours before, at #4
        result = s.retention(now)
        assert result.cutoff == T0 + timedelta(hours=4)
        assert (result.link_events, result.journal_rows, result.checkpoints) == (4, 0, 0)
        assert [e.detail for e in s.link_events(T0)] == ["#4", "#5", "#6", "#7"]  # the cutoff's own is kept
        assert [d for _, d in link_event_rows(db)] == ["#4", "#5", "#6", "#7"]
        assert s.retention(now).link_events == 0
    finally:
        s.close()


def test_the_writers_own_retention_removes_old_link_events_too(db: Db) -> None:
    cfg = StoreConfig(
        checkpoint_interval=timedelta(minutes=30), retention=timedelta(hours=2), retention_margin=timedelta()
    )
    s = open_store(db, cfg)
    try:
        s.record_link_event(LinkEventKind.STARTED, at=T0)
        s.record_link_event(LinkEventKind.RESYNC, "old", at=T0 + timedelta(minutes=30))
        s.record_link_event(LinkEventKind.RESYNC, "new", at=T0 + timedelta(hours=5))
        feed = Feed()
        for i in range(37):  # every 10 minutes for six hours: retention runs after each checkpoint
            assert s.submit(feed.batch([body(i % 9, version=i)]), T0 + timedelta(minutes=10 * i))
        assert s.flush(10)
        assert [e.detail for e in s.link_events(T0)] == ["new"]
    finally:
        s.close()


# ---------------------------------------------------------------------- time travel
def test_a_snapshot_is_checkpointed_at_once_not_an_hour_later(db: Db) -> None:
    s = open_store(db, StoreConfig(checkpoint_interval=timedelta(hours=1), checkpoint_rows=20))
    try:
        feed = Feed()
        assert s.submit(feed.reset([body(n) for n in range(30)]), T0)  # the base checkpoint, then 30 rows
        assert s.flush(10)
        assert s.stats().checkpoints == 2
        for k in range(3):  # updates, however many: the interval decides again
            at = T0 + timedelta(minutes=10 * k + 10)
            assert s.submit(feed.batch([body(n, version=k + 2) for n in range(30)]), at)
        assert s.flush(10) and s.stats().checkpoints == 2
        past = s.state_at(T0 + timedelta(minutes=5), now=LATER)
        assert past.replayed == 0 and past.checkpoint_at == T0 and len(past.bodies) == 30
    finally:
        s.close()


def test_time_travel_rebuilds_each_past_instant_across_checkpoints_and_a_snapshot(db: Db) -> None:
    s = open_store(db, StoreConfig(checkpoint_interval=timedelta(hours=1)))
    try:
        feed = Feed()
        history: list[tuple[datetime, dict[str, bytes], int, str]] = []
        for i in range(16):  # every 15 minutes for four hours
            at = T0 + timedelta(minutes=15 * i)
            if i == 9:
                batch = feed.reset([body(n, version=i) for n in range(30, 36)], epoch="epoch-b", sequence=500)
            else:
                items = [body((i * 3 + k) % 25, version=i) for k in range(4)]
                if i % 4 == 3:
                    items.append((body((i * 3) % 25)[0], b""))
                batch = feed.batch(items)
            assert s.submit(batch, at)
            history.append((at, dict(feed.bodies), feed.sequence, feed.epoch))
        assert s.flush(10)
        assert s.stats().checkpoints >= 4

        used_later_checkpoint = False
        for at, expected, sequence, epoch in history:
            for instant in (at, at + timedelta(minutes=14, seconds=59)):
                past = s.state_at(instant, now=LATER)
                assert past.bodies == expected, instant
                assert (past.sequence, past.epoch, past.as_of) == (sequence, epoch, at)
                used_later_checkpoint |= past.checkpoint_at > T0
        assert used_later_checkpoint

        window = s.time_window()
        assert window is not None and (window.oldest, window.newest) == (T0, history[-1][0])
        with pytest.raises(OutsideWindow, match="before the kept window"):
            s.state_at(T0 - timedelta(seconds=1), now=LATER)
        with pytest.raises(OutsideWindow, match="future"):
            s.state_at(LATER + timedelta(seconds=1), now=LATER)
        with pytest.raises(ValueError, match="naive"):
            s.state_at(datetime(2026, 11, 20, 9, 0), now=LATER)
    finally:
        s.close()


def test_time_travel_on_an_empty_store_says_there_is_nothing_yet(store: Store) -> None:
    assert store.time_window() is None
    with pytest.raises(OutsideWindow, match="no checkpoint"):
        store.state_at(T0, now=LATER)


def test_retention_drops_old_history_but_keeps_the_window_rebuildable(db: Db) -> None:
    cfg = StoreConfig(
        checkpoint_interval=timedelta(minutes=30), retention=timedelta(hours=2), retention_margin=timedelta()
    )
    s = open_store(db, cfg)
    try:
        feed = Feed()
        history: list[tuple[datetime, dict[str, bytes]]] = []
        for i in range(37):  # every 10 minutes for six hours; the writer runs retention after each checkpoint
            at = T0 + timedelta(minutes=10 * i)
            assert s.submit(feed.batch([body(i % 9, version=i), (body((i + 4) % 9)[0], b"")]), at)
            history.append((at, dict(feed.bodies)))
        assert s.flush(10)
        end = history[-1][0]
        cutoff = end - timedelta(hours=2)
        rows = journal(db)
        assert len(rows) < 2 * 37  # old rows are gone
        for at, expected in history:
            if at >= cutoff:
                assert s.state_at(at, now=LATER).bodies == expected
        with pytest.raises(OutsideWindow, match="retention"):
            s.state_at(T0, now=LATER)

        # An explicit pass a day later keeps only the newest checkpoint (the base) and what follows it.
        result = s.retention(end + timedelta(days=1))
        assert result.journal_rows > 0 and result.checkpoints > 0
        engine = sa.create_engine(url_of(db))
        try:
            with engine.connect() as conn:
                kept = conn.execute(sa.text("SELECT count(*), max(journal_id) FROM checkpoints")).one()
                left = conn.execute(sa.text("SELECT count(*) FROM journal WHERE id <= :id"), {"id": kept[1]}).scalar()
        finally:
            engine.dispose()
        assert (kept[0], left) == (1, 0)
        assert s.state_at(end + timedelta(minutes=5), now=LATER).bodies == feed.bodies
    finally:
        s.close()


@st.composite
def _histories(draw: st.DrawFn) -> list[tuple[int, list[tuple[int, int]] | None]]:
    """Steps of (minutes since the last, updates as (case n, version; -1 deletes) or None for a snapshot)."""
    steps: list[tuple[int, list[tuple[int, int]] | None]] = []
    for _ in range(draw(st.integers(1, 14))):
        gap = draw(st.integers(0, 50))
        if draw(st.integers(0, 9)) == 0:
            steps.append((gap, None))
        else:
            steps.append((gap, draw(st.lists(st.tuples(st.integers(0, 12), st.integers(-1, 3)), max_size=6))))
    return steps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=_histories(), probes=st.lists(st.integers(0, 800), min_size=1, max_size=5))
def test_time_travel_agrees_with_a_plain_model(
    history: list[tuple[int, list[tuple[int, int]] | None]], probes: list[int]
) -> None:
    feed = Feed()
    snapshots: list[tuple[datetime, dict[str, bytes]]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(Path(tmp) / "p.db", StoreConfig(checkpoint_interval=timedelta(minutes=45))) as s,
    ):
        at = T0
        for gap, ups in history:
            at += timedelta(minutes=gap)
            if ups is None:
                batch = feed.reset([body(n, version=9) for n in range(0, 12, 2)], sequence=feed.sequence + 3)
            else:
                batch = feed.batch([(body(n)[0], b"") if v < 0 else body(n, v) for n, v in ups])
            assert s.submit(batch, at)
            if snapshots and snapshots[-1][0] == at:
                snapshots.pop()
            snapshots.append((at, dict(feed.bodies)))
        assert s.flush(10)
        assert s.last_known().bodies == feed.bodies
        for minutes in probes:
            instant = T0 + timedelta(minutes=minutes)
            expected = [m for t, m in snapshots if t <= instant]
            if not expected:
                with pytest.raises(OutsideWindow):
                    s.state_at(instant, now=LATER)
            else:
                assert s.state_at(instant, now=LATER).bodies == expected[-1]


# ---------------------------------------------------------------------- where the database lives
def test_the_default_database_is_in_the_users_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "grid-console" / "console.db"
    url = database_url(None)
    assert url.get_backend_name() == "sqlite" and url.database == str(tmp_path / "data" / "grid-console" / "console.db")
    assert (tmp_path / "data" / "grid-console").is_dir()  # created, so a fresh machine needs no setup

    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # invalid per the XDG spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "grid-console" / "console.db"

    assert database_url(str(tmp_path / "x" / "c.db")).database == str(tmp_path / "x" / "c.db")
    pg = database_url("postgresql+psycopg://grid:secret@db.example:5432/grid")
    assert pg.get_backend_name() == "postgresql" and pg.host == "db.example"
    with pytest.raises(ValueError, match="in-memory"):
        database_url("sqlite://")


def test_the_sqlite_file_is_in_wal_mode(sqlite_db: Path) -> None:
    with open_store(sqlite_db):
        engine = sa.create_engine(url_of(sqlite_db))
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            engine.dispose()


def test_actions_commit_with_fsync_and_the_journal_without(sqlite_db: Path) -> None:
    url = database_url(str(sqlite_db))
    levels: dict[Role, object] = {}
    for role in Role:
        engine = make_engine(url, role)
        try:
            with engine.connect() as conn:
                levels[role] = conn.exec_driver_sql("PRAGMA synchronous").scalar()
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        finally:
            engine.dispose()
    assert levels == {Role.JOURNAL: 1, Role.DURABLE: 2, Role.READ: 1}  # NORMAL, FULL, NORMAL


@pytest.mark.postgres
def test_on_postgres_only_the_journal_commits_without_waiting_for_the_wal(postgres_url: str) -> None:
    url = database_url(postgres_url)
    levels: dict[Role, object] = {}
    for role in Role:
        engine = make_engine(url, role)
        try:
            with engine.begin() as conn:  # the journal's setting is per transaction (SET LOCAL)
                levels[role] = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
        finally:
            engine.dispose()
    assert levels == {Role.JOURNAL: "off", Role.DURABLE: "on", Role.READ: "on"}
