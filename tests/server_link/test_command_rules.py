"""Rules of docs/protocol.md §11.4 and §16 for commands, as the reference server and the simulated
backend keep them: ``role=`` is required and a decision names the same role; a ttl never expires a
decision; a routing decision needs a filed case; the decision is published before the case it
changed. Real ZeroMQ on 127.0.0.1."""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import pytest
import zmq

from server_link import chp
from server_link import records as r
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.feed import ScriptedFeed
from server_link.server import ChpServer
from server_link.sim.backend import SimBackend, make_backend, start_backend
from server_link.sim.engine import SimCase, Simulation
from server_link.workcal import BEIJING
from tests.support.link import T0

S = r.Step
START = datetime(2026, 11, 23, 6, 0, tzinfo=BEIJING)  # a Monday morning
STREETS_CSV = Path(__file__).resolve().parents[2] / "docs" / "reference" / "streets.csv"
NOTE = r.Decision(
    schema=1, case_no="DC2026112700017", n=1, decided_at=T0, action=r.DecisionAction.NOTE, by="王", role="commander"
)


@pytest.fixture
def server(endpoints: Endpoints) -> Iterator[ChpServer]:
    srv = ChpServer(endpoints).start()
    yield srv
    srv.stop()


def _push(endpoints: Endpoints, *commands: tuple[str, bytes, dict[str, str]]) -> None:
    sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PUSH)
    sock.connect(endpoints.collector)
    for key, body, props in commands:
        sock.send_multipart(chp.Message(key, 0, body, props, uuid.uuid4().bytes).frames())
    sock.close(linger=2000)


def _wait_received(server: ChpServer, received: int) -> None:
    deadline = time.monotonic() + 5
    while server.call(lambda s: s.kvsets_received) < received and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_command_without_a_role_or_with_another_role_than_its_decision_is_refused(
    server: ChpServer, endpoints: Endpoints
) -> None:
    key, body = r.key_of(NOTE), r.encode(NOTE)
    _push(
        endpoints,
        (key, body, {}),  # no role= at all
        (key, body, {"role": ""}),  # an empty role
        (key, body, {"role": "council"}),  # the body says commander
        ("/note/any", b"x", {"role": "leader"}),  # the leaders' view is read-only: nothing from it
        (key, body, {"role": "commander"}),  # as it should be: taken
    )
    _wait_received(server, 5)
    assert server.call(lambda s: s.items("/decision/")) == [(key, body)]
    assert server.kvset_rejects == {"role": 4}
    # Each refusal is published for the console that sent it (§16.3), under the command's UUID.
    refusals = [r.decode(k, b) for k, b in server.call(lambda s: s.items("/refusal/"))]
    assert sorted((x.key, x.role, x.reason) for x in refusals if isinstance(x, r.Refusal)) == [
        (key, "", "role"), (key, "", "role"), (key, "council", "role"), ("/note/any", "leader", "role")
    ]  # fmt: skip
    assert server.call(lambda s: s.sequence) == 5  # four refusals and the decision


def test_a_ttl_on_a_decision_is_ignored_the_decision_never_expires(server: ChpServer, endpoints: Endpoints) -> None:
    key, body = r.key_of(NOTE), r.encode(NOTE)
    _push(endpoints, (key, body, {"role": "commander", "ttl": "0.2"}))
    _wait_received(server, 1)
    time.sleep(0.8)  # four times the ttl, several server loop turns
    assert server.call(lambda s: (s.sequence, s.items("/decision/"))) == (1, [(key, body)])


HANDLED = r.AlarmHandling(
    schema=1, rule="grid_red", subject="110101001001001", acknowledged_at=T0, acknowledged_by="李",
    changed_at=T0, by="李", role="commander",
)  # fmt: skip


def test_an_alarm_handling_is_kept_and_echoed_with_its_ttl_and_must_name_the_commands_role(
    backend: tuple[ChpServer, SimBackend], endpoints: Endpoints
) -> None:
    """§16.1: the simulated backend stores and publishes a valid alarm handling as it is (with the
    ttl the console sends), and refuses one of another role or an invalid one."""
    server, _ = backend
    key, body = r.key_of(HANDLED), r.encode(HANDLED)
    before, received = server.call(lambda s: (s.kvsets_rejected, s.kvsets_received))
    _push(
        endpoints,
        (key, body, {"role": "council"}),  # the body says commander
        (key, b'{"kind": "alarm", "schema": 1}', {"role": "commander"}),  # not a valid record
        (key, body, {"role": "commander", "ttl": "0.5"}),  # as a console sends it (with a short ttl)
    )
    _wait_received(server, received + 3)
    deadline = time.monotonic() + 5
    while not server.call(lambda s: s.items("/alarm/")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.call(lambda s: s.items("/alarm/")) == [(key, body)]
    assert server.call(lambda s: s.kvsets_rejected) - before == 2
    assert server.kvset_rejects["role"] == 1 and server.kvset_rejects["refused"] >= 1
    time.sleep(1.0)  # the ttl: handled alarms of the past fade
    assert server.call(lambda s: s.items("/alarm/")) == []


SHOW = r.ShowRequest(
    schema=1, wall="wall-1", cameras=["11010100001320000001"], case_no="DC2026112700017", requested_at=T0,
    console="desk-2", by="李", role="commander",
)  # fmt: skip


def test_a_show_request_is_relayed_as_it_is_and_must_name_the_commands_role(
    backend: tuple[ChpServer, SimBackend], endpoints: Endpoints
) -> None:
    """§16.2: the simulated backend stores and publishes a valid show request as it is, the newest
    replacing the one before, and refuses one of another role or an invalid one."""
    server, _ = backend
    key, body = r.key_of(SHOW), r.encode(SHOW)
    newer = msgspec.structs.replace(SHOW, cameras=["11010100001320000002"], requested_at=T0 + timedelta(seconds=5))
    before, received = server.call(lambda s: (s.kvsets_rejected, s.kvsets_received))
    _push(
        endpoints,
        (key, body, {"role": "council"}),  # the body says commander
        (key, b'{"kind": "show", "schema": 1, "wall": "wall-1"}', {"role": "commander"}),  # not a valid record
        ("/show/wall-2", body, {"role": "commander"}),  # the body names another wall
        (key, body, {"role": "commander"}),
        (key, r.encode(newer), {"role": "commander"}),
    )
    _wait_received(server, received + 5)
    deadline = time.monotonic() + 5
    while server.call(lambda s: s.items("/show/")) != [(key, r.encode(newer))] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.call(lambda s: s.items("/show/")) == [(key, r.encode(newer))]
    assert server.call(lambda s: s.kvsets_rejected) - before == 3


@pytest.fixture
def backend(endpoints: Endpoints) -> Iterator[tuple[ChpServer, SimBackend]]:
    server, sim_backend = make_backend(endpoints, seed=5, speed=1, history_days=1, now=START)
    start_backend(server, sim_backend)
    yield server, sim_backend
    server.stop()


def _a_case(sim: Simulation, step: r.Step) -> SimCase:
    return next(c for c in sorted(sim.cases.values(), key=lambda c: c.no) if c.open and c.step is step)


def _decision(case: SimCase, action: r.DecisionAction, dept: str | None) -> r.Decision:
    return r.Decision(
        schema=1, case_no=case.no, n=case.decisions + 1, decided_at=START, action=action, dept=dept,
        by="会商", role="council",
    )  # fmt: skip


def test_a_routing_decision_on_a_case_not_yet_filed_is_refused_and_published_first_otherwise(
    backend: tuple[ChpServer, SimBackend], endpoints: Endpoints
) -> None:
    server, sim_backend = backend
    collected, filed = server.call(lambda _: (_a_case(sim_backend.sim, S.COLLECTED), _a_case(sim_backend.sim, S.FILED)))
    unfiled = _decision(collected, r.DecisionAction.ASSIGN, "d-cgzf")
    routed = _decision(filed, r.DecisionAction.ASSIGN, "d-cgzf")
    sub: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"/")
    sub.connect(endpoints.updates)
    try:
        time.sleep(0.5)  # the subscription reaches the publisher
        council = {"role": "council"}
        _push(endpoints, (r.key_of(unfiled), r.encode(unfiled), council), (r.key_of(routed), r.encode(routed), council))
        _wait_received(server, 2)
        order: list[str] = []
        deadline = time.monotonic() + 5
        while f"/case/{filed.no}" not in order and time.monotonic() < deadline:
            if sub.poll(200):
                frames = sub.recv_multipart()
                if frames[0].decode() in (r.key_of(routed), f"/case/{filed.no}", r.key_of(unfiled)):
                    order.append(frames[0].decode())
    finally:
        sub.close(linger=0)
    assert server.kvset_rejects == {"refused": 1}
    assert order == [r.key_of(routed), f"/case/{filed.no}"]  # the decision, then the case it changed
    held = dict(server.call(lambda s: s.items("/case/")))
    case = r.decode(f"/case/{filed.no}", held[f"/case/{filed.no}"])
    assert isinstance(case, r.Case) and case.step is S.DISPATCHED and case.dept == "d-cgzf"
    event = case.timeline[-1]
    assert (event.action, event.step, event.dept, event.actor) == (r.Action.DECISION, S.DISPATCHED, "d-cgzf", "会商")
    still = r.decode(f"/case/{collected.no}", held[f"/case/{collected.no}"])
    assert isinstance(still, r.Case) and all(e.action is not r.Action.DECISION for e in still.timeline)


def test_the_councils_own_decision_is_drained_before_the_case_it_changed() -> None:
    sim = Simulation(load_district(), seed=8, start=START)
    sim.run(until=START + timedelta(hours=10))
    sim.drain()
    case = _a_case(sim, S.FILED)
    case.hard = True
    n = case.decisions + 1
    sim._on_council((case.no, case.version))
    keys = [key for key, _ in sim.drain()]
    assert keys[:2] == [f"/decision/{case.no}/{n}", f"/case/{case.no}"]


def test_street_records_carry_the_full_name_of_the_reference_data() -> None:
    with STREETS_CSV.open(encoding="utf-8", newline="") as f:
        names = {row["code"]: row["name"] for row in csv.DictReader(f)}
    published = [msgspec.json.decode(body) for _, body in ScriptedFeed(cases=1).reference()]
    assert {x["code"]: x["name"] for x in published} == names
    sim = Simulation(load_district(), seed=1, start=START)
    streets = [msgspec.json.decode(b) for k, b in sim.reference() if k.startswith("/street/")]
    assert {x["code"]: x["name"] for x in streets} == names
