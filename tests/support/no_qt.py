"""A pytest plugin for a run that must not load Qt: the run fails if PySide6 (or anything built on it)
was imported by the end. ``tests/test_layers.py`` runs the core's tests with it:
``python -m pytest -p no:pytest-qt -p tests.support.no_qt tests/...``."""

from __future__ import annotations

import sys

import pytest
from _pytest.terminal import TerminalReporter

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph", "pytestqt")


def qt_modules_loaded() -> list[str]:
    return sorted(m for m in sys.modules if m.split(".")[0] in QT_MODULES)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if qt_modules_loaded():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    loaded = qt_modules_loaded()
    terminalreporter.write_line(f"QT LOADED: {', '.join(loaded[:12])}" if loaded else "QT NEVER LOADED")
