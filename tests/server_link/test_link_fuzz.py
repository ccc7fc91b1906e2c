"""Property-based fuzzing of the codec and the link agent's handlers: arbitrary frames never raise out
of them, never cost a valid neighbour, and are always counted (hypothesis)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
import zmq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from server_link import chp, records
from server_link.agent import LinkConfig, _Agent
from server_link.endpoints import Endpoints
from server_link.link_state import LinkState
from server_link.mirror import Mirror
from tests.support.link import case, item

FRAME = st.binary(max_size=64) | st.sampled_from([b"", b"HUGZ", b"/case/", b"KTHXBAI", b"\xff\xfe", b"{}"])
FRAMES = st.lists(FRAME, min_size=0, max_size=7)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)
KEYS = st.sampled_from(["/case/DC0000000001", "/camera/11010100081310000001", "/department/d-x", "/meta/x"])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(FRAMES)
@FUZZ
def test_the_codec_raises_only_its_own_error(frames: list[bytes]) -> None:
    with contextlib.suppress(chp.FrameError):
        chp.decode(frames)


@given(KEYS | st.text(max_size=40), st.binary(max_size=300))
@FUZZ
def test_record_decoding_raises_only_its_own_error_for_any_bytes(key: str, body: bytes) -> None:
    with contextlib.suppress(records.RecordError):
        records.decode(key, body)


@given(KEYS, JSON, st.integers(min_value=1, max_value=200_000))
@FUZZ
def test_record_decoding_raises_only_its_own_error_for_any_json(key: str, value: object, depth: int) -> None:
    body = json.dumps(value).encode()
    for candidate in (body, b"[" * depth + body + b"]" * depth, b'{"schema":1,"kind":"case","x":' + body + b"}"):
        with contextlib.suppress(records.RecordError):
            records.decode(key, candidate)


@pytest.fixture
def agent(endpoints: Endpoints) -> Iterator[tuple[_Agent, Mirror]]:
    """An agent fed by hand (its handlers, not its sockets), live at sequence 0."""
    mirror = Mirror()
    ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    a = _Agent(LinkConfig(endpoints), mirror, ctx, "inproc://fuzz")
    yield a, mirror
    a._close_dealer()
    ctx.term()


def _junk_update(frames: list[bytes], sequence: int) -> list[bytes]:
    """Arbitrary frames, except that a well-shaped sequence frame is the next one (so the junk is in
    order, and only its content is hostile)."""
    if len(frames) == 5 and len(frames[1]) == 8:
        frames = [frames[0], chp.encode_sequence(sequence), *frames[2:]]
    return frames


@given(st.lists(FRAMES, min_size=1, max_size=20))
@FUZZ
def test_arbitrary_kvpubs_never_raise_never_cost_a_neighbour_and_are_counted(
    agent: tuple[_Agent, Mirror], junk: list[list[bytes]]
) -> None:
    a, mirror = agent
    a.syncing, a.state, a.epoch, a.last_seq = False, LinkState.LIVE, "e1", 0
    a.rejects.clear()
    a.updates_total = 0
    mirror.bodies.clear()  # the fixture serves every example
    mirror.records.clear()
    neighbours = {}
    for n, frames in enumerate(junk, start=1):
        assume(frames[:1] != [b"HUGZ"])  # a heartbeat is not junk: it may rightly re-sync
        key, body = item(case(n))
        neighbours[key] = body
        assume(not frames or frames[0] != key.encode())
        a._on_update([key.encode(), chp.encode_sequence(a.last_seq + 1), b"", b"", body])
        a._on_update(_junk_update(frames, a.last_seq + 1))
    a._flush()
    assert not a.syncing, a.last_resync
    assert {k: mirror.bodies.get(k) for k in neighbours} == neighbours
    junk_applied = a.updates_total - len(neighbours)
    assert sum(a.rejects.values()) + junk_applied == len(junk), (dict(a.rejects), junk_applied)


@given(st.lists(FRAMES, min_size=1, max_size=20))
@FUZZ
def test_arbitrary_kvsyncs_never_raise_never_cost_a_neighbour_and_are_counted(
    agent: tuple[_Agent, Mirror], junk: list[list[bytes]]
) -> None:
    a, mirror = agent
    a.syncing, a.state = True, LinkState.CONNECTING
    a.rejects.clear()
    a.snapshot, a.snapshot_bytes = {}, 0
    mirror.resets = 0  # the fixture serves every example
    neighbours, held = {}, {}
    for n, frames in enumerate(junk, start=1):
        assume(frames[:1] != [b"KTHXBAI"])  # the end of the snapshot is not junk
        key, body = item(case(n))
        neighbours[key] = body
        assume(not frames or frames[0] != key.encode())
        a._on_snapshot([key.encode(), chp.encode_sequence(0), b"", b"", body])
        before = sum(a.rejects.values())
        a._on_snapshot(frames)
        if sum(a.rejects.values()) == before:  # not refused on arrival: held for the KTHXBAI
            held[frames[0].decode()] = frames[4]
    refused_on_arrival = sum(a.rejects.values())
    a._on_snapshot([b"KTHXBAI", chp.encode_sequence(7), b"", chp.encode_properties({"epoch": "e1"}), b"/"])
    assert mirror.resets == 1 and not a.syncing
    assert {k: mirror.bodies.get(k) for k in neighbours} == neighbours
    # Every junk KVSYNC held is, at the KTHXBAI, applied, refused (counted), or empty (ignored, §6).
    applied = sum(1 for k in held if k in mirror.records)
    empty = sum(1 for v in held.values() if not v)
    assert sum(a.rejects.values()) - refused_on_arrival + applied + empty == len(held)
