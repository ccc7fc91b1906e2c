"""Benchmark: sixteen tiles of live video on the camera wall — frames per tile, the console's CPU and
the GUI thread's event-loop latency.

Run: ``.venv/bin/python tests/bench/camera_wall.py [--seconds S] [--tiles N] [--warmup S]``

The simulated backend runs in another process with its cameras' video (``grid-backend-sim --video``:
live HLS on 127.0.0.1, 480x270 H.264 at 15 frames/s). This process runs the console offscreen with
one window holding the camera wall at 1920x1080; once the camera records are in, ``--tiles`` online
cameras go on the wall (16: the 4x4 layout) and, after ``--warmup`` seconds, frames are counted per
tile as QtMultimedia's video sinks deliver them while a precise 20 ms ``QTimer`` on the GUI thread
measures how late it fires. The reference measured in the same run: how many frames of the same
stream one core decodes with nothing else running (PyAV's FFmpeg, ``decode_alone``), so that
``load`` = the frames the wall asks for / that figure says how close to this machine's limit the wall
runs. Aim: every tile ≥ 15 frames/s with p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{os.environ.get('QTWEBENGINE_CHROMIUM_FLAGS', '')} --no-sandbox"

import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
from PySide6.QtWidgets import QApplication
from wall_latency import cpu_seconds, pct, sample_latency  # this folder's sibling

from console.shell.app import parse_args
from console.shell.composition import build
from console.shell.roles import COMMANDER, WindowPlan
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.sim.video.clips import FPS, HEIGHT, WIDTH, shared_clips
from server_link.sim.video.segments import ClipStream
from widgets.camera_wall import CameraWall


def decode_alone(seconds: float = 3.0) -> float:
    """Frames of the demo's stream one core decodes per second (PyAV), nothing else running."""
    import av

    stream = ClipStream(shared_clips()[0])
    data = b"".join(stream.segment(i) for i in range(3))
    frames, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        with av.open(io.BytesIO(data), format="mpegts") as container:
            for _ in container.decode(video=0):
                frames += 1
    return frames / (time.perf_counter() - began)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--tiles", type=int, default=16, choices=(1, 4, 9, 16))
    p.add_argument("--warmup", type=float, default=8.0, help="seconds of video before measuring")
    args = p.parse_args()
    reference = decode_alone()
    app = QApplication(sys.argv[:1])  # noqa: F841  (kept alive for the run)
    endpoints = Endpoints.free_loopback()
    backend = subprocess.Popen(
        [sys.executable, "-m", "server_link.sim.cli", "--endpoint", str(endpoints), "--video", "--history", "0.2"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert backend.stdout is not None and backend.stdout.readline().startswith("serving")
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_DATA_HOME"] = tmp  # the wall's kept tiles: not the user's
            argv = ["--endpoint", str(endpoints), "--db", f"{tmp}/wall.db"]
            console = build(parse_args(argv), COMMANDER, [WindowPlan(("cameras",))])
            console.window.resize(1920, 1080)
            console.window.show()
            wall = console.panels["cameras"].widget
            assert isinstance(wall, CameraWall)
            deadline = time.monotonic() + 60
            while not console.situation.pictured and time.monotonic() < deadline:
                sample_latency(0.5)
            cams = sorted(c.id for c in console.situation.of_kind(r.Camera) if isinstance(c, r.Camera) and c.online)
            wall.show_cameras(cams[: args.tiles], tiles=args.tiles)
            sample_latency(args.warmup)
            tiles = wall.shown
            frames0, cpu0, backend0, t0 = (
                [t.feed.frames for t in tiles],
                time.process_time(),
                cpu_seconds(backend.pid),
                time.monotonic(),
            )
            busy = sample_latency(args.seconds)
            elapsed = time.monotonic() - t0
            rates = [(t.feed.frames - f0) / elapsed for t, f0 in zip(tiles, frames0, strict=True)]
            cpu = (time.process_time() - cpu0) / elapsed
            backend_cpu = (cpu_seconds(backend.pid) - backend0) / elapsed
            states = sorted({t.feed.state.value for t in tiles})
            painted = sum(t.painted for t in tiles)
            console.close()
    finally:
        backend.terminate()
        backend.wait(10)
    asked = args.tiles * FPS
    print(f"this machine: one core decodes {reference:,.0f} frames/s of the demo's {WIDTH}x{HEIGHT} stream (PyAV)")
    print(
        f"{args.tiles} tiles for {elapsed:.0f} s: frames/s per tile min {min(rates):.1f} median "
        f"{statistics.median(rates):.1f} max {max(rates):.1f} (the streams carry {FPS}); feeds {', '.join(states)}; "
        f"{painted:,} tile paints"
    )
    print(
        f"GUI event loop: p50 {pct(busy, 50):.1f} ms p95 {pct(busy, 95):.1f} ms p99 {pct(busy, 99):.1f} ms "
        f"max {max(busy):.0f} ms ({len(busy)} ticks)"
    )
    print(
        f"CPU: the console {cpu:.0%} of a core (all its threads: the decoders are among them); the backend and its "
        f"video server {backend_cpu:.0%}; this machine has {os.cpu_count()} cores"
    )
    print(
        f"RESULT camera_wall tiles={args.tiles} fps_min={min(rates):.1f} fps_median={statistics.median(rates):.1f} "
        f"p99_ms={pct(busy, 99):.0f} console_cpu={cpu:.2f} decode_alone_fps={reference:.0f} "
        f"load={asked / reference:.2f}"
    )


if __name__ == "__main__":
    main()
