"""The daily figures in the store, on a SQLite file and on PostgreSQL (a throw-away server,
tests/store_support/postgres.py): rows read back by span and scope, after a restart too; a day
rewritten whole; 400 days kept; the refresh from the held cases, once per day, equal to a
recomputation; and the same through the store's own process."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from console.core import daily
from console.core.daily import DISTRICT_ID, DayFigures, Scope
from console.store import Store, StoreConfig
from console.store.process import StoreProcess
from console.store.schema import Base, DailyRow
from tests.store.conftest import Db
from tests.store_support.batches import Feed
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture
from tests.support.district_days import AS_OF, NEXT, district, picture

pytestmark = pytest.mark.usefixtures("no_store_threads")

STREETS = [f"110101{n:03d}" for n in range(1, 18)]
DEPARTMENTS = [f"d-{n:02d}" for n in range(85)]
TODAY = date(2026, 11, 30)


@pytest.fixture
def store(db: Db) -> Iterator[Store]:
    s = Store(db, clock=lambda: AS_OF).open()
    yield s
    s.close()


def day_rows(day: date, seed: int = 0) -> list[DayFigures]:
    """A day of rows for the district, 17 streets and 85 departments, with counts made up from the day."""
    rng = random.Random(f"{day}-{seed}")
    scopes = [(Scope.DISTRICT, DISTRICT_ID)] + [(Scope.STREET, s) for s in STREETS]
    scopes += [(Scope.DEPARTMENT, d) for d in DEPARTMENTS]
    return [DayFigures(day, scope, sid, *(rng.randrange(500) for _ in daily.COUNTS)) for scope, sid in scopes]


def test_the_table_holds_every_count_in_order() -> None:
    columns = list(Base.metadata.tables[DailyRow.__tablename__].columns.keys())
    assert columns == ["day", "scope", "scope_id", *daily.COUNTS, "definitions", "written_at"]


def test_rows_survive_a_restart_and_a_30_day_read_returns_exactly_its_days(db: Db) -> None:
    days = [TODAY - timedelta(days=n) for n in range(1, 41)]
    with Store(db, clock=lambda: AS_OF) as s:
        for day in days:
            assert s.save_daily(day_rows(day)) == [day]
    with Store(db, clock=lambda: AS_OF) as s:  # reopened: everything is still there
        assert s.daily_days() == set(days)
        since, until = TODAY - timedelta(days=30), TODAY - timedelta(days=1)
        got = s.daily(since, until)
        expected = [row for day in sorted(days) if since <= day <= until for row in day_rows(day)]
        assert len(got) == 30 * 103 and got == expected
        trend = s.daily(since, until, Scope.DEPARTMENT, "d-07")
        assert [row.day for row in trend] == [since + timedelta(days=n) for n in range(30)]
        assert all(row == next(x for x in day_rows(row.day) if x.scope_id == "d-07") for row in trend)
        assert [r.scope_id for r in s.daily(until, until, Scope.STREET)] == STREETS
        assert s.daily(TODAY, TODAY + timedelta(days=5)) == []


def test_rewriting_a_day_replaces_it_whole_and_leaves_the_others(store: Store) -> None:
    d1, d2 = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    store.save_daily([*day_rows(d1), *day_rows(d2)])
    fewer = [row for row in day_rows(d2, seed=1) if row.scope is not Scope.DEPARTMENT]
    assert store.save_daily(fewer) == [d2]
    assert store.daily(d2, d2) == fewer
    assert store.daily(d1, d1) == day_rows(d1)
    with pytest.raises(ValueError, match="negative"):
        store.save_daily([DayFigures(d1, Scope.DISTRICT, DISTRICT_ID, received=-1)])
    assert len(store.daily(d1, d1)) == 103  # a refused write changes nothing


def test_retention_keeps_400_days_of_daily_figures_and_the_journals_week_as_before(db: Db) -> None:
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Nov 30 in Beijing
    with Store(db, clock=lambda: now) as s:
        days = [TODAY - timedelta(days=n) for n in (1, 2, 399, 400, 401, 402)]
        for day in days:
            s.save_daily([DayFigures(day, Scope.DISTRICT, DISTRICT_ID, received=1)])
        result = s.retention(now)
        assert result.daily_rows == 2
        assert s.daily_days() == {TODAY - timedelta(days=n) for n in (1, 2, 399, 400)}
        assert result.cutoff == now - timedelta(days=8)  # the journal's window is its own
        assert s.retention(now).daily_rows == 0
    with Store(db, StoreConfig(daily_retention=timedelta(days=2)), clock=lambda: now) as s:
        assert s.retention(now).daily_rows == 2
        assert s.daily_days() == {TODAY - timedelta(days=1), TODAY - timedelta(days=2)}


def feed_picture(s: Store | StoreProcess, bodies: dict[str, bytes], at: datetime, feed: Feed) -> None:
    assert s.submit(feed.reset(sorted(bodies.items())), at)


def recomputed(bodies: dict[str, bytes], days: list[date], as_of: datetime) -> list[DayFigures]:
    d = district()
    facts, bad = daily.facts_of_bodies(bodies, d)
    assert bad == 0
    assert set(days) <= set(daily.covered_days(facts, as_of.timestamp()))
    return daily.day_figures(facts, days, streets=d.streets, departments=d.departments)


def test_the_refresh_writes_the_covered_days_once_and_the_day_just_ended_when_it_ends(db: Db) -> None:
    first = picture()
    week = [date(2026, 11, 25) + timedelta(days=n) for n in range(5)]  # the simulator began on Nov 25
    with Store(db, clock=lambda: AS_OF) as s:
        assert s.refresh_daily(AS_OF) == []  # nothing held yet: nothing to count
        feed = Feed()
        feed_picture(s, first, AS_OF, feed)
        assert s.refresh_daily(AS_OF) == week  # flushes first: the picture just submitted is what counts
        assert s.refresh_daily(AS_OF) == []  # kept already
        assert s.daily(week[0], week[-1]) == recomputed(first, week, AS_OF)
        kept = s.daily(week[0], week[-1])
    later = picture(next_day=True)  # a day later: Dec 1, 10:00 in Beijing
    with Store(db, clock=lambda: NEXT) as s:  # a restart
        assert s.daily(week[0], week[-1]) == kept
        assert s.refresh_daily() == []  # nothing new until the picture is: the stored one is of Nov 30
        feed = Feed(epoch="epoch-b")
        feed_picture(s, later, NEXT, feed)
        nov30 = date(2026, 11, 30)
        assert s.refresh_daily(NEXT) == [nov30]
        assert s.daily(week[0], week[-1]) == kept  # the days kept are not computed again
        assert s.daily(nov30, nov30) == recomputed(later, [nov30], NEXT)
        # the days kept equal what the later cases say of them: a day's row is fixed at its end
        assert kept == recomputed(later, week, NEXT)


def test_the_refresh_writes_nothing_from_a_store_waiting_for_a_re_sync(tmp_path: Path) -> None:
    entered, release = threading.Event(), threading.Event()

    def stall(n_tx: int) -> None:
        if n_tx == 2:
            entered.set()
            release.wait(30)

    s = Store(tmp_path / "c.db", StoreConfig(max_queue_batches=1), clock=lambda: AS_OF, before_write=stall).open()
    try:
        feed, bodies = Feed(), picture()
        feed_picture(s, bodies, AS_OF, feed)
        assert s.flush(30)
        one = sorted(bodies.items())[:1]
        assert s.submit(feed.batch(one), AS_OF)
        assert entered.wait(10)  # the writer is stuck on it
        assert s.submit(feed.batch(one), AS_OF)  # waits in the queue, which is full now
        assert not s.submit(feed.batch(one), AS_OF) and s.needs_resync  # refused: behind until a snapshot
        release.set()
        assert s.refresh_daily(AS_OF) == []
        assert s.daily_days() == set()
        assert s.submit(feed.reset(sorted(feed.bodies.items())), AS_OF)  # the re-sync
        assert len(s.refresh_daily(AS_OF)) == 5
    finally:
        release.set()
        s.close()


def test_the_store_process_saves_reads_and_refreshes_in_the_child(tmp_path: Path) -> None:
    store = StoreProcess(tmp_path / "c.db").open()
    try:
        feed = Feed()
        bodies = picture()
        feed_picture(store, bodies, AS_OF, feed)
        started = time.perf_counter()
        future = store.refresh_daily_later(AS_OF)  # returns at once; the child computes
        assert time.perf_counter() - started < 0.5
        week = [date(2026, 11, 25) + timedelta(days=n) for n in range(5)]
        assert future.result(60) == week
        assert store.daily_days() == set(week)
        assert store.daily(week[0], week[-1]) == recomputed(bodies, week, AS_OF)
        day = TODAY - timedelta(days=40)
        assert store.save_daily(day_rows(day)) == [day]
        assert store.daily(day, day, Scope.DISTRICT) == [day_rows(day)[0]]
        assert store.refresh_daily(AS_OF) == []
    finally:
        store.close(30)
