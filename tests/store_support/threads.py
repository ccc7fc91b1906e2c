"""A fixture that fails a test leaving a store writer (or link, server, feed) thread running."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from console.store.writer import WRITER_THREAD

WATCHED = (WRITER_THREAD, "grid-link-agent", "chp-server", "feed-pump", "ingest-child-reader")


@pytest.fixture
def no_store_threads() -> Iterator[None]:
    before = {t.ident for t in threading.enumerate()}
    yield
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.name in WATCHED and t.is_alive()]
    assert not left, f"threads left running: {left}"
