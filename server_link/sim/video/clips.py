"""The demo's video clips: a few short street-camera test scenes, drawn and encoded once per process.

Each clip is ``CLIP_SEGMENTS`` segments of ``SEGMENT_FRAMES`` H.264 frames (libx264, ultrafast,
zerolatency: no B-frames, so pts = dts = frame number), with a keyframe, preceded by its SPS/PPS,
at the start of every segment, so any segment can be served on its own. The scene is drawn straight
into the YUV planes with byte slices (``server_link`` keeps numpy out of its run time): sky, a
skyline, a road with vehicles that loop seamlessly over the clip, and a clock strip (a bar that
fills once a second and a cell lit per frame) that makes the frame rate visible. Clips differ in
colours and speeds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import av

WIDTH: Final = 480
HEIGHT: Final = 270
FPS: Final = 15
SEGMENT_S: Final = 2
SEGMENT_FRAMES: Final = FPS * SEGMENT_S
CLIP_SEGMENTS: Final = 3
CLIP_FRAMES: Final = SEGMENT_FRAMES * CLIP_SEGMENTS
CLIPS: Final = 6
TIME_BASE: Final = Fraction(1, FPS)

_X264: Final = {
    "preset": "ultrafast",
    "tune": "zerolatency",
    "g": str(SEGMENT_FRAMES),
    "keyint_min": str(SEGMENT_FRAMES),
    "sc_threshold": "0",
}

Rgb = tuple[int, int, int]
_SKIES: Final[tuple[Rgb, ...]] = (
    (110, 160, 220),
    (235, 170, 120),
    (80, 90, 130),
    (170, 200, 210),
    (200, 200, 190),
    (60, 70, 110),
)
_ROADS: Final[tuple[Rgb, ...]] = ((70, 70, 75), (90, 85, 80), (50, 50, 60), (80, 80, 80), (100, 95, 90), (45, 45, 50))
_CARS: Final[tuple[Rgb, ...]] = (
    (200, 40, 40),
    (240, 220, 60),
    (40, 90, 200),
    (230, 230, 230),
    (30, 160, 80),
    (250, 140, 30),
)


@dataclass(frozen=True, slots=True)
class Clip:
    """One encoded clip: ``frames[n]`` is frame n's H.264 access unit (Annex B) and whether it is a
    keyframe; segment j is ``frames[j * SEGMENT_FRAMES:(j + 1) * SEGMENT_FRAMES]``."""

    index: int
    frames: tuple[tuple[bytes, bool], ...]

    def chunk(self, j: int) -> tuple[tuple[bytes, bool], ...]:
        return self.frames[j * SEGMENT_FRAMES : (j + 1) * SEGMENT_FRAMES]


_lock = threading.Lock()
_clips: tuple[Clip, ...] | None = None


def shared_clips() -> tuple[Clip, ...]:
    """The ``CLIPS`` clips, made on the first call (a fraction of a second) and kept for the process."""
    global _clips
    with _lock:
        if _clips is None:
            _clips = tuple(make_clip(i) for i in range(CLIPS))
        return _clips


def make_clip(index: int) -> Clip:
    """Draw and encode clip ``index`` (its colours and speeds follow from the index)."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    ctx.time_base = TIME_BASE
    ctx.framerate = Fraction(FPS)
    ctx.options = dict(_X264)
    scene = _Scene(index)
    packets = [p for n in range(CLIP_FRAMES) for p in ctx.encode(scene.frame(n))] + ctx.encode(None)
    frames = tuple((bytes(p), bool(p.is_keyframe)) for p in packets)
    if len(frames) != CLIP_FRAMES or [p.pts for p in packets] != list(range(CLIP_FRAMES)):
        raise RuntimeError(f"libx264 gave {len(frames)} packets out of order for {CLIP_FRAMES} frames")
    keys = [n for n, (_, key) in enumerate(frames) if key]
    if keys != list(range(0, CLIP_FRAMES, SEGMENT_FRAMES)):
        raise RuntimeError(f"libx264 put keyframes at {keys}, not at every segment's start")
    return Clip(index, frames)


def _yuv(rgb: Rgb) -> tuple[int, int, int]:
    """BT.601 limited-range Y, U, V of an sRGB colour."""
    r, g, b = rgb
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return round(y), round(u), round(v)


def _shade(rgb: Rgb, k: float) -> Rgb:
    return (min(255, round(rgb[0] * k)), min(255, round(rgb[1] * k)), min(255, round(rgb[2] * k)))


class _Planes:
    """The three planes of one yuv420p picture as bytearrays laid out as the frame's planes are."""

    def __init__(self, strides: tuple[int, int, int]) -> None:
        self.strides = strides
        self.data = (
            bytearray(strides[0] * HEIGHT),
            bytearray(strides[1] * (HEIGHT // 2)),
            bytearray(strides[2] * (HEIGHT // 2)),
        )

    def copy(self) -> _Planes:
        other = _Planes.__new__(_Planes)
        other.strides = self.strides
        other.data = (bytearray(self.data[0]), bytearray(self.data[1]), bytearray(self.data[2]))
        return other

    def rect(self, x0: int, y0: int, x1: int, y1: int, rgb: Rgb) -> None:
        """Fill [x0, x1) × [y0, y1), clipped to the picture."""
        x0, x1, y0, y1 = max(0, x0), min(WIDTH, x1), max(0, y0), min(HEIGHT, y1)
        if x0 >= x1 or y0 >= y1:
            return
        for plane, value in enumerate(_yuv(rgb)):
            s = 1 if plane == 0 else 2  # chroma is half size both ways
            a, b = x0 // s, (x1 + s - 1) // s
            run = bytes((value,)) * (b - a)
            stride, buf = self.strides[plane], self.data[plane]
            for row in range(y0 // s, (y1 + s - 1) // s):
                buf[row * stride + a : row * stride + b] = run


class _Scene:
    """Clip ``index``'s street: a static background and what moves on it, frame by frame."""

    KERB = 160
    LANES = ((172, 206, 1), (226, 260, -1))  # top, bottom, direction

    def __init__(self, index: int) -> None:
        self.index = index
        probe = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        strides = (probe.planes[0].line_size, probe.planes[1].line_size, probe.planes[2].line_size)
        self.background = self._background(_Planes(strides))
        # Vehicles: (lane, length, colour, start x, laps per clip); whole laps loop without a jump.
        self.vehicles = [
            (lane, 56 + 14 * ((index + k) % 3), _CARS[(index + 2 * k + lane) % len(_CARS)], k * 190 + 37 * index, laps)
            for lane in (0, 1)
            for k, laps in enumerate((1 + (index + lane) % 3, 2 + (index + lane) % 2))
        ]

    def _background(self, p: _Planes) -> _Planes:
        sky, road = _SKIES[self.index % len(_SKIES)], _ROADS[self.index % len(_ROADS)]
        for y in range(0, self.KERB, 8):
            p.rect(0, y, WIDTH, y + 8, _shade(sky, 0.8 + 0.4 * y / self.KERB))
        x = 0
        for k in range(12):  # a skyline of blocks with lit windows
            w, h = 30 + (k * 17 + self.index * 11) % 40, 40 + (k * 29 + self.index * 13) % 70
            grey = _shade((120, 115, 110), 0.6 + 0.08 * ((k + self.index) % 5))
            p.rect(x, self.KERB - h, x + w - 3, self.KERB, grey)
            for wy in range(self.KERB - h + 6, self.KERB - 8, 12):
                for wx in range(x + 5, x + w - 10, 10):
                    p.rect(wx, wy, wx + 5, wy + 6, (230, 220, 150) if (wx + wy + k) % 3 else (60, 60, 70))
            x += w
        p.rect(0, self.KERB, WIDTH, self.KERB + 10, (170, 170, 165))
        p.rect(0, self.KERB + 10, WIDTH, HEIGHT, road)
        for dash in range(0, WIDTH, 48):
            p.rect(dash, 214, dash + 26, 218, (235, 235, 235))
        return p

    def frame(self, n: int) -> av.VideoFrame:
        p = self.background.copy()
        for lane, length, colour, x0, laps in self.vehicles:
            top, bottom, direction = self.LANES[lane]
            lap = WIDTH + length
            x = (x0 + direction * laps * lap * n // CLIP_FRAMES) % lap - length
            p.rect(x, top, x + length, bottom, colour)
            p.rect(x + 8, top + 4, x + length - 8, top + 12, _shade(colour, 0.5))  # windows
        tick = n % FPS
        p.rect(0, 0, WIDTH, 12, (20, 20, 20))
        p.rect(0, 2, (tick + 1) * WIDTH // FPS, 10, (255, 255, 255))  # fills once a second
        cell = WIDTH // FPS
        p.rect(tick * cell, 12, (tick + 1) * cell, 20, (255, 40, 40))  # one cell per frame
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for plane, data in zip(frame.planes, p.data, strict=True):
            plane.update(bytes(data))
        frame.pts = n
        return frame
