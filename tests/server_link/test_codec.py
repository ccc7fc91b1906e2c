"""Property tests for the CHP frame codec and the record codec."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_link import chp
from server_link import records as r

keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda k: len(k.encode()) <= chp.MAX_KEY_BYTES
)
prop_names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="=\n"), min_size=1, max_size=10)
prop_values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=20)


@given(
    key=keys,
    seq=st.integers(0, 2**64 - 1),
    body=st.binary(max_size=200),
    props=st.dictionaries(prop_names, prop_values, max_size=4),
    uuid=st.sampled_from([b"", bytes(range(16))]),
)
def test_frames_round_trip(key: str, seq: int, body: bytes, props: dict[str, str], uuid: bytes) -> None:
    msg = chp.Message(key, seq, body, props, uuid)
    frames = msg.frames()
    assert len(frames) == 5 and len(frames[1]) == 8
    assert chp.decode(frames) == msg


@given(st.lists(st.binary(max_size=40), max_size=7))
def test_arbitrary_frames_decode_or_raise_frame_error(frames: list[bytes]) -> None:
    try:
        msg = chp.decode(frames)
    except chp.FrameError as exc:
        assert exc.reason in {"frames", "sequence", "uuid", "key", "properties"}
    else:
        assert msg.frames()[1] == frames[1] and msg.body == frames[4]


@given(st.dictionaries(keys, st.binary(max_size=30), max_size=20), st.randoms())
def test_digest_ignores_order_and_sees_every_change(items: dict[str, bytes], rnd: object) -> None:
    pairs = list(items.items())
    shuffled = pairs[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert chp.map_digest(pairs) == chp.map_digest(shuffled)
    if pairs:
        k, v = pairs[0]
        assert chp.map_digest([(k, v + b"!"), *pairs[1:]]) != chp.map_digest(pairs)


utc_times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
idents = st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,20}\Z")
texts = st.text(max_size=300)
events = st.builds(
    r.Event,
    at=utc_times,
    step=st.sampled_from(r.Step),
    action=st.sampled_from(r.Action),
    dept=st.none() | idents,
    actor=st.text(max_size=20),
    note=texts,
)


@st.composite
def cases(draw: st.DrawFn) -> r.Case:
    street = draw(st.integers(1, 17))
    grid = f"110101{street:03d}{draw(st.integers(0, 999)):03d}{draw(st.integers(0, 999)):03d}"
    received = draw(utc_times)
    return r.Case(
        schema=1,
        no=draw(st.from_regex(r"\A[A-Z0-9][A-Z0-9_-]{3,20}\Z")),
        channel=draw(idents),
        category=draw(idents),
        title=draw(st.text(max_size=200)),
        text=draw(texts),
        address=draw(st.text(max_size=100)),
        lon=draw(st.floats(116.38, 116.45)),
        lat=draw(st.floats(39.85, 39.98)),
        unit_grid=grid,
        street=grid[:9],
        step=draw(st.sampled_from(r.Step)),
        loop=draw(st.sampled_from(r.Loop)),
        dept=draw(st.none() | idents),
        urgency=draw(st.sampled_from(r.Urgency)),
        received_at=received,
        step_at=received + timedelta(minutes=draw(st.integers(0, 10_000))),
        deadline=draw(st.none() | utc_times),
        escalated=draw(st.booleans()),
        hard=draw(st.booleans()),
        reports=draw(st.integers(1, 9)),
        satisfied=draw(st.none() | st.booleans()),
        timeline=draw(st.lists(events, max_size=8)),
    )


@settings(max_examples=200)
@given(cases())
def test_case_records_round_trip(case: r.Case) -> None:
    body = r.encode(case)
    assert r.decode(r.key_of(case), body) == case
    assert json.loads(body)["kind"] == "case"


@given(st.binary(max_size=300))
def test_arbitrary_bodies_are_rejected_with_a_reason(body: bytes) -> None:
    with pytest.raises(r.RecordError) as info:
        r.decode("/case/DC0000000001", body)
    assert info.value.reason in {"json", "schema", "version", "key"}


@settings(max_examples=100)
@given(cases(), st.sampled_from(["lon", "step", "unit_grid", "received_at", "timeline", "reports"]))
def test_a_wrong_field_rejects_the_whole_record(case: r.Case, field: str) -> None:
    doc = json.loads(r.encode(case))
    doc[field] = {"lon": "east", "step": "LOST", "unit_grid": "12345", "received_at": "yesterday",
                  "timeline": [{"at": 1}], "reports": 0}[field]  # fmt: skip
    with pytest.raises(r.RecordError) as info:
        r.decode(r.key_of(case), json.dumps(doc).encode())
    assert info.value.reason == "schema"


def test_naive_timestamps_are_rejected() -> None:
    doc = json.loads(r.encode(_sample()))
    doc["received_at"] = "2026-11-27T09:30:00"
    with pytest.raises(r.RecordError, match="schema"):
        r.decode("/case/DC0000000001", json.dumps(doc).encode())


def test_camera_urls_only_rtsp_and_http() -> None:
    ok = {"kind": "camera", "schema": 1, "id": "11010100081310000001", "name": "东直门桥北", "lon": 116.43,
          "lat": 39.94, "url": "rtsp://10.8.1.2/live/cam1"}  # fmt: skip
    key = "/camera/11010100081310000001"
    assert r.decode(key, json.dumps(ok).encode())
    for url in ("file:///etc/passwd", "javascript:alert(1)", "rtsp://x/a b; rm -rf /", "ftp://h/x"):
        with pytest.raises(r.RecordError, match="schema"):
            r.decode(key, json.dumps({**ok, "url": url}).encode())


def _sample() -> r.Case:
    t = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    return r.Case(schema=1, no="DC0000000001", channel="12345", category="c.1", title="t", lon=116.41,
                  lat=39.92, unit_grid="110101001001001", street="110101001", step=r.Step.FILED,
                  loop=r.Loop.SMALL, received_at=t, step_at=t)  # fmt: skip
