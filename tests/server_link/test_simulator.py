"""The simulated district: reproducible, workflow-true, calibrated, and a real CHP backend."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from server_link import records as r
from server_link.district import District, load_district
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from server_link.sim.backend import SimBackend, make_backend, start_backend
from server_link.sim.calibrate import calibrate
from server_link.sim.engine import SimCase, SimConfig, Simulation
from server_link.sim.profiles import parse_surge
from server_link.workcal import BEIJING
from tests.support.link import following, is_live

START = datetime(2026, 11, 23, 6, 0, tzinfo=BEIJING)  # a Monday morning
S, A = r.Step, r.Action

# Step changes a timeline may show (besides staying in the same step).
ALLOWED = {
    (S.COLLECTED, S.FILED),
    (S.FILED, S.DISPATCHED),
    (S.DISPATCHED, S.HANDLING),
    (S.DISPATCHED, S.FILED),  # returned (退回)
    (S.HANDLING, S.FILED),  # pushed up to the district (请办)
    (S.HANDLING, S.FEEDBACK),
    (S.FEEDBACK, S.HANDLING),  # rework (返工)
    (S.FEEDBACK, S.CLOSED),
    (S.CLOSED, S.EVALUATED),
}
VIA_DECISION = {(s, S.DISPATCHED) for s in S} | {(s, S.CLOSED) for s in S}


@pytest.fixture(scope="module")
def district() -> District:
    return load_district()


def run_days(district: District, seed: int, days: float, **kw: object) -> tuple[Simulation, list[tuple[str, bytes]]]:
    sim = Simulation(district, seed=seed, start=START, **kw)  # type: ignore[arg-type]
    out: list[tuple[str, bytes]] = []
    t = START
    while t < START + timedelta(days=days):
        t += timedelta(minutes=30)
        sim.run(until=t)
        out += sim.drain()
    return sim, out


def test_the_same_seed_gives_the_same_stream(district: District) -> None:
    _, a = run_days(district, 11, 1.0)
    _, b = run_days(district, 11, 1.0)
    _, c = run_days(district, 12, 1.0)
    assert len(a) > 1000
    assert a == b
    assert a != c


@pytest.fixture(scope="module")
def three_days(district: District) -> tuple[Simulation, dict[str, list[r.Case]]]:
    """Three simulated days with a rainstorm; every published version of every case, in order."""
    sim = Simulation(district, seed=5, start=START, surges=[parse_surge("rainstorm@2026-11-24T14:00")])
    versions: dict[str, list[r.Case]] = {}
    t = START
    while t < START + timedelta(days=3):
        t += timedelta(minutes=10)
        sim.run(until=t)
        for key, body in sim.drain():
            if key.startswith("/case/") and body:
                case = r.decode(key, body)
                assert isinstance(case, r.Case)
                versions.setdefault(case.no, []).append(case)
    return sim, versions


def test_every_timeline_obeys_the_workflow(three_days: tuple[Simulation, dict[str, list[r.Case]]]) -> None:
    _, versions = three_days
    assert len(versions) > 2500
    for no, history in versions.items():
        case = history[-1]
        events = case.timeline
        assert events[0].action is A.COLLECT and events[0].step is S.COLLECTED, no
        assert [e.at for e in events] == sorted(e.at for e in events), no
        for before, after in itertools.pairwise(events):
            move = (before.step, after.step)
            if move[0] == move[1]:
                continue
            assert move in ALLOWED or (after.action is A.DECISION and move in VIA_DECISION), (no, move, after)
        assert case.step is events[-1].step, no
        returns = sum(1 for e in events if e.action is A.RETURN)
        if returns >= 3:
            assert case.hard and case.loop is r.Loop.BIG, no
        if any(e.action is A.VERIFY_FAIL for e in events):
            fail = next(i for i, e in enumerate(events) if e.action is A.VERIFY_FAIL)
            assert events[fail].step is S.HANDLING


def test_never_back_down_to_the_small_loop(three_days: tuple[Simulation, dict[str, list[r.Case]]]) -> None:
    _, versions = three_days
    escalated = 0
    for no, history in versions.items():
        loops = [c.loop for c in history]
        if r.Loop.BIG in loops:
            assert r.Loop.SMALL not in loops[loops.index(r.Loop.BIG) :], no
        if any(c.escalated for c in history):
            escalated += 1
            first = next(i for i, c in enumerate(history) if c.escalated)
            assert all(c.escalated and c.loop is r.Loop.BIG for c in history[first:]), no
    assert escalated > 0


def test_the_rainstorm_brings_emergencies(three_days: tuple[Simulation, dict[str, list[r.Case]]]) -> None:
    _, versions = three_days
    storm = START.replace(day=24, hour=14)

    def emergencies(lo: datetime) -> int:
        return sum(
            1
            for h in versions.values()
            if h[0].category.startswith(("E05", "E08")) and lo <= h[0].received_at < lo + timedelta(hours=8)
        )

    assert emergencies(storm) > 3 * max(1, emergencies(storm - timedelta(days=1)))


def test_a_decision_reroutes_the_case(three_days: tuple[Simulation, dict[str, list[r.Case]]]) -> None:
    sim, _ = three_days
    case = next(c for c in sim.cases.values() if c.open and c.step is not S.COLLECTED)
    decision = r.Decision(
        schema=1,
        case_no=case.no,
        n=1,
        decided_at=sim.now,
        action=r.DecisionAction.ASSIGN,
        dept="d-gafj",
        note="会商：公安分局牵头",
        by="值班长",
        role="council",
    )
    assert sim.apply_decision(decision) is None
    record = case.record()
    assert (record.dept, record.step, record.loop) == ("d-gafj", S.DISPATCHED, r.Loop.BIG)
    assert record.timeline[-1].action is A.DECISION and record.timeline[-1].note == "会商：公安分局牵头"
    sim.run(until=sim.now + timedelta(days=2))
    assert not any(e.action is A.RETURN and e.at > decision.decided_at for e in case.timeline)
    bad = r.Decision(
        schema=1, case_no="DC000000", n=1, decided_at=sim.now, action=r.DecisionAction.NOTE, by="x", role="council"
    )
    assert sim.apply_decision(bad) == "no open case DC000000"


def test_calibration_is_within_ten_percent(district: District) -> None:
    figures, hourly, expected = calibrate(district, 30, 1)
    off = [f"{f.name}: {f.simulated:.2f} vs {f.target:.2f}" for f in figures if not f.within_10pct]
    assert not off, off
    assert sum(hourly) == pytest.approx(100.0)
    assert max(abs(a - b) for a, b in zip(hourly, expected, strict=True)) < 1.5


@pytest.fixture
def backend(endpoints: Endpoints) -> Iterator[tuple[ChpServer, SimBackend]]:
    server, sim_backend = make_backend(endpoints, seed=3, speed=600, history_days=1, now=START)
    start_backend(server, sim_backend)
    yield server, sim_backend
    server.stop()


def test_consoles_send_decisions_and_every_console_sees_the_result(
    backend: tuple[ChpServer, SimBackend], endpoints: Endpoints
) -> None:
    server, sim_backend = backend

    def a_case_in_handling(_: ChpServer) -> tuple[SimCase, datetime]:  # runs in the server thread
        return next(c for c in sim_backend.sim.cases.values() if c.open and c.step is S.HANDLING), sim_backend.sim.now

    with following(endpoints, role="council") as (client, mirror), following(endpoints) as (_other, watcher):
        assert mirror.wait_for(lambda m: is_live(m) and len(m.records) > 1000, 20)
        assert watcher.wait_for(is_live, 20)
        case, now = server.call(
            lambda _: (
                next(c for c in sim_backend.sim.cases.values() if c.open and c.step is S.HANDLING),
                sim_backend.sim.now,
            )
        )
        decision = r.Decision(
            schema=1,
            case_no=case.no,
            n=1,
            decided_at=now,
            action=r.DecisionAction.REROUTE,
            dept="d-sfj",
            note="<b>改派</b>司法局",
            by="会商 · 王",
            role="council",
        )
        client.send(r.key_of(decision), r.encode(decision))
        key = f"/case/{case.no}"

        def rerouted(m: object) -> bool:
            rec = m.records.get(key)  # type: ignore[attr-defined]
            return isinstance(rec, r.Case) and any(e.action is A.DECISION and e.dept == "d-sfj" for e in rec.timeline)

        assert watcher.wait_for(rerouted, 10)
        assert watcher.records[r.key_of(decision)] == decision
        junk = r.Decision(
            schema=1, case_no="NOPE0000", n=1, decided_at=now, action=r.DecisionAction.NOTE, by="x", role="council"
        )
        client.send(r.key_of(junk), r.encode(junk))
        client.send("/case/" + case.no, b"")  # consoles may not write cases
        watcher.wait_for(lambda m: False, 1.0)
        assert r.key_of(junk) not in watcher.records
        assert key in watcher.records
        assert server.kvsets_rejected == 2


def test_assembled_bodies_equal_the_encoded_records(three_days: tuple[Simulation, dict[str, list[r.Case]]]) -> None:
    sim, _ = three_days
    for case in list(sim.cases.values())[:500]:
        assert r.decode(f"/case/{case.no}", case.body()) == case.record()


def test_a_limited_load_stops_at_its_count_and_then_only_serves(district: District) -> None:
    """``grid-backend-sim --updates N``: N updates after the initial picture, then nothing, so that a
    follower can be compared with the map (tests/bench/soak.py)."""
    start = datetime(2026, 11, 24, 10, 0, tzinfo=BEIJING)
    backend = SimBackend(Simulation(district, seed=2, start=start), rate=50_000, limit=1_000)
    produced, deadline = 0, time.monotonic() + 10
    while backend.published < 1_000 and time.monotonic() < deadline:
        produced += len(backend.produce())
    assert produced == backend.published == 1_000
    assert backend.produce() == [] and not backend.behind  # done: not even the meta record's clock


def test_a_purged_case_takes_its_decisions_with_it(district: District) -> None:
    """A case leaves the published map after its retention, and so do its council's decisions: a
    backend that ran for weeks would otherwise hold every decision ever taken."""
    sim = Simulation(district, seed=3, start=START, config=SimConfig(retention_days=0.5))
    published: dict[str, bytes] = {}
    deleted: set[str] = set()
    t = START
    while t < START + timedelta(days=4):
        t += timedelta(minutes=30)
        sim.run(until=t)
        for key, body in sim.drain():
            if body:
                published[key] = body
            elif published.pop(key, None) is not None and key.startswith("/decision/"):
                deleted.add(key)
    held = {key.split("/")[2] for key in published if key.startswith("/case/")}
    decided = {key.split("/")[2] for key in published if key.startswith("/decision/")}
    assert deleted and decided, "the run should both keep and purge decided cases"
    assert decided <= held
