"""Time travel end to end: batches received over time, then the read-only situation of an instant."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from console.core.leader import view_of
from console.core.rules import Rules
from console.core.situation import Provenance, Situation
from console.store import JournalSpan, OutsideWindow, Store, StoreConfig
from console.store.past_columns import basis_of
from console.store.process import StoreProcess
from console.store.schema import Checkpoint, CheckpointCases
from console.store.time_travel import checkpoints_lacking_columns, past_situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from server_link.workcal import WorkCalendar
from tests.core.test_situation import A, S, bj, make_case, upd


def test_the_situation_at_an_instant_is_the_one_that_was_shown_then(tmp_path: Path) -> None:
    clock = [datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    store = Store(str(tmp_path / "c.db"), clock=lambda: clock[0]).open()
    try:
        t = bj(2026, 11, 27, 10, 0)
        first = make_case(1, [(t, S.COLLECTED, A.COLLECT, None)])
        store.submit(Batch(True, (upd(first, 1),), 1, "e"), received_at=clock[0])
        later = clock[0] + timedelta(hours=3)
        moved = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
        second = make_case(2, [(t, S.COLLECTED, A.COLLECT, None)])
        store.submit(Batch(False, (upd(moved, 2), upd(second, 3)), 3, "e"), received_at=later)
        assert store.flush(10)
        clock[0] = later + timedelta(hours=1)
        district = load_district()
        before = store.situation_at(later - timedelta(minutes=1), district)
        after = store.situation_at(later + timedelta(minutes=1), district)
        assert before.provenance is Provenance.PAST and before.read_only
        assert set(before.cases) == {first.no} and before.cases[first.no].step is S.COLLECTED
        assert set(after.cases) == {first.no, second.no} and after.cases[first.no].dept == "d-hwzx"
        with pytest.raises(OutsideWindow):
            store.situation_at(clock[0] - timedelta(days=30), district)
    finally:
        store.close()


def picture(sit: Situation) -> tuple[object, ...]:
    """What the wall shows of a situation: every case's derived state, and the grids' and the
    departments' figures."""
    cases = sorted((s.no, s.step, s.dept, s.light, s.overdue, repr(s.deadline)) for s in sit.cases.values())
    grids = sorted((g, f.open, f.overdue) for g, f in sit.aggregates.grids.items() if f.open)
    departments = sorted((d, f.open, f.overdue) for d, f in sit.aggregates.departments.items() if f.open)
    return cases, grids, departments, sit.provenance, sit.as_of


def test_the_past_is_built_in_the_store_process_and_handed_over_whole(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    t = bj(2026, 11, 27, 10, 0)
    first = make_case(1, [(t, S.COLLECTED, A.COLLECT, None)])
    moved = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
    second = make_case(2, [(t, S.COLLECTED, A.COLLECT, None)])
    district = load_district()
    with StoreProcess(str(tmp_path / "p.db")).open() as store:
        store.submit(Batch(True, (upd(first, 1),), 1, "e"), now - timedelta(hours=3))
        store.submit(Batch(False, (upd(moved, 2), upd(second, 3)), 3, "e"), now - timedelta(hours=1))
        assert store.flush(10)
        instant = now - timedelta(minutes=30)
        later = store.situation_at_later(instant, district)
        past = later.result(30)
        here = past_situation(store.state_at(instant), district)  # the same, built in this process
        assert past.district is district and past.read_only
        assert picture(past) == picture(here)
        assert set(past.cases) == {first.no, second.no}

        # A part this side cannot take in fails that call, and only that call.
        def refuse(part: bytes) -> None:
            raise ValueError("this part is not wanted")

        failing = store._call_later("situation_at", (instant, None), {}, refuse)
        with pytest.raises(ValueError, match="not wanted"):
            failing.result(30)
        assert picture(store.situation_at(instant, district)) == picture(here)
        assert store._part_takers == {}


def test_checkpoints_keep_their_cases_derived_and_a_replay_derives_only_the_journal_after(tmp_path: Path) -> None:
    clock = [datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    config = StoreConfig(checkpoint_interval=timedelta(minutes=30))
    store = Store(str(tmp_path / "w.db"), config, clock=lambda: clock[0]).open()
    try:
        t = bj(2026, 11, 27, 10, 0)
        cases = [make_case(n, [(t, S.COLLECTED, A.COLLECT, None)]) for n in range(1, 41)]
        store.submit(Batch(True, tuple(upd(c, n) for n, c in enumerate(cases, start=1)), 40, "e"), clock[0])
        for hour in range(1, 4):  # each hour ten of them move on: new versions, in new checkpoints
            clock[0] += timedelta(hours=1)
            moved = [
                make_case(n, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
                for n in range(hour * 10 - 9, hour * 10 + 1)
            ]
            store.submit(Batch(False, tuple(upd(c, 40 + hour) for c in moved), 40 + hour, "e"), clock[0])
            assert store.flush(10)
        clock[0] += timedelta(minutes=20)  # five more move on, before the next checkpoint is due
        later = [
            make_case(n, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-cgw")])
            for n in range(31, 36)
        ]
        store.submit(Batch(False, tuple(upd(c, 50) for c in later), 50, "e"), clock[0])
        assert store.flush(10)
        clock[0] += timedelta(minutes=10)
        engine = store._engine(store._reader)
        with engine.connect() as conn:
            instants = [
                at.replace(tzinfo=UTC)
                for at in conn.execute(select(Checkpoint.taken_at).order_by(Checkpoint.taken_at)).scalars()
            ]
            kept = dict(conn.execute(select(CheckpointCases.checkpoint_id, CheckpointCases.basis)).all())
        assert len(instants) == 4  # the base one (empty: taken before the first batch), then one an hour
        district = load_district()
        basis = basis_of(district, WorkCalendar(), Rules())
        assert len(kept) == 4 and set(kept.values()) == {basis}  # each with its cases derived
        assert basis_of(district, WorkCalendar(), Rules(yellow_share=0.5)) != basis

        def shown_alike(at: datetime) -> int:
            """The replay shows what a build from bodies alone shows; how many cases it derived."""
            before = derived.hits + derived.misses
            assert picture(store.situation_at(at, district)) == picture(past_situation(store.state_at(at), district))
            return derived.hits + derived.misses - before

        derived = store._derived
        assert [shown_alike(at) for at in instants[1:]] == [0, 0, 0]  # at a checkpoint: its columns alone
        assert shown_alike(instants[-1] + timedelta(minutes=25)) == 5  # after it: the journal's rows
        # Columns that cannot be read are derived again from the checkpoint's bodies, and kept.
        with store._engine(store._journal).begin() as conn:
            conn.execute(update(CheckpointCases).values(blob=b"damaged"))
        assert shown_alike(instants[-1]) == 40
        assert shown_alike(instants[-1]) == 0
        # Checkpoints without columns (kept by an older build, or derived on another basis) have them
        # derived while the store has nothing else to do.
        with store._engine(store._journal).begin() as conn:
            conn.execute(delete(CheckpointCases).where(CheckpointCases.checkpoint_id != max(kept)))
        assert len(checkpoints_lacking_columns(engine, basis)) == 3
        while store.warm_past(district, time.monotonic() + 0.01):
            pass
        assert checkpoints_lacking_columns(engine, basis) == []
        assert [shown_alike(at) for at in instants[1:]] == [0, 0, 0]
        assert not store.warm_past(district, time.monotonic() + 1)  # nothing more to do
    finally:
        store.close()


def test_the_rows_between_two_instants_move_the_earlier_one_to_the_later(tmp_path: Path) -> None:
    clock = [datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    store = Store(str(tmp_path / "j.db"), clock=lambda: clock[0]).open()
    try:
        t = bj(2026, 11, 27, 10, 0)
        first = [make_case(n, [(t, S.COLLECTED, A.COLLECT, None)]) for n in (1, 2, 3)]
        store.submit(Batch(True, tuple(upd(c, n) for n, c in enumerate(first, start=1)), 3, "e"), clock[0])
        start = clock[0]
        moved = make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")])
        for minutes, batch in (
            (10, Batch(False, (upd(moved, 4),), 4, "e")),
            (20, Batch(False, (Update("/case/DC0000000002", 5, None, b""),), 5, "e")),
            (30, Batch(False, (upd(make_case(4, [(t, S.COLLECTED, A.COLLECT, None)]), 6),), 6, "e")),
        ):
            store.submit(batch, start + timedelta(minutes=minutes))
        assert store.flush(10)
        clock[0] = start + timedelta(hours=1)
        span = store.journal_between(start, start + timedelta(minutes=25))
        assert span is not None and [(k, seq, bool(b)) for k, seq, b in span.rows] == [
            ("/case/DC0000000001", 4, True),
            ("/case/DC0000000002", 5, False),
        ]
        assert (span.sequence, span.epoch, span.as_of) == (5, "e", start + timedelta(minutes=20))
        assert span.rows[0][2] == r.encode(moved)  # the body as received (the journal's compression undone)
        district = load_district()
        past = store.situation_at(start, district)
        at = start + timedelta(minutes=45)
        later = store.journal_between(start, at)
        assert later is not None and len(later.rows) == 3
        as_of = later.as_of.timestamp() if later.as_of else None
        past.advance(later.rows, at.timestamp(), sequence=later.sequence, epoch=later.epoch, as_of=as_of)
        assert picture(past)[:3] == picture(store.situation_at(at, district))[:3]
        assert store.journal_between(start, at, limit=2) is None  # more rows than asked for: rebuild it whole
        assert store.journal_between(at, at) == JournalSpan([], 0, "", None)
        with pytest.raises(ValueError, match="moves forward"):
            store.journal_between(at, start)
    finally:
        store.close()


def test_the_leaders_view_of_the_past_is_made_where_the_bodies_are(tmp_path: Path) -> None:
    clock = [datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    store = Store(str(tmp_path / "l.db"), clock=lambda: clock[0]).open()
    try:
        t = bj(2026, 11, 27, 10, 0)
        cases = [
            make_case(1, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")]),
            make_case(2, [(t, S.COLLECTED, A.COLLECT, None), (t, S.CLOSED, A.CLOSE, "d-hwzx")]),
        ]
        store.submit(Batch(True, tuple(upd(c, n) for n, c in enumerate(cases, 1)), 2, "e"), received_at=clock[0])
        assert store.flush(10)
        instant = clock[0] + timedelta(minutes=30)
        clock[0] += timedelta(hours=1)
        district = load_district()
        bodies = store.state_at(instant).bodies
        # The past held case by case with its bodies, as the live situation is: the view it makes.
        held = Situation.picture(district, bodies, instant.timestamp(), provenance=Provenance.PAST, as_of=None).held()
        want = view_of(held, [], hourly=True)
        assert want.today and want.figures
        assert repr(store.leader_view_at(instant, [], hourly=True)) == repr(want)
        with pytest.raises(ValueError, match="timelines"):  # held as columns: no bodies to read them from
            view_of(store.situation_at(instant, district), [])
    finally:
        store.close()
