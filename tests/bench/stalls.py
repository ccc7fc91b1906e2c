"""What the GUI thread was doing while it was late: its Python stack, sampled only during stalls.

A 5 ms timer on the GUI thread stamps a heartbeat; a watcher thread looks every ``every`` seconds,
and while the heartbeat is older than ``after`` it takes the GUI thread's stack
(``sys._current_frames``). The watcher needs the interpreter lock to look, which Python hands over
every few milliseconds while the GUI thread runs Python code; a stall inside one long C call is seen
when the call returns, in the Python frame that made it. The other threads' innermost frames are
taken at the same instants: one running Python code then may be what the GUI thread waits for (the
interpreter lock). Used by ``wall_latency.py --stalls`` and ``soak.py --stalls``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from types import FrameType

from PySide6.QtCore import Qt, QTimer

ROOTS = ("console/", "widgets/", "server_link/")  # the project's own frames, as the line to show


class StallSampler:
    def __init__(self, after: float = 0.03, every: float = 0.005, depth: int = 6) -> None:
        self.after, self.every, self.depth = after, every, depth
        self.samples: Counter[tuple[str, ...]] = Counter()
        self.others: Counter[str] = Counter()  # the other threads' innermost frames at the same samples
        self.stalled_s = 0.0
        self._beat = time.monotonic()
        self._gui = threading.get_ident()
        self._stop = threading.Event()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._on_beat)
        self._watcher = threading.Thread(target=self._watch, name="stall-sampler", daemon=True)

    def start(self) -> StallSampler:
        self._timer.start()
        self._watcher.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._timer.stop()
        self._watcher.join()

    def __enter__(self) -> StallSampler:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _on_beat(self) -> None:
        self._beat = time.monotonic()

    def _watch(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.every):
            now = time.monotonic()
            if now - self._beat > self.after:
                frames = sys._current_frames()
                frame = frames.pop(self._gui, None)
                if frame is not None:
                    self.samples[self._stack(frame)] += 1
                    self.stalled_s += now - last
                    names = {t.ident: t.name for t in threading.enumerate()}
                    frames.pop(threading.get_ident(), None)
                    for ident, other in frames.items():
                        self.others[f"{names.get(ident, ident)}: {self._stack(other)[0]}"] += 1
            last = now

    def _stack(self, frame: FrameType | None) -> tuple[str, ...]:
        """The innermost frame, then the innermost ``depth`` of the project's own below it."""
        lines: list[str] = []
        innermost = True
        while frame is not None and len(lines) < self.depth:
            path = frame.f_code.co_filename
            ours = next((path[path.rindex(root) :] for root in ROOTS if root in path), None)
            if ours or innermost:
                lines.append(f"{ours or path.rsplit('/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
            innermost = False
            frame = frame.f_back
        return tuple(lines)

    def report(self, top: int = 12) -> str:
        total = sum(self.samples.values())
        if not total:
            return "stalls: none sampled"
        out = [f"stalls: {total} samples while the GUI thread was more than {self.after * 1000:.0f} ms late"]
        for stack, n in self.samples.most_common(top):
            out.append(f"  {n / total:5.1%}  " + "\n         ".join(stack))
        out.append("  the other threads meanwhile (a thread waiting in a blocking call holds no lock):")
        for where, n in self.others.most_common(top):
            out.append(f"  {n / total:5.1%}  {where}")
        return "\n".join(out)
