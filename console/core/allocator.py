"""Giving the C allocator's free memory back to the system, now and then.

Not a domain rule: a process matter the console's two processes share (the shell's GUI process and
the store's child). Under a day of load both grew by memory freed but kept: glibc's heap held 40 →
61 MiB free while what it held in use stayed flat (tests/bench/soak.py --heap, docs/performance.md).
glibc returns free memory to the system only from the top of its heap, or when told to:
``malloc_trim(0)`` gives back every free page of every arena. Elsewhere (musl, macOS, Windows) there
is no such call, and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import Final

log = logging.getLogger(__name__)

EVERY_S: Final = 60.0  # how often the processes give back; a call takes a few milliseconds


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back() -> float | None:
    """Return the C heap's free pages to the system; the seconds it took, or None where the C library
    cannot. The interpreter lock is let go during the call (ctypes), so other threads go on."""
    trim = _malloc_trim()
    if trim is None:
        return None
    start = time.perf_counter()
    trim(0)
    took = time.perf_counter() - start
    log.debug("free memory given back in %.1f ms", took * 1000)
    return took


class Every:
    """``give_back`` at most once in ``period`` seconds, for a loop that looks often (the store's child)."""

    def __init__(self, period: float = EVERY_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._period = period
        self._clock = clock
        self._next = clock() + period

    def __call__(self) -> float | None:
        now = self._clock()
        if now < self._next:
            return None
        self._next = now + self._period
        return give_back()
