"""The ingest applies batches in slices between event-loop turns; new pictures are built beside the old."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import numpy as np
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from console.core.history import open_held_by_department
from console.core.situation import ChangeSet, Provenance, Situation
from console.shell.ingest import Ingest
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update
from tests.core.test_situation import A, S, bj, incremental, make_case, upd

DISTRICT = load_district()
T = bj(2026, 11, 27, 10, 0)


def cases(first: int, n: int) -> list[r.Case]:
    out = []
    for i in range(first, first + n):
        t = T + timedelta(minutes=i % 300)
        out.append(make_case(i, [(t, S.COLLECTED, A.COLLECT, None), (t, S.DISPATCHED, A.DISPATCH, "d-hwzx")]))
    return out


def batch(items: list[r.Case], reset: bool = False, first_seq: int = 1) -> Batch:
    updates = tuple(upd(c, first_seq + i) for i, c in enumerate(items))
    return Batch(reset, updates, first_seq + len(items) - 1, "e1")


def test_a_big_batch_is_applied_in_slices_with_the_event_loop_running_between(qtbot: QtBot) -> None:
    sit = Situation(DISTRICT)
    seen: list[ChangeSet] = []
    ingest = Ingest(sit, seen.append, budget_ms=0.0, slice_size=50, clock=lambda: T.timestamp())
    ingest.add(batch(cases(1, 20), reset=True))
    ingest.drain()
    ingest.add(batch(cases(100, 1000), first_seq=21))
    assert ingest.backlog == 1000 and len(sit.cases) == 20  # nothing applied before the loop runs
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(len(sit.cases)))
    timer.start(0)
    qtbot.waitUntil(lambda: ingest.backlog == 0, timeout=10_000)
    timer.stop()
    assert len(sit.cases) == 1020 and sit.sequence == 1020
    assert any(20 < n < 1020 for n in ticks)  # timers ran while the batch was half applied
    assert len(seen) >= 1 + 1000 // 50 and all(not c.reset for c in seen[1:])
    direct = Situation(DISTRICT)
    direct.apply(batch(cases(1, 20), reset=True), T.timestamp())
    direct.apply(batch(cases(100, 1000), first_seq=21), T.timestamp())
    assert incremental(sit) == incremental(direct)


def test_a_snapshot_is_built_beside_the_picture_on_show_then_taken_over_whole(qtbot: QtBot) -> None:
    sit = Situation(DISTRICT)
    seen: list[ChangeSet] = []
    ingest = Ingest(sit, seen.append, budget_ms=0.0, slice_size=10, clock=lambda: T.timestamp())
    ingest.add(batch(cases(1, 5), reset=True))
    ingest.drain()
    old = set(sit.cases)
    progress: list[tuple[str, int, int]] = []
    on_show: list[set[str]] = []  # what the views could read while the build went on

    def on_progress(what: str, done: int, total: int) -> None:
        progress.append((what, done, total))
        on_show.append(set(sit.cases))

    ingest.progressed.connect(on_progress)
    ingest.add(batch(cases(500, 95), reset=True, first_seq=100))
    qtbot.waitUntil(lambda: ingest.backlog == 0, timeout=10_000)
    assert len(progress) == 10 and all(shown == old for shown in on_show[:-1])
    assert progress[-1] == ("snapshot", 95, 95)
    assert [p[1] for p in progress] == sorted(p[1] for p in progress)
    assert set(sit.cases) == {c.no for c in cases(500, 95)} and sit.sequence == 194
    assert seen[-1].reset and sit.provenance is Provenance.LIVE


def test_live_updates_waiting_for_the_same_case_are_applied_once_with_the_newest_value() -> None:
    sit = Situation(DISTRICT)
    applied: list[ChangeSet] = []
    ingest = Ingest(sit, applied.append, slice_size=1000, clock=lambda: T.timestamp())
    ingest.add(batch(cases(1, 3), reset=True))
    ingest.drain()
    applied.clear()
    first = cases(1, 1)[0]
    for seq in range(4, 54):  # fifty changes of one case arrive before the GUI thread gets a turn
        ingest.add(Batch(False, (upd(msgspec.structs.replace(first, title=f"第 {seq} 次"), seq),), seq, "e1"))
    ingest.add(batch(cases(2, 1), first_seq=54))
    assert ingest.backlog == 2 and ingest.coalesced == 49
    ingest.drain()
    assert sit.cases[first.no].title == "第 53 次" and sit.sequence == 54
    assert len(applied) == 1 and applied[0].cases == {first.no, cases(2, 1)[0].no}


def test_a_snapshot_supersedes_everything_still_waiting() -> None:
    sit = Situation(DISTRICT)
    ingest = Ingest(sit, lambda c: None, clock=lambda: T.timestamp())
    stored = {f"/case/{c.no}": upd(c).body for c in cases(1, 30)}
    ingest.load(stored, saved_at=T.timestamp())
    ingest.add(batch(cases(40, 3), reset=True))
    ingest.add(batch(cases(50, 2), first_seq=4))
    ingest.drain()
    assert set(sit.cases) == {c.no for c in cases(40, 3) + cases(50, 2)}
    assert sit.provenance is Provenance.LIVE and ingest.backlog == 0


def test_the_last_known_state_is_marked_and_a_bad_stored_body_is_skipped() -> None:
    sit = Situation(DISTRICT)
    progress: list[tuple[str, int, int]] = []
    ingest = Ingest(sit, lambda c: None, slice_size=7, clock=lambda: T.timestamp())
    ingest.progressed.connect(lambda what, done, total: progress.append((what, done, total)))
    stored = {f"/case/{c.no}": upd(c).body for c in cases(1, 20)}
    stored["/case/DC0000000099"] = b"{not json"
    ingest.load(stored, saved_at=T.timestamp() - 600)
    ingest.drain()
    assert len(sit.cases) == 20 and ingest.backlog == 0
    assert sit.provenance is Provenance.LAST_KNOWN and sit.as_of == T.timestamp() - 600
    assert progress[-1] == ("last_known", 21, 21)
    live = Update("/case/DC0000000001", 2, None, b"")
    ingest.add(Batch(False, (live,), 2, "e1"))  # live updates before a snapshot keep the mark
    ingest.drain()
    assert len(sit.cases) == 19 and sit.provenance is Provenance.LAST_KNOWN


def test_a_new_picture_brings_its_sparklines_past_gathered_slice_by_slice(qtbot: QtBot) -> None:
    sit = Situation(DISTRICT)
    history_at_reset: list[dict[str, object]] = []
    ingest = Ingest(
        sit,
        lambda c: history_at_reset.append(dict(ingest.held_history)) if c.reset else None,
        budget_ms=0.0,
        slice_size=10,
        history_step_s=1800,
        clock=lambda: (T + timedelta(hours=6)).timestamp(),
    )
    snapshot = cases(1, 95)
    ingest.add(batch(snapshot, reset=True))
    qtbot.waitUntil(lambda: ingest.backlog == 0, timeout=10_000)
    _, expected = open_held_by_department(snapshot, (T + timedelta(hours=6)).timestamp(), step_s=1800)
    assert history_at_reset and history_at_reset[-1].keys() == expected.keys() == {"d-hwzx"}
    assert np.array_equal(ingest.held_history["d-hwzx"], expected["d-hwzx"])
    assert ingest.held_history["d-hwzx"][-1] == 95  # every case still held by its department now
