"""Run a line-speaking child process (the ingest child, ``ingest_child``; the console child,
``tests/support/console_child.py``) and read its stdout lines from a named thread."""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READER_THREAD = "ingest-child-reader"  # watched by tests/store_support/threads.py


class LineChild:
    """A child process (``python -m <module> <args>``) plus every line it printed (``lines``), read
    until it exits; its stderr goes to ``log``."""

    def __init__(self, module: str, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
            bufsize=1,
        )  # fmt: skip
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=READER_THREAD, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(self.lines[-1])
        self._new.put(None)

    def expect(self, prefix: str, timeout: float) -> str:
        """The next line starting with ``prefix`` (earlier other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"the child exited before {prefix!r}:\n{self.stderr()}")
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no {prefix!r} line within {timeout} s:\n{self.stderr()}")

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs in the child."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._finish()

    def quit(self, timeout: float = 60) -> int:
        self.send("QUIT")
        code = self.proc.wait(timeout)
        self._finish()
        return code

    def _finish(self) -> None:
        self._reader.join(30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        self._log_file.close()

    def close(self) -> None:
        """Make sure the child is gone (used in ``finally``)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        if self._reader.is_alive() or not self._log_file.closed:
            self._finish()

    def stderr(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]


class IngestChild(LineChild):
    """The ingest child: a ``LinkClient`` feeding a ``Store``, with an operator action every ``actions_every`` s."""

    def __init__(self, endpoint: str, db: Path, log: Path, actions_every: float = 0.1) -> None:
        args = ["--endpoint", endpoint, "--db", str(db), "--actions-every", str(actions_every)]
        super().__init__("tests.store_support.ingest_child", args, log)

    def confirmed(self) -> list[int]:
        return [int(line.split()[1]) for line in self.lines if line.startswith("CONFIRMED ")]
