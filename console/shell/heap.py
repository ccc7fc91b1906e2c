"""Keeping Python's cycle collector from stalling the GUI thread.

The console holds ~175,000 objects the cycle collector tracks at 10,000 updates/s (the picture, the
district, Qt's and pyqtgraph's wrappers, imported modules). A full collection visits them all: 110–290
ms on the GUI thread (it holds the interpreter lock), every 20–60 s — the longest stalls the wall had
(tests/bench/wall_latency.py, docs/performance.md). Almost all of it lives as long as the picture on
show. So once a picture has taken over, ``settle()`` collects once and moves what survives to the
permanent generation (``gc.freeze``): later collections visit only what was made since. Frozen objects
are still freed when nothing refers to them; only cycles among them wait, until the next take-over,
which unfreezes before it collects.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle() -> float:
    """Collect everything (the frozen part included), then freeze the survivors; the seconds it took."""
    start = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    took = time.perf_counter() - start
    log.debug("heap settled in %.0f ms: %d objects frozen", took * 1000, gc.get_freeze_count())
    return took
