"""Replay on the whole wall (the real console offscreen, the reference server on loopback, a real
SQLite store in its own process): the past on show equals the store's own rebuild of that instant,
live ingest and the journal go on meanwhile, and the return to live misses nothing."""

from __future__ import annotations

import time
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from console.core.situation import Provenance, Situation
from console.shell.composition import marks
from console.shell.replay import Replay, Showing
from console.store import JournalSpan, LinkEvent, LinkEventKind
from console.store.time_travel import past_situation, state_at
from server_link import chp
from server_link import records as r
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.shell.test_wall import GRID, NEIGHBOUR, OTHER, WAIT_MS, applied, case, publish, pytestmark, wall  # noqa: F401
from widgets.time_slider import MarkKind


def picture(sit: Situation) -> tuple[object, ...]:
    """What the wall shows of a situation: each case's derived state; the grids' and the departments' figures."""
    cases = sorted((s.no, s.step, s.dept, s.light, s.overdue, s.open) for s in sit.cases.values())
    grids = sorted((g, f.open, f.overdue, f.recent) for g, f in sit.aggregates.grids.items() if f.open or f.recent)
    departments = sorted((d, f.open, f.overdue) for d, f in sit.aggregates.departments.items() if f.open)
    return cases, grids, departments


def rebuilt(db: Path, instant: float) -> Situation:
    """The store's own rebuild of ``instant``, read from its file in this process."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        return past_situation(state_at(engine, datetime.fromtimestamp(instant, UTC)), load_district())
    finally:
        engine.dispose()


def shown_nos(console: object) -> set[str]:
    """The case numbers the queue's rows show."""
    model = console.queue.model  # type: ignore[attr-defined]
    return {str(model.data(model.index(row, 0))) for row in range(model.rowCount())}


def test_the_wall_replays_an_instant_while_live_goes_on_and_returns_with_nothing_missed(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    db = tmp_path / "wall.db"
    first = [case(1, GRID), case(2, NEIGHBOUR), case(3, OTHER)]
    publish(server, first)
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, int(server.call(lambda s: s.sequence)))
        assert console.store.flush(10)
        qtbot.waitUntil(lambda: console.replay_bar.slider.end > console.replay_bar.slider.start, timeout=WAIT_MS)
        then = time.time()
        time.sleep(1.2)  # received times on either side of ``then``
        moved = case(1, GRID, step=r.Step.HANDLING, title="案件1 已开始处理")
        seq = publish(server, [moved, case(4, GRID)], gone=("DC0000000002",))
        applied(qtbot, console, seq)
        assert console.store.flush(10)

        # The operator drags the slider back: the whole wall shows that instant.
        console.replay_bar.instant_requested.emit(then)
        qtbot.waitUntil(lambda: console.showing.replaying and console.replay.instant == then, timeout=WAIT_MS)
        past = console.showing.situation
        assert past is not console.situation and past.provenance is Provenance.PAST
        assert picture(past) == picture(rebuilt(db, then))
        assert sorted(past.cases) == ["DC0000000001", "DC0000000002", "DC0000000003"]
        assert past.cases["DC0000000001"].step is r.Step.DISPATCHED
        assert console.queue.model.situation is past and console.queue.model.rowCount() == 3
        # The past holds no bodies: the detail reads the case as it was then from the store.
        console.select_case("DC0000000001")
        qtbot.waitUntil(lambda: console.detail.case_no == "DC0000000001", timeout=WAIT_MS)
        shown = console.detail._record
        assert shown is not None and shown.step is r.Step.DISPATCHED and shown.title != moved.title

        # A step forward goes by the journal's rows, applied to the past on show: it then shows what a
        # rebuild of that instant shows.
        later = time.time()
        console.replay.request(later)
        qtbot.waitUntil(lambda: console.replay.instant == later, timeout=WAIT_MS)
        assert console.replay.moves == 1 and console.showing.situation is past
        assert picture(past) == picture(rebuilt(db, later))
        assert sorted(past.cases) == ["DC0000000001", "DC0000000003", "DC0000000004"]
        qtbot.waitUntil(
            lambda: console.queue.model.rowCount() == 3 and "DC0000000004" in shown_nos(console), timeout=WAIT_MS
        )
        for window in console.windows:
            assert "历史回放" in window.banner.text() and not window.banner.isHidden()
            assert all("历史回放" in d.windowTitle() for d in window.docks.values())

        # Live goes on behind the past: the link applies, the store journals, the wall stays in the past.
        journal_before = console.store.stats().journal_rows
        seq = publish(server, [case(5, OTHER)])
        qtbot.waitUntil(lambda: console.situation.sequence >= seq and console.ingest.backlog == 0, timeout=WAIT_MS)
        assert console.store.flush(10)
        assert console.store.stats().journal_rows > journal_before
        assert console.showing.situation is past and "DC0000000005" not in console.queue.model.situation.cases

        # Esc: back to live, whole, with what arrived meanwhile.
        console.window.activateWindow()
        console.escape()
        assert not console.showing.replaying and console.replay.instant is None
        assert console.queue.model.situation is console.situation
        qtbot.waitUntil(lambda: not console.queue.model.pending, timeout=WAIT_MS)
        assert console.queue.model.rowCount() == 4  # 1, 3, 4, 5
        assert console.window.banner.isHidden()
        assert all("历史回放" not in d.windowTitle() for d in console.window.docks.values())
        mine = {f"/case/{no}": body for no, body in console.situation.bodies.items()}
        assert chp.map_digest(mine.items()) == server.digest("/case/")


def test_a_drag_never_queues_work_and_ends_on_the_last_instant(
    qtbot: QtBot, tmp_path: Path, endpoints: Endpoints, server: ChpServer
) -> None:
    publish(server, [case(1, GRID)])
    with wall(qtbot, tmp_path, endpoints, map_page=False) as console:
        applied(qtbot, console, int(server.call(lambda s: s.sequence)))
        assert console.store.flush(10)
        qtbot.waitUntil(lambda: console.replay_bar.slider.end > console.replay_bar.slider.start, timeout=WAIT_MS)
        start = console.replay_bar.slider.start
        now = time.time()
        instants = [start + (now - start) * k / 40 for k in range(1, 41)]
        for t in instants:  # forty moves within one turn of the event loop, as a fast drag
            console.replay_bar.slider.scrubbed.emit(t)
        qtbot.waitUntil(lambda: not console.replay.busy and console.replay.instant == instants[-1], timeout=WAIT_MS)
        assert console.replay.built <= 3  # the first asked, then only the newest waiting: never forty
        assert console.replay_bar.when.text() != "实时"
        console.replay_bar.live_button.click()
        assert not console.showing.replaying and console.replay_bar.when.text() == "实时"


def test_the_bar_marks_resyncs_and_stale_stretches() -> None:
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    events = [
        LinkEvent(at(0), LinkEventKind.STARTED, ""),
        LinkEvent(at(1), LinkEventKind.RESYNC, "snapshot"),
        LinkEvent(at(30), LinkEventKind.STALE, ""),
        LinkEvent(at(31), LinkEventKind.RESYNC, "new server epoch"),
        LinkEvent(at(32), LinkEventKind.LIVE, ""),
        LinkEvent(at(50), LinkEventKind.STALE, ""),
        LinkEvent(at(55), LinkEventKind.STOPPED, ""),
    ]
    base = t0.timestamp()
    got = [(m.kind, m.at - base, None if m.until is None else m.until - base) for m in marks(events)]
    assert got == [
        (MarkKind.RESYNC, 60.0, None),
        (MarkKind.RESYNC, 31 * 60.0, None),
        (MarkKind.STALE, 30 * 60.0, 32 * 60.0),
        (MarkKind.STALE, 50 * 60.0, 55 * 60.0),
    ]


class _Instant:
    """A past source that answers at once: a whole instant is an empty past stamped with it; the
    journal between two instants has no rows."""

    def __init__(self) -> None:
        self.asked: list[float] = []  # instants rebuilt whole
        self.spans: list[tuple[float, float]] = []  # moves forward by the journal's rows

    def situation_at_later(self, instant: datetime, district: object) -> Future[Situation]:
        self.asked.append(instant.timestamp())
        sit = Situation(load_district(), read_only=True)
        sit.provenance, sit.now = Provenance.PAST, instant.timestamp()
        done: Future[Situation] = Future()
        done.set_result(sit)
        return done

    def journal_between_later(self, after: datetime, until: datetime) -> Future[JournalSpan | None]:
        self.spans.append((after.timestamp(), until.timestamp()))
        done: Future[JournalSpan | None] = Future()
        done.set_result(JournalSpan([], 0, "", None))
        return done


def replaying_an_hour_ago(qtbot: QtBot) -> tuple[Replay, _Instant, Showing, list[float]]:
    """A replay on a fixed clock (``clock[0]``: move it to move the present), showing an hour ago."""
    clock = [1_800_000_000.0]
    source = _Instant()
    showing = Showing(Situation(load_district()))
    replay = Replay(source, showing, load_district(), clock=lambda: clock[0])
    replay.request(clock[0] - 3600)
    qtbot.waitUntil(lambda: replay.instant == clock[0] - 3600, timeout=WAIT_MS)
    return replay, source, showing, clock


def test_playing_moves_the_past_forward_at_its_speed_and_catches_up_with_live(qtbot: QtBot) -> None:
    replay, source, showing, clock = replaying_an_hour_ago(qtbot)
    start = clock[0] - 3600
    replay.play(600.0)
    qtbot.waitUntil(lambda: replay.instant is not None and replay.instant >= start + 600, timeout=WAIT_MS)
    # Each step of 150 s (600× a quarter of a second) goes by the journal's rows, from where the last one ended.
    assert source.asked == [start] and len(source.spans) >= 4 and replay.moves == len(source.spans)
    assert all(b - a == pytest.approx(150.0) for a, b in source.spans)
    assert all(s[1] == t[0] for s, t in zip(source.spans, source.spans[1:], strict=False))
    replay.play(0)
    replay.request(start)  # backward: rebuilt whole
    qtbot.waitUntil(lambda: replay.instant == start, timeout=WAIT_MS)
    assert source.asked == [start, start]
    replay.play(600.0)
    clock[0] = replay.instant + 100  # the present is just ahead: the next step reaches it
    qtbot.waitUntil(lambda: not showing.replaying, timeout=WAIT_MS)
    assert replay.instant is None and replay.speed == 0.0  # back to live, not past the present


def test_a_step_that_fails_is_rebuilt_whole(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    replay, source, _showing, clock = replaying_an_hour_ago(qtbot)
    start = clock[0] - 3600

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a fault in moving forward")

    monkeypatch.setattr(Situation, "advance", broken)
    replay.request(start + 60)
    qtbot.waitUntil(lambda: replay.instant == start + 60, timeout=WAIT_MS)
    assert source.spans == [(start, start + 60)] and source.asked == [start, start + 60]
    assert not replay.busy and replay.moves == 0
