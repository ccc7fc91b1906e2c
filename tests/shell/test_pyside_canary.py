"""Canary for the PySide6 trap: 6.12.0 on CPython 3.11 leaks a reference to True per emit."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_ten_thousand_emits_leave_the_refcount_of_true_stable() -> None:
    emitter = _Emitter()
    got: list[object] = []
    emitter.fired.connect(got.append)
    before = sys.getrefcount(True)
    for i in range(10_000):
        emitter.fired.emit(i)
    after = sys.getrefcount(True)
    assert len(got) == 10_000
    assert abs(after - before) < 100, f"refcount(True) moved from {before} to {after}"
