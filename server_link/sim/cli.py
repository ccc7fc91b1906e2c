"""``grid-backend-sim``: the simulated Dongcheng case backend, or its calibration.

grid-backend-sim [--endpoint tcp://127.0.0.1:5556] [--speed 60] [--history 7] [--seed 1]
                 [--rate N] [--surge rainstorm@2026-11-28T14:00] [--seconds N] [--video [--video-port P]]
grid-backend-sim calibrate --days 30 --seed 1
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from server_link.curve import KeyPair
from server_link.district import load_district
from server_link.endpoints import Endpoints
from server_link.sim import calibrate as cal
from server_link.sim.backend import make_backend, start_backend, stop_backend
from server_link.sim.profiles import parse_surge
from server_link.workcal import BEIJING


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["calibrate"]:
            return _calibrate(argv[1:])
        return _serve(argv)
    except (ValueError, OSError) as exc:
        print(f"grid-backend-sim: {exc}", file=sys.stderr)
        return 2


def _calibrate(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="grid-backend-sim calibrate", description="simulate at full speed and compare")
    p.add_argument("--days", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    started = time.perf_counter()
    figures, hourly, expected = cal.calibrate(load_district(), args.days, args.seed)
    print(f"simulated {args.days:g} days in {time.perf_counter() - started:.1f} s (seed {args.seed})")
    print(cal.report(figures, hourly, expected))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grid-backend-sim", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--endpoint", default="tcp://127.0.0.1:5556", help="CHP base address (P, P+1, P+2, P+3)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (1 to 3600)")
    p.add_argument("--history", type=float, default=0.0, help="days of past to pre-generate")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", help="simulated 'now' (ISO time, Beijing if no offset); default: the real now")
    p.add_argument("--rate", type=float, help="load mode: publish N realistic updates per second")
    p.add_argument("--surge", action="append", default=[], help="KIND@TIME, e.g. rainstorm@2026-11-28T14:00")
    p.add_argument("--seconds", type=float, default=0.0, help="exit after N seconds (0: run until stopped)")
    p.add_argument(
        "--updates", type=int, help="publish this many updates after the initial ones, then only serve (a soak's end)"
    )
    p.add_argument("--keys", type=Path, help="server key pair (NAME.key_secret): turns on CurveZMQ")
    p.add_argument("--authorized", type=Path, help="folder of authorised console public keys")
    p.add_argument("--hwm", type=int, default=200_000, help="PUB send high-water mark")
    p.add_argument("--video", action="store_true", help="serve the cameras' live video on 127.0.0.1 (HLS)")
    p.add_argument("--video-port", type=int, default=0, help="port of the video (0: any free port)")
    return p


def _serve(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    now = None
    if args.start is not None:
        now = datetime.fromisoformat(args.start)
        now = now if now.tzinfo else now.replace(tzinfo=BEIJING)
    server, backend = make_backend(
        Endpoints.parse(args.endpoint),
        seed=args.seed,
        speed=args.speed,
        history_days=args.history,
        rate=args.rate,
        now=now,
        surges=[parse_surge(s) for s in args.surge],
        keys=KeyPair.load(args.keys) if args.keys else None,
        authorized=args.authorized,
        hwm=args.hwm,
        video=args.video,
        video_port=args.video_port,
        updates=args.updates,
    )
    start_backend(server, backend)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    mode = f"rate {args.rate:g}/s" if args.rate else f"speed {args.speed:g}x"
    print(
        f"serving {args.endpoint} epoch={server.epoch} {mode} clock={backend.sim.now:%Y-%m-%d %H:%M}",
        flush=True,
    )
    if backend.feeds is not None:
        print(f"camera video at {backend.feeds.base_url}/cam/<camera id>/live.m3u8", flush=True)
    try:
        stop.wait(args.seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        stop_backend(server, backend)
    print(f"published {server.published} updates, sequence {server.sequence}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
