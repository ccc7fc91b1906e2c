"""``grid-link conform``: it passes our backends and names each fault of a backend that breaks the page.

Real ZeroMQ sockets on 127.0.0.1; every run follows its backend for a couple of seconds and ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from server_link import cli
from server_link.conform.checks import CHECKS, Result, Status
from server_link.conform.report import conform
from server_link.endpoints import Endpoints
from server_link.feed import FeedPump, ScriptedFeed
from server_link.server import ChpServer
from server_link.sim.backend import make_backend, start_backend
from server_link.workcal import BEIJING
from tests.support.faulty_backend import FAULTS, FaultyBackend

SECONDS = 2.0
# The checks each fault must fail, and nothing else may fail with it.
EXPECTED: dict[str, set[str]] = {
    "sequence_skip": {"sequence.one_by_one"},
    "kthxbai_behind": {"snapshot.sequence"},
    "snapshot_gap": {"snapshot.consistent"},
    "subtree_ignored": {"snapshot.subtree"},
    "kvsync_frames": {"snapshot.framing"},
    # A console rejects a malformed KVPUB before the sequence rule, so the next one shows a gap.
    "kvpub_uuid": {"updates.framing", "sequence.one_by_one"},
    "hugz_slow": {"heartbeat.interval"},
    "hugz_sequence": {"heartbeat.content"},
    "epoch_changes": {"epoch"},
    "bad_key": {"keys"},
    "bad_body": {"bodies"},
    "member_order": {"bodies.member_order"},
    "timeline_jump": {"cases.timeline"},
    "escalated_small": {"cases.timeline"},
    "no_echo": {"commands.echo", "commands.refused"},  # neither echoed nor refused
    # What it published for the invalid commands is itself invalid: consoles would reject it.
    "accepts_invalid": {"commands.refused", "bodies"},
}
COMMAND_FAULTS = {"no_echo", "accepts_invalid"}


def _failed(results: list[Result]) -> set[str]:
    return {res.name for res in results if res.status is Status.FAIL}


def test_every_fault_of_the_test_backend_is_expected_to_fail_some_check() -> None:
    assert EXPECTED.keys() == FAULTS.keys()
    names = {fn.__name__ for fn in CHECKS}
    assert len(names) == len(CHECKS)


@pytest.fixture
def reference_server(endpoints: Endpoints) -> Iterator[ChpServer]:
    server = ChpServer(endpoints).start()
    pump = FeedPump(server, ScriptedFeed(cases=300, seed=5), rate=200).start()
    yield server
    pump.stop()
    server.stop()


def test_the_reference_server_conforms(reference_server: ChpServer, endpoints: Endpoints) -> None:
    results = conform(endpoints, SECONDS, try_commands=True)
    assert _failed(results) == set(), [r for r in results if r.status is Status.FAIL]
    by_name = {res.name: res for res in results}
    assert by_name["commands.echo"].status is Status.PASS  # tried, not skipped
    assert by_name["commands.refused"].status is Status.PASS
    assert by_name["cases.timeline"].status is Status.PASS
    # Three commands refused by the server itself: changed, deleted, and a body naming another key.
    assert sum(reference_server.kvset_rejects.values()) == 3


def test_the_simulator_conforms(endpoints: Endpoints) -> None:
    server, backend = make_backend(
        endpoints, seed=3, speed=600, history_days=0.2, now=datetime(2026, 11, 24, 10, 0, tzinfo=BEIJING)
    )
    start_backend(server, backend)
    try:
        results = conform(endpoints, SECONDS, try_commands=True)
    finally:
        server.stop()
    assert _failed(results) == set(), [r for r in results if r.status is Status.FAIL]
    statuses = {res.name: res.status for res in results}
    assert statuses["commands.echo"] is statuses["snapshot.consistent"] is Status.PASS
    assert statuses["codes.reference"] is statuses["meta.backend"] is Status.PASS  # the SHOULDs too


def test_the_faultless_test_backend_conforms(endpoints: Endpoints) -> None:
    """The control: every failure below is the fault's, not the test backend's."""
    with FaultyBackend(endpoints):
        results = conform(endpoints, SECONDS, try_commands=True)
    assert _failed(results) == set(), [r for r in results if r.status is Status.FAIL]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_conform_names_each_fault(fault: str, endpoints: Endpoints, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["conform", "--endpoint", f"tcp://127.0.0.1:{endpoints.port}", "--seconds", str(SECONDS)]
    if fault in COMMAND_FAULTS:
        argv.append("--try-commands")
    with FaultyBackend(endpoints, frozenset({fault})):
        status = cli.main(argv)
    lines = capsys.readouterr().out.splitlines()
    failed = {line.split()[1] for line in lines if line.startswith("FAIL")}
    assert status == 1
    assert failed == EXPECTED[fault], "\n".join(lines)
    assert lines[-1].endswith(": FAIL")


def test_nothing_listening_fails_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = Endpoints.free_loopback()
    assert cli.main(["conform", "--endpoint", f"tcp://127.0.0.1:{quiet.port}", "--seconds", "0.5"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  snapshot.complete" in out
    assert "FAIL  updates.framing" in out and "nothing at all arrived" in out
