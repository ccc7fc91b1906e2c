"""The simulator's camera video (server_link/sim/video): live HLS over real HTTP on 127.0.0.1,
segments decoded with PyAV, offline cameras refused, strict paths, and the camera records' links."""

from __future__ import annotations

import http.client
import io
import itertools
import socket
import threading
from collections.abc import Iterator
from fractions import Fraction

import av
import pytest

from console.core.cameras import checked_stream_url
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.sim.backend import make_backend, start_backend, stop_backend
from server_link.sim.video import CameraFeeds
from server_link.sim.video import feeds as feeds_module
from server_link.sim.video.clips import (
    CLIP_FRAMES,
    CLIP_SEGMENTS,
    CLIPS,
    FPS,
    HEIGHT,
    SEGMENT_FRAMES,
    SEGMENT_S,
    WIDTH,
    shared_clips,
)
from server_link.sim.video.segments import TS_PACKET, ClipStream

ON = "11010100081316000002"
OFF = "11010100081316000003"
UNKNOWN = "11010100081316999999"
TICKS = 90_000 // FPS  # one frame in MPEG-TS's 90 kHz clock


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cameras() -> dict[str, bool]:
    return {ON: True, OFF: False}


@pytest.fixture
def feeds(clock: Clock, cameras: dict[str, bool]) -> Iterator[CameraFeeds]:
    f = CameraFeeds(clock=clock)
    f.start(cameras)
    yield f
    f.stop()


def get(feeds: CameraFeeds, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", feeds.port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def frames_of(ts: bytes) -> list[av.VideoFrame]:
    """Decode an MPEG-TS byte string; fail on any packet the demuxer flags corrupt."""
    out: list[av.VideoFrame] = []
    with av.open(io.BytesIO(ts), "r", format="mpegts") as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            assert not packet.is_corrupt, f"corrupt packet at pts {packet.pts}"
            out += packet.decode()
    return out


def pts(frame: av.VideoFrame) -> int:
    assert frame.pts is not None
    return frame.pts


def steps(frames: list[av.VideoFrame]) -> list[int]:
    """The pts step from each frame to the next."""
    return [pts(b) - pts(a) for a, b in itertools.pairwise(frames)]


def continuity_jumps(ts: bytes) -> list[tuple[int, int]]:
    """(packet number, PID) of every TS packet whose continuity counter does not follow on."""
    last: dict[int, int] = {}
    jumps = []
    for n in range(len(ts) // TS_PACKET):
        head = ts[n * TS_PACKET : n * TS_PACKET + 4]
        pid, cc = ((head[1] & 0x1F) << 8) | head[2], head[3] & 0x0F
        if head[3] & 0x10:
            if pid in last and cc != (last[pid] + 1) % 16:
                jumps.append((n, pid))
            last[pid] = cc
    return jumps


def test_playlist_is_live_hls_and_moves_on_with_the_clock(feeds: CameraFeeds, clock: Clock) -> None:
    status, headers, body = get(feeds, f"/cam/{ON}/live.m3u8")
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "no-cache"
    assert int(headers["Content-Length"]) == len(body)
    assert body.decode("ascii").splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_S}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        *[line for seq in (0, 1, 2) for line in (f"#EXTINF:{SEGMENT_S:.3f},", f"{seq}.ts")],
    ]
    clock.now += 2 * SEGMENT_S + 0.01
    lines = get(feeds, f"/cam/{ON}/live.m3u8")[2].decode("ascii").splitlines()
    assert lines[3] == "#EXT-X-MEDIA-SEQUENCE:2"
    assert [line for line in lines if line.endswith(".ts")] == ["2.ts", "3.ts", "4.ts"]
    assert "#EXT-X-DISCONTINUITY" not in lines and "#EXT-X-ENDLIST" not in lines


def test_segments_play_on_without_a_gap_across_a_clip_loop(feeds: CameraFeeds, clock: Clock) -> None:
    clock.now += SEGMENT_S  # the playlist holds 1..3; 0 is still served
    segments = []
    for seq in range(CLIP_SEGMENTS + 1):  # four in a row: one boundary is a loop of the clip, whatever the phase
        status, headers, body = get(feeds, f"/cam/{ON}/{seq}.ts")
        assert status == 200 and headers["Content-Type"] == "video/mp2t"
        assert int(headers["Content-Length"]) == len(body) and len(body) % TS_PACKET == 0
        segments.append(body)
        alone = frames_of(body)
        assert len(alone) == SEGMENT_FRAMES and alone[0].key_frame  # each segment starts a player by itself
    stream = b"".join(segments)
    assert continuity_jumps(stream) == []
    frames = frames_of(stream)
    assert len(frames) == (CLIP_SEGMENTS + 1) * SEGMENT_FRAMES
    assert {(f.width, f.height) for f in frames} == {(WIDTH, HEIGHT)}
    assert steps(frames) == [TICKS] * (len(frames) - 1)


@pytest.mark.parametrize("k", [1, 2])
def test_a_clip_loop_moves_timestamps_on_by_one_clip(k: int) -> None:
    stream = ClipStream(shared_clips()[2])
    before, after = stream.segment(CLIP_SEGMENTS * k - 1), stream.segment(CLIP_SEGMENTS * k)
    assert continuity_jumps(before + after) == []
    frames = frames_of(before + after)
    assert steps(frames) == [TICKS] * (2 * SEGMENT_FRAMES - 1)
    first_loop = frames_of(stream.segment(0))
    again = frames[SEGMENT_FRAMES:]  # segment CLIP_SEGMENTS * k: the clip's first chunk again
    assert pts(again[0]) - pts(first_loop[0]) == k * CLIP_FRAMES * TICKS
    assert bytes(again[5].planes[0]) == bytes(first_loop[5].planes[0])


def test_clips_are_distinct_and_keyed_at_every_segment() -> None:
    clips = shared_clips()
    assert len(clips) == CLIPS
    assert len({c.frames[0][0] for c in clips}) == CLIPS
    for clip in clips:
        assert len(clip.frames) == CLIP_FRAMES
        assert [n for n, (_, key) in enumerate(clip.frames) if key] == list(range(0, CLIP_FRAMES, SEGMENT_FRAMES))
    moving = frames_of(ClipStream(clips[0]).segment(0))
    assert bytes(moving[0].planes[0]) != bytes(moving[1].planes[0])
    assert moving[1].time_base == Fraction(1, 90_000)


def test_an_offline_camera_is_refused_until_it_is_back(feeds: CameraFeeds, cameras: dict[str, bool]) -> None:
    assert get(feeds, f"/cam/{OFF}/live.m3u8")[0] == 503
    assert get(feeds, f"/cam/{OFF}/1.ts")[0] == 503
    cameras[ON] = False
    assert get(feeds, f"/cam/{ON}/live.m3u8")[0] == 503
    assert get(feeds, f"/cam/{ON}/0.ts")[0] == 503
    cameras[ON] = True
    assert get(feeds, f"/cam/{ON}/live.m3u8")[0] == 200
    assert get(feeds, f"/cam/{ON}/0.ts")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        f"/cam/{UNKNOWN}/live.m3u8",
        f"/cam/{UNKNOWN}/0.ts",
        "/cam/../../etc/passwd",
        f"/cam/{ON}/../../../etc/passwd",
        f"/cam/%2e%2e/{ON}/live.m3u8",
        f"/cam/{ON}/x.ts",
        f"/cam/{ON}/-1.ts",
        f"/cam/{ON}/01.ts",
        f"/cam/{ON}/1.5.ts",
        f"/cam/{ON}/live.m3u8?x=1",
        f"/cam/{ON}/live.m3u8/",
        f"/cam/{ON[:-1]}/live.m3u8",
        f"/cam/{ON}0/live.m3u8",
        f"/cam/{ON}/",
        "/",
        "/cam/",
    ],
)
def test_anything_else_is_not_found(feeds: CameraFeeds, path: str) -> None:
    assert get(feeds, path)[0] == 404


def test_a_segment_outside_the_window_is_not_found(feeds: CameraFeeds, clock: Clock) -> None:
    clock.now += 10 * SEGMENT_S  # playlist: 10, 11, 12; served from 7 (one window behind)
    assert get(feeds, f"/cam/{ON}/7.ts")[0] == 200
    assert get(feeds, f"/cam/{ON}/12.ts")[0] == 200
    assert get(feeds, f"/cam/{ON}/6.ts")[0] == 404
    assert get(feeds, f"/cam/{ON}/13.ts")[0] == 404
    assert get(feeds, f"/cam/{ON}/999999999999.ts")[0] == 404


def test_an_idle_connection_is_dropped(feeds: CameraFeeds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds_module._Handler, "timeout", 0.2)
    with socket.create_connection(("127.0.0.1", feeds.port), timeout=5) as s:
        s.sendall(b"GET /cam/")  # and never the rest
        assert s.recv(100) == b""  # closed by the server, long before our own timeout


def feed_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "camera-feeds"]


def test_stop_ends_the_thread_and_closes_the_socket(clock: Clock) -> None:
    feeds = CameraFeeds(clock=clock)
    assert feeds.base_url == f"http://127.0.0.1:{feeds.port}"
    feeds.start({ON: True})
    assert feeds.running and len(feed_threads()) == 1
    assert get(feeds, f"/cam/{ON}/live.m3u8")[0] == 200
    feeds.stop()
    assert not feeds.running and feed_threads() == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", feeds.port), timeout=5).close()
    feeds.stop()  # a second stop does nothing
    CameraFeeds(clock=clock).stop()  # nor does one never started


def test_url_for_refuses_what_it_would_not_serve(clock: Clock) -> None:
    feeds = CameraFeeds(clock=clock)
    try:
        assert feeds.url_for(ON) == f"{feeds.base_url}/cam/{ON}/live.m3u8"
        for bad in ("123", f"{ON}/../x", "１" * 20):
            with pytest.raises(ValueError, match="20 digits"):
                feeds.url_for(bad)
    finally:
        feeds.stop()


def test_the_simulation_links_its_cameras_to_the_video() -> None:
    server, backend = make_backend(Endpoints.free_loopback(), seed=1, video=True)
    feeds = backend.feeds
    assert feeds is not None
    start_backend(server, backend)
    try:
        cameras = [r.decode(k, b) for k, b in backend.sim.reference() if k.startswith("/camera/")]
        assert len(cameras) == len(backend.sim.district.cameras) > 1000
        for cam in cameras:
            assert isinstance(cam, r.Camera)
            assert cam.url == f"http://127.0.0.1:{feeds.port}/cam/{cam.id}/live.m3u8"
            assert checked_stream_url(cam.url) == cam.url
        one = cameras[0]
        assert isinstance(one, r.Camera) and one.online
        path = f"/cam/{one.id}/live.m3u8"
        assert get(feeds, path)[0] == 200
        backend.sim._on_camera_down(one.id)  # what the simulation's camera_down event does
        assert get(feeds, path)[0] == 503
        key = f"/camera/{one.id}"  # the simulation's own map (its publishing loop may drain the update first)
        went_down = r.decode(key, dict(backend.sim.reference())[key])
        assert isinstance(went_down, r.Camera) and not went_down.online and went_down.url == one.url
        backend.sim._on_camera_up(one.id)
        assert get(feeds, path)[0] == 200
    finally:
        stop_backend(server, backend)
    assert not feeds.running


def test_without_video_the_links_stay_the_districts() -> None:
    server, backend = make_backend(Endpoints.free_loopback(), seed=1)
    start_backend(server, backend)
    try:
        assert backend.feeds is None
        camera_id, site = next(iter(backend.sim.district.cameras.items()))
        assert backend.sim.camera_record(camera_id, True).url == site.url
        assert not site.url.startswith("http://127.0.0.1")
    finally:
        stop_backend(server, backend)
