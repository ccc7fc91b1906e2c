"""Benchmark: one backend at 10,000 updates/s → one relay → 16 followers, each ending with ``--verify``.

Run: ``.venv/bin/python tests/bench/fanout.py [--seconds 60] [--warmup 15] [--followers 16] [--rate 10000]``

Every part is a process of its own on 127.0.0.1, as in a center: the simulated backend in load mode
(``grid-backend-sim --rate N --history 1``), the relay (``grid-link relay``, docs/protocol.md §2.2),
and the followers, each a ``grid-link probe --seconds W+S --verify`` on the relay's endpoint, all
started together once the relay is LIVE. The first W seconds (``--warmup``) are their start and
first snapshot; the S seconds after (``--seconds``) are measured. Each follower's figures come from
its own per-second lines in those S seconds: its rate (how far its sequence moved per second while
LIVE: every KVPUB of the backend counts), its gaps and re-syncs, and then its ``VERIFY`` verdict —
its map compared with a fresh snapshot of the relay at the same sequence, which is the backend's map
at that sequence (the relay keeps the backend's sequence numbers). The relay's rate and every
process's CPU are taken over the same S seconds.

Reference in the same run, first, with nothing else running: raw pyzmq on this machine — a PUB in
another process sending five-frame CHP messages as fast as it can to one SUB that only receives and
counts (``link_ingest.py``'s raw phase, the same frames). The result line's ``ratio`` is what the
followers received in all (the sum of their rates) over that one raw receiver's rate: how much of a
raw receiver's capacity the whole fan-out delivers on this machine. CPU time of each part is printed
too: the machine's cores are shared by all of them. Each follower is a Python process that decodes
and checks every update (about half a core at 10,000/s here), so on a small machine the followers
together ask for more CPU than there is, and the figures show how it was shared out rather than what
the relay could carry; ``--rate``, ``--followers`` and ``--follower-nice`` (the followers stand for
consoles on other machines) tell the two apart.

The last line is ``RESULT fanout followers=N verify_ok=K/N asked_per_s=… relay_per_s=…
follower_min_per_s=… follower_mean_per_s=… gaps=… resyncs=… total_per_s=… raw_per_s=… ratio=…``.
The exit status is 1 when a follower did not print ``VERIFY OK``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from link_ingest import _expect, _load, _stop, publisher_main, run_raw  # this folder's sibling

from server_link.endpoints import Endpoints

_LINE = re.compile(r"^(?P<state>\w+)\s+seq=(?P<seq>\d+) .*?gaps=(?P<gaps>\d+) resyncs=(?P<resyncs>\d+)")
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Follower:
    rate: float
    gaps: int
    resyncs: int
    live_lines: int
    lines: int
    verdict: str


def reference(messages: int) -> float:
    """Raw pyzmq, five-frame CHP messages, PUB in another process → one SUB: messages/s."""
    spawn = mp.get_context("spawn")
    conn, child = spawn.Pipe()
    proc = spawn.Process(target=publisher_main, args=(child, messages, 1, 5000), name="fanout-raw", daemon=True)
    proc.start()
    try:
        _expect(conn, "ready")
        raw = run_raw(conn, messages, 0)
    finally:
        _stop(proc, conn)
    for problem in raw.problems:
        print(f"WARNING reference: {problem}")
    return raw.rate


class Lines:
    """A child process's stdout, read by a thread so the child never blocks on a full pipe."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no line starting {prefix!r} within {timeout:g} s: {self.lines[-3:]}")
                self._cond.wait(left)


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def follower(out: str, warmup: int) -> Follower:
    """A probe's figures from its output (one line a second, then the verify lines), over the lines
    after the first ``warmup``: the line that ends the warm-up is the mark."""
    stats = [m for m in (_LINE.match(line) for line in out.splitlines()) if m]
    window = stats[max(0, warmup - 1) :]
    live = [(i, int(m["seq"])) for i, m in enumerate(window) if m["state"] == "LIVE"]
    rate = (live[-1][1] - live[0][1]) / (live[-1][0] - live[0][0]) if len(live) > 1 else 0.0
    verdict = next((line for line in out.splitlines() if line.startswith(("VERIFY", "grid-link:"))), "no verdict")
    if not window:
        return Follower(0.0, 0, 0, 0, 0, verdict)
    mark, last = window[0], window[-1]
    return Follower(
        rate,
        int(last["gaps"]) - int(mark["gaps"]),
        int(last["resyncs"]) - int(mark["resyncs"]),
        len(live),
        len(window),
        verdict,
    )


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0, help="how long the followers are measured (default 60)")
    p.add_argument(
        "--warmup", type=int, default=15,
        help="seconds the followers follow before they are measured: sixteen Python processes starting and "
        "taking their snapshots at once (default 15)",
    )  # fmt: skip
    p.add_argument("--followers", type=int, default=16)
    p.add_argument("--rate", type=float, default=10_000, help="the backend's updates per second")
    p.add_argument("--messages", type=int, default=200_000, help="messages of the raw reference")
    p.add_argument(
        "--follower-nice", type=int, default=0,
        help="run the followers at this niceness (they stand for consoles on other machines)",
    )  # fmt: skip
    args = p.parse_args()
    print(
        f"fanout: {args.followers} followers for {args.seconds:g} s at {args.rate:,.0f}/s; load {_load()}", flush=True
    )

    raw = reference(args.messages)
    print(f"reference: raw pyzmq PUB → SUB, five-frame CHP messages, {raw:,.0f}/s on this machine", flush=True)

    backend_ep = Endpoints.free_loopback()
    run_for = args.seconds + 300  # an upper bound: both are stopped when the followers are done
    backend = subprocess.Popen(
        [sys.executable, "-m", "server_link.sim.cli", "--endpoint", str(backend_ep), "--rate", f"{args.rate:g}",
         "--history", "1", "--seconds", f"{run_for:g}"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    relay: subprocess.Popen[str] | None = None
    probes: list[subprocess.Popen[str]] = []
    try:
        Lines(backend).wait_for("serving", 120)
        relay_ep = Endpoints.free_loopback()  # the backend's ports are taken by now
        relay = subprocess.Popen(
            [sys.executable, "-m", "server_link.cli", "relay", "--upstream", str(backend_ep), "--endpoint",
             str(relay_ep), "--seconds", f"{run_for:g}"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        relay_out = Lines(relay)
        relay_out.wait_for("upstream LIVE", 120)
        print(f"relay LIVE on {relay_ep}, following {backend_ep}; starting the followers", flush=True)

        def niced() -> None:
            os.nice(args.follower_nice)

        probe_argv = [sys.executable, "-m", "server_link.cli", "probe", "--endpoint", str(relay_ep)]
        probe_argv += ["--seconds", f"{args.warmup + args.seconds:g}", "--verify"]
        probes = [
            subprocess.Popen(probe_argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=niced)
            for _ in range(args.followers)
        ]
        time.sleep(args.warmup)
        pids = (backend.pid, relay.pid, *(probe.pid for probe in probes))
        cpu_mark = {pid: cpu_seconds(pid) for pid in pids}
        seq0, t0 = _relay_seq(relay_out), time.monotonic()
        time.sleep(args.seconds)
        elapsed = time.monotonic() - t0
        relay_per_s = (_relay_seq(relay_out) - seq0) / elapsed
        cpu = {pid: (cpu_seconds(pid) - cpu_mark[pid]) / elapsed for pid in pids}
        probes_cpu = sum(cpu[probe.pid] for probe in probes)
        outs = [probe.communicate(timeout=120)[0] for probe in probes]
        relay_last = relay_out.lines[-1] if relay_out.lines else ""
    finally:
        everyone = [*probes, *([relay] if relay is not None else []), backend]
        for proc in everyone:
            if proc.poll() is None:
                proc.terminate()
        for proc in everyone:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    results = [follower(out, args.warmup) for out in outs]
    for i, (f, out) in enumerate(zip(results, outs, strict=True), start=1):
        print(
            f"follower {i:2d}: {f.rate:>8,.0f}/s  gaps {f.gaps:<3d} resyncs {f.resyncs:<3d} "
            f"LIVE {f.live_lines}/{f.lines} lines measured  {f.verdict}"
        )
        if f.verdict == "no verdict":
            print("  " + "\n  ".join(out.splitlines()[-5:]))
    ok = sum(f.verdict == "VERIFY OK" for f in results)
    rates = [f.rate for f in results]
    total = sum(rates)
    print(f"relay at the end: {relay_last}")
    print(
        f"CPU (cores busy): backend {cpu[backend.pid]:.2f}, relay {cpu[relay.pid]:.2f}, "
        f"{args.followers} followers {probes_cpu:.2f} in all; {os.cpu_count()} cores; load {_load()}"
    )
    print(
        f"RESULT fanout followers={args.followers} verify_ok={ok}/{args.followers} asked_per_s={args.rate:.0f} "
        f"relay_per_s={relay_per_s:.0f} follower_min_per_s={min(rates):.0f} "
        f"follower_mean_per_s={statistics.mean(rates):.0f} gaps={sum(f.gaps for f in results)} "
        f"resyncs={sum(f.resyncs for f in results)} total_per_s={total:.0f} raw_per_s={raw:.0f} "
        f"ratio={total / raw if raw else 0.0:.2f}"
    )
    return 0 if ok == args.followers else 1


def _relay_seq(lines: Lines) -> int:
    for line in reversed(lines.lines):
        m = re.search(r" seq=(\d+) ", line)
        if m:
            return int(m[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
