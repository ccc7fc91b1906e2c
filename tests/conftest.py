"""Shared fixtures: loopback endpoints, a reference server, leak checks for link threads, and a
throw-away PostgreSQL server for the store's tests (tests/store_support/postgres.py).

Nothing here imports Qt: the core's tests run without it (``tests/test_layers.py`` runs them with
``-p no:pytest-qt`` and checks PySide6 was never loaded). Qt's own setup happens only in a run that
loads Qt at all (pytest-qt does, by default): see ``pytest_collection_finish``.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

import pytest

# Read by Qt when the first QApplication is made, and by QtWebEngine when it starts: harmless without Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# What a console keeps in the user's folders (its camera wall's tiles, alarm rules) goes to a folder of
# the run's own, never to the home folder of whoever runs the tests.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="grid-console-tests-data-")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="grid-console-tests-config-")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--no-sandbox" not in flags:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()

from server_link.agent import where_is
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.store_support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

_OUR_THREADS = ("grid-link-agent", "chp-server", "feed-pump", "camera-feeds")


def pytest_collection_finish(session: pytest.Session) -> None:
    """QtWebEngine must be imported before the QApplication exists (ARCHITECTURE.md). After collection
    no test has run, so pytest-qt has not made its QApplication yet; and Qt is loaded only if the run
    needs it (pytest-qt, or a collected test module, imported it), so a Qt-free run stays Qt-free."""
    if "PySide6" in sys.modules:
        import PySide6.QtWebEngineWidgets  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on the real PostgreSQL server (CI's log must show they ran, not skipped)."""
    counts = {
        outcome: sum(1 for report in terminalreporter.stats.get(outcome, []) if "postgres" in report.keywords)
        for outcome in ("passed", "failed", "error", "skipped")
    }
    if any(counts.values()):
        terminalreporter.write_line(
            "PostgreSQL (a throw-away server, tests/store_support/postgres.py): "
            + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        )


@pytest.fixture(autouse=True)
def _no_dangling_link_threads() -> Iterator[None]:
    """Fail a test that leaves a link agent, server or feed thread running."""
    before = {t.ident for t in threading.enumerate()}
    yield
    left = [t for t in threading.enumerate() if t.ident not in before and t.name in _OUR_THREADS and t.is_alive()]
    assert not left, "threads left running:\n" + "\n".join(f"{t.name} at\n{where_is(t)}" for t in left)


@pytest.fixture(autouse=True)
def _nothing_left_frozen() -> Iterator[None]:
    """A console that took over a picture froze the heap (console/shell/heap.py): thaw it for the next test."""
    yield
    gc.unfreeze()


@pytest.fixture
def endpoints() -> Endpoints:
    return Endpoints.free_loopback()


@pytest.fixture
def server(endpoints: Endpoints) -> Iterator[ChpServer]:
    srv = ChpServer(endpoints).start()
    yield srv
    srv.stop()
