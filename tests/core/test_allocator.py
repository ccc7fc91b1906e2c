"""Giving the C heap's free memory back: done on glibc, at most once a period."""

from __future__ import annotations

import platform
import sys

import pytest

from console.core import allocator

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_give_back_returns_freed_pages_on_glibc() -> None:
    def rss_kib() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    # 64 MiB in blocks malloc keeps in its heap (below the mmap threshold), every other one freed:
    # the holes cannot be returned from the heap's top, only by malloc_trim.
    blocks = [bytearray(64 * 1024 - 64) for _ in range(1024)]
    del blocks[::2]
    before = rss_kib()
    took = allocator.give_back()
    assert took is not None and took >= 0
    assert rss_kib() < before - 16 * 1024
    del blocks


def test_every_gives_back_once_a_period(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(allocator, "give_back", lambda: calls.append(1) or 0.001)
    now = [100.0]
    every = allocator.Every(60.0, clock=lambda: now[0])
    assert every() is None
    now[0] = 159.0
    assert every() is None and calls == []
    now[0] = 160.0
    assert every() == 0.001 and calls == [1]
    now[0] = 200.0
    assert every() is None and calls == [1]
    now[0] = 221.0
    assert every() == 0.001 and calls == [1, 1]
