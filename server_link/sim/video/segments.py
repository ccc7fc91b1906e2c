"""Endless MPEG-TS streams cut from the clips by remuxing, and the live HLS playlist that lists them.

Segment ``k`` of a clip's stream is the clip's chunk ``k % CLIP_SEGMENTS``, remuxed (never
re-encoded) with its timestamps moved on by ``k // CLIP_SEGMENTS`` clip lengths, so the stream's
timestamps run on without a jump back at a loop (no ``#EXT-X-DISCONTINUITY``: Qt's player dropped to
a few frames a second on one).

Every segment is muxed on its own, so its MPEG-TS continuity counters would start at 0 each time;
an HLS demuxer reads the segments as one transport stream, sees the counters jump at each boundary
and flags the last packet of the segment corrupt (FFmpeg: "Packet corrupt"). So the counters are
renumbered to run on from the previous segment: a chunk always muxes to the same number of packets
per PID whatever its timestamps (the muxer's PSI and PCR timing is relative), so where segment
``k`` starts follows from counts taken once per chunk.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from typing import Final

import av

from server_link.sim.video.clips import (
    CLIP_FRAMES,
    CLIP_SEGMENTS,
    HEIGHT,
    SEGMENT_FRAMES,
    SEGMENT_S,
    TIME_BASE,
    WIDTH,
    Clip,
)

TS_PACKET: Final = 188
_SYNC: Final = 0x47
_NULL_PID: Final = 0x1FFF
_START: Final = 1  # frames of lead before a stream's first timestamp (no timestamp at zero)


class ClipStream:
    """One clip's endless stream: ``segment(k)`` for any ``k >= 0``; safe to call from any thread."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self._counts = [_payload_packets(self._mux(j, 0)) for j in range(CLIP_SEGMENTS)]
        self._per_loop: Counter[int] = sum(self._counts, Counter())

    def segment(self, k: int) -> bytes:
        """Segment ``k``: MPEG-TS bytes holding ``SEGMENT_FRAMES`` frames from a keyframe on."""
        if k < 0:
            raise ValueError(f"segment {k} is before the stream's start")
        loops, j = divmod(k, CLIP_SEGMENTS)
        ts = bytearray(self._mux(j, loops * CLIP_FRAMES))
        before = Counter({pid: n * loops for pid, n in self._per_loop.items()})
        for earlier in self._counts[:j]:
            before.update(earlier)
        _renumber(ts, before)
        return bytes(ts)

    def _mux(self, j: int, shift: int) -> bytes:
        buf = io.BytesIO()
        with av.open(buf, "w", format="mpegts") as out:
            stream = out.add_mux_stream("h264", width=WIDTH, height=HEIGHT)
            first = _START + shift + j * SEGMENT_FRAMES
            for n, (data, key) in enumerate(self.clip.chunk(j)):
                packet = av.Packet(data)
                packet.stream = stream
                packet.time_base = TIME_BASE
                packet.pts = packet.dts = first + n
                packet.duration = 1
                packet.is_keyframe = key
                out.mux(packet)
        return buf.getvalue()


def playlist(first: int, count: int) -> str:
    """A live HLS playlist (no end tag) of segments ``first`` … ``first + count - 1`` as ``<seq>.ts``."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_S}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
    ]
    for seq in range(first, first + count):
        lines += [f"#EXTINF:{SEGMENT_S:.3f},", f"{seq}.ts"]
    return "\n".join(lines) + "\n"


def _packets(ts: bytes | bytearray) -> range:
    if len(ts) % TS_PACKET:
        raise ValueError(f"{len(ts)} bytes is not a whole number of TS packets")
    return range(0, len(ts), TS_PACKET)


def _header(ts: bytes | bytearray, at: int) -> tuple[int, bool]:
    """The PID of the TS packet at ``at`` and whether it carries a payload (only those count)."""
    if ts[at] != _SYNC:
        raise ValueError(f"no TS sync byte at {at}")
    return ((ts[at + 1] & 0x1F) << 8) | ts[at + 2], bool(ts[at + 3] & 0x10)


def _payload_packets(ts: bytes | bytearray) -> Counter[int]:
    """How many payload-carrying TS packets each PID has in ``ts``."""
    counts: Counter[int] = Counter()
    for at in _packets(ts):
        pid, payload = _header(ts, at)
        counts[pid] += payload
    return counts


def _renumber(ts: bytearray, before: Mapping[int, int]) -> None:
    """Set each packet's continuity counter as if ``before[pid]`` payload packets of its PID had
    been sent ahead of it (a packet without payload repeats the last counter, ISO 13818-1 2.4.3.3)."""
    sent = dict(before)
    for at in _packets(ts):
        pid, payload = _header(ts, at)
        if pid == _NULL_PID:
            continue
        n = sent.get(pid, 0)
        if payload:
            sent[pid] = n + 1
        else:
            n -= 1
        ts[at + 3] = (ts[at + 3] & 0xF0) | (n & 0x0F)
